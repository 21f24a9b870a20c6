// The checkout's hot statements as hand-written SQL (docs/checkout.md, "Performance"): built once,
// sent through the transaction's own connection with `txQuery`, each under a fixed prepared-statement
// name (PostgreSQL parses and plans it once per connection). Every value is a parameter; lists travel
// as one JSON parameter (`jsonb_populate_recordset`), so no statement's text depends on the cart.
import { txQuery, type PreparedEvent, type Tx } from '@learnmesh/kernel'
import type { CartLine } from '../carts/carts.repository.ts'
import type { CartRow } from '../carts/carts.repository.ts'
import type { OrderItemRow, OrderRow, PaymentRow } from './orders.repository.ts'

/** Order statuses that hold a course (already bought or being paid): `already_purchased`. */
const HOLDING = `('pending_payment', 'requires_action', 'paid', 'partially_refunded')`

const cartCheckOut = {
  name: 'commerce_hot_cart_check_out',
  text: `update commerce.carts set status = 'checked_out', updated_at = now()
         where org_id = $1 and user_id = $2 and status = 'open'
         returning id, org_id, user_id, guest_token_hash, currency, status, coupon_codes, created_at, updated_at`,
}

/**
 * The cart's lines with price and product (cart order), whether the buyer already holds each course
 * line, and the ledger accounts a capture of these lines can post to (platform accounts and the
 * payees' payable/escrow accounts of the org in the cart's currency) as `[kind, owner, id]` triples.
 */
const cartLines = {
  name: 'commerce_hot_cart_lines',
  text: `select ci.reference, ci.quantity, ci.added_at,
           p.id as price_id, p.product_id, p.org_id as price_org_id, p.currency as price_currency,
           p.unit_amount_minor::float8 as unit_amount_minor, p.lesson_count, p.interval, p.trial_days,
           p.active as price_active, p.created_at as price_created_at,
           pr.org_id as product_org_id, pr.type, pr.ref, pr.title, pr.description, pr.payee_user_id,
           pr.active as product_active, pr.created_at as product_created_at,
           pr.type = 'course' and exists (
             select 1 from commerce.order_items oi join commerce.orders o on o.id = oi.order_id
             where o.org_id = $2 and o.user_id = $3 and o.status in ${HOLDING}
               and oi.product_type = 'course' and oi.product_ref = pr.ref
               and (oi.refunded_minor < oi.amount_minor or oi.amount_minor = 0)) as held,
           (select coalesce(jsonb_agg(jsonb_build_array(a.kind, a.owner_id, a.id)), '[]'::jsonb)
              from commerce.ledger_accounts a
              where a.org_id = $2 and a.currency = $4
                and ((a.owner_id = '' and a.kind in ('provider_clearing', 'platform_revenue', 'tax_payable', 'provider_fees'))
                  or (a.kind in ('payable', 'escrow') and a.owner_id in (
                        select pr2.payee_user_id from commerce.cart_items ci2
                        join commerce.prices p2 on p2.id = ci2.price_id
                        join commerce.products pr2 on pr2.id = p2.product_id
                        where ci2.cart_id = $1 and pr2.payee_user_id is not null)))) as accounts
         from commerce.cart_items ci
         join commerce.prices p on p.id = ci.price_id
         join commerce.products pr on pr.id = p.product_id
         where ci.cart_id = $1
         order by ci.added_at, ci.price_id, ci.reference`,
}

/**
 * Everything a paid checkout writes, in one statement: order, items, payment (succeeded), the ledger
 * transaction claimed once per payment, its escrow holds and entries (only if the claim is new), the
 * outbox row and the Idempotency-Key's stored answer. No NOTIFY: the caller marks the outbox write
 * (`outboxWritten`), and the relays wake after the commit.
 */
