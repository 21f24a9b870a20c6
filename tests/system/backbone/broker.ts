import { execFile, execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { testRabbitUrl } from '@learnmesh/kernel/testing'

const run = promisify(execFile)
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
const searchPath = `${process.env.PATH ?? ''}:/usr/sbin:/usr/lib/rabbitmq/bin`

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

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1000, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

async function waitPort(port: number, open: boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs
  while ((await portOpen(port)) !== open) {
    if (Date.now() > until)
      throw new Error(`port ${port} did not ${open ? 'open' : 'close'} within ${timeoutMs} ms`)
    await sleep(100)
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
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
  await run('rabbitmqctl', ['version'], { timeout: 20_000, env: { ...process.env, PATH: searchPath } })
  const dir = mkdtempSync(join(tmpdir(), 'lm-rabbit-'))
  // The server drops to the `rabbitmq` user when started as root: it must write here.
  chmodSync(dir, 0o777)
  const [port, distPort] = [await freePort(), await freePort()]
  const node = `lmtest${randomBytes(4).toString('hex')}@localhost`
  const conf = join(dir, 'rabbitmq.conf')
  writeFileSync(conf, `listeners.tcp.default = 127.0.0.1:${port}\n`)
  const plugins = join(dir, 'enabled_plugins')
  writeFileSync(plugins, '[].\n')
  chmodSync(conf, 0o644)
  chmodSync(plugins, 0o666)
  const pidFile = join(dir, 'pid')
  const cleanup = () => {
    // A node that ignored `rabbitmqctl stop` is ours (we started it): end it by its pid.
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8').trim())
      if (Number.isInteger(pid) && pid > 0) {
        try {
          process.kill(pid, 0)
          process.kill(pid, 'SIGKILL')
        } catch {
          // already gone
        }
      }
    }
    rmSync(dir, { recursive: true, force: true })
  }
  const env = {
    ...process.env,
    PATH: searchPath,
    RABBITMQ_NODENAME: node,
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_CONFIG_FILE: conf,
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: plugins,
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_PID_FILE: pidFile,
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  }
  try {
    await run('rabbitmq-server', ['-detached'], { timeout: 30_000, env })
    await waitPort(port, true, 90_000)
    await ctl(node, ['await_startup'], 60_000)
  } catch (err) {
    await ctl(node, ['stop']).catch(() => {})
    cleanup()
    throw err
  }
  return control('private', `amqp://guest:guest@127.0.0.1:${port}`, port, node, cleanup)
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
