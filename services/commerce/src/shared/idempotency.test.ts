import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppError, sql, type Database } from '@learnmesh/kernel'
import { createTestDatabase } from '@learnmesh/kernel/testing'
import { commerceService } from '../service.ts'
import {
  canonicalJson,
  createIdempotency,
  requestHash,
  type Idempotency,
  type IdempotentRequest,
  type IdempotentResponse,
} from './idempotency.ts'

let database: Database
beforeAll(async () => {
  database = await createTestDatabase(commerceService.migrations)
})
afterAll(() => database.close())

const req = (key: string | undefined, body: unknown = { a: 1 }, principal = 'org_a/usr_a') => ({
  principal,
  key,
  method: 'POST',
  path: '/checkout',
  body,
})

/** `run` (key in its own statements) and `runInTx` (key, work and answer in one transaction) promise the same. */
const modes = [
  { name: 'run', prefix: '' },
  { name: 'runInTx', prefix: 'tx-' },
] as const
function runner(mode: (typeof modes)[number], idem: Idempotency) {
  return <T>(
    request: IdempotentRequest,
    exec: () => Promise<IdempotentResponse<T>>,
    onReplay?: () => void,
  ): Promise<IdempotentResponse<T>> => {
    const r = { ...request, key: typeof request.key === 'string' ? mode.prefix + request.key : request.key }
    return mode.name === 'run' ? idem.run(r, exec, onReplay) : idem.runInTx(r, () => exec(), onReplay)
  }
}

describe('happy', () => {
  it('key order and whitespace of the body do not matter (canonical JSON)', async () => {
    expect(canonicalJson({ b: 1, a: [2, { d: 1, c: 2 }] })).toBe('{"a":[2,{"c":2,"d":1}],"b":1}')
    expect(requestHash('post', '/x', { a: 1, b: 2 })).toBe(requestHash('POST', '/x', { b: 2, a: 1 }))
  })

  describe.each(modes)('$name', (mode) => {
    it('same key + same body runs once and replays the stored status and body', async () => {
      const run = runner(mode, createIdempotency(database))
      let runs = 0
      const exec = async () => ({ status: 201, body: { n: ++runs } })
      const first = await run(req('k-1'), exec)
      let replayed = false
      const second = await run(req('k-1', { a: 1 }), exec, () => (replayed = true))
      expect(first).toEqual({ status: 201, body: { n: 1 } })
      expect(second).toEqual({ status: 201, body: { n: 1 } })
      expect(replayed).toBe(true)
      expect(runs).toBe(1)
    })

    it('keys are per caller: another caller with the same key executes independently', async () => {
      const run = runner(mode, createIdempotency(database))
      const a = await run(req('shared', {}, 'org_a/usr_1'), async () => ({ status: 200, body: 'one' }))
      const b = await run(req('shared', {}, 'org_a/usr_2'), async () => ({ status: 200, body: 'two' }))
      expect([a.body, b.body]).toEqual(['one', 'two'])
    })

    it('a 4xx decision is stored and replayed as the same error', async () => {
      const run = runner(mode, createIdempotency(database))
      let runs = 0
      const exec = async (): Promise<{ status: number; body: unknown }> => {
        runs++
        throw new AppError('conflict', 'already bought', { reason: 'already_purchased' })
      }
      await expect(run(req('k-4xx'), exec)).rejects.toMatchObject({ code: 'conflict' })
      await expect(run(req('k-4xx'), exec)).rejects.toMatchObject({
        code: 'conflict',
        message: 'already bought',
        extra: { reason: 'already_purchased' },
      })
      expect(runs).toBe(1)
    })

    it('keys expire after 24 h: the same key then runs again', async () => {
      let now = new Date('2026-01-01T00:00:00Z')
      const idem = createIdempotency(database, { now: () => now })
      const run = runner(mode, idem)
      let runs = 0
      const exec = async () => ({ status: 200, body: ++runs })
      await run(req('k-exp'), exec)
      now = new Date(now.getTime() + 23 * 3600_000)
      expect((await run(req('k-exp'), exec)).body).toBe(1)
      now = new Date(now.getTime() + 2 * 3600_000)
      expect((await run(req('k-exp', { other: true }), exec)).body).toBe(2)
      // The hourly purge deletes keys older than 24 h.
      now = new Date(now.getTime() + 25 * 3600_000)
      await idem.purgeExpired()
      const left = await database.query<{ n: number }>(
        sql`select count(*)::int as n from commerce.idempotency_keys where key = ${mode.prefix + 'k-exp'}`,
      )
      expect(left[0]!.n).toBe(0)
    })
  })

  it('runInTx: its writes commit with the key, or (on any error) neither does', async () => {
    const idem = createIdempotency(database)
    const rows = async () =>
      (
        await database.query<{ n: number }>(
          sql`select count(*)::int as n from commerce.idempotency_keys where key like 'tx-atomic-%'`,
        )
      )[0]!.n
    await idem.runInTx(req('tx-atomic-1'), async (tx) => {
      await tx.execute(sql`select 1`)
      return { status: 201, body: 'ok' }
    })
    expect(await rows()).toBe(1)
    await expect(
      idem.runInTx(req('tx-atomic-2'), async () => {
        throw new Error('crashed')
      }),
    ).rejects.toThrow('crashed')
    expect(await rows()).toBe(1)
  })
})

