import { afterAll, describe, expect, it } from 'vitest'
import amqp from 'amqplib'
import { sql } from 'drizzle-orm'
import { createDeadLetterAdmin, scheduleJob, uuid7 } from '@learnmesh/kernel'
import { postgresAvailable, rabbitAvailable, testRabbitUrl } from '@learnmesh/kernel/testing'
import { jobs } from './fixtures/consumer/schema.ts'
import { poisonFixedSwitch } from './fixtures/consumer/handlers.ts'
import { fixtureOrderChanged } from './fixtures/contract.ts'
import {
  createBackboneRun,
  describeStatuses,
  dumpOnFailure,
  tally,
  waitFor,
  writeOrders,
  type BackboneRun,
} from './harness.ts'

/**
 * The event backbone across real processes on the shared PostgreSQL and RabbitMQ (no outage here:
 * see outage.test.ts): dead letters and replay, consumer and relay replicas, job runner replicas.
 * Each test gets its own database and exchange/queue prefix, and stops every process it started.
 */
const pg = await postgresAvailable()
const rabbit = pg.ok ? await rabbitAvailable() : pg
const events = Number(process.env.BACKBONE_REPLICA_EVENTS ?? 2000)

const runs: BackboneRun[] = []
async function newRun(env: Record<string, string> = {}): Promise<BackboneRun> {
  const run = await createBackboneRun({ brokerUrl: testRabbitUrl, env })
  runs.push(run)
  dumpOnFailure(run)
  return run
}
afterAll(async () => {
  await Promise.allSettled(runs.map((r) => r.close()))
})

function urlOf(run: BackboneRun): string {
  const p = run.processes.find((x) => x.kind === 'producer')
  return String(p!.ready.url)
}

