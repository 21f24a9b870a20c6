import { requireAuth, requireRole, bearer, problems, traceparentOf, type App } from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'
import { IdempotencyHeaders } from '../orders/orders.schemas.ts'
import { createPayoutRequests, PAYOUT_REQUEST_PATH } from '../payouts/payout-requests.ts'
import { presentEarningsEntry, presentPayout } from './ledger.presenter.ts'
import {
  AccountsQuery,
  AccountsResponse,
  AdminPayoutsQuery,
  EarningsResponse,
  EntriesQuery,
  EntriesResponse,
  PayoutsQuery,
  PayoutsResponse,
  RequestPayoutBody,
  RunPayoutsBody,
  RunPayoutsResponse,
  StatementQuery,
  StatementSchema,
  TransactionParams,
  TransactionSchema,
  TrialBalanceResponse,
  YearParams,
} from './ledger.schemas.ts'
import { createLedgerService } from './ledger.service.ts'
import { statementCsv, statementPdf } from './statements.ts'

const earningsTags = ['earnings']
const ledgerTags = ['ledger']

/** Next cursor of a page fetched with limit + 1. */
function page<T, R>(rows: T[], limit: number, cursor: (row: T) => string, present: (row: T) => R) {
  const items = rows.slice(0, limit)
  return {
    items: items.map(present),
    nextCursor: rows.length > limit ? cursor(items[items.length - 1]!) : null,
  }
}

