import { describe, expect, it } from 'vitest'
import { enrollmentStatus } from './status.ts'

const now = new Date('2026-06-01T12:00:00Z')
const base = { status: 'active', expiresAt: null, completedAt: null }

describe('enrollmentStatus', () => {
  it('is active for an active enrollment without expiry or cohort', () => {
    expect(enrollmentStatus(base, null, now)).toBe('active')
  })
  it('is revoked before anything else', () => {
    expect(
      enrollmentStatus({ ...base, status: 'revoked', expiresAt: new Date('2020-01-01') }, null, now),
    ).toBe('revoked')
  })
  it('is expired once expiresAt has passed (inclusive)', () => {
    expect(enrollmentStatus({ ...base, expiresAt: now }, null, now)).toBe('expired')
    expect(enrollmentStatus({ ...base, expiresAt: new Date(now.getTime() + 1) }, null, now)).toBe('active')
  })
  it('is upcoming while the cohort has not started', () => {
    expect(enrollmentStatus(base, new Date(now.getTime() + 1000), now)).toBe('upcoming')
    expect(enrollmentStatus(base, new Date(now.getTime() - 1000), now)).toBe('active')
  })
  it('is completed when every lesson is done and access continues', () => {
    expect(enrollmentStatus({ ...base, completedAt: now }, null, now)).toBe('completed')
  })
})
