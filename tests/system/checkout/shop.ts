import { loadCommerceConfig } from '../../../services/commerce/src/config.ts'
import {
  buildSandboxWebhook,
  SANDBOX_SIGNATURE_HEADER,
  sandboxPaymentRef,
  signSandboxPayload,
} from '../../../services/commerce/src/payments/sandbox.ts'

/** One answer of the API (through the gateway). */
export interface ApiResponse {
  status: number
  headers: Headers
  body: any // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON of many shapes
}

/** A signed-in person: the access token and what it says. */
export interface Person {
  email: string
  userId: string
  orgId: string
  token: string
}

/** An order as POST /checkout answers it (the fields the test reads). */
export interface OrderView {
  id: string
  status: string
  currency: string
  totalMinor: number
  items: { productRef: string; productType: string }[]
  payments: { id: string; status: string; nextAction: { url?: string } | null }[]
}

function claims(token: string): { sub: string; org: string } {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as {
    sub: string
    org: string
  }
}

/** The learnmesh API through the gateway, as a browser or a payment provider would call it. */
export function shopClient(gateway: string, commerceSecret: string) {
  const config = loadCommerceConfig({ COMMERCE_SECRET: commerceSecret })

  async function call(
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string } = {},
  ): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...opts.headers }
    if (opts.token) headers.authorization = `Bearer ${opts.token}`
    let body: string | undefined
    if (opts.raw !== undefined) body = opts.raw
    else if (opts.body !== undefined) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(opts.body)
    }
    const res = await fetch(`${gateway}${path}`, {
      method,
      headers,
      body,
      signal: AbortSignal.timeout(30_000),
    })
    const text = await res.text()
    let json: unknown = null
    try {
      json = text ? JSON.parse(text) : null
    } catch {
      json = text
    }
    return { status: res.status, headers: res.headers, body: json }
  }

  /** Throws with the answer unless its status is one of `ok`. */
  function expectStatus(res: ApiResponse, ok: number[], what: string): ApiResponse {
    if (!ok.includes(res.status))
      throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body).slice(0, 400)}`)
    return res
  }

  return {
    call,
    expectStatus,

    async login(email: string, password: string): Promise<Person> {
      const res = expectStatus(
        await call('POST', '/api/identity/auth/login', { body: { email, password } }),
        [200],
        `login ${email}`,
      )
      const token = res.body.accessToken as string
      const c = claims(token)
      return { email, userId: c.sub, orgId: c.org, token }
    },

    async register(email: string, password: string, displayName: string): Promise<Person> {
      const res = expectStatus(
        await call('POST', '/api/identity/auth/register', { body: { email, password, displayName } }),
        [201],
        `register ${email}`,
      )
      const token = res.body.tokens.accessToken as string
      const c = claims(token)
      return { email, userId: c.sub, orgId: c.org, token }
    },

    /** A published paid course (instructor authors, admin approves) and, once commerce heard of it, its price id. */
    async publishCourse(
      instructor: Person,
      admin: Person,
      input: { title: string; slug: string; priceMinor: number; currency: string },
    ): Promise<string> {
      const course = expectStatus(
        await call('POST', '/api/learning/courses', {
          token: instructor.token,
          body: { ...input, visibility: 'public', level: 'beginner', language: 'en' },
        }),
        [201],
        'create course',
      ).body as { id: string }
      const section = expectStatus(
        await call('POST', `/api/learning/courses/${course.id}/sections`, {
          token: instructor.token,
          body: { title: 'Week 1' },
        }),
        [201],
        'create section',
      ).body as { id: string }
      expectStatus(
        await call('POST', `/api/learning/courses/${course.id}/sections/${section.id}/lessons`, {
          token: instructor.token,
          body: {
            type: 'text',
            title: 'Welcome',
            durationSeconds: 60,
            content: { type: 'text', markdown: '# Welcome' },
          },
        }),
        [201],
        'create lesson',
      )
      expectStatus(
        await call('POST', `/api/learning/courses/${course.id}/submit`, {
          token: instructor.token,
          body: {},
        }),
        [200, 201],
        'submit course',
      )
      expectStatus(
        await call('POST', `/api/learning/courses/${course.id}/approve`, { token: admin.token, body: {} }),
        [200, 201],
        'approve course',
      )
      return course.id
    },

    /** The active price of a course product (404 until commerce consumed learning.course.published). */
    async coursePrice(person: Person, courseId: string): Promise<string | undefined> {
      const res = await call(
        'GET',
        `/api/commerce/prices?productType=course&ref=${courseId}&orgId=${person.orgId}`,
        { token: person.token },
      )
      if (res.status === 404) return undefined
      expectStatus(res, [200], 'price lookup')
      return (res.body.prices as { id: string }[])[0]?.id
    },

    addToCart(person: Person, priceId: string): Promise<ApiResponse> {
      return call('POST', '/api/commerce/cart/items', { token: person.token, body: { priceId, quantity: 1 } })
    },

    checkout(person: Person, key: string, paymentMethod: string): Promise<ApiResponse> {
      return call('POST', '/api/commerce/checkout', {
        token: person.token,
        body: { paymentMethod },
        headers: { 'idempotency-key': key },
      })
    },

    /** The buyer completes a "requires action" payment on the sandbox's page. */
    completeAction(person: Person, actionUrl: string): Promise<ApiResponse> {
      const path = new URL(actionUrl).pathname
      return call('POST', path, { token: person.token, body: { outcome: 'succeeded' } })
    },

    /** The sandbox's id for one of our payments (what its webhooks name). */
    providerRef(paymentId: string): string {
      return sandboxPaymentRef(config, paymentId)
    },

    /**
     * Sends the provider's `payment.succeeded` webhook for `providerRef`: `resign` signs the same
     * event (same id) with a fresh timestamp, otherwise `previous` raw bytes and header are resent.
     */
    async webhook(
      providerRef: string,
      previous?: { rawBody: string; signature: string },
    ): Promise<{ res: ApiResponse; sent: { rawBody: string; signature: string } }> {
      let sent = previous
      if (!sent) {
        const hook = buildSandboxWebhook(config, { type: 'payment.succeeded', providerRef })
        sent = { rawBody: hook.rawBody, signature: hook.signature }
      }
      const res = await call('POST', '/api/commerce/webhooks/sandbox', {
        raw: sent.rawBody,
        headers: { 'content-type': 'application/json', [SANDBOX_SIGNATURE_HEADER]: sent.signature },
      })
      return { res, sent }
    },

    /** The same event re-signed now (a provider's retry carries a new timestamp). */
    resign(rawBody: string): { rawBody: string; signature: string } {
      return { rawBody, signature: signSandboxPayload(config, rawBody) }
    },
  }
}

/** What shopClient returns. */
export type ShopClient = ReturnType<typeof shopClient>

/**
 * Webhook deliveries with duplicates, late copies and no order: each queued copy is due at a random
 * moment within `spreadMs`; every `tickMs` the due ones are shuffled and sent (a few at a time), so
 * copies of different payments interleave and some land after the sandbox's own delayed webhook.
 */
export function webhookMailbag(
  shop: ShopClient,
  options: { spreadMs: number; tickMs: number; random: () => number },
) {
  const queue: { providerRef: string; due: number; copy: number }[] = []
  const firstSent = new Map<string, { rawBody: string; signature: string }>()
  const stats = { sent: 0, duplicates: 0, applied: 0, failures: [] as string[] }
  let timer: NodeJS.Timeout | undefined
  let busy: Promise<void> = Promise.resolve()

  async function deliver(item: { providerRef: string; copy: number }): Promise<void> {
    const previous = firstSent.get(item.providerRef)
    // Odd copies resend the first delivery's exact bytes; even ones re-sign the same event.
    const reuse =
      previous && item.copy % 2 === 1 ? previous : previous ? shop.resign(previous.rawBody) : undefined
    try {
      const { res, sent } = await shop.webhook(item.providerRef, reuse)
      if (!previous) firstSent.set(item.providerRef, sent)
      stats.sent++
      if (res.status !== 200) stats.failures.push(`${res.status} ${JSON.stringify(res.body).slice(0, 200)}`)
      else if (res.body?.duplicate) stats.duplicates++
      else stats.applied++
    } catch (err) {
      stats.failures.push((err as Error).message)
    }
  }

  async function flush(all: boolean): Promise<void> {
    const now = Date.now()
    const due = all ? queue.splice(0) : []
    if (!all) {
      for (let i = queue.length - 1; i >= 0; i--) if (queue[i]!.due <= now) due.push(...queue.splice(i, 1))
    }
    for (let i = due.length - 1; i > 0; i--) {
      const j = Math.floor(options.random() * (i + 1))
      ;[due[i], due[j]] = [due[j]!, due[i]!]
    }
    for (let i = 0; i < due.length; i += 8) await Promise.all(due.slice(i, i + 8).map(deliver))
  }

  return {
    stats,
    /** Queues `copies` deliveries of the payment's success webhook. */
    enqueue(providerRef: string, copies: number): void {
      for (let copy = 0; copy < copies; copy++)
        queue.push({ providerRef, due: Date.now() + options.random() * options.spreadMs, copy })
    },
    start(): void {
      timer = setInterval(() => {
        busy = busy.then(() => flush(false))
      }, options.tickMs)
    },
    /** Stops the clock and sends everything still queued. */
    async drain(): Promise<void> {
      if (timer) clearInterval(timer)
      await busy
      await flush(true)
    },
  }
}
