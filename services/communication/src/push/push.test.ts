import { createECDH, createPublicKey, randomBytes, verify, type ECDH } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { describe, expect, it } from 'vitest'
import ece from 'http_ece'
import { eq, sql } from 'drizzle-orm'
import { ConfigError, newId, type Principal } from '@learnmesh/kernel'
import { createTestCommunication, useTestCommunication, useTestKit, type TestUser } from '../test-helpers.ts'
import { loadCommunicationConfig } from '../config.ts'
import { notify } from '../notifications/deliver.ts'
import { createPushService } from './push.service.ts'
import { pushSubscriptions, pushVapidKeys } from '../db/schema.ts'

interface Received {
  path: string
  headers: IncomingHttpHeaders
  body: Buffer
}

/** A local push service: keeps every request; the path picks the answer (/ok 201, /gone 410, /busy 503). */
async function startPushService() {
  const received: Received[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) })
      const status = req.url?.startsWith('/gone') ? 410 : req.url?.startsWith('/busy') ? 503 : 201
      res.writeHead(status).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}

/** A browser: its own P-256 key pair and auth secret, as `pushManager.subscribe` makes them. */
function browser(endpoint: string) {
  const ecdh: ECDH = createECDH('prime256v1')
  ecdh.generateKeys()
  const auth = randomBytes(16)
  return {
    ecdh,
    auth,
    subscription: {
      endpoint,
      expirationTime: null,
      keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
    },
  }
}