const paidCheckout = {
  name: 'commerce_hot_paid_checkout',
  text: `with
    o as (insert into commerce.orders (id, org_id, user_id, status, currency, subtotal_minor, discount_minor,
            tax_minor, total_minor, refunded_minor, coupon_codes, created_at, updated_at, paid_at)
          select id, org_id, user_id, status, currency, subtotal_minor, discount_minor, tax_minor, total_minor,
            refunded_minor, coupon_codes, created_at, updated_at, paid_at
          from jsonb_populate_record(null::commerce.orders, $1::jsonb)),
    i as (insert into commerce.order_items (id, order_id, org_id, product_id, price_id, product_type, product_ref,
            payee_user_id, title, quantity, lesson_count, unit_amount_minor, discount_minor, tax_minor,
            amount_minor, refunded_minor, reference)
          select id, order_id, org_id, product_id, price_id, product_type, product_ref, payee_user_id, title,
            quantity, lesson_count, unit_amount_minor, discount_minor, tax_minor, amount_minor, refunded_minor,
            reference
          from jsonb_populate_recordset(null::commerce.order_items, $2::jsonb)),
    p as (insert into commerce.payments (id, order_id, org_id, provider, provider_ref, status, amount_minor,
            captured_minor, refunded_minor, fee_minor, currency, failure_code, next_action, created_at, updated_at)
          select id, order_id, org_id, provider, provider_ref, status, amount_minor, captured_minor,
            refunded_minor, fee_minor, currency, failure_code, next_action, created_at, updated_at
          from jsonb_populate_record(null::commerce.payments, $3::jsonb)),
    t as (insert into commerce.ledger_transactions (id, org_id, kind, ref, description)
          values ($4, $5, 'payment_captured', $6, $7)
          on conflict do nothing
          returning id),
    h as (insert into commerce.escrow_holds (id, order_item_id, order_id, org_id, payee_user_id, currency,
            amount_minor, lessons_total)
          select x.id, x.order_item_id, x.order_id, x.org_id, x.payee_user_id, x.currency, x.amount_minor,
            x.lessons_total
          from t, jsonb_populate_recordset(null::commerce.escrow_holds, $8::jsonb) x),
    e as (insert into commerce.ledger_entries (transaction_id, account_id, org_id, amount_minor, currency, memo,
            payee_user_id, order_item_id)
          select t.id, x.account_id, x.org_id, x.amount_minor, x.currency, x.memo, x.payee_user_id, x.order_item_id
          from t, jsonb_populate_recordset(null::commerce.ledger_entries, $9::jsonb) x),
    ob as (insert into commerce.outbox (id, type, version, aggregate_id, org_id, envelope)
           values ($10::uuid, $11, $12, $13, $14, $15::jsonb)),
    k as (update commerce.idempotency_keys
          set status = 'done', response_status = $16, response_body = $17::jsonb, locked_until = null
          where principal = $18 and key = $19)
    select (select count(*)::int from t) as claimed`,
}

/** The user's open cart, checked out in one statement (its row locked until commit); undefined when none. */
export async function checkOutOpenUserCart(
  tx: Tx,
  orgId: string,
  userId: string,
): Promise<CartRow | undefined> {
  const [r] = await txQuery<{
    id: string
    org_id: string
    user_id: string | null
    guest_token_hash: string | null
    currency: string
    status: string
    coupon_codes: string[]
    created_at: Date
    updated_at: Date
  }>(tx, cartCheckOut, [orgId, userId])
  if (!r) return undefined
  return {
    id: r.id,
    orgId: r.org_id,
    userId: r.user_id,
    guestTokenHash: r.guest_token_hash,
    currency: r.currency,
    status: r.status,
    couponCodes: r.coupon_codes,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }
}

/** A cart line as checkout reads it: the line, and whether the buyer already holds its course. */
export interface CheckoutLine extends CartLine {
  held: boolean
}

/** What `checkoutLines` reads. */
export interface CheckoutLines {
  lines: CheckoutLine[]
  /** Existing ledger account ids by `kind\u0000owner` (the capture's candidates). */
  accounts: Map<string, string>
}

/** The cart's lines, the already-held flags and the candidate ledger accounts, in one statement. */
export async function checkoutLines(tx: Tx, cart: CartRow, userId: string): Promise<CheckoutLines> {
  const rows = await txQuery<{
    reference: string
    quantity: number
    added_at: Date
    price_id: string
    product_id: string
    price_org_id: string
    price_currency: string
    unit_amount_minor: number
    lesson_count: number
    interval: string | null
    trial_days: number
    price_active: boolean
    price_created_at: Date
    product_org_id: string
    type: string
    ref: string
    title: string
    description: string
    payee_user_id: string | null
    product_active: boolean
    product_created_at: Date
    held: boolean
    accounts: [string, string, string][]
  }>(tx, cartLines, [cart.id, cart.orgId, userId, cart.currency])
  const accounts = new Map<string, string>()
  for (const [kind, owner, id] of rows[0]?.accounts ?? []) accounts.set(`${kind}\u0000${owner}`, id)
  return {
    accounts,
    lines: rows.map((r) => ({
      reference: r.reference,
      quantity: r.quantity,
      addedAt: r.added_at,
      held: r.held,
      price: {
        id: r.price_id,
        productId: r.product_id,
        orgId: r.price_org_id,
        currency: r.price_currency,
        unitAmountMinor: Number(r.unit_amount_minor),
        lessonCount: r.lesson_count,
        interval: r.interval,
        trialDays: r.trial_days,
        active: r.price_active,
        createdAt: r.price_created_at,
      },
      product: {
        id: r.product_id,
        orgId: r.product_org_id,
        type: r.type,
        ref: r.ref,
        title: r.title,
        description: r.description,
        payeeUserId: r.payee_user_id,
        active: r.product_active,
        createdAt: r.product_created_at,
      },
    })),
  }
}

