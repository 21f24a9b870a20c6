import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import { postgresAvailable, testPostgresUrl } from '@learnmesh/kernel/testing'
import { literal } from './catalog.repository.ts'
import { prngForTest } from './catalog.test-prng.ts'

// The bounded search statement is sent with its parameters inlined by `literal` (one simple-protocol
// round trip with its planner settings). This proves on real PostgreSQL that no string can leave its
// literal: every value comes back exactly as sent, as the only result of a single statement, with
// standard_conforming_strings on (the default) and off.
const available = await postgresAvailable()

const NASTY = [
  '',
  "'",
  "''",
  "\\'",
  "\\\\'",
  '\\',
  "'); delete from learning.catalog_entries; --",
  "\\'); delete from learning.catalog_entries; --",
  "kubernetes\\' or 1=1 --",
  "E'\\x27'",
  "x' || (select 1) || '",
  '$1 $2 $$ $tag$ cloud',
  "';select 1;'",
  'line\nbreak\r\t',
  '😀 naïve \u2028 \u00a0',
  '\\x27 \\047 \\u0027 \\U00000027',
  "/* ' */ -- '",
]

describe('literal', () => {
  it('inlines finite numbers and rejects anything but strings and numbers', () => {
    expect(literal(42)).toBe('42')
    expect(literal(0.5)).toBe('0.5')
    for (const bad of [Number.NaN, Infinity, null, undefined, true, {}, [], 1n])
      expect(() => literal(bad)).toThrow(/cannot inline/)
  })

  it('doubles quotes, and uses an E string (with backslashes doubled) only when there is a backslash', () => {
    expect(literal("it's")).toBe("'it''s'")
    expect(literal('a\\b')).toBe(" E'a\\\\b'")
  })
})

describe.skipIf(!available.ok)('literal on PostgreSQL', () => {
  let client: pg.Client

  beforeAll(async () => {
    client = new pg.Client({ connectionString: testPostgresUrl })
    await client.connect()
  })
  afterAll(async () => {
    await client?.end()
  })

  async function roundTrip(values: string[]): Promise<void> {
    // One simple-protocol query string, as inStorageOrder sends it: a value that escaped its
    // literal would change the number of statements, columns or the values read back.
    const text = `select ${values.map((v, i) => `${literal(v)} as v${i}`).join(', ')}`
    const results = (await client.query(text)) as unknown as { rows: Record<string, string>[] }
    expect(Array.isArray(results)).toBe(false)
    expect(results.rows).toHaveLength(1)
    expect(Object.values(results.rows[0]!)).toEqual(values)
  }

  for (const conforming of ['on', 'off']) {
    it(`reads back every hostile string exactly (standard_conforming_strings ${conforming})`, async () => {
      await client.query(`set standard_conforming_strings = ${conforming}`)
      try {
        await roundTrip(NASTY)
        // Random strings over the characters that matter to SQL quoting.
        const next = prngForTest(conforming === 'on' ? 1 : 2)
        const alphabet = ["'", '\\', '"', ';', '-', '$', 'E', 'e', ' ', 'a', '\n', '/', '*', '(', ')', '😀']
        for (let batch = 0; batch < 20; batch++) {
          const values = Array.from({ length: 50 }, () =>
            Array.from(
              { length: 1 + Math.floor(next() * 24) },
              () => alphabet[Math.floor(next() * alphabet.length)],
            ).join(''),
          )
          await roundTrip(values)
        }
      } finally {
        await client.query('set standard_conforming_strings = on')
      }
    })
  }
})
