import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

/**
 * Ports and private RabbitMQ nodes for the system tests that take a broker down
 * (`backbone/broker.ts` for the outage tests, `checkout/rabbit.ts` for checkout chaos).
 */

export const run = promisify(execFile)
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
/** PATH plus where distributions put `rabbitmq-server` and `rabbitmqctl`. */
export const rabbitSearchPath = `${process.env.PATH ?? ''}:/usr/sbin:/usr/lib/rabbitmq/bin`

export function portOpen(port: number): Promise<boolean> {
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

/** Resolves when 127.0.0.1:`port` answers (`open`) or no longer answers; throws after `timeoutMs`. */
export async function waitPort(port: number, open: boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs
  while ((await portOpen(port)) !== open) {
    if (Date.now() > until)
      throw new Error(`port ${port} did not ${open ? 'open' : 'close'} within ${timeoutMs} ms`)
    await sleep(100)
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

/**
 * A RabbitMQ node of a test's own, set up but not started: node name `<namePrefix><random>@localhost`,
 * free AMQP and distribution ports, config, data and logs in a fresh directory under the OS temp dir.
 */
export interface PrivateRabbitNode {
  readonly node: string
  readonly port: number
  /** AMQP URL of the node. */
  readonly url: string
  /** Environment for `rabbitmq-server` and `rabbitmqctl` that points them at this node. */
  readonly env: NodeJS.ProcessEnv
  /** Runs `rabbitmq-server -detached` and resolves when the AMQP port answers; returns the time it took in ms. */
  boot(): Promise<number>
  /** Pid of the node's Erlang VM, from its pid file. */
  vmPid(): number | undefined
  /** SIGKILLs the VM (if it runs) and deletes the directory: for a node that ignored `rabbitmqctl stop`. */
  cleanup(): void
}

/** Prepares a private node; throws (with the reason) when `rabbitmqctl` cannot run here. */
export async function preparePrivateRabbitNode(options: {
  namePrefix: string
  dirPrefix: string
}): Promise<PrivateRabbitNode> {
  await run('rabbitmqctl', ['version'], {
    timeout: 20_000,
    env: { ...process.env, PATH: rabbitSearchPath },
  })
  const dir = mkdtempSync(join(tmpdir(), options.dirPrefix))
  // Started as root, the server drops to the `rabbitmq` user: it must write here.
  chmodSync(dir, 0o777)
  const [port, distPort] = [await freePort(), await freePort()]
  const node = `${options.namePrefix}${randomBytes(4).toString('hex')}@localhost`
  const conf = join(dir, 'rabbitmq.conf')
  writeFileSync(conf, `listeners.tcp.default = 127.0.0.1:${port}\n`)
  const plugins = join(dir, 'enabled_plugins')
  writeFileSync(plugins, '[].\n')
  chmodSync(conf, 0o644)
  chmodSync(plugins, 0o666)
  const pidFile = join(dir, 'pid')
  const env = {
    ...process.env,
    PATH: rabbitSearchPath,
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
  return {
    node,
    port,
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    env,
    vmPid,
    async boot() {
      const t0 = Date.now()
      rmSync(pidFile, { force: true })
      await run('rabbitmq-server', ['-detached'], { timeout: 30_000, env })
      await waitPort(port, true, 90_000)
      return Date.now() - t0
    },
    cleanup() {
      const pid = vmPid()
      if (pid) {
        try {
          process.kill(pid, 'SIGKILL')
        } catch {
          // already gone
        }
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
