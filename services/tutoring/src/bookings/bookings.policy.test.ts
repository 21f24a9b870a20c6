import { describe, expect, it } from 'vitest'
import {
  cancelRefundPercent,
  cancellationSettlement,
  lessonPriceMinor,
  meetingUrl,
  parsePackageRef,
  sqlState,
} from './bookings.policy.ts'

const policy = { freeCancelHours: 24, lateCancelRefundPercent: 50 }
const start = new Date('2030-01-10T10:00:00Z')
const hoursBefore = (h: number) => new Date(start.getTime() - h * 3_600_000)

describe('happy', () => {
  it('prices a lesson like commerce: rate × minutes / 60, rounded half up', () => {
    expect(lessonPriceMinor(4000, 60)).toBe(4000)
    expect(lessonPriceMinor(4000, 45)).toBe(3000)
    expect(lessonPriceMinor(4555, 30)).toBe(2278) // 2277.5 → 2278
    expect(lessonPriceMinor(1001, 45)).toBe(751) // 750.75 → 751
    expect(lessonPriceMinor(1, 30)).toBe(1) // 0.5 → 1
  })

  it('learner refunds depend on the notice; tutors and admins always refund in full', () => {
    expect(cancelRefundPercent('learner', start, hoursBefore(24), policy)).toBe(100)
    expect(cancelRefundPercent('learner', start, hoursBefore(23.9), policy)).toBe(50)
    expect(cancelRefundPercent('tutor', start, hoursBefore(1), policy)).toBe(100)
    expect(cancelRefundPercent('admin', start, hoursBefore(0.1), policy)).toBe(100)
  })

  it('a credit comes back only on a full refund; anything else settles in commerce', () => {
    expect(cancellationSettlement('credit', 100)).toEqual({ returnCredit: true, publish: false })
    expect(cancellationSettlement('credit', 50)).toEqual({ returnCredit: false, publish: true })
    expect(cancellationSettlement('checkout', 100)).toEqual({ returnCredit: false, publish: true })
    expect(cancellationSettlement('checkout', 0)).toEqual({ returnCredit: false, publish: true })
  })

  it('fills the meeting URL template', () => {
    expect(
      meetingUrl('https://m.test/{tutorId}/{bookingId}?t={token}', {
        bookingId: 'bkg_1',
        tutorId: 'tut_2',
        token: 'ab',
      }),
    ).toBe('https://m.test/tut_2/bkg_1?t=ab')
  })
})

describe('errors', () => {
  it('parses package refs strictly', () => {
    expect(parsePackageRef('tut:usr_abc:60:x10')).toEqual({
      tutorUserId: 'usr_abc',
      minutes: 60,
      lessons: 10,
    })
    expect(parsePackageRef('tut:usr_abc:60')).toBeNull()
    expect(parsePackageRef('tut:usr abc:60:x10')).toBeNull()
    expect(parsePackageRef('crs_1')).toBeNull()
  })

  it('finds the SQLSTATE and constraint of a wrapped driver error', () => {
    const driver = Object.assign(new Error('conflicting key value'), {
      code: '23P01',
      constraint: 'bookings_tutor_no_overlap',
    })
    expect(sqlState(new Error('query failed', { cause: driver }))).toEqual({
      code: '23P01',
      constraint: 'bookings_tutor_no_overlap',
    })
    expect(sqlState(new Error('plain'))).toBeNull()
  })
})