/** Checks the VAPID JWT's ES256 signature with the public key `k`; returns its claims. */
function verifyVapid(authorization: string, expectedKey: string) {
  const m = /^vapid t=([^,]+), k=(.+)$/.exec(authorization)
  expect(m).not.toBeNull()
  const [, jwt, k] = m!
  expect(k).toBe(expectedKey)
  const raw = Buffer.from(k!, 'base64url')
  const key = createPublicKey({
    format: 'jwk',
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: raw.subarray(1, 33).toString('base64url'),
      y: raw.subarray(33, 65).toString('base64url'),
    },
  })
  const [h, c, s] = jwt!.split('.')
  const ok = verify(
    'sha256',
    Buffer.from(`${h}.${c}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(s!, 'base64url'),
  )
  expect(ok).toBe(true)
  expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toMatchObject({ alg: 'ES256' })
  return JSON.parse(Buffer.from(c!, 'base64url').toString()) as { aud: string; exp: number; sub: string }
}

describe('web push', () => {
  const push = useTestKit(startPushService)
  const logs: string[] = []
  const t = useTestCommunication({ logs })

  const notifyNow = (u: TestUser, type: string, title = 'Lesson booked for Monday') =>
    t.db.transaction((tx) =>
      notify(tx, t.deps, {
        orgId: u.orgId,
        userId: u.userId,
        type,
        title,
        body: 'With Tom, 10:00 UTC',
        link: '/lessons',
        sourceKey: newId('evt'),
      }),
    )

  async function subscribed(path: string, u = t.user()) {
    const b = browser(push.url(`${path}/${newId('x')}`))
    const res = await t.call(u, 'POST', '/push/subscriptions', b.subscription)
    expect(res.statusCode).toBe(201)
    return { ...b, u, id: res.json().id as string }
  }

  describe('happy', () => {
    it('a high-priority notification reaches the push service encrypted for the browser, with a valid VAPID JWT', async () => {
      const { publicKey } = (await t.call(null, 'GET', '/push/vapid-public-key')).json()
      const b = await subscribed('/ok')
      const ntf = await notifyNow(b.u, 'tutoring.booked')
      await t.runJobs()
      const got = push.received.filter((r) => r.path === new URL(b.subscription.endpoint).pathname)
      expect(got).toHaveLength(1)
      const r = got[0]!
      expect(r.headers['content-encoding']).toBe('aes128gcm')
      expect(Number(r.headers.ttl)).toBeGreaterThan(0)
      expect(r.headers.urgency).toBe('high')
      const claims = verifyVapid(String(r.headers.authorization), publicKey)
      expect(claims.aud).toBe(new URL(b.subscription.endpoint).origin)
      expect(claims.sub).toBe('mailto:no-reply@learnmesh.local')
      expect(claims.exp * 1000).toBeGreaterThan(Date.now())
      // Decrypt with the browser's private key and auth secret: the payload is proven end to end.
      const plain = ece.decrypt(r.body, { version: 'aes128gcm', privateKey: b.ecdh, authSecret: b.auth })
      expect(JSON.parse(plain.toString('utf8'))).toEqual({
        notificationId: ntf,
        type: 'tutoring.booked',
        title: 'Lesson booked for Monday',
        body: 'With Tom, 10:00 UTC',
        url: 'http://web.test/lessons',
        priority: 'high',
      })
      expect(r.body.includes(Buffer.from('Lesson booked'))).toBe(false) // encrypted on the wire
      const [row] = await t.db.select().from(pushSubscriptions).where(eq(pushSubscriptions.id, b.id))
      expect(row!.lastSuccessAt).not.toBeNull()
    })

    it('every subscribed browser of the person gets it; a normal one goes out outside quiet hours', async () => {
      const a = await subscribed('/ok')
      const second = browser(push.url(`/ok/${newId('x')}`))
      expect((await t.call(a.u, 'POST', '/push/subscriptions', second.subscription)).statusCode).toBe(201)
      await notifyNow(a.u, 'learning.enrolled', 'You are enrolled')
      await t.runJobs()
      const paths = [a.subscription.endpoint, second.subscription.endpoint].map((e) => new URL(e).pathname)
      const got = push.received.filter((r) => paths.includes(r.path))
      expect(got).toHaveLength(2)
      expect(got[0]!.headers.urgency).toBe('normal')
      const plain = ece.decrypt(got.find((g) => g.path === paths[1])!.body, {
        version: 'aes128gcm',
        privateKey: second.ecdh,
        authSecret: second.auth,
      })
      expect(JSON.parse(plain.toString()).title).toBe('You are enrolled')
    })

    it('re-subscribing the same browser refreshes it (200), lists it, and DELETE removes it', async () => {
      const b = await subscribed('/ok')
      const again = await t.call(b.u, 'POST', '/push/subscriptions', b.subscription)
      expect(again.statusCode).toBe(200)
      expect(again.json().id).toBe(b.id)
      const list = (await t.call(b.u, 'GET', '/push/subscriptions')).json()
      expect(list.items.map((i: { id: string }) => i.id)).toEqual([b.id])
      expect((await t.call(b.u, 'DELETE', `/push/subscriptions/${b.id}`)).statusCode).toBe(204)
      expect((await t.call(b.u, 'GET', '/push/subscriptions')).json().items).toEqual([])
    })

    it('the development key pair is generated once and kept in the database', async () => {
      const k1 = (await t.call(null, 'GET', '/push/vapid-public-key')).json().publicKey
      const k2 = (await t.call(null, 'GET', '/push/vapid-public-key')).json().publicKey
      expect(k1).toBe(k2)
      expect(Buffer.from(k1, 'base64url')).toHaveLength(65)
      const rows = await t.db.select().from(pushVapidKeys)
      expect(rows).toHaveLength(1)
      expect(rows[0]!.publicKey).toBe(k1)
    })

    it('configured VAPID keys are used as they are', async () => {
      const env = { VAPID_PUBLIC_KEY: 'BPub', VAPID_PRIVATE_KEY: 'priv' }
      expect(loadCommunicationConfig(env).VAPID_PUBLIC_KEY).toBe('BPub')
    })
  })

  describe('errors', () => {
    it('410 from the push service deletes the subscription; 503 is retried and keeps it', async () => {
      const gone = await subscribed('/gone')
      await notifyNow(gone.u, 'tutoring.booked')
      await t.runJobs()
      expect(await t.db.select().from(pushSubscriptions).where(eq(pushSubscriptions.id, gone.id))).toEqual([])

      const busy = await subscribed('/busy')
      await notifyNow(busy.u, 'tutoring.booked')
      await t.runJobs()
      const path = new URL(busy.subscription.endpoint).pathname
      expect(push.received.filter((r) => r.path === path)).toHaveLength(1)
      // The job stays pending for a retry, its attempt counted.
      const jobs = await t.database.query<{ status: string; attempts: number }>(
        sql`select status, attempts from communication.jobs where name = 'communication.push.send' and payload->>'subscriptionId' = ${busy.id}`,
      )
      expect(jobs).toMatchObject([{ status: 'pending', attempts: 1 }])
      expect(
        await t.db.select().from(pushSubscriptions).where(eq(pushSubscriptions.id, busy.id)),
      ).toHaveLength(1)
      expect(logs.join('\n')).not.toContain(busy.subscription.keys.auth)
    })

    it('no push for low priority, for a normal one during quiet hours, or when the person switched push off', async () => {
      const b = await subscribed('/ok')
      const path = new URL(b.subscription.endpoint).pathname
      await notifyNow(b.u, 'learning.graded')
      const prefs = await t.call(b.u, 'PUT', '/notifications/preferences', {
        preferences: [{ type: 'tutoring.changed', push: false }],
        settings: { timeZone: 'UTC', quietHoursStart: '22:00', quietHoursEnd: '07:00' },
      })
      expect(prefs.statusCode).toBe(200)
      expect(prefs.json().preferences.find((p: { type: string }) => p.type === 'tutoring.changed').push).toBe(
        false,
      )
      t.setNow(new Date('2026-12-01T23:30:00Z'))
      await notifyNow(b.u, 'learning.enrolled')
      t.setNow(null)
      await notifyNow(b.u, 'tutoring.changed')
      await t.runJobs()
      expect(push.received.filter((r) => r.path === path)).toHaveLength(0)
      // A high-priority one still goes out during quiet hours.
      t.setNow(new Date('2026-12-01T23:30:00Z'))
      await notifyNow(b.u, 'tutoring.booked')
      t.setNow(null)
      await t.runJobs()
      expect(push.received.filter((r) => r.path === path)).toHaveLength(1)
    })

    it('a malformed subscription is refused and nothing is stored', async () => {
      const u = t.user()
      const good = browser(push.url('/ok/x')).subscription
      const cases = [
        { ...good, endpoint: 'ftp://push.example/x' },
        { ...good, endpoint: 'not a url at all' },
        { ...good, endpoint: 'https://user:pw@push.example/x' },
        { ...good, keys: { ...good.keys, p256dh: Buffer.alloc(65, 1).toString('base64url') } },
        { ...good, keys: { ...good.keys, auth: randomBytes(8).toString('base64url') + 'AAAAAAAA' } },
        { ...good, keys: { p256dh: good.keys.p256dh } },
        { ...good, extra: true },
      ]
      for (const body of cases) {
        const res = await t.call(u, 'POST', '/push/subscriptions', body)
        expect([400, 422]).toContain(res.statusCode)
        expect(res.headers['content-type']).toContain('application/problem+json')
      }
      expect((await t.call(u, 'GET', '/push/subscriptions')).json().items).toEqual([])
    })

    it('in production, only https push service host names are accepted', async () => {
      const prod = createPushService({ ...t.deps, config: { ...t.deps.config, NODE_ENV: 'production' } })
      const u: Principal = {
        userId: newId('usr'),
        orgId: t.orgA,
        roles: ['learner'],
        platformAdmin: false,
        sessionId: 'ses_test',
        claims: {},
      }
      const keys = browser('https://x').subscription.keys
      for (const endpoint of [
        'http://push.example/x',
        'https://127.0.0.1/x',
        'https://[::1]/x',
        'https://localhost/x',
        'https://10.1.2.3:8443/x',
      ]) {
        await expect(prod.subscribe(u, { endpoint, keys }, null)).rejects.toMatchObject({
          code: 'unprocessable',
        })
      }
      const ok = await prod.subscribe(
        u,
        { endpoint: `https://fcm.googleapis.com/fcm/send/${newId('x')}`, keys },
        null,
      )
      expect(ok.created).toBe(true)
    })

    it('production refuses to start without VAPID keys, and half a pair anywhere', () => {
      expect(() =>
        loadCommunicationConfig({
          NODE_ENV: 'production',
          COMMUNICATION_SECRET: 'x'.repeat(40),
          SMTP_URL: 'smtp://mail.example:587',
        }),
      ).toThrow(ConfigError)
      expect(() => loadCommunicationConfig({ VAPID_PUBLIC_KEY: 'only-half' })).toThrow(ConfigError)
      expect(() => loadCommunicationConfig({ VAPID_SUBJECT: 'nobody' })).toThrow(ConfigError)
    })
  })

  describe('security', () => {
    it('subscribing and listing need a signed-in user', async () => {
      const b = browser(push.url('/ok/anon'))
      expect((await t.call(null, 'POST', '/push/subscriptions', b.subscription)).statusCode).toBe(401)
      expect((await t.call(null, 'GET', '/push/subscriptions')).statusCode).toBe(401)
    })

    it('nobody lists or deletes another person’s subscription', async () => {
      const b = await subscribed('/ok')
      const other = t.user()
      expect((await t.call(other, 'GET', '/push/subscriptions')).json().items).toEqual([])
      expect((await t.call(other, 'DELETE', `/push/subscriptions/${b.id}`)).statusCode).toBe(404)
      const admin = t.user(['org_admin'], t.orgB)
      expect((await t.call(admin, 'DELETE', `/push/subscriptions/${b.id}`)).statusCode).toBe(404)
      expect((await t.call(b.u, 'GET', '/push/subscriptions')).json().items).toHaveLength(1)
    })

    it('with private networks denied (production default), no push goes to an internal address, by IP or by name', async () => {
      const denied = await createTestCommunication({ env: { PUSH_PRIVATE_NETWORKS: 'deny' }, logs })
      try {
        const before = push.received.length
        const port = new URL(push.url('/')).port
        for (const endpoint of [push.url(`/ok/${newId('x')}`), `http://localhost:${port}/ok/${newId('x')}`]) {
          const u = denied.user()
          const b = browser(endpoint)
          expect((await denied.call(u, 'POST', '/push/subscriptions', b.subscription)).statusCode).toBe(201)
          await denied.db.transaction((tx) =>
            notify(tx, denied.deps, {
              orgId: u.orgId,
              userId: u.userId,
              type: 'tutoring.booked',
              title: 'Lesson booked',
              body: 'Monday 10:00',
              link: '/lessons',
              sourceKey: newId('evt'),
            }),
          )
        }
        await denied.runJobs()
        expect(push.received.length).toBe(before)
        // Dropped, not retried: an internal address stays internal.
        const pending = await denied.database.query<{ status: string }>(
          sql`select status from communication.jobs where name = 'communication.push.send' and status = 'pending'`,
        )
        expect(pending).toEqual([])
        expect(logs.filter((l) => l.includes('push endpoint refused')).length).toBe(2)
      } finally {
        await denied.close()
      }
    })

    it('a notification is pushed only to its own person’s browsers', async () => {
      const mine = await subscribed('/ok')
      const theirs = await subscribed('/ok')
      await notifyNow(mine.u, 'tutoring.booked')
      await t.runJobs()
      const theirPath = new URL(theirs.subscription.endpoint).pathname
      expect(push.received.filter((r) => r.path === theirPath)).toHaveLength(0)
    })
  })
})
