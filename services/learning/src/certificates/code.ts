import { randomBytes } from 'node:crypto'

/**
 * Crockford's base32 alphabet: digits and upper-case letters without I, L, O and U, so a code read
 * aloud or copied from paper cannot be mistyped into another valid code as easily.
 */
export const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
/** Characters of randomness in a code: 20 × 5 bits = 100 bits. */
export const CODE_CHARS = 20
/** A formatted code: four groups of five, e.g. `7KQ2M-X9DPA-4RT8V-HC3WN`. */
export const CODE_PATTERN = /^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}$/

/**
 * A new verification code: 100 bits from the OS CSPRNG (unguessable: 2^100 possibilities), in
 * four dash-separated groups of five Crockford base32 characters (human-typeable). Each random byte
 * maps to one character through its low five bits; 256 is a multiple of 32, so there is no bias.
 */
export function generateCode(): string {
  const bytes = randomBytes(CODE_CHARS)
  let out = ''
  for (let i = 0; i < CODE_CHARS; i++) {
    if (i > 0 && i % 5 === 0) out += '-'
    out += CODE_ALPHABET[bytes[i]! & 31]
  }
  return out
}

/**
 * A code as typed by a person, put back in canonical form: case, spaces and dashes do not matter,
 * and the look-alikes O → 0 and I, L → 1 are forgiven (Crockford's decoding rules). Null when it
 * cannot be a code at all.
 */
export function normalizeCode(input: string): string | null {
  const compact = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1')
  if (compact.length !== CODE_CHARS) return null
  for (const ch of compact) if (!CODE_ALPHABET.includes(ch)) return null
  return compact.match(/.{5}/g)!.join('-')
}
