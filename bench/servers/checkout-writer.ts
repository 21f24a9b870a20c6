// One writer process of the `checkout-write` benchmark, in the mode given as JSON in argv[2]:
//   commerce  commerce's own checkout code path with the sandbox provider, called at the service layer
//             exactly as POST /checkout runs it after authentication: checkout.checkoutOnce() (one
//             transaction: Idempotency-Key taken, cart lock, pricing, order + items + payment, sandbox
//             capture, ledger posting, commerce.order.paid in the outbox, the presented answer stored with
//             the key). No HTTP, no token check.
//   bare      a bare `pg` Pool doing the same writes by hand in ONE transaction: cart marked checked out and
//             its line read, order, item, payment (succeeded), ledger transaction + 3 entries, outbox row,
//             idempotency row (done, with the response). Ledger account ids are looked up once at start.
// The runner sends {type:'run', users, concurrency}; the writer checks out each user's open cart with at
// most `concurrency` in flight on a pool of the same size, and answers with its timings and its own CPU.
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { createLogger, newId, openDatabase, type Principal } from '@learnmesh/kernel'
import { loadCommerceConfig } from '@learnmesh/commerce'
import { createCheckoutArea } from '../../services/commerce/src/orders/checkout.area.ts'
import { presentOrder } from '../../services/commerce/src/orders/orders.presenter.ts'

/** How the runner configures a writer. */
export interface WriterOptions {
  mode: 'commerce' | 'bare'
  url: string
  poolSize: number
  orgId: string
}
/** A message from the runner. */
export type WriterRequest = { type: 'run'; users: string[]; concurrency: number } | { type: 'stop' }
/** The writer's answers. */
export type WriterReply =
  | { type: 'ready' }
  | { type: 'result'; count: number; wallMs: number; latenciesMs: number[]; cpuUs: number; errors: string[] }
  | { type: 'error'; message: string }

const options = JSON.parse(process.argv[2] ?? '{}') as WriterOptions
const send = (m: WriterReply) => process.send?.(m)

type CheckoutOne = (userId: string) => Promise<void>

async function commerceWriter(): Promise<{ one: CheckoutOne; close(): Promise<void> }> {
  const database = await openDatabase({
    url: options.url,
    poolSize: options.poolSize,
    applicationName: 'bench-checkout-commerce',
  })
  const area = createCheckoutArea({
    database,
    config: loadCommerceConfig({ PUBLIC_URL: 'http://bench.learnmesh.test' }),
    logger: createLogger('commerce', 'info'),
    wakeRelay: () => {},
  })
  return {
    async one(userId) {
      const principal: Principal = {
        userId,
        orgId: options.orgId,
        roles: ['learner'],
        platformAdmin: false,
        sessionId: 'ses_bench',
        claims: {},
      }
      const body = {}
      // Exactly the route's call (orders.routes.ts, POST /checkout).
      const result = await area.checkout.checkoutOnce(
        principal,
        body,
        null,
        {
          principal: `${options.orgId}/${userId}`,
          key: randomUUID(),
          method: 'POST',
          path: '/checkout',
          body,
        },
        (detail) => ({ status: 201, body: presentOrder(detail) }),
      )
      if (result.status !== 201 || (result.body as { status: string }).status !== 'paid')
        throw new Error(`checkout answered ${result.status} ${JSON.stringify(result.body).slice(0, 200)}`)
    },
    close: () => database.close(),
  }
}

