import { describe, expect, it } from 'vitest'
import { AppError } from '@learnmesh/kernel'
import {
  assertPasswordAcceptable,
  commonPasswords,
  createPasswordHasher,
  isCommonPassword,
} from './passwords.ts'
import { createSecretBox } from './crypto.ts'

describe('happy', () => {
  it('bundles a real breached-password list of well over 10,000 entries', () => {
    const list = commonPasswords()
    expect(list.size).toBeGreaterThan(10_000)
    expect(list.has('password')).toBe(true)
    expect(list.has('qwertyuiop')).toBe(true)
  })

  it('accepts 12–128 code points after NFC and returns the normalized form', () => {
    expect(assertPasswordAcceptable('e\u0301'.repeat(6) + 'zzzzzz')).toBe('\u00e9'.repeat(6) + 'zzzzzz')
    expect(() => assertPasswordAcceptable('🔑'.repeat(12))).not.toThrow()
    expect(() => assertPasswordAcceptable('ab'.repeat(64))).not.toThrow()
  })

  it('hashes with argon2id and verifies NFC-equivalent input', async () => {
    const hasher = createPasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 })
    const hash = await hasher.hash('caf\u00e9 au lait please')
    expect(hash.startsWith('$argon2id$')).toBe(true)
    expect(await hasher.verify(hash, 'cafe\u0301 au lait please')).toBe(true)
    expect(await hasher.verify(hash, 'cafe au lait please')).toBe(false)
    expect(await hasher.verify('not a hash', 'x')).toBe(false)
  })

  it('production parameters are OWASP argon2id (m=19456, t=2, p=1)', async () => {
    const hash = await createPasswordHasher({ memoryCost: 19456, timeCost: 2, parallelism: 1 }).hash(
      'some long passphrase',
    )
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
  })
})

describe('errors', () => {
  it('rejects too short (in code points) and too long passwords', () => {
    expect(() => assertPasswordAcceptable('🔑'.repeat(11))).toThrow(AppError)
    expect(() => assertPasswordAcceptable('a'.repeat(129))).toThrow(/12 to 128/)
  })
})

describe('security', () => {
  it('matches the breached list case-insensitively, and repeated listed words', () => {
    expect(isCommonPassword('QAZWSXEDCRFV')).toBe(true)
    expect(isCommonPassword('QwErTy123456')).toBe(true)
    expect(isCommonPassword('dragondragon')).toBe(true)
    expect(isCommonPassword('correct horse battery staple')).toBe(false)
    expect(() => assertPasswordAcceptable('1Q2W3E4R5T6Y')).toThrow(/breached/)
  })

  it('seals secrets with AES-256-GCM bound to a purpose and key', () => {
    const box = createSecretBox('s'.repeat(40))
    const sealed = box.seal('JBSWY3DPEHPK3PXP', 'totp-secret')
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP')
    expect(box.open(sealed, 'totp-secret')).toBe('JBSWY3DPEHPK3PXP')
    expect(() => box.open(sealed, 'signing-key')).toThrow()
    expect(() => createSecretBox('t'.repeat(40)).open(sealed, 'totp-secret')).toThrow()
    const [v, iv, ct, tag] = sealed.split('.')
    const flipped = Buffer.from(ct!, 'base64url')
    flipped[0]! ^= 1
    expect(() => box.open([v, iv, flipped.toString('base64url'), tag].join('.'), 'totp-secret')).toThrow()
  })
})
