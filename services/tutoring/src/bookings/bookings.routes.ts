import { requireAuth, requireRole, bearer, problems, traceparentOf, type App } from '@learnmesh/kernel'
import type { TutoringDeps } from '../deps.ts'
import { presentBooking, presentCredit, presentDispute } from './bookings.presenter.ts'
import { NO_SHOW_GRACE_MINUTES, NO_SHOW_REPORT_HOURS } from './bookings.policy.ts'
import {
  BookingPage,
  BookingPolicySchema,
  BookingParams,
  BookingSchema,
  CancelBody,
  CancellationQuoteSchema,
  CreditList,
  DisputeBody,
  DisputeListQuery,
  DisputePage,
  DisputeParams,
  DisputeWithBooking,
  HoldBody,
  HoldResponse,
  ListQuery,
  RescheduleBody,
  ResolveBody,
} from './bookings.schemas.ts'
import type { BookingRow } from './bookings.repository.ts'
import { createBookingsService } from './bookings.service.ts'

const tags = ['bookings']

/** The bookings routes (registered by app.ts). See docs/bookings.md. */
export async function bookingsRoutes(app: App, deps: TutoringDeps): Promise<void> {
  const s = createBookingsService(deps)
  /** A booking as the API shows it, with the learner's and the tutor's names. */
  const show = async (b: BookingRow) => presentBooking(b, await s.names([b]))

  app.post(
    '/bookings',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Hold a slot to pay by checkout, or book it with a package credit',
        body: HoldBody,
        response: { 201: HoldResponse, ...problems(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const p = requireAuth(request)
      const { booking, checkout } = await s.hold(p, request.body, traceparentOf(request))
      reply.code(201)
      return { booking: await show(booking), checkout }
    },
  )

  app.get(
    '/bookings',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'My bookings as learner or tutor (org admins: scope=org), keyset pages',
        querystring: ListQuery,
        response: { 200: BookingPage, ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const page = await s.list(requireAuth(request), request.query)
      const names = await s.names(page.items)
      return { items: page.items.map((b) => presentBooking(b, names)), nextCursor: page.nextCursor }
    },
  )

  app.get(
    '/bookings/:id',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'One booking (its learner, its tutor, org admins)',
        params: BookingParams,
        response: { 200: BookingSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => await show(await s.get(requireAuth(request), request.params.id)),
  )

  app.post(
    '/bookings/:id/confirm',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'The tutor acknowledges a booked lesson',
        params: BookingParams,
        response: { 200: BookingSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => await show(await s.confirm(requireAuth(request), request.params.id)),
  )

  app.post(
    '/bookings/:id/complete',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'The learner confirms the lesson took place (releases the tutor’s payment)',
        params: BookingParams,
        response: { 200: BookingSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      await show(await s.complete(requireAuth(request), request.params.id, traceparentOf(request))),
  )

  app.get(
    '/booking-policy',
    {
      schema: {
        tags,
        summary:
          'The booking rules: hold time, notice, cancellation refunds, no-show window, auto-completion',
        response: { 200: BookingPolicySchema },
      },
    },
    async () => {
      const c = deps.config
      return {
        holdMinutes: c.BOOKING_HOLD_MINUTES,
        minNoticeHours: c.BOOKING_MIN_NOTICE_HOURS,
        horizonDays: c.BOOKING_HORIZON_DAYS,
        freeCancelHours: c.FREE_CANCEL_HOURS,
        lateCancelRefundPercent: c.LATE_CANCEL_REFUND_PERCENT,
        noShowGraceMinutes: NO_SHOW_GRACE_MINUTES,
        noShowReportHours: NO_SHOW_REPORT_HOURS,
        autoCompleteHours: c.AUTO_CONFIRM_HOURS,
      }
    },
  )

  app.get(
    '/bookings/:id/cancellation',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'What cancelling now would refund me (a quote; nothing changes)',
        params: BookingParams,
        response: { 200: CancellationQuoteSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => s.cancellationQuote(requireAuth(request), request.params.id),
  )

  app.post(
    '/bookings/:id/cancel',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Cancel a held slot or a lesson before it starts (refund by the cancellation policy)',
        params: BookingParams,
        body: CancelBody,
        response: { 200: BookingSchema, ...problems(400, 401, 404, 409) },
      },
    },
    async (request) =>
      await show(
        await s.cancel(requireAuth(request), request.params.id, request.body?.reason, traceparentOf(request)),
      ),
  )

  app.post(
    '/bookings/:id/reschedule',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Move a lesson to another time the tutor is available',
        params: BookingParams,
        body: RescheduleBody,
        response: { 200: BookingSchema, ...problems(400, 401, 404, 409, 422) },
      },
    },
    async (request) =>
      await show(
        await s.reschedule(
          requireAuth(request),
          request.params.id,
          request.body.startsAt,
          traceparentOf(request),
        ),
      ),
  )

  app.post(
    '/bookings/:id/no-show',
    {
      schema: {
        tags,
        security: bearer,
        summary:
          'Report a no-show: by the learner or an org admin, the tutor did not come (full refund); by the tutor, the learner did not come (the lesson completes)',
        params: BookingParams,
        response: { 200: BookingSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      await show(await s.reportNoShow(requireAuth(request), request.params.id, traceparentOf(request))),
  )

  app.post(
    '/bookings/:id/disputes',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Dispute a lesson after its end, before it completes (learner or tutor)',
        params: BookingParams,
        body: DisputeBody,
        response: { 201: DisputeWithBooking, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const r = await s.openDispute(requireAuth(request), request.params.id, request.body.reason)
      reply.code(201)
      return { dispute: presentDispute(r.dispute), booking: await show(r.booking) }
    },
  )

  app.get(
    '/disputes',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'The organization’s disputes (org admins), oldest first',
        querystring: DisputeListQuery,
        response: { 200: DisputePage, ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const page = await s.listDisputes(requireRole(request, 'org_admin'), request.query)
      return { items: page.items.map(presentDispute), nextCursor: page.nextCursor }
    },
  )

  app.post(
    '/disputes/:id/resolve',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Resolve a dispute (org admins): refund, release to the tutor, or split',
        params: DisputeParams,
        body: ResolveBody,
        response: { 200: DisputeWithBooking, ...problems(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => {
      const r = await s.resolveDispute(
        requireRole(request, 'org_admin'),
        request.params.id,
        request.body,
        traceparentOf(request),
      )
      return { dispute: presentDispute(r.dispute), booking: await show(r.booking) }
    },
  )

  app.get(
    '/credits',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'My package lesson credits',
        response: { 200: CreditList, ...problems(401) },
      },
    },
    async (request) => ({ items: (await s.credits(requireAuth(request))).map(presentCredit) }),
  )
}