describe('errors', () => {
  describe.each(modes)('$name', (mode) => {
    it('same key + different body → 422 and the work does not run', async () => {
      const run = runner(mode, createIdempotency(database))
      let runs = 0
      await run(req('k-diff', { a: 1 }), async () => ({ status: 201, body: ++runs }))
      await expect(
        run(req('k-diff', { a: 2 }), async () => ({ status: 201, body: ++runs })),
      ).rejects.toMatchObject({
        code: 'unprocessable',
        status: 422,
      })
      // Another endpoint with the same key is a different request too.
      await expect(
        run({ ...req('k-diff', { a: 1 }), path: '/orders/x/refunds' }, async () => ({
          status: 201,
          body: ++runs,
        })),
      ).rejects.toMatchObject({ status: 422 })
      expect(runs).toBe(1)
    })

    it('5xx results and unexpected errors are not stored: a retry executes again', async () => {
      const run = runner(mode, createIdempotency(database))
      let runs = 0
      await expect(
        run(req('k-5xx'), async () => {
          runs++
          throw new Error('database went away')
        }),
      ).rejects.toThrow('database went away')
      expect((await run(req('k-5xx'), async () => ({ status: 503, body: ++runs }))).status).toBe(503)
      expect((await run(req('k-5xx'), async () => ({ status: 201, body: ++runs }))).body).toBe(3)
      expect((await run(req('k-5xx'), async () => ({ status: 201, body: ++runs }))).body).toBe(3)
    })

    it('the in-progress key of a dead holder is a 409 until its lock expires, then it is taken over', async () => {
      let now = new Date()
      const run = runner(mode, createIdempotency(database, { now: () => now, lockMs: 60_000 }))
      // A holder that died: its row stays in_progress; after the lock time another request takes over.
      await database.query(
        sql`insert into commerce.idempotency_keys (principal, key, request_hash, status, locked_until) values ('org_a/usr_a', ${mode.prefix + 'k-dead'}, ${requestHash('POST', '/checkout', { a: 1 })}, 'in_progress', ${new Date(now.getTime() + 60_000).toISOString()}::timestamptz)`,
      )
      await expect(run(req('k-dead'), async () => ({ status: 201, body: 'x' }))).rejects.toMatchObject({
        status: 409,
      })
      // Another request under that key is still a 422, lock or not.
      now = new Date(now.getTime() + 61_000)
      await expect(
        run(req('k-dead', { a: 2 }), async () => ({ status: 201, body: 'x' })),
      ).rejects.toMatchObject({
        status: 422,
      })
      expect((await run(req('k-dead'), async () => ({ status: 201, body: 'taken over' }))).body).toBe(
        'taken over',
      )
    })
  })

  it('run: a key still in progress is a 409 (runInTx waits on the key instead: see checkout.postgres.test.ts)', async () => {
    const idem = createIdempotency(database, { lockMs: 60_000 })
    let release!: () => void
    const running = idem.run(
      req('k-busy'),
      () =>
        new Promise<{ status: number; body: string }>(
          (r) => (release = () => r({ status: 201, body: 'first' })),
        ),
    )
    await new Promise((r) => setTimeout(r, 50))
    await expect(
      idem.run(req('k-busy'), async () => ({ status: 201, body: 'second' })),
    ).rejects.toMatchObject({
      code: 'conflict',
      status: 409,
    })
    release()
    expect((await running).body).toBe('first')
  })
})

describe('security', () => {
  it('a missing, empty, too long or non-ASCII key is a 400 and nothing is stored', async () => {
    const idem = createIdempotency(database)
    const before = await database.query<{ n: number }>(
      sql`select count(*)::int as n from commerce.idempotency_keys`,
    )
    for (const key of [
      undefined,
      '',
      'x'.repeat(256),
      'has space',
      'naïve',
      ['a', 'b'] as unknown as string,
    ]) {
      await expect(idem.run(req(key), async () => ({ status: 200, body: 1 }))).rejects.toMatchObject({
        code: 'bad_request',
      })
    }
    const after = await database.query<{ n: number }>(
      sql`select count(*)::int as n from commerce.idempotency_keys`,
    )
    expect(after[0]!.n).toBe(before[0]!.n)
  })
})
