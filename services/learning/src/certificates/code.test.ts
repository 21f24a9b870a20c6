import { describe, expect, it } from 'vitest'
import { CODE_ALPHABET, CODE_CHARS, CODE_PATTERN, generateCode, normalizeCode } from './code.ts'

describe('happy', () => {
  it('codes are four groups of five Crockford base32 characters', () => {
    for (let i = 0; i < 100; i++) expect(generateCode()).toMatch(CODE_PATTERN)
  })

  it('a code typed in lower case, with spaces or look-alike letters, normalizes to the canonical form', () => {
    const code = generateCode()
    expect(normalizeCode(code)).toBe(code)
    expect(normalizeCode(code.toLowerCase().replace(/-/g, ' '))).toBe(code)
    expect(normalizeCode('0000o-11111-iiiii-LLLLL')).toBe('00000-11111-11111-11111')
  })
})

describe('errors', () => {
  it('anything that cannot be a code normalizes to null', () => {
    expect(normalizeCode('')).toBeNull()
    expect(normalizeCode('ABCDE')).toBeNull()
    expect(normalizeCode('UUUUU-UUUUU-UUUUU-UUUUU')).toBeNull() // U is not in the alphabet
    expect(normalizeCode(`${generateCode()}-X`)).toBeNull()
    expect(normalizeCode("' or 1=1 --")).toBeNull()
  })
})

describe('security', () => {
  it('a code carries 100 bits: 20 symbols of a 32-symbol alphabet', () => {
    expect(CODE_ALPHABET).toHaveLength(32)
    expect(new Set(CODE_ALPHABET).size).toBe(32)
    expect(CODE_CHARS * Math.log2(CODE_ALPHABET.length)).toBeGreaterThanOrEqual(100)
  })

  it('codes do not repeat and every symbol is used about equally often (no bias)', () => {
    const n = 5000
    const codes = Array.from({ length: n }, generateCode)
    expect(new Set(codes).size).toBe(n)
    const counts = new Map<string, number>()
    for (const c of codes) for (const ch of c.replace(/-/g, '')) counts.set(ch, (counts.get(ch) ?? 0) + 1)
    expect(counts.size).toBe(32)
    const expected = (n * CODE_CHARS) / 32 // 3125
    for (const count of counts.values()) expect(Math.abs(count - expected)).toBeLessThan(expected * 0.15)
    // Observed Shannon entropy per symbol is close to the 5-bit maximum.
    const total = n * CODE_CHARS
    let entropy = 0
    for (const count of counts.values()) entropy -= (count / total) * Math.log2(count / total)
    expect(entropy).toBeGreaterThan(4.99)
  })
})
