import { describe, expect, it } from 'vitest'
import {
  expectedRevision,
  hasCycleFrom,
  isPermutation,
  normalizeCurrency,
  normalizeLanguage,
  normalizeTags,
  slugify,
} from './normalize.ts'

describe('happy', () => {
  it('slugifies titles: accents folded, punctuation collapsed, bounded, never empty', () => {
    expect(slugify('  Café Culture: Brewing 101!  ')).toBe('cafe-culture-brewing-101')
    expect(slugify('Ünïcödé — Straße, Łódź, Æsir')).toBe('unicode-strasse-lodz-aesir')
    expect(slugify('!!!')).toBe('course')
    expect(slugify('日本語')).toBe('course')
    const long = slugify('word '.repeat(40))
    expect(long.length).toBeLessThanOrEqual(80)
    expect(long).not.toMatch(/-$/)
  })

  it('normalizes tags: trimmed, lower-case, single spaces, deduplicated in first-seen order', () => {
    expect(normalizeTags([' Machine  Learning ', 'machine learning', 'PYTHON', '', '  '])).toEqual([
      'machine learning',
      'python',
    ])
    // 25 tags that collapse to 20 distinct ones are fine.
    const many = Array.from({ length: 25 }, (_, i) => `t${i % 20}`)
    expect(normalizeTags(many)).toHaveLength(20)
  })

  it('canonicalizes BCP 47 tags and ISO currencies', () => {
    expect(normalizeLanguage('pt-br')).toBe('pt-BR')
    expect(normalizeLanguage('EN')).toBe('en')
    expect(normalizeLanguage('zh-hant-tw')).toBe('zh-Hant-TW')
    expect(normalizeCurrency('eur')).toBe('EUR')
  })

  it('reads the expected revision from If-Match or the body', () => {
    expect(expectedRevision(undefined, undefined)).toBeUndefined()
    expect(expectedRevision('"7"', undefined)).toBe(7)
    expect(expectedRevision('W/"7"', 7)).toBe(7)
    expect(expectedRevision('7', undefined)).toBe(7)
    expect(expectedRevision('*', 3)).toBe(3)
    expect(expectedRevision(undefined, 3)).toBe(3)
  })

  it('finds prerequisite cycles reachable from a lesson, and only those', () => {
    const g = new Map<string, string[]>([
      ['a', []],
      ['b', ['a']],
      ['c', ['b', 'a']],
    ])
    expect(hasCycleFrom(g, 'c')).toBe(false)
    g.set('a', ['c'])
    expect(hasCycleFrom(g, 'a')).toBe(true)
    // A cycle elsewhere that the start cannot reach is not its problem (it cannot be created anyway).
    const h = new Map<string, string[]>([
      ['x', ['y']],
      ['y', []],
      ['p', ['q']],
      ['q', ['p']],
    ])
    expect(hasCycleFrom(h, 'x')).toBe(false)
    // Diamonds are not cycles.
    const d = new Map<string, string[]>([
      ['top', ['l', 'r']],
      ['l', ['bottom']],
      ['r', ['bottom']],
      ['bottom', []],
    ])
    expect(hasCycleFrom(d, 'top')).toBe(false)
    // Long chains do not blow the stack.
    const chain = new Map<string, string[]>()
    for (let i = 0; i < 50_000; i++) chain.set(`n${i}`, i === 0 ? [] : [`n${i - 1}`])
    expect(hasCycleFrom(chain, 'n49999')).toBe(false)
    chain.set('n0', ['n49999'])
    expect(hasCycleFrom(chain, 'n49999')).toBe(true)
  })

  it('accepts exactly the permutations of the current order', () => {
    expect(isPermutation(['b', 'a'], ['a', 'b'])).toBe(true)
    expect(isPermutation([], [])).toBe(true)
  })
})

describe('errors', () => {
  it('refuses more than 20 tags, malformed languages and unknown currencies', () => {
    expect(() => normalizeTags(Array.from({ length: 21 }, (_, i) => `t${i}`))).toThrow(/at most 20/)
    expect(() => normalizeLanguage('not a language')).toThrow(/BCP 47/)
    expect(() => normalizeLanguage('abcdefghi')).toThrow(/BCP 47/)
    expect(() => normalizeCurrency('ZZZ')).toThrow(/ISO 4217/)
    expect(() => normalizeCurrency('US')).toThrow(/ISO 4217/)
  })

  it('refuses malformed or contradictory revisions', () => {
    expect(() => expectedRevision('abc', undefined)).toThrow(/If-Match/)
    expect(() => expectedRevision('"1", "2"', undefined)).toThrow(/If-Match/)
    expect(() => expectedRevision(['"1"', '"2"'], undefined)).toThrow(/one If-Match/)
    expect(() => expectedRevision('"2"', 3)).toThrow(/disagree/)
  })

  it('rejects reorders that miss, repeat or add ids', () => {
    expect(isPermutation(['a'], ['a', 'b'])).toBe(false)
    expect(isPermutation(['a', 'a'], ['a', 'b'])).toBe(false)
    expect(isPermutation(['a', 'c'], ['a', 'b'])).toBe(false)
    expect(isPermutation(['a', 'b', 'c'], ['a', 'b'])).toBe(false)
  })
})

describe('security', () => {
  it('slugs only ever contain [a-z0-9-], whatever the title', () => {
    for (const title of ['../../etc/passwd', '<script>alert(1)</script>', 'a\u0000b', "'; drop table x; --"])
      expect(slugify(title)).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/)
  })
})