/** Earnings, payouts and statements for payees; balances, trial balance and payout runs for org admins. */
export async function ledgerRoutes(app: App, deps: CommerceDeps): Promise<void> {
  const s = createLedgerService(deps)
  const payoutRequests = createPayoutRequests(deps)

  app.get(
    '/earnings/me',
    {
      schema: {
        tags: earningsTags,
        security: bearer,
        summary: 'My earnings: available balance and money held in escrow, per currency',
        response: { 200: EarningsResponse, ...problems(401) },
      },
    },
    async (request) => s.earnings(requireAuth(request)),
  )

  app.get(
    '/earnings/me/entries',
    {
      schema: {
        tags: earningsTags,
        security: bearer,
        summary: 'Movements of my earnings and escrow, newest first',
        querystring: EntriesQuery,
        response: { 200: EntriesResponse, ...problems(400, 401) },
      },
    },
    async (request) => {
      const p = requireAuth(request)
      const rows = await s.entries(p, request.query)
      return page(rows, request.query.limit, (r) => String(r.id), presentEarningsEntry)
    },
  )

  app.get(
    '/earnings/me/payouts',
    {
      schema: {
        tags: earningsTags,
        security: bearer,
        summary: 'My payouts, newest first',
        querystring: PayoutsQuery,
        response: { 200: PayoutsResponse, ...problems(400, 401) },
      },
    },
    async (request) => {
      const p = requireAuth(request)
      const rows = await s.payouts(p, { ...request.query, payee: p.userId })
      return page(rows, request.query.limit, (r) => r.id, presentPayout)
    },
  )

  app.post(
    PAYOUT_REQUEST_PATH,
    {
      schema: {
        tags: earningsTags,
        security: bearer,
        summary: 'Pay out my available balance now (Idempotency-Key required)',
        description:
          "Pays the caller's available balance in each currency >= PAYOUT_MINIMUM_MINOR through the payout provider, as the scheduled run would, with the period ending now. Header `Idempotency-Key` is required: the same key replays the answer (`Idempotent-Replayed: true`) and never pays twice. Refusals change nothing and carry a `reason`: 409 `payout_pending` (one of the caller's payouts is still pending), `no_payout_account` (the rail needs one), `below_minimum`; 429 `payout_request_limit` (PAYOUT_REQUESTS_PER_DAY requests paid something in the last 24 hours).",
        headers: IdempotencyHeaders,
        body: RequestPayoutBody,
        response: { 201: RunPayoutsResponse, ...problems(400, 401, 409, 422, 429) },
      },
    },
    async (request, reply) => {
      const p = requireAuth(request)
      const result = await payoutRequests.request(
        p,
        request.headers['idempotency-key'],
        traceparentOf(request),
      )
      if (result.replayed) reply.header('idempotent-replayed', 'true')
      return reply.code(201).send(result.body)
    },
  )

  app.get(
    '/earnings/statements/:year',
    {
      schema: {
        tags: earningsTags,
        security: bearer,
        summary: 'Annual earnings statement (JSON, CSV or PDF); org admins may name a payee',
        description:
          'format=json (default) answers the schema below; format=csv answers text/csv and format=pdf application/pdf.',
        params: YearParams,
        querystring: StatementQuery,
        response: { 200: StatementSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const p = requireAuth(request)
      const st = await s.statement(p, request.params.year, request.query.payeeUserId)
      const name = `earnings-${st.year}-${st.payeeUserId}`
      switch (request.query.format) {
        case 'csv':
          return reply
            .type('text/csv; charset=utf-8')
            .header('content-disposition', `attachment; filename="${name}.csv"`)
            .send(statementCsv(st) as never) // raw text: not serialized by the JSON schema
        case 'pdf':
          return reply
            .type('application/pdf')
            .header('content-disposition', `attachment; filename="${name}.pdf"`)
            .send((await statementPdf(st)) as never) // a Buffer is sent as is
        case 'json':
          return st
      }
    },
  )

  app.get(
    '/ledger/accounts',
    {
      schema: {
        tags: ledgerTags,
        security: bearer,
        summary: 'Ledger accounts with their balances (org_admin)',
        querystring: AccountsQuery,
        response: { 200: AccountsResponse, ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const p = requireRole(request, 'org_admin')
      const rows = await s.accounts(p, request.query)
      return page(
        rows,
        request.query.limit,
        (r) => r.id,
        (r) => r,
      )
    },
  )

  app.get(
    '/ledger/trial-balance',
    {
      schema: {
        tags: ledgerTags,
        security: bearer,
        summary: 'Trial balance: debits, credits and balances per kind (org_admin); sums to 0',
        response: { 200: TrialBalanceResponse, ...problems(401, 403) },
      },
    },
    async (request) => s.trialBalance(requireRole(request, 'org_admin')),
  )

  app.get(
    '/ledger/transactions/:transactionId',
    {
      schema: {
        tags: ledgerTags,
        security: bearer,
        summary: 'A ledger transaction with its entries (org_admin)',
        params: TransactionParams,
        response: { 200: TransactionSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => s.transaction(requireRole(request, 'org_admin'), request.params.transactionId),
  )

  app.get(
    '/ledger/payouts',
    {
      schema: {
        tags: ledgerTags,
        security: bearer,
        summary: 'Payouts of the organization, newest first (org_admin)',
        querystring: AdminPayoutsQuery,
        response: { 200: PayoutsResponse, ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const p = requireRole(request, 'org_admin')
      const { payeeUserId, ...q } = request.query
      const rows = await s.payouts(p, { ...q, ...(payeeUserId ? { payee: payeeUserId } : {}) })
      return page(rows, request.query.limit, (r) => r.id, presentPayout)
    },
  )

  app.post(
    '/ledger/payouts/run',
    {
      schema: {
        tags: ledgerTags,
        security: bearer,
        summary: 'Run a payout period now (org_admin); requires an Idempotency-Key header',
        description:
          'Pays every payable balance of the organization >= PAYOUT_MINIMUM_MINOR through the payout provider. Header `Idempotency-Key` (1-255 visible ASCII characters) is required: the same key and body replay the stored response (`Idempotent-Replayed: true`), the same key with another body is a 422.',
        body: RunPayoutsBody,
        response: { 200: RunPayoutsResponse, ...problems(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const p = requireRole(request, 'org_admin')
      const result = await s.runPayouts(
        p,
        { key: request.headers['idempotency-key'], path: '/ledger/payouts/run', body: request.body ?? {} },
        traceparentOf(request),
      )
      if (result.replayed) reply.header('idempotent-replayed', 'true')
      return reply.code(result.status as 200).send(result.body)
    },
  )
}
