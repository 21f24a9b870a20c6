import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { createLogger, createRabbitTransport, type RabbitTransport } from '@learnmesh/kernel'
import { loadClusterConfig, type ClusterConfig } from './config.ts'
import { attachDevMailbox } from './dev-mailbox.ts'
import { migrateAll, seedAll } from './migrate.ts'
import { seedDemoCommerce } from './demo-commerce.ts'
import { seedDemoLearning } from './demo-learning.ts'
import { seedDemoTutoring } from './demo-tutoring.ts'
import { ensureDatabase, type ServiceRole } from './roles.ts'
import { demo, services } from './services.ts'

/*
 * `npm run cluster`: the supervisor of a local cluster. It creates the database if missing, runs
 * `learnmesh migrate` as the admin (schemas + one least-privileged role per service), then starts
 * every service replica as its own process with its role's DATABASE_URL and MIGRATE_ON_START=false,
 * waits for each /ready, starts the gateway in front of them, and prints the URL. Ctrl-C (or SIGTERM)
 * stops the gateway, then every replica (SIGTERM by PID, SIGKILL after CLUSTER_STOP_TIMEOUT_MS). A
 * replica that crashes is reported and restarted with back-off (CLUSTER_RESTART).
 */

const root = fileURLToPath(new URL('../../..', import.meta.url))

/** An expected failure of `learnmesh cluster` (bad arguments, a dependency down): shown without a stack. */
export class ClusterError extends Error {
  override readonly name = 'ClusterError'
}

/** One supervised process. */
export interface ClusterProcess {
  /** `identity#1`, `gateway`. */
  label: string
  service: string
  port: number
  url: string
  /** PID of the current incarnation (changes when it is restarted). */
  pid: number | undefined
  restarts: number
}

/** A running local cluster. */
export interface Cluster {
  /** The gateway's URL. */
  url: string
  processes: ClusterProcess[]
  /** Stops every process; resolves when all have exited. */
  stop(): Promise<void>
}

/** `['identity=2', 'learning=3']` or `'identity=2,learning=3'` → `{ identity: 2, learning: 3 }`. */
export function parseReplicas(values: string[], known: string[]): Record<string, number> {
  const result: Record<string, number> = Object.fromEntries(known.map((s) => [s, 1]))
  for (const part of values.flatMap((v) => v.split(','))) {
    const entry = part.trim()
    if (!entry) continue
    const m = /^([a-z][a-z0-9-]*)=(\d{1,2})$/.exec(entry)
    if (!m) throw new ClusterError(`--replicas expects <service>=<count>, got '${entry}'`)
    const [, name, count] = m
    if (!known.includes(name!))
      throw new ClusterError(`--replicas: unknown service '${name}' (known: ${known.join(', ')})`)
    const n = Number(count)
    if (n < 1 || n > 16) throw new ClusterError(`--replicas: ${name} needs 1 to 16 replicas`)
    result[name!] = n
  }
  return result
}

/** How to run a service's main: its esbuild bundle when `scripts/start.mjs` built one, else tsx. */
function commandFor(service: string, bundles: string | undefined): string[] {
  const bundle = bundles ? join(bundles, `${service}.mjs`) : undefined
  if (bundle && existsSync(bundle)) return ['--enable-source-maps', bundle]
  return ['--import', 'tsx', join(root, 'services', service, 'src', 'main.ts')]
}

/** A URL fit to print: the password replaced. */
function safeUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')
}

/** Resolves when something accepts TCP connections at `url`'s host and port. */
function reachable(url: string, timeoutMs = 2000): Promise<boolean> {
  const u = new URL(url)
  const defaults: Record<string, number> = {
    'postgres:': 5432,
    'postgresql:': 5432,
    'amqp:': 5672,
    'amqps:': 5671,
    'redis:': 6379,
    'rediss:': 6379,
  }
  return new Promise((resolve) => {
    const socket = connect({
      host: u.hostname || '127.0.0.1',
      port: Number(u.port) || defaults[u.protocol] || 80,
    })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

async function waitReady(url: string, isAlive: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs
  let last = 'no answer'
  while (Date.now() < end) {
    if (!isAlive()) throw new Error('exited before it was ready')
    try {
      const res = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2000) })
      if (res.ok) return
      last = `/ready answered ${res.status}: ${await res.text()}`
    } catch (err) {
      last = (err as Error).message
    }
    await new Promise((r) => setTimeout(r, 150))
  }
  throw new Error(`not ready after ${timeoutMs} ms (${last})`)
}

interface Supervised extends ClusterProcess {
  args: string[]
  env: Record<string, string | undefined>
  child?: ChildProcess
  exited?: Promise<void>
  /** Last lines it printed (shown when it fails to start). */
  tail: string[]
  startedAt: number
}

