import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase, sql } from '@learnmesh/kernel'
import {
  deleteRabbitTopology,
  postgresAvailable,
  rabbitAvailable,
  rabbitTestPrefix,
  testPostgresUrl,
  testRabbitUrl,
} from '@learnmesh/kernel/testing'

/**
 * `npm run cluster -- --replicas identity=2` as an operator runs it, on the real PostgreSQL,
 * RabbitMQ and Redis: every service its own process with its own database role, two identity
 * replicas behind the gateway, sign-up and sign-in through the gateway, a clean Ctrl-C that leaves
 * no process behind. Its own database, role prefix, queue prefix and ports; all removed afterwards.
 */
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

async function redisAvailable(): Promise<{ ok: boolean; reason?: string }> {
  const u = new URL(redisUrl)
  const ok = await new Promise<boolean>((resolve) => {
    const socket = connect({ host: u.hostname, port: Number(u.port) || 6379 })
    socket.setTimeout(2000, () => (socket.destroy(), resolve(false)))
    socket.once('error', () => resolve(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (d) => (socket.destroy(), resolve(d.toString().startsWith('+PONG'))))
  })
  if (ok) return { ok }
  const reason = `Redis at ${u.host} is not reachable`
  if (process.env.REQUIRE_INFRA === '1') throw new Error(`REQUIRE_INFRA=1 but ${reason}`)
  console.warn(`skipping cluster test: ${reason}`)
  return { ok: false, reason }
}

const infra = [await postgresAvailable(), await rabbitAvailable(), await redisAvailable()]
const up = infra.every((r) => r.ok)

const tag = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`
const dbName = `lm_cluster_${tag}`
const rolePrefix = `lmc${tag}_`
const brokerPrefix = rabbitTestPrefix()
const dataDir = mkdtempSync(join(tmpdir(), 'learnmesh-cluster-'))
const databaseUrl = (() => {
  const u = new URL(testPostgresUrl)
  u.pathname = `/${dbName}`
  return u.toString()
})()

/** Consecutive free ports (gateway, identity#1, identity#2, learning#1, commerce#1, tutoring#1, communication#1), chosen at random and probed. */
const PROCESSES = 7
async function freePorts(): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const s = createServer()
      s.once('error', () => resolve(false))
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
    })
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 30_000)
    let ok = true
    for (let i = 0; i < PROCESSES && ok; i++) ok = await free(base + i)
    if (ok) return base
  }
}

let supervisor: ChildProcess | undefined
let output = ''
const pids = new Map<string, number>()
const urls = new Map<string, string>()

async function stopSupervisor(): Promise<number | null> {
  const child = supervisor!
  if (child.exitCode !== null) return child.exitCode
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  child.kill('SIGINT')
  return exited
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

beforeAll(async () => {
  if (!up) return
  const base = await freePorts()
  supervisor = spawn(process.execPath, ['scripts/start.mjs', 'cluster', '--replicas', 'identity=2'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      BROKER_URL: testRabbitUrl,
      BROKER_PREFIX: brokerPrefix,
      REDIS_URL: redisUrl,
      LEARNMESH_ROLE_PREFIX: rolePrefix,
      DATA_DIR: dataDir,
      PORT: String(base),
      CLUSTER_BASE_PORT: String(base),
      LOG_LEVEL: 'warn',
      NODE_ENV: 'development',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  supervisor.stdout!.on('data', (d: Buffer) => (output += d.toString()))
  supervisor.stderr!.on('data', (d: Buffer) => (output += d.toString()))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cluster not running within 90 s:\n${output}`)), 90_000)
    const poll = setInterval(() => {
      if (/running at http:\/\/localhost:\d+/.test(output) && output.includes('Ctrl-C')) {
        clearInterval(poll)
        clearTimeout(timer)
        resolve()
      } else if (supervisor!.exitCode !== null) {
        clearInterval(poll)
        clearTimeout(timer)
        reject(new Error(`cluster exited with ${supervisor!.exitCode}:\n${output}`))
      }
    }, 50)
  })
  for (const m of output.matchAll(/^\s+(\S+)\s+pid (\d+)\s+(http:\/\/\S+)$/gm)) {
    pids.set(m[1]!, Number(m[2]))
    urls.set(m[1]!, m[3]!)
  }
}, 120_000)

async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}:\n${output}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true })
  if (!up) return
  // Whatever a failed test left running, by PID only.
  if (supervisor && supervisor.exitCode === null) supervisor.kill('SIGKILL')
  for (const pid of pids.values()) if (alive(pid)) process.kill(pid, 'SIGKILL')
  const server = await openDatabase({ url: testPostgresUrl, poolSize: 1 })
  try {
    await server.query(sql.raw(`drop database if exists "${dbName}" with (force)`))
    for (const service of ['identity', 'learning', 'commerce', 'tutoring', 'communication'])
      await server.query(sql.raw(`drop role if exists "${rolePrefix}${service}"`))
  } finally {
    await server.close()
  }
  // Every consumer's queue, dead-letter queue and retry queues.
  const consumers = ['dev-mailbox', 'learning', 'commerce', 'tutoring', 'communication'].map(
    (c) => `${brokerPrefix}${c}`,
  )
  await deleteRabbitTopology({
    exchanges: [`${brokerPrefix}learnmesh.events`, `${brokerPrefix}learnmesh.dlx`],
    queues: consumers.flatMap((q) => [
      q,
      `${q}.dlq`,
      ...[1000, 5000, 30_000, 120_000].map((d) => `${q}.retry.${d}`),
    ]),
  })
}, 30_000)

