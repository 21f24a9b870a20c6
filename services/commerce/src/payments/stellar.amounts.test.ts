import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Keypair } from '@stellar/stellar-sdk'
import { loadCommerceConfig } from '../config.ts'
import {
  amountToStroops,
  MAX_STROOPS,
  minorToAmount,
  minorToStroops,
  stroopsToAmount,
  stroopsToMinor,
} from './stellar.amounts.ts'
import { memoFor } from './stellar.client.ts'

describe('happy', () => {
  it('converts minor units to Stellar’s 7-decimal amount exactly', () => {
    expect(minorToAmount(1234, 2)).toBe('12.3400000')
    expect(minorToAmount(1, 2)).toBe('0.0100000')
    expect(minorToAmount(0, 2)).toBe('0.0000000')
    expect(minorToAmount(500, 0)).toBe('500.0000000') // JPY
    expect(minorToAmount(1, 3)).toBe('0.0010000') // BHD
    expect(minorToAmount(92_233_720_368_547, 2)).toBe('922337203685.4700000')
    expect(amountToStroops('922337203685.4775807')).toBe(MAX_STROOPS)
    expect(amountToStroops('12.34')).toBe(123_400_000n)
  })

  it('property: minor → amount string → stroops → minor is the identity, the string is exact', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 0, max: 7 })
          .chain((d) =>
            fc.tuple(
              fc.nat({ max: Math.min(Number.MAX_SAFE_INTEGER, Number(MAX_STROOPS / 10n ** BigInt(7 - d))) }),
              fc.constant(d),
            ),
          ),
        ([minor, decimals]) => {
          const amount = minorToAmount(minor, decimals)
          expect(amount).toMatch(/^\d+\.\d{7}$/)
          // Decimal reference: shift the minor amount's digits by its decimals, by string only.
          const digits = String(minor).padStart(decimals + 1, '0')
          const whole = decimals === 0 ? digits : digits.slice(0, -decimals)
          const frac = decimals === 0 ? '' : digits.slice(-decimals)
          expect(amount).toBe(`${whole}.${frac.padEnd(7, '0')}`)
          const stroops = amountToStroops(amount)!
          expect(stroops).toBe(minorToStroops(minor, decimals))
          expect(stroopsToMinor(stroops, decimals)).toBe(minor)
          expect(stroopsToAmount(stroops)).toBe(amount)
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('memos are deterministic, distinct per kind and id, and fit a 28-byte text memo', () => {
    const m = memoFor('payment', 'pay_0192f0c0a1b27c3d8e9f000000000001')
    expect(m).toHaveLength(28)
    expect(memoFor('payment', 'pay_0192f0c0a1b27c3d8e9f000000000001')).toBe(m)
    expect(memoFor('refund', 'pay_0192f0c0a1b27c3d8e9f000000000001')).not.toBe(m)
    expect(memoFor('payment', 'pay_0192f0c0a1b27c3d8e9f000000000002')).not.toBe(m)
  })
})

describe('errors', () => {
  it('refuses what is not an amount or a whole number of minor units', () => {
    expect(amountToStroops('1.23456789')).toBeNull()
    expect(amountToStroops('-1')).toBeNull()
    expect(amountToStroops('1e3')).toBeNull()
    expect(stroopsToMinor(123_450_001n, 2)).toBeNull()
    expect(() => minorToStroops(-1, 2)).toThrow()
    expect(() => minorToStroops(1.5, 2)).toThrow()
    expect(() => minorToStroops(1, 8)).toThrow()
    expect(() => minorToStroops(Number.MAX_SAFE_INTEGER, 2)).toThrow(/exceeds/)
    expect(amountToStroops('922337203685.4775808')).toBeNull()
  })

  it('a stellar provider without STELLAR_SECRET_SEED stops the service naming the variable', () => {
    expect(() => loadCommerceConfig({ PAYMENT_PROVIDER: 'stellar' })).toThrow(/STELLAR_SECRET_SEED/)
    expect(() => loadCommerceConfig({ PAYOUT_PROVIDER: 'stellar' })).toThrow(/STELLAR_SECRET_SEED/)
    const seed = Keypair.random().secret()
    expect(() =>
      loadCommerceConfig({
        PAYMENT_PROVIDER: 'stellar',
        STELLAR_SECRET_SEED: seed,
        STELLAR_ASSET_CODE: 'USDC',
      }),
    ).toThrow(/STELLAR_ASSET_ISSUER/)
    expect(() =>
      loadCommerceConfig({
        PAYMENT_PROVIDER: 'stellar',
        STELLAR_SECRET_SEED: seed,
        STELLAR_ASSET_CODE: 'XLM',
        STELLAR_PLATFORM_ACCOUNT: Keypair.random().publicKey(),
      }),
    ).toThrow(/STELLAR_PLATFORM_ACCOUNT/)
    expect(
      loadCommerceConfig({
        PAYMENT_PROVIDER: 'stellar',
        STELLAR_SECRET_SEED: seed,
        STELLAR_ASSET_CODE: 'XLM',
      }).STELLAR_POLL_SECONDS,
    ).toBe(10)
  })
})

describe('security', () => {
  it('config errors never echo the secret seed', () => {
    const bad = 'SNOTAREALSEEDBUTSECRETANYWAY0000000000000000000000000000'
    let message = ''
    try {
      loadCommerceConfig({ PAYMENT_PROVIDER: 'stellar', STELLAR_SECRET_SEED: bad, STELLAR_ASSET_CODE: 'XLM' })
    } catch (err) {
      message = JSON.stringify(err) + String(err) + ((err as Error).stack ?? '')
    }
    expect(message).toMatch(/STELLAR_SECRET_SEED/)
    expect(message).not.toContain(bad)
  })

  it('production refuses a plain-http Horizon', () => {
    expect(() =>
      loadCommerceConfig({
        NODE_ENV: 'production',
        COMMERCE_SECRET: 'x'.repeat(40),
        PAYMENT_PROVIDER: 'stellar',
        STELLAR_SECRET_SEED: Keypair.random().secret(),
        STELLAR_ASSET_CODE: 'XLM',
        STELLAR_HORIZON_URL: 'http://horizon.example',
      }),
    ).toThrow(/STELLAR_HORIZON_URL/)
  })
})
