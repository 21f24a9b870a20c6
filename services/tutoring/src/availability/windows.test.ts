import { describe, expect, it } from 'vitest'
import {
  expandAvailability,
  isValidTimeZone,
  localInstant,
  mergeIntervals,
  slotStarts,
  subtractIntervals,
} from './windows.ts'

const iso = (d: Date) => d.toISOString()
const span = (a: string, b: string) => ({ start: new Date(a), end: new Date(b) })
const hours = (i: { start: Date; end: Date }) => (i.end.getTime() - i.start.getTime()) / 3_600_000

describe('availability windows', () => {
  describe('happy', () => {
    it('a weekly 09:00–17:00 window stays 09:00–17:00 local across the spring DST change (Europe/Paris)', () => {
      const rules = [{ weekday: 1, startMinute: 540, endMinute: 1020 }]
      const w = expandAvailability(
        'Europe/Paris',
        rules,
        [],
        new Date('2026-03-22T00:00:00Z'),
        new Date('2026-04-01T00:00:00Z'),
      )
      // Monday 23 March: UTC+1; Monday 30 March: UTC+2 (clocks went forward on Sunday 29 March).
      expect(w.map((i) => [iso(i.start), iso(i.end)])).toEqual([
        ['2026-03-23T08:00:00.000Z', '2026-03-23T16:00:00.000Z'],
        ['2026-03-30T07:00:00.000Z', '2026-03-30T15:00:00.000Z'],
      ])
      expect(w.map(hours)).toEqual([8, 8])
    })

    it('on the night clocks go forward a 01:00–04:00 window lasts 2 hours; on the night they go back, 4', () => {
      const sunday = [{ weekday: 7, startMinute: 60, endMinute: 240 }]
      const spring = expandAvailability(
        'Europe/Paris',
        sunday,
        [],
        new Date('2026-03-28T12:00:00Z'),
        new Date('2026-03-30T00:00:00Z'),
      )
      expect(spring.map((i) => [iso(i.start), iso(i.end)])).toEqual([
        ['2026-03-29T00:00:00.000Z', '2026-03-29T02:00:00.000Z'],
      ])
      const autumn = expandAvailability(
        'Europe/Paris',
        sunday,
        [],
        new Date('2026-10-24T12:00:00Z'),
        new Date('2026-10-26T00:00:00Z'),
      )
      expect(autumn.map((i) => [iso(i.start), iso(i.end)])).toEqual([
        ['2026-10-24T23:00:00.000Z', '2026-10-25T03:00:00.000Z'],
      ])
      expect(autumn.map(hours)).toEqual([4])
    })

    it('a local time inside the spring-forward gap moves forward by the gap; 24:00 is the next midnight', () => {
      expect(iso(localInstant('Europe/Paris', { year: 2026, month: 3, day: 29 }, 150))).toBe(
        '2026-03-29T01:30:00.000Z',
      ) // 02:30 does not exist → 03:30 CEST
      expect(iso(localInstant('America/New_York', { year: 2026, month: 11, day: 1 }, 1440))).toBe(
        '2026-11-02T05:00:00.000Z',
      )
    })

    it('US and European DST changes on different dates: the same local window has a different UTC offset in between', () => {
      const rules = [{ weekday: 1, startMinute: 540, endMinute: 600 }]
      const ny = expandAvailability(
        'America/New_York',
        rules,
        [],
        new Date('2026-03-01T00:00:00Z'),
        new Date('2026-03-17T00:00:00Z'),
      )
      expect(ny.map((i) => iso(i.start))).toEqual([
        '2026-03-02T14:00:00.000Z',
        '2026-03-09T13:00:00.000Z',
        '2026-03-16T13:00:00.000Z',
      ])
    })

    it('exceptions: time off removes part of a window, an extra window adds one, touching windows merge', () => {
      const rules = [
        { weekday: 2, startMinute: 540, endMinute: 720 },
        { weekday: 2, startMinute: 720, endMinute: 1020 },
      ]
      const w = expandAvailability(
        'UTC',
        rules,
        [
          {
            kind: 'unavailable',
            startsAt: new Date('2026-05-05T12:00:00Z'),
            endsAt: new Date('2026-05-05T13:00:00Z'),
          },
          {
            kind: 'available',
            startsAt: new Date('2026-05-09T10:00:00Z'),
            endsAt: new Date('2026-05-09T12:00:00Z'),
          },
        ],
        new Date('2026-05-04T00:00:00Z'),
        new Date('2026-05-11T00:00:00Z'),
      )
      expect(w.map((i) => [iso(i.start), iso(i.end)])).toEqual([
        ['2026-05-05T09:00:00.000Z', '2026-05-05T12:00:00.000Z'],
        ['2026-05-05T13:00:00.000Z', '2026-05-05T17:00:00.000Z'],
        ['2026-05-09T10:00:00.000Z', '2026-05-09T12:00:00.000Z'],
      ])
    })

    it('slots fit inside windows, skip busy blocks, and keep this lesson’s buffer free', () => {
      const windows = [span('2026-05-05T09:00:00Z', '2026-05-05T12:00:00Z')]
      const busy = [span('2026-05-05T10:00:00Z', '2026-05-05T10:45:00Z')] // a 30-min lesson + 15-min buffer
      const slots = slotStarts(windows, busy, {
        minutes: 60,
        bufferMinutes: 15,
        stepMinutes: 30,
        earliest: new Date('2026-05-05T00:00:00Z'),
        latest: new Date('2026-05-06T00:00:00Z'),
      })
      // 09:00 would end 10:00 + 15 min buffer → collides; 11:00–12:00 fits.
      expect(slots.map((s) => iso(s.start))).toEqual(['2026-05-05T11:00:00.000Z'])
    })

    it('merge and subtract are exact on edges', () => {
      expect(
        mergeIntervals([
          span('2026-01-01T10:00:00Z', '2026-01-01T11:00:00Z'),
          span('2026-01-01T09:00:00Z', '2026-01-01T10:00:00Z'),
        ]).map(hours),
      ).toEqual([2])
      expect(
        subtractIntervals(
          [span('2026-01-01T09:00:00Z', '2026-01-01T12:00:00Z')],
          [span('2026-01-01T09:00:00Z', '2026-01-01T12:00:00Z')],
        ),
      ).toEqual([])
    })
  })

  describe('errors', () => {
    it('unknown time zones are not valid; real ones are', () => {
      expect(isValidTimeZone('Europe/Paris')).toBe(true)
      expect(isValidTimeZone('UTC')).toBe(true)
      expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false)
      expect(isValidTimeZone('')).toBe(false)
    })

    it('an empty or inverted range has no windows', () => {
      const rules = [{ weekday: 1, startMinute: 0, endMinute: 1440 }]
      expect(
        expandAvailability(
          'UTC',
          rules,
          [],
          new Date('2026-05-04T10:00:00Z'),
          new Date('2026-05-04T10:00:00Z'),
        ),
      ).toEqual([])
      expect(
        expandAvailability(
          'UTC',
          rules,
          [],
          new Date('2026-05-05T10:00:00Z'),
          new Date('2026-05-04T10:00:00Z'),
        ),
      ).toEqual([])
    })
  })
})
