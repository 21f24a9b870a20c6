import { execFileSync } from 'node:child_process'
import { testRabbitUrl } from '@learnmesh/kernel/testing'
import { preparePrivateRabbitNode, rabbitSearchPath as searchPath, run, waitPort } from '../rabbit-node.ts'

/**
 * A RabbitMQ broker the outage tests may take down and bring back.
 *
 * - `private` (default): a RabbitMQ node of our own (its own node name, ports and data directory
 *   under the OS temp dir), started with `rabbitmq-server -detached` and stopped by node name at
 *   the end. Taking it down never disturbs other suites running in parallel on the shared broker.
 * - `shared` (`LEARNMESH_OUTAGE_BROKER=shared`): the broker at TEST_BROKER_URL, taken down with
 *   `rabbitmqctl stop_app` (the Erlang node stays up, the AMQP listener goes away). Only for a
 *   machine where nothing else uses that broker at the same time.
 *
 * Outages use `rabbitmqctl stop_app` / `start_app` in both cases: a real broker outage for clients.
 */
export interface OutageBroker {
  readonly kind: 'private' | 'shared'
  /** AMQP URL of the broker. */
  readonly url: string
  /** Stops the AMQP side (`stop_app`); resolves when the port no longer answers. */
  stopApp(): Promise<void>
  /** Starts it again (`start_app`); resolves when the port answers. */
  startApp(): Promise<void>
  /** Whether the app is currently stopped by us. */
  readonly down: boolean
  /** Brings the broker back if needed; a private node is then stopped and its data removed. */
  close(): Promise<void>
}

async function ctl(node: string | undefined, args: string[], timeout = 30_000): Promise<string> {
  const full = node ? ['-n', node, ...args] : args
  const { stdout } = await run('rabbitmqctl', full, { timeout, env: { ...process.env, PATH: searchPath } })
  return stdout
}

function ctlSync(node: string | undefined, args: string[]): void {
  try {
    execFileSync('rabbitmqctl', node ? ['-n', node, ...args] : args, {
      timeout: 20_000,
      stdio: 'ignore',
      env: { ...process.env, PATH: searchPath },
    })
  } catch {
    // best effort at process exit
  }
}

function control(
  kind: 'private' | 'shared',
  url: string,
  port: number,
  node: string | undefined,
  cleanup: () => void,
) {
  let down = false
  // If the test process dies with the broker down, bring it back (shared) or stop our node (private).
  const onExit = () => {
    if (kind === 'shared') {
      if (down) ctlSync(node, ['start_app'])
    } else {
      ctlSync(node, ['stop'])
      cleanup()
    }
  }
  process.once('exit', onExit)
  const broker: OutageBroker = {
    kind,
    url,
    get down() {
      return down
    },
    async stopApp() {
      down = true
      await ctl(node, ['stop_app'])
      await waitPort(port, false, 30_000)
    },
    async startApp() {
      await ctl(node, ['start_app'], 60_000)
      await waitPort(port, true, 60_000)
      down = false
    },
    async close() {
      process.off('exit', onExit)
      try {
        if (down) await broker.startApp()
      } finally {
        if (kind === 'private') {
          await ctl(node, ['stop']).catch(() => {})
          cleanup()
        }
      }
    },
  }
  return broker
}

/** Starts a private RabbitMQ node for this test file; throws with the reason when that is impossible. */
async function startPrivateNode(): Promise<OutageBroker> {
  const rabbit = await preparePrivateRabbitNode({ namePrefix: 'lmtest', dirPrefix: 'lm-rabbit-' })
  try {
    await rabbit.boot()
    await ctl(rabbit.node, ['await_startup'], 60_000)
  } catch (err) {
    await ctl(rabbit.node, ['stop']).catch(() => {})
    rabbit.cleanup()
    throw err
  }
  return control('private', rabbit.url, rabbit.port, rabbit.node, () => rabbit.cleanup())
}

/**
 * The broker for outage tests (see `OutageBroker`), or why there is none. Under REQUIRE_INFRA=1
 * the caller turns a missing broker into a failure.
 */
export async function openOutageBroker(): Promise<
  { ok: true; broker: OutageBroker } | { ok: false; reason: string }
> {
  try {
    if (process.env.LEARNMESH_OUTAGE_BROKER === 'shared') {
      await ctl(undefined, ['status'], 20_000)
      const url = new URL(testRabbitUrl)
      const port = Number(url.port || 5672)
      return { ok: true, broker: control('shared', testRabbitUrl, port, undefined, () => {}) }
    }
    return { ok: true, broker: await startPrivateNode() }
  } catch (err) {
    const text = err instanceof Error ? err.message.split('\n')[0] : String(err)
    return {
      ok: false,
      reason: `cannot run a RabbitMQ node to take down (rabbitmq-server/rabbitmqctl): ${text}`,
    }
  }
}
