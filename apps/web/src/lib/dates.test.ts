import { describe, expect, it } from 'vitest'
import { formatDate, formatDateTime } from './dates.ts'

const ISO = '2026-11-28T12:02:38Z'

describe('formatDate', () => {
  it('shows the day with a named month and nothing for no date', () => {
    expect(formatDate(ISO)).toBe(new Date(ISO).toLocaleDateString(undefined, { dateStyle: 'medium' }))
    expect(formatDate(ISO)).not.toMatch(/:/)
    expect(formatDate(null)).toBe('')
  })
})

describe('formatDateTime', () => {
  it('shows the day and the time to the minute, never the seconds', () => {
    const shown = formatDateTime(ISO)
    expect(shown).toContain(formatDate(ISO))
    expect(shown).toMatch(/\d:\d\d/)
    expect(shown).not.toMatch(/:\d\d:\d\d/)
  })
})