describe.runIf(up)('npm run cluster', () => {
  describe('happy', () => {
    it('runs each replica as its own process and serves sign-up and sign-in through the gateway', async () => {
      expect([...pids.keys()].sort()).toEqual([
        'commerce#1',
        'communication#1',
        'gateway',
        'identity#1',
        'identity#2',
        'learning#1',
        'tutoring#1',
      ])
      const pidSet = new Set(pids.values())
      expect(pidSet.size).toBe(7)
      expect(pidSet.has(supervisor!.pid!)).toBe(false)
      const gateway = urls.get('gateway')!

      const email = `cluster.${tag}@example.com`
      const password = 'a long and unusual passphrase'
      const register = await fetch(`${gateway}/api/identity/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password, displayName: 'Cluster Person' }),
      })
      expect(register.status).toBe(201)
      let token = ''
      for (let i = 0; i < 4; i++) {
        const login = await fetch(`${gateway}/api/identity/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email, password }),
        })
        expect(login.status).toBe(200)
        token = ((await login.json()) as { accessToken: string }).accessToken
      }
      // identity's outbox → relay → RabbitMQ → the dev mailbox consumer, across processes.
      await until(() => output.includes(`to: ${email}`), 'the verification email')
      expect(output).toMatch(/verify-email\?token=/)
      expect(readFileSync(join(dataDir, 'mailbox.jsonl'), 'utf8')).toContain(email)

      // A token issued by one replica is accepted by both (keys live in the shared database).
      for (let i = 0; i < 2; i++) {
        const me = await fetch(`${gateway}/api/identity/me`, {
          headers: { authorization: `Bearer ${token}` },
        })
        expect(me.status).toBe(200)
      }

      // The demo people were seeded (as the admin) before the services started, and sign in.
      const demo = /learner@demo\.learnmesh\.dev\s+(\S+)/.exec(output)
      expect(demo, 'demo sign-ins printed').not.toBeNull()
      const learner = await fetch(`${gateway}/api/identity/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'learner@demo.learnmesh.dev', password: demo![1] }),
      })
      expect(learner.status).toBe(200)

      // Both replicas served API requests (the gateway balances over them).
      for (const replica of ['identity#1', 'identity#2']) {
        const metrics = await (await fetch(`${urls.get(replica)}/metrics`)).text()
        const served = [
          ...metrics.matchAll(/^http_requests_total\{[^}]*route="\/(auth|me)[^"]*"[^}]*\} (\d+)/gm),
        ]
        expect(
          served.reduce((n, m) => n + Number(m[2]), 0),
          `${replica} served nothing`,
        ).toBeGreaterThan(0)
        const ready = (await (await fetch(`${urls.get(replica)}/ready`)).json()) as { checks: object }
        expect(ready.checks).toEqual({ database: 'ok', broker: 'ok' })
      }

      // The replicas are connected as identity's own role, not as the admin.
      const server = await openDatabase({ url: testPostgresUrl, poolSize: 1 })
      try {
        const sessions = await server.query<{ usename: string }>(
          sql`select distinct usename from pg_stat_activity where datname = ${dbName} and application_name like 'learnmesh-identity%'`,
        )
        expect(sessions.map((s) => s.usename)).toEqual([`${rolePrefix}identity`])
      } finally {
        await server.close()
      }
    }, 30_000)
  })

  describe('errors', () => {
    it('reports a crashed replica and restarts it on the same port', async () => {
      const old = pids.get('identity#2')!
      process.kill(old, 'SIGKILL')
      await until(
        () => /identity#2 \(pid \d+\) exited with signal SIGKILL; restarting in 1 s/.test(output),
        'the crash report',
      )
      await until(() => /identity#2 restarted \(pid \d+\)/.test(output), 'the restart')
      const pid = Number(/identity#2 restarted \(pid (\d+)\)/.exec(output)![1])
      expect(pid).not.toBe(old)
      pids.set('identity#2 (restarted)', pid)
      await until(async () => {
        try {
          return (await fetch(`${urls.get('identity#2')}/ready`)).status === 200
        } catch {
          return false
        }
      }, 'the restarted replica to be ready')
    }, 30_000)

    it('stops every process on Ctrl-C and exits cleanly', async () => {
      expect(await stopSupervisor()).toBe(0)
      expect(output).toContain('every process stopped')
      for (const [label, pid] of pids) expect(alive(pid), `${label} (pid ${pid}) still running`).toBe(false)
    }, 30_000)
  })
})