describe.runIf(rabbit.ok)('event backbone with replicas (real PostgreSQL + RabbitMQ)', () => {
  describe('happy', () => {
    it('two consumer replicas share one queue: every event handled exactly once, both do work', async () => {
      const t0 = Date.now()
      const run = await newRun({ PREFETCH: '5' })
      await Promise.all([run.start('consumer'), run.start('consumer')])
      await run.start('producer', { IN_PROCESS_RELAY: 'true' })
      const sent = await writeOrders(urlOf(run), events, { concurrency: 8 })
      expect(describeStatuses(sent.statuses)).toMatch(/^(20[01]×\d+ ?)+$/)
      await waitFor(`${events} effects`, async () => (await tally(run)).effects >= events, 60_000)
      await new Promise((r) => setTimeout(r, 500)) // late duplicates would land now
      const t = await tally(run)
      expect(t).toMatchObject({
        outbox: events,
        unpublished: 0,
        effects: events,
        distinct_effects: events,
        inbox: events,
      })
      expect(t.missing).toBe(0)
      const perReplica = await run.database.query<{ replica: string; n: number }>(
        sql`select replica, count(*)::int as n from fx_consumer.effects group by replica order by replica`,
      )
      expect(perReplica).toHaveLength(2)
      expect(perReplica.every((r) => r.n > 0)).toBe(true)
      console.log(
        `consumer replicas: ${events} events in ${Date.now() - t0} ms, split ${perReplica.map((r) => r.n).join('/')}, deliveries ${t.deliveries}`,
      )
    }, 120_000)

    it('two relay replicas share one outbox: each row published once, per-order order kept', async () => {
      const t0 = Date.now()
      // One consumer with prefetch 1: its delivery order is the queue's order.
      const run = await newRun({ PREFETCH: '1', RELAY_BATCH: '50' })
      await run.start('consumer')
      await Promise.all([run.start('relay'), run.start('relay'), run.start('producer')])
      const sent = await writeOrders(urlOf(run), events, { concurrency: 8 })
      expect([...sent.statuses.keys()].every((s) => s === 200 || s === 201)).toBe(true)
      await waitFor(`${events} effects`, async () => (await tally(run)).effects >= events, 90_000)
      await new Promise((r) => setTimeout(r, 500))
      const t = await tally(run)
      expect(t).toMatchObject({
        outbox: events,
        unpublished: 0,
        effects: events,
        distinct_effects: events,
        inbox: events,
      })
      // Counted before the inbox dedupe: a row published twice would be delivered twice.
      expect(t.deliveries).toBe(events)
      const attempts = await run.count(
        sql`select count(*)::int as n from fx_producer.outbox where attempts <> 1`,
      )
      expect(attempts).toBe(0)
      // Per order, effects were applied in version order 1, 2, 3, …
      const disorder = await run.count(sql`
        select count(*)::int as n from (
          select version, row_number() over (partition by order_id order by id) as pos from fx_consumer.effects
        ) x where version <> pos`)
      expect(disorder).toBe(0)
      // Both relays did part of the work (each prints what it got confirmed when it stops).
      const relays = run.processes.filter((p) => p.kind === 'relay')
      await Promise.all(relays.map((r) => r.stop()))
      const published = relays.map((r) => Number(r.stats()?.published))
      expect(published[0]! + published[1]!).toBe(events)
      expect(published.every((n) => n > 0)).toBe(true)
      const changed = await run.count(
        sql`select count(*)::int as n from fx_producer.orders where version > 1`,
      )
      expect(changed).toBeGreaterThan(0)
      console.log(
        `relay replicas: ${events} events in ${Date.now() - t0} ms, split ${published.join('/')}, ${changed} orders changed`,
      )
    }, 150_000)

    it('a job scheduled once runs once with three worker replicas (1 job, then 50 at once)', async () => {
      const t0 = Date.now()
      const run = await newRun()
      await Promise.all([run.start('worker'), run.start('worker'), run.start('worker')])
      const schedule = (labels: string[]) =>
        run.database.db.transaction(async (tx) => {
          for (const label of labels)
            await scheduleJob(tx, jobs, { name: 'fixture.record', payload: { label } })
        })
      const runsOf = () => run.count(sql`select count(*)::int as n from fx_consumer.job_runs`)
      await schedule(['single'])
      await waitFor('the single job', async () => (await runsOf()) >= 1, 20_000, 20)
      const batch = Array.from({ length: 50 }, (_, i) => `batch-${i}`)
      await schedule(batch)
      await waitFor('51 job runs', async () => (await runsOf()) >= 51, 30_000, 20)
      await new Promise((r) => setTimeout(r, 1000)) // three pollers at 100 ms: a second run would show
      expect(await runsOf()).toBe(51)
      const perLabel = await run.database.query<{ label: string; n: number }>(
        sql`select label, count(*)::int as n from fx_consumer.job_runs group by label`,
      )
      expect(perLabel).toHaveLength(51)
      expect(perLabel.every((r) => r.n === 1)).toBe(true)
      expect(await run.count(sql`select count(*)::int as n from fx_consumer.jobs`)).toBe(0)
      const workers = await run.database.query<{ worker: string; n: number }>(
        sql`select worker, count(*)::int as n from fx_consumer.job_runs group by worker order by worker`,
      )
      expect(workers.length).toBeGreaterThanOrEqual(2)
      console.log(
        `job replicas: 51 jobs in ${Date.now() - t0} ms, split ${workers.map((w) => w.n).join('/')}`,
      )
    }, 90_000)
  })

  describe('errors', () => {
    it('dead-letters a poison event after the delivery limit; replay after the fix applies it exactly once', async () => {
      const t0 = Date.now()
      const run = await newRun({ MAX_DELIVERIES: '3', RETRY_DELAYS_MS: '100,200', PREFETCH: '1' })
      await run.start('consumer')
      await run.start('producer', { IN_PROCESS_RELAY: 'true' })
      const admin = createDeadLetterAdmin({ url: testRabbitUrl, prefix: run.prefix })
      try {
        const post = (body: object) =>
          fetch(`${urlOf(run)}/orders`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          })
        expect((await post({ id: 'poison-1', poison: true })).status).toBe(201)
        expect((await post({ id: 'ok-1' })).status).toBe(201)
        expect((await post({ id: 'ok-2' })).status).toBe(201)
        const [poison] = await run.database.query<{ id: string }>(
          sql`select id from fx_producer.outbox where aggregate_id = 'poison-1'`,
        )
        const effectsOf = (orderId: string) =>
          run.count(sql`select count(*)::int as n from fx_consumer.effects where order_id = ${orderId}`)
        const deliveriesOf = (eventId: string) =>
          run.count(sql`select count(*)::int as n from fx_consumer.deliveries where event_id = ${eventId}`)

        await waitFor(
          'the dead letter',
          async () => (await admin.countDeadLetters('fx_consumer')) === 1,
          20_000,
        )
        // The healthy events are not held up by the poison one.
        await waitFor(
          'healthy effects',
          async () => (await effectsOf('ok-1')) + (await effectsOf('ok-2')) === 2,
          10_000,
        )
        const [letter] = await admin.listDeadLetters('fx_consumer')
        expect(letter).toMatchObject({
          eventId: poison!.id,
          type: 'fixture.order.changed',
          reason: 'failed',
          attempts: 3,
        })
        expect(letter!.error).toMatch(/not fixed yet/)
        expect(await deliveriesOf(poison!.id)).toBe(3)
        expect(await effectsOf('poison-1')).toBe(0)

        // Fix the "bug", replay: applied once.
        await run.database.query(
          sql`insert into fx_consumer.switches (name, "on") values (${poisonFixedSwitch}, true)`,
        )
        expect(await admin.replayDeadLetters('fx_consumer')).toEqual({ replayed: [poison!.id] })
        await waitFor('the replayed effect', async () => (await effectsOf('poison-1')) === 1, 10_000)
        expect(await admin.countDeadLetters('fx_consumer')).toBe(0)

        // Replay again: nothing left to replay. Then the event arrives once more anyway (the relay
        // publishes the row again): delivered, dropped by the inbox, still one effect.
        expect(await admin.replayDeadLetters('fx_consumer')).toEqual({ replayed: [] })
        await run.database.query(
          sql`update fx_producer.outbox set published_at = null where id = ${poison!.id}`,
        )
        await waitFor('the duplicate delivery', async () => (await deliveriesOf(poison!.id)) === 5, 10_000)
        await post({ id: 'ok-3' }) // prefetch 1: once ok-3 is applied, the duplicate was handled
        await waitFor('ok-3', async () => (await effectsOf('ok-3')) === 1, 10_000)
        expect(await effectsOf('poison-1')).toBe(1)
        const t = await tally(run)
        expect(t).toMatchObject({ effects: 4, distinct_effects: 4, inbox: 4, unpublished: 0 })
        console.log(`poison: dead-lettered, fixed, replayed once in ${Date.now() - t0} ms`)
      } finally {
        await admin.close()
      }
    }, 90_000)
  })

  describe('security', () => {
    it('dead-letters forged or malformed messages at once, without any effect', async () => {
      const run = await newRun({ MAX_DELIVERIES: '5' })
      await run.start('consumer')
      const admin = createDeadLetterAdmin({ url: testRabbitUrl, prefix: run.prefix })
      const conn = await amqp.connect(testRabbitUrl)
      try {
        const ch = await conn.createConfirmChannel()
        const exchange = `${run.prefix}learnmesh.events`
        const forged = {
          id: uuid7(),
          type: fixtureOrderChanged.type,
          version: 1,
          occurredAt: new Date().toISOString(),
          producer: 'fx_producer',
          orgId: null,
          traceparent: null,
          payload: { orderId: 'x', version: 1, poison: false, admin: true },
        }
        ch.publish(exchange, fixtureOrderChanged.type, Buffer.from(JSON.stringify(forged)))
        ch.publish(exchange, fixtureOrderChanged.type, Buffer.from('{"not": json'))
        await ch.waitForConfirms()
        await waitFor(
          '2 dead letters',
          async () => (await admin.countDeadLetters('fx_consumer')) === 2,
          15_000,
        )
        const letters = await admin.listDeadLetters('fx_consumer')
        expect(letters.map((l) => l.reason).sort()).toEqual(['invalid', 'rejected'])
        expect(letters.every((l) => l.attempts === 1)).toBe(true) // not retried
        const t = await tally(run)
        expect(t).toMatchObject({ effects: 0, inbox: 0 })
      } finally {
        await conn.close().catch(() => {})
        await admin.close()
      }
    }, 60_000)
  })
})
