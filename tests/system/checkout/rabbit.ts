import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
const searchPath = `${process.env.PATH ?? ''}:/usr/sbin:/usr/lib/rabbitmq/bin`

/**
 * A RabbitMQ node owned by one test file: its own node name (`lmchaos<random>@localhost`), free
 * AMQP and distribution ports, data and logs under the OS temp dir. `crash()` SIGKILLs the Erlang VM
 * by its pid (what an OOM kill or a host failure does: no clean shutdown, connections cut), and
 * `restart()` boots the same node on the same data directory, so durable queues and the messages
 * they held come back. The machine's own broker is never touched.
 */
export interface CrashableBroker {
  readonly url: string
  readonly node: string
  /** Whether the node is currently crashed by us. */
  readonly down: boolean
  /** SIGKILLs the node's VM; resolves when its AMQP port no longer answers. */
  crash(): Promise<void>
  /** Boots the node again on its data; resolves when it accepts AMQP connections. Returns the boot time in ms. */
  restart(): Promise<number>
  /** Stops the node (SIGKILL by pid after `rabbitmqctl stop` fails) and deletes its directory. */
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

/** Starts the node; throws (with the reason) when this machine cannot run one. */
export async function startCrashableBroker(): Promise<CrashableBroker> {
  await run('rabbitmqctl', ['version'], { timeout: 20_000, env: { ...process.env, PATH: searchPath } })
  const dir = mkdtempSync(join(tmpdir(), 'lm-chaos-rabbit-'))
  // Started as root, the server drops to the `rabbitmq` user: it must write here.
  chmodSync(dir, 0o777)
  const [port, distPort] = [await freePort(), await freePort()]
  const node = `lmchaos${randomBytes(4).toString('hex')}@localhost`
  const conf = join(dir, 'rabbitmq.conf')
  writeFileSync(conf, `listeners.tcp.default = 127.0.0.1:${port}\n`)
  const plugins = join(dir, 'enabled_plugins')
  writeFileSync(plugins, '[].\n')
  chmodSync(conf, 0o644)
  chmodSync(plugins, 0o666)
  const pidFile = join(dir, 'pid')
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
  const vmPid = (): number | undefined => {
    if (!existsSync(pidFile)) return undefined
    const pid = Number(readFileSync(pidFile, 'utf8').trim())
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  }
  const killVm = () => {
    const pid = vmPid()
    if (!pid) return
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  const boot = async (): Promise<number> => {
    const t0 = Date.now()
    rmSync(pidFile, { force: true })
    await run('rabbitmq-server', ['-detached'], { timeout: 30_000, env })
    await waitPort(port, true, 90_000)
    return Date.now() - t0
  }
  const cleanup = () => {
    killVm()
    rmSync(dir, { recursive: true, force: true })
  }
  // The test process dying must not leave our node running.
  process.once('exit', cleanup)
  try {
    await boot()
    await run('rabbitmqctl', ['-n', node, 'await_startup'], { timeout: 60_000, env })
  } catch (err) {
    process.off('exit', cleanup)
    cleanup()
    throw err
  }
  let down = false
  return {
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    node,
    get down() {
      return down
    },
    async crash() {
      const pid = vmPid()
      if (!pid) throw new Error(`no pid for RabbitMQ node ${node}`)
      down = true
      process.kill(pid, 'SIGKILL')
      await waitPort(port, false, 30_000)
    },
    async restart() {
      const ms = await boot()
      down = false
      return ms
    },
    async close() {
      process.off('exit', cleanup)
      await run('rabbitmqctl', ['-n', node, 'stop'], { timeout: 30_000, env }).catch(() => {})
      cleanup()
    },
  }
}
