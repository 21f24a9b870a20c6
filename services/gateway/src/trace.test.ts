import { describe, expect, it } from 'vitest'
import { traceparentFor } from './proxy.ts'

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/

describe('happy', () => {
  it("keeps the caller's valid traceparent", () => {
    const given = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
    expect(traceparentFor(given)).toBe(given)
  })

  it('starts well-formed, distinct traces across random batches', () => {
    const made = Array.from({ length: 1000 }, () => traceparentFor(undefined))
    for (const traceparent of made) expect(traceparent).toMatch(TRACEPARENT)
    expect(new Set(made).size).toBe(made.length)
    expect(new Set(made.map((t) => t.slice(3, 35))).size).toBe(made.length)
  })
})

describe('errors', () => {
  it('replaces a malformed or all-zero traceparent with a new one', () => {
    for (const given of [
      'garbage',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
      ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ]) {
      const made = traceparentFor(given)
      expect(made).toMatch(TRACEPARENT)
      expect(made).not.toBe(given)
    }
  })
})

describe('security', () => {
  it('never reuses randomness between consecutive traces', () => {
    const a = traceparentFor(undefined)
    const b = traceparentFor(undefined)
    expect(a.slice(3, 35)).not.toBe(b.slice(3, 35))
    expect(a.slice(36, 52)).not.toBe(b.slice(36, 52))
  })
})
