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
    const timer = setTimeout(() => reject(new Error(`no URL printed within 60 s:\n${out}`)), 60_000)
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

  it('seeds demo courses, and buying the paid one through commerce enrolls the learner (order.paid → enrollment)', async () => {
    const run = await start()
    const api = async (
      path: string,
      init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
    ) => {
      const res = await fetch(`${run.url}/api${path}`, {
        method: init.method ?? 'GET',
        headers: {
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
          ...init.headers,
        },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      })
      const text = await res.text()
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const body = (text ? JSON.parse(text) : null) as Record<string, any>
      return { status: res.status, body }
    }
    // The public catalog, anonymously: the three public demo courses (the org-only one is hidden).
    const catalog = await api('/learning/catalog')
    expect(catalog.status).toBe(200)
    const slugs = catalog.body.items.map((c: { slug: string }) => c.slug).sort()
    expect(slugs).toEqual(['git-in-fifteen-minutes', 'node-services-in-production', 'typescript-from-zero'])
    const paid = catalog.body.items.find((c: { slug: string }) => c.slug === 'node-services-in-production')

    const password = /learner@demo\.learnmesh\.dev\s+(\S+)/.exec(run.output())![1]!
    const login = await api('/identity/auth/login', {
      method: 'POST',
      body: { email: 'learner@demo.learnmesh.dev', password },
    })
    const token = login.body.accessToken as string
    // The demo learner is already studying the free course.
    const mine = await api('/learning/enrollments', { token })
    expect(mine.status).toBe(200)
    expect(mine.body.items).toHaveLength(1)
    // The demo seed signed in as the learner too; its session says so (not a test library's name).
    const sessions = await api('/identity/sessions', { token })
    const agents = (sessions.body.items as { userAgent: string | null }[]).map((x) => x.userAgent)
    expect(agents).toContain('learnmesh demo seed')
    expect(agents).not.toContain('lightMyRequest')
    // Its video lessons play in the web app: the file is the web app's own (same origin, so the
    // content security policy's media-src 'self' allows it), and it is served.
    const free = mine.body.items[0].courseId as string
    const outline = await api(`/learning/learn/courses/${free}`, { token })
    const video = (outline.body.sections as { lessons: { id: string; type: string }[] }[])
      .flatMap((s) => s.lessons)
      .find((l) => l.type === 'video')!
    const lesson = await api(`/learning/learn/courses/${free}/lessons/${video.id}`, { token })
    expect(lesson.status).toBe(200)
    const videoUrl = new URL(lesson.body.content.url as string)
    expect(videoUrl.pathname).toBe('/media/learnmesh-sample-lesson.webm')
    const media = await fetch(`${run.url}${videoUrl.pathname}`)
    expect(media.status).toBe(200)
    expect(media.headers.get('content-type')).toContain('video/webm')
    await media.arrayBuffer()

    // Commerce made a product and a price from learning.course.published.
    const prices = await api(`/commerce/prices?productType=course&ref=${paid.id}`, { token })
    expect(prices.status).toBe(200)
    const price = prices.body.prices[0]
    expect(price).toMatchObject({ unitAmountMinor: 4900, currency: 'USD' })
    expect(
      (await api('/commerce/cart/items', { method: 'POST', token, body: { priceId: price.id, quantity: 1 } }))
        .status,
    ).toBeLessThan(300)
    const order = await api('/commerce/checkout', {
      method: 'POST',
      token,
      body: {},
      headers: { 'idempotency-key': `e2e-${Date.now()}` },
    })
    expect(order.status).toBe(201)
    expect(order.body.status).toBe('paid')

    // commerce.order.paid → learning enrolls (through both outboxes and inboxes).
    const deadline = Date.now() + 10_000
    let enrolled = false
    while (!enrolled && Date.now() < deadline) {
      const list = await api('/learning/enrollments', { token })
      enrolled = list.body.items.some((e: { courseId: string; source?: string }) => e.courseId === paid.id)
      if (!enrolled) await new Promise((r) => setTimeout(r, 100))
    }
    expect(enrolled).toBe(true)
    // ... and commerce's own consumer issued the invoice, numbered per organization.
    let invoice: { number: string } | undefined
    while (!invoice && Date.now() < deadline + 10_000) {
      const invoices = await api('/commerce/invoices/mine', { token })
      expect(invoices.status).toBe(200)
      invoice = invoices.body.items.find((i: { orderId: string }) => i.orderId === order.body.id)
      if (!invoice) await new Promise((r) => setTimeout(r, 100))
    }
    expect(invoice).toMatchObject({ totalMinor: 4900, currency: 'USD' })
    expect(invoice!.number).toMatch(/^INV-\d{4}-\d{6}$/)
    expect(await stop(run.child)).toBe(0)
  }, 90_000)

  it('the demo tutor can be found, a slot held and paid through commerce, and both people are told (escrow, calendar, notifications, mailbox)', async () => {
    const run = await start()
    const api = async (
      path: string,
      init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
    ) => {
      const res = await fetch(`${run.url}/api${path}`, {
        method: init.method ?? 'GET',
        headers: {
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
          ...init.headers,
        },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      })
      const text = await res.text()
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const body = (text && text.startsWith('{') ? JSON.parse(text) : text) as Record<string, any>
      return { status: res.status, body }
    }
    const signIn = async (who: string) => {
      const password = new RegExp(`${who}@demo\\.learnmesh\\.dev\\s+(\\S+)`).exec(run.output())![1]!
      const res = await api('/identity/auth/login', {
        method: 'POST',
        body: { email: `${who}@demo.learnmesh.dev`, password },
      })
      return res.body.accessToken as string
    }
    const learner = await signIn('learner')
    const tutor = await signIn('tutor')
    const until = async <T>(probe: () => Promise<T | undefined>, what: string): Promise<T> => {
      const deadline = Date.now() + 15_000
      for (;;) {
        const v = await probe()
        if (v !== undefined) return v
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
        await new Promise((r) => setTimeout(r, 100))
      }
    }

    // Find the seeded tutor and an open 60-minute slot, shown in the learner's zone.
    const found = await api('/tutoring/tutors?subject=mathematics', { token: learner })
    expect(found.status).toBe(200)
    const theo = found.body.items.find((t: { displayName: string }) => t.displayName === 'Theo Tutor')
    expect(theo).toBeDefined()
    const slots = await api(`/tutoring/tutors/${theo.id}/slots?minutes=60&timeZone=America/New_York`, {
      token: learner,
    })
    expect(slots.status).toBe(200)
    const slot = slots.body.slots[0]
    expect(slot.localStart).toMatch(/-0[45]:00$/)

    // Hold it, then buy the held lesson (the cart line carries the booking id).
    const hold = await api('/tutoring/bookings', {
      method: 'POST',
      token: learner,
      body: { tutorId: theo.id, startsAt: slot.startsAt, minutes: 60, payWith: 'checkout' },
    })
    expect(hold.status).toBe(201)
    const booking = hold.body.booking
    expect(booking.status).toBe('held')
    const taken = await api('/tutoring/bookings', {
      method: 'POST',
      token: tutor,
      body: { tutorId: theo.id, startsAt: slot.startsAt, minutes: 60, payWith: 'checkout' },
    })
    expect(taken.status).toBeGreaterThanOrEqual(400) // the tutor cannot book themself, nor the held slot
    const prices = await api(
      `/commerce/prices?productType=tutoring_lesson&ref=${hold.body.checkout.productRef}`,
      { token: learner },
    )
    const price = prices.body.prices[0]
    expect(price).toMatchObject({ unitAmountMinor: 4000, currency: 'EUR' })
    expect(
      (
        await api('/commerce/cart/items', {
          method: 'POST',
          token: learner,
          body: { priceId: price.id, quantity: 1, reference: booking.id },
        })
      ).status,
    ).toBeLessThan(300)
    const order = await api('/commerce/checkout', {
      method: 'POST',
      token: learner,
      body: {},
      headers: { 'idempotency-key': `tutoring-${booking.id}` },
    })
    expect(order.status).toBe(201)
    expect(order.body.status).toBe('paid')

    // commerce.order.paid → tutoring books the slot; the money waits in escrow for the tutor.
    const booked = await until(async () => {
      const b = await api(`/tutoring/bookings/${booking.id}`, { token: learner })
      return b.body.status === 'booked' ? b.body : undefined
    }, 'the booking')
    expect(booked.meetingUrl).toMatch(/^https:\/\//)
    const earnings = await until(async () => {
      const e = await api('/commerce/earnings/me', { token: tutor })
      const eur = e.body.balances?.find((b: { currency: string }) => b.currency === 'EUR')
      return eur?.pendingEscrowMinor === 4000 ? eur : undefined
    }, 'escrow')
    expect(earnings.availableMinor).toBe(0)

    // tutoring.lesson.booked → communication tells both, in the app and by email (dev mailbox).
    await until(async () => {
      const n = await api('/communication/notifications', { token: tutor })
      return n.body.items?.some((i: { type: string }) => i.type === 'tutoring.booked') ? true : undefined
    }, 'the tutor notification')
    await until(async () => {
      const m = await api('/communication/dev/mailbox?to=learner@demo.learnmesh.dev')
      return m.body.items?.some((i: { subject: string }) =>
        i.subject.startsWith('Lesson booked with Theo Tutor'),
      )
        ? true
        : undefined
    }, 'the learner email')

    // The tutor's private calendar feed lists the lesson.
    const feed = await api('/tutoring/calendar/feed', { method: 'POST', token: tutor })
    expect(feed.status).toBe(201)
    const ics = await fetch(feed.body.url.replace(/^https?:\/\/[^/]+/, run.url)).then((r) => r.text())
    expect(ics).toContain('BEGIN:VCALENDAR')
    expect(ics).toContain(`UID:${booking.id}@learnmesh`)
    expect(await stop(run.child)).toBe(0)
  }, 120_000)
})