/** An escrow hold to open with the capture. */
export interface NewHold {
  id: string
  orderItemId: string
  orderId: string
  orgId: string
  payeeUserId: string
  currency: string
  amountMinor: number
  lessonsTotal: number
}

/** A ledger entry to write (its transaction id comes from the claim). */
export interface NewEntry {
  accountId: string
  orgId: string
  amountMinor: number
  currency: string
  memo: string
  payeeUserId: string | null
  orderItemId: string | null
}

/** Everything `writePaidCheckout` writes. */
export interface PaidCheckoutWrite {
  order: OrderRow
  items: OrderItemRow[]
  payment: PaymentRow
  ledger: { transactionId: string; description: string; holds: NewHold[]; entries: NewEntry[] }
  event: PreparedEvent<unknown>
  answer: { principal: string; key: string; status: number; body: unknown }
}

const iso = (d: Date | null) => (d ? d.toISOString() : null)

/**
 * Writes a paid checkout in one statement (see `paidCheckout`). Returns whether the ledger claim was
 * new (always, for a payment this transaction created; false means nothing was posted twice).
 */
export async function writePaidCheckout(tx: Tx, w: PaidCheckoutWrite): Promise<boolean> {
  const { order: o, payment: p, ledger, event, answer } = w
  const [r] = await txQuery<{ claimed: number }>(tx, paidCheckout, [
    JSON.stringify({
      id: o.id,
      org_id: o.orgId,
      user_id: o.userId,
      status: o.status,
      currency: o.currency,
      subtotal_minor: o.subtotalMinor,
      discount_minor: o.discountMinor,
      tax_minor: o.taxMinor,
      total_minor: o.totalMinor,
      refunded_minor: o.refundedMinor,
      coupon_codes: o.couponCodes,
      created_at: iso(o.createdAt),
      updated_at: iso(o.updatedAt),
      paid_at: iso(o.paidAt),
    }),
    JSON.stringify(
      w.items.map((i) => ({
        id: i.id,
        order_id: i.orderId,
        org_id: i.orgId,
        product_id: i.productId,
        price_id: i.priceId,
        product_type: i.productType,
        product_ref: i.productRef,
        payee_user_id: i.payeeUserId,
        title: i.title,
        quantity: i.quantity,
        lesson_count: i.lessonCount,
        unit_amount_minor: i.unitAmountMinor,
        discount_minor: i.discountMinor,
        tax_minor: i.taxMinor,
        amount_minor: i.amountMinor,
        refunded_minor: i.refundedMinor,
        reference: i.reference,
      })),
    ),
    JSON.stringify({
      id: p.id,
      order_id: p.orderId,
      org_id: p.orgId,
      provider: p.provider,
      provider_ref: p.providerRef,
      status: p.status,
      amount_minor: p.amountMinor,
      captured_minor: p.capturedMinor,
      refunded_minor: p.refundedMinor,
      fee_minor: p.feeMinor,
      currency: p.currency,
      failure_code: p.failureCode,
      next_action: p.nextAction,
      created_at: iso(p.createdAt),
      updated_at: iso(p.updatedAt),
    }),
    ledger.transactionId,
    o.orgId,
    p.id,
    ledger.description,
    JSON.stringify(
      ledger.holds.map((h) => ({
        id: h.id,
        order_item_id: h.orderItemId,
        order_id: h.orderId,
        org_id: h.orgId,
        payee_user_id: h.payeeUserId,
        currency: h.currency,
        amount_minor: h.amountMinor,
        lessons_total: h.lessonsTotal,
      })),
    ),
    JSON.stringify(
      ledger.entries.map((e) => ({
        account_id: e.accountId,
        org_id: e.orgId,
        amount_minor: e.amountMinor,
        currency: e.currency,
        memo: e.memo,
        payee_user_id: e.payeeUserId,
        order_item_id: e.orderItemId,
      })),
    ),
    event.row.id,
    event.row.type,
    event.row.version,
    event.row.aggregateId,
    event.row.orgId,
    JSON.stringify(event.row.envelope),
    answer.status,
    JSON.stringify(answer.body),
    answer.principal,
    answer.key,
  ])
  return (r?.claimed ?? 0) > 0
}
