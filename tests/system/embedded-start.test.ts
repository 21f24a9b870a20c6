import { afterAll, describe, expect, it } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * `npm start` as a user runs it: a fresh data dir, the printed URL and demo sign-ins, a sign-in
 * through the gateway, a clean Ctrl-C, and a second start on the same data that is faster.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'learnmesh-start-'))
const children: ChildProcess[] = []
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
  rmSync(dataDir, { recursive: true, force: true })
})

async function start(): Promise<{ child: ChildProcess; url: string; output: () => string; ms: number }> {
  const t0 = Date.now()
  const child = spawn(process.execPath, ['scripts/start.mjs', 'start'], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', NODE_ENV: 'development' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed within 30 s:\n${out}`)), 30_000)
    const poll = setInterval(() => {
      const m = /running at (http:\/\/localhost:\d+)/.exec(out)
      if (m && out.includes('Ctrl-C')) {
        clearInterval(poll)
        clearTimeout(timer)
        resolve(m[1]!)
      }
      if (child.exitCode !== null) {
        clearInterval(poll)
        clearTimeout(timer)
        reject(new Error(`exited with ${child.exitCode}:\n${out}`))
      }
    }, 20)
  })
  return { child, url, output: () => out, ms: Date.now() - t0 }
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  child.kill('SIGINT')
  return exited
}

describe('happy', () => {
  it('starts on a fresh machine, prints the URL and demo sign-ins, and serves the API', async () => {
    const first = await start()
    const out = first.output()
    expect(out).toContain('learner@demo.learnmesh.dev')
    expect(out).toContain('instructor@demo.learnmesh.dev')
    expect(out).toContain('tutor@demo.learnmesh.dev')
    expect(out).toContain('admin@demo.learnmesh.dev')
    console.log(`first start ready in ${first.ms} ms`)

    const password = /learner@demo\.learnmesh\.dev\s+(\S+)/.exec(out)![1]!
    const login = await fetch(`${first.url}/api/identity/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'learner@demo.learnmesh.dev', password }),
    })
    expect(login.status).toBe(200)
    const tokens = (await login.json()) as { accessToken: string }
    const me = await fetch(`${first.url}/api/identity/me`, {
      headers: { authorization: `Bearer ${tokens.accessToken}` },
    })
    expect(me.status).toBe(200)
    expect(((await me.json()) as { user: { email: string } }).user.email).toBe('learner@demo.learnmesh.dev')

    const home = await fetch(first.url)
    expect(home.status).toBe(200)
    expect(home.headers.get('content-type')).toContain('text/html')
    const docs = await fetch(`${first.url}/api/openapi.json`)
    expect(((await docs.json()) as { paths: Record<string, unknown> }).paths).toHaveProperty([
      '/api/identity/auth/login',
    ])

    expect(await stop(first.child)).toBe(0)
    expect(first.output()).toContain('shutting down')

    const second = await start()
    console.log(`second start ready in ${second.ms} ms`)
    // seeded once: the demo users are not duplicated and still sign in
    const again = await fetch(`${second.url}/api/identity/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'learner@demo.learnmesh.dev', password }),
    })
    expect(again.status).toBe(200)
    expect(await stop(second.child)).toBe(0)
  }, 90_000)

  it('writes account emails to the local mailbox and prints their links', async () => {
    const run = await start()
    const res = await fetch(`${run.url}/api/identity/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: 'new.person@example.com',
        password: 'a long and unusual passphrase',
        displayName: 'New Person',
      }),
    })
    expect(res.status).toBe(201)
    await new Promise((r) => setTimeout(r, 1500))
    const mailbox = readFileSync(join(dataDir, 'mailbox.jsonl'), 'utf8')
    expect(mailbox).toContain('new.person@example.com')
    expect(mailbox).toMatch(/verify-email\?token=/)
    expect(run.output()).toMatch(/verify-email\?token=/)
    expect(await stop(run.child)).toBe(0)
  }, 60_000)
})
