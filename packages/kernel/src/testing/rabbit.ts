import { randomBytes } from 'node:crypto'
import amqp from 'amqplib'

/** The RabbitMQ broker used by infrastructure tests. */
export const testRabbitUrl = process.env.TEST_BROKER_URL ?? 'amqp://guest:guest@127.0.0.1:5672'

/**
 * Whether real RabbitMQ answers. With `REQUIRE_INFRA=1` a missing broker is an error (CI);
 * otherwise the caller skips its suite and prints why.
 */
export async function rabbitAvailable(): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    const conn = await amqp.connect(testRabbitUrl, { timeout: 2000 })
    await conn.close()
    return { ok: true }
  } catch (e) {
    const reason = `RabbitMQ at ${testRabbitUrl.replace(/\/\/[^@]*@/, '//')} is not reachable (${(e as Error).message})`
    if (process.env.REQUIRE_INFRA === '1') throw new Error(`REQUIRE_INFRA=1 but ${reason}`)
    console.warn(`skipping RabbitMQ suite: ${reason}`)
    return { ok: false, reason }
  }
}

/** A unique exchange/queue name prefix for one test, so parallel runs never share a queue. */
export function rabbitTestPrefix(): string {
  return `lmtest.${Date.now().toString(36)}.${randomBytes(3).toString('hex')}.`
}

/** Deletes the given queues and exchanges (what a test declared); missing ones are ignored. */
export async function deleteRabbitTopology(topology: {
  exchanges: string[]
  queues: string[]
}): Promise<void> {
  const conn = await amqp.connect(testRabbitUrl)
  try {
    for (const queue of topology.queues) {
      const ch = await conn.createChannel()
      ch.on('error', () => {})
      await ch.deleteQueue(queue).catch(() => {})
      await ch.close().catch(() => {})
    }
    for (const exchange of topology.exchanges) {
      const ch = await conn.createChannel()
      ch.on('error', () => {})
      await ch.deleteExchange(exchange).catch(() => {})
      await ch.close().catch(() => {})
    }
  } finally {
    await conn.close().catch(() => {})
  }
}
