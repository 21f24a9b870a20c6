import { afterEach, describe, expect, it, vi } from 'vitest'
import { isId, newId, requestId, uuid7 } from './ids.ts'

describe('ids', () => {
  it('are strictly increasing in creation order, also within one millisecond', () => {
    // Thousands of ids in a tight loop: many share a millisecond.
    const ids = Array.from({ length: 20_000 }, () => newId('msg'))
    const sameMs = ids.filter((id, i) => i > 0 && id.slice(4, 16) === ids[i - 1]!.slice(4, 16)).length
    expect(sameMs).toBeGreaterThan(100)
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('are prefixed UUIDv7s that isId recognizes', () => {
    const id = newId('usr')
    expect(isId('usr', id)).toBe(true)
    expect(isId('org', id)).toBe(false)
    expect(isId('usr', `${id}0`)).toBe(false)
    expect(uuid7()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })
})

const UUID7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const msOf = (id: string) => parseInt(id.slice(0, 8) + id.slice(9, 13), 16)

describe('request ids', () => {
  afterEach(() => vi.restoreAllMocks())

  it('are UUIDv7s carrying the current millisecond', () => {
    const before = Date.now()
    const id = requestId()
    const after = Date.now()
    expect(id).toMatch(UUID7)
    expect(msOf(id)).toBeGreaterThanOrEqual(before)
    expect(msOf(id)).toBeLessThanOrEqual(after)
  })

  it('are unique and increasing in creation order, many within one millisecond', () => {
    const ids = Array.from({ length: 50_000 }, () => requestId())
    const sameMs = ids.filter((id, i) => i > 0 && msOf(id) === msOf(ids[i - 1]!)).length
    expect(sameMs).toBeGreaterThan(1000)
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true)
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids.slice(0, 100)) expect(id).toMatch(UUID7)
  })

  it('keep increasing when the clock goes back', () => {
    const now = Date.now() + 60_000
    vi.spyOn(Date, 'now').mockReturnValue(now)
    const first = requestId()
    vi.spyOn(Date, 'now').mockReturnValue(now - 5_000)
    const later = [requestId(), requestId()]
    expect(later[0]! > first).toBe(true)
    expect(later[1]! > later[0]!).toBe(true)
    expect(later.map(msOf)).toEqual([now, now])
  })

  it('start each millisecond at a random counter and end with 48 bits fixed for the process', () => {
    const starts = new Set<string>()
    const tails = new Set<string>()
    let now = Date.now() + 120_000
    for (let i = 0; i < 50; i++) {
      vi.spyOn(Date, 'now').mockReturnValue(++now)
      const id = requestId()
      starts.add(id.slice(15, 23))
      tails.add(id.slice(24))
    }
    // A counter that restarted at 0 every millisecond would make ids of busy processes collide.
    expect(starts.size).toBeGreaterThan(45)
    expect(tails.size).toBe(1)
  })
})
