import { describe, expect, it } from 'vitest'
import { isId, newId, uuid7 } from './ids.ts'

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