async function bareWriter(): Promise<{ one: CheckoutOne; close(): Promise<void> }> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    application_name: 'bench-checkout-bare',
  })
  const accountIds = new Map<string, string>()
  async function account(
    client: pg.PoolClient,
    kind: string,
    owner: string,
    currency: string,
  ): Promise<string> {
    const k = `${kind}/${owner}/${currency}`
    const cached = accountIds.get(k)
    if (cached) return cached
    await client.query(
      `insert into commerce.ledger_accounts (id, org_id, kind, owner_id, currency) values ($1, $2, $3, $4, $5)
       on conflict do nothing`,
      [newId('lac'), options.orgId, kind, owner, currency],
    )
    const { rows } = await client.query<{ id: string }>(
      `select id from commerce.ledger_accounts where org_id = $1 and kind = $2 and owner_id = $3 and currency = $4`,
      [options.orgId, kind, owner, currency],
    )
    accountIds.set(k, rows[0]!.id)
    return rows[0]!.id
  }
  return {
    async one(userId) {
      const client = await pool.connect()
      try {
        await client.query('begin')
        const cart = await client.query<{ id: string; currency: string }>(
          `update commerce.carts set status = 'checked_out', updated_at = now()
           where org_id = $1 and user_id = $2 and status = 'open' returning id, currency`,
          [options.orgId, userId],
        )
        const { id: cartId, currency } = cart.rows[0]!
        const { rows: lines } = await client.query<{
          quantity: number
          price_id: string
          unit_amount_minor: string
          lesson_count: number
          product_id: string
          type: string
          ref: string
          title: string
          payee_user_id: string | null
        }>(
          `select ci.quantity, p.id as price_id, p.unit_amount_minor, p.lesson_count, pr.id as product_id,
                  pr.type, pr.ref, pr.title, pr.payee_user_id
           from commerce.cart_items ci
           join commerce.prices p on p.id = ci.price_id
           join commerce.products pr on pr.id = p.product_id
           where ci.cart_id = $1`,
          [cartId],
        )
        const line = lines[0]!
        const amount = Number(line.unit_amount_minor) * line.quantity
        const orderId = newId('ord')
        const itemId = newId('oit')
        const paymentId = newId('pay')
        const txId = newId('ltx')
        await client.query(
          `insert into commerce.orders (id, org_id, user_id, status, currency, subtotal_minor, total_minor, paid_at)
           values ($1, $2, $3, 'paid', $4, $5, $5, now())`,
          [orderId, options.orgId, userId, currency, amount],
        )
        await client.query(
          `insert into commerce.order_items (id, order_id, org_id, product_id, price_id, product_type, product_ref,
             payee_user_id, title, quantity, lesson_count, unit_amount_minor, amount_minor)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
          [
            itemId,
            orderId,
            options.orgId,
            line.product_id,
            line.price_id,
            line.type,
            line.ref,
            line.payee_user_id,
            line.title,
            line.quantity,
            line.lesson_count,
            line.unit_amount_minor,
            amount,
          ],
        )
        await client.query(
          `insert into commerce.payments (id, order_id, org_id, provider, provider_ref, status, amount_minor,
             captured_minor, currency)
           values ($1, $2, $3, 'sandbox', $4, 'succeeded', $5, $5, $6)`,
          [paymentId, orderId, options.orgId, `sbx_pi_${paymentId}`, amount, currency],
        )
        const payee = line.payee_user_id ?? ''
        const payeeShare = Math.floor((amount * 80) / 100)
        const [clearing, payable, revenue] = [
          await account(client, 'provider_clearing', '', currency),
          await account(client, 'payable', payee, currency),
          await account(client, 'platform_revenue', '', currency),
        ]
        await client.query(
          `insert into commerce.ledger_transactions (id, org_id, kind, ref, description)
           values ($1, $2, 'payment_captured', $3, $4)`,
          [txId, options.orgId, paymentId, `Payment ${paymentId} captured (order ${orderId})`],
        )
        await client.query(
          `insert into commerce.ledger_entries (transaction_id, account_id, org_id, amount_minor, currency, memo,
             payee_user_id, order_item_id)
           values ($1, $2, $3, $4, $5, 'Payment captured', null, $6),
                  ($1, $7, $3, $8, $5, $9, $10, $6),
                  ($1, $11, $3, $12, $5, 'Commission', $10, $6)`,
          [
            txId,
            clearing,
            options.orgId,
            amount,
            currency,
            itemId,
            payable,
            -payeeShare,
            `Sale of ${line.title}`,
            line.payee_user_id,
            revenue,
            -(amount - payeeShare),
          ],
        )
        const eventId = randomUUID()
        const envelope = {
          id: eventId,
          type: 'commerce.order.paid',
          version: 1,
          occurredAt: new Date().toISOString(),
          producer: 'commerce',
          orgId: options.orgId,
          traceparent: null,
          payload: {
            orderId,
            userId,
            orgId: options.orgId,
            currency,
            totalMinor: amount,
            paidAt: new Date().toISOString(),
            items: [
              {
                orderItemId: itemId,
                productType: line.type,
                productRef: line.ref,
                quantity: line.quantity,
                lessonCount: line.lesson_count,
                amountMinor: amount,
              },
            ],
          },
        }
        await client.query(
          `insert into commerce.outbox (id, type, version, aggregate_id, org_id, envelope)
           values ($1, 'commerce.order.paid', 1, $2, $3, $4)`,
          [eventId, orderId, options.orgId, JSON.stringify(envelope)],
        )
        const response = {
          id: orderId,
          status: 'paid',
          currency,
          totalMinor: amount,
          items: [{ id: itemId }],
        }
        await client.query(
          `insert into commerce.idempotency_keys (principal, key, request_hash, status, response_status, response_body)
           values ($1, $2, $3, 'done', 201, $4)`,
          [`${options.orgId}/${userId}`, randomUUID(), 'bench', JSON.stringify(response)],
        )
        await client.query('commit')
      } catch (err) {
        await client.query('rollback').catch(() => {})
        throw err
      } finally {
        client.release()
      }
    },
    close: () => pool.end(),
  }
}

const writer = options.mode === 'commerce' ? await commerceWriter() : await bareWriter()

process.on('message', (message: WriterRequest) => {
  if (message.type === 'stop') {
    void writer.close().finally(() => process.exit(0))
    return
  }
  void (async () => {
    const latencies: number[] = []
    const errors: string[] = []
    let next = 0
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    await Promise.all(
      Array.from({ length: message.concurrency }, async () => {
        for (;;) {
          const i = next++
          if (i >= message.users.length) return
          const s = performance.now()
          try {
            await writer.one(message.users[i]!)
            latencies.push(performance.now() - s)
          } catch (err) {
            if (errors.length < 20) errors.push((err as Error).message)
          }
        }
      }),
    )
    const wallMs = performance.now() - t0
    const cpu = process.cpuUsage(cpu0)
    send({
      type: 'result',
      count: latencies.length,
      wallMs,
      latenciesMs: latencies,
      cpuUs: cpu.user + cpu.system,
      errors,
    })
  })()
})
process.on('disconnect', () => process.exit(0))
send({ type: 'ready' })