/**
 * Starts the local cluster (see the comment at the top). `replicas` gives the count per service
 * (default 1); `print` receives the supervisor's own lines and every child's output, prefixed.
 */
export async function startCluster(options: {
  env: Record<string, string | undefined>
  replicas: Record<string, number>
  print?: (line: string) => void
  /** Folder of the service bundles built by scripts/start.mjs (else tsx runs the sources). */
  bundles?: string
}): Promise<Cluster> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`))
  const env = options.env
  const config: ClusterConfig = loadClusterConfig(env)

  for (const [what, url] of [
    ['PostgreSQL (DATABASE_URL)', config.DATABASE_URL],
    ['RabbitMQ (BROKER_URL)', config.BROKER_URL],
    ['Redis (REDIS_URL)', config.REDIS_URL],
  ] as const) {
    if (!(await reachable(url)))
      throw new ClusterError(`${what} at ${safeUrl(url)} is not reachable; start it first`)
  }

  if (await ensureDatabase(config.DATABASE_URL))
    print(`  created database ${new URL(config.DATABASE_URL).pathname.slice(1)}`)
  const roles: ServiceRole[] = await migrateAll({
    ...env,
    DATABASE_URL: config.DATABASE_URL,
    LOG_LEVEL: env.LOG_LEVEL ?? 'warn',
  })
  const roleUrl = Object.fromEntries(roles.map((r) => [r.service, r.url]))
  print(`  migrated; services connect as ${roles.map((r) => r.role).join(', ')}`)
  // As the admin, before any service runs: the demo organization and people (idempotent).
  const seededPeople = config.SEED_DEMO ? await seedAll({ ...env, DATABASE_URL: config.DATABASE_URL }) : false

  // No mail server until the communication service lands: account emails (identity's events, through
  // the broker) go to <DATA_DIR>/mailbox.jsonl and their links are printed, as in embedded mode.
  let mailbox: RabbitTransport | undefined
  if (config.CLUSTER_DEV_MAILBOX) {
    mailbox = createRabbitTransport({
      url: config.BROKER_URL,
      prefix: config.BROKER_PREFIX,
      logger: createLogger('cluster', config.LOG_LEVEL),
      connectionName: 'learnmesh-dev-mailbox',
    })
    attachDevMailbox(mailbox, join(config.DATA_DIR, 'mailbox.jsonl'), print)
    await mailbox.ready(15_000)
  }

  const gatewayUrl = `http://localhost:${config.PORT}`
  const processes: Supervised[] = []
  let port = config.CLUSTER_BASE_PORT
  let stopping = false
  // Children get the environment minus the admin's secrets; each service gets its role's URL.
  const inherited = Object.fromEntries(
    Object.entries(env).filter(
      ([k]) =>
        !['DATABASE_URL', 'CLUSTER_SECRET', 'JWKS_URL', 'SERVICE_URLS'].includes(k) &&
        !k.startsWith('LEARNMESH_ROLE_PASSWORD_'),
    ),
  )
  const common = {
    ...inherited,
    NODE_ENV: env.NODE_ENV ?? 'development',
    LOG_LEVEL: config.LOG_LEVEL,
    PUBLIC_URL: env.PUBLIC_URL ?? gatewayUrl,
  }
  const identityPorts: number[] = []
  for (const service of services) {
    for (let i = 1; i <= (options.replicas[service.name] ?? 1); i++) {
      port++
      if (service.name === 'identity') identityPorts.push(port)
      processes.push({
        label: `${service.name}#${i}`,
        service: service.name,
        port,
        url: `http://127.0.0.1:${port}`,
        pid: undefined,
        restarts: 0,
        args: commandFor(service.name, options.bundles),
        tail: [],
        startedAt: 0,
        env: {
          ...common,
          PORT: String(port),
          HOST: '127.0.0.1',
          DATABASE_URL: roleUrl[service.name],
          MIGRATE_ON_START: 'false',
          BROKER_URL: config.BROKER_URL,
          BROKER_PREFIX: config.BROKER_PREFIX,
          REDIS_URL: config.REDIS_URL,
          // Behind the gateway on this machine: trust its X-Forwarded-For (per-IP sign-in limits).
          TRUST_PROXY: 'loopback',
          ...(service.name === 'identity'
            ? {}
            : {
                JWKS_URL: identityPorts.map((p) => `http://127.0.0.1:${p}/.well-known/jwks.json`).join('|'),
              }),
        },
      })
    }
  }
  const upstreams = services.map(
    (s) =>
      `${s.name}=${processes
        .filter((p) => p.service === s.name)
        .map((p) => p.url)
        .join('|')}`,
  )
  const gateway: Supervised = {
    label: 'gateway',
    service: 'gateway',
    port: config.PORT,
    url: `http://127.0.0.1:${config.PORT}`,
    pid: undefined,
    restarts: 0,
    args: commandFor('gateway', options.bundles),
    tail: [],
    startedAt: 0,
    env: {
      ...common,
      PORT: String(config.PORT),
      HOST: config.HOST,
      SERVICE_URLS: upstreams.join(','),
      JWKS_URL: `http://127.0.0.1:${identityPorts[0]}/.well-known/jwks.json`,
      REDIS_URL: config.REDIS_URL,
    },
  }
  const all = [...processes, gateway]

  function spawnProcess(p: Supervised): void {
    const child = spawn(process.execPath, p.args, {
      cwd: root,
      env: p.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })
    p.child = child
    p.pid = child.pid
    p.startedAt = Date.now()
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        p.tail.push(line)
        if (p.tail.length > 30) p.tail.shift()
        print(`${p.label.padEnd(12)}| ${line}`)
      })
    }
    p.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        p.pid = undefined
        resolve()
        if (stopping || p.child !== child) return
        const how = signal ? `signal ${signal}` : `code ${code}`
        if (!config.CLUSTER_RESTART) {
          print(`  ${p.label} (pid ${child.pid}) exited with ${how}; not restarting (CLUSTER_RESTART=false)`)
          return
        }
        // Back-off doubles per quick crash (1 s … 30 s) and resets after a minute of uptime.
        if (Date.now() - p.startedAt > 60_000) p.restarts = 0
        const delay = Math.min(1000 * 2 ** p.restarts, 30_000)
        p.restarts++
        print(`  ${p.label} (pid ${child.pid}) exited with ${how}; restarting in ${delay / 1000} s`)
        setTimeout(() => {
          if (stopping) return
          spawnProcess(p)
          print(`  ${p.label} restarted (pid ${p.pid})`)
        }, delay).unref()
      })
    })
  }

  async function stopProcesses(list: Supervised[]): Promise<void> {
    await Promise.all(
      list.map(async (p) => {
        const child = p.child
        if (!child || child.exitCode !== null || child.signalCode !== null) return
        child.kill('SIGTERM')
        const timer = setTimeout(() => {
          print(
            `  ${p.label} (pid ${child.pid}) did not stop in ${config.CLUSTER_STOP_TIMEOUT_MS} ms; killing it`,
          )
          child.kill('SIGKILL')
        }, config.CLUSTER_STOP_TIMEOUT_MS)
        await p.exited
        clearTimeout(timer)
      }),
    )
  }

  let stopped: Promise<void> | undefined
  const stop = () => {
    stopping = true
    stopped ??= (async () => {
      await stopProcesses([gateway]) // no new requests first
      await stopProcesses(processes)
      await mailbox?.close()
    })()
    return stopped
  }

  async function startAndWait(list: Supervised[]): Promise<void> {
    for (const p of list) spawnProcess(p)
    await Promise.all(
      list.map(async (p) => {
        try {
          await waitReady(p.url, () => p.child?.exitCode === null && p.child.signalCode === null, 60_000)
        } catch (err) {
          throw new ClusterError(
            `${p.label} failed to start: ${(err as Error).message}\n${p.tail.join('\n')}`,
          )
        }
      }),
    )
  }

  try {
    // The first replica of each service alone (it creates what must exist once, e.g. identity's
    // signing key), then the other replicas, then the gateway.
    for (const service of services) {
      const replicas = processes.filter((p) => p.service === service.name)
      await startAndWait(replicas.slice(0, 1))
      await startAndWait(replicas.slice(1))
    }
    await startAndWait([gateway])
    // Demo courses, tutor and plan go through the services' own API, so only now that they run.
    if (seededPeople) {
      await seedDemoLearning({ gatewayUrl })
      await seedDemoTutoring({ gatewayUrl })
      await seedDemoCommerce({ gatewayUrl })
    }
  } catch (err) {
    await stop()
    throw err
  }

  print('')
  print(`  learnmesh cluster is running at ${gatewayUrl}`)
  print(`  API reference: ${gatewayUrl}/api/docs`)
  print(
    `  data: ${safeUrl(config.DATABASE_URL)}, broker: ${safeUrl(config.BROKER_URL)}, redis: ${safeUrl(config.REDIS_URL)}`,
  )
  for (const p of all) print(`    ${p.label.padEnd(12)} pid ${String(p.pid).padEnd(8)} ${p.url}`)
  if (config.SEED_DEMO) {
    print('')
    print(`  Demo sign-ins (organization "${demo.orgName}"):`)
    for (const u of demo.users) print(`    ${u.label.padEnd(15)} ${u.email.padEnd(32)} ${u.password}`)
  }
  print('')
  print('  Ctrl-C to stop.')

  return {
    url: gatewayUrl,
    processes: all,
    stop,
  }
}
