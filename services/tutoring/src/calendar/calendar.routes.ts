import { AppError, requireAuth, Type, bearer, problems, type App } from '@learnmesh/kernel'
import type { TutoringDeps } from '../deps.ts'
import { createCalendarService } from './calendar.service.ts'

const tags = ['calendar']

const FeedUrl = Type.Object({
  /** The private feed URL: subscribe to it in a calendar app. Shown only once. */
  url: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
})
const FeedStatus = Type.Object({
  active: Type.Boolean(),
  createdAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
})
const FeedParams = Type.Object({
  /** `<token>.ics` */
  file: Type.String({ pattern: '^[A-Za-z0-9_-]{43}\\.ics$' }),
})
const BookingParams = Type.Object({
  /** `bkg_<id>.ics` */
  file: Type.String({ pattern: '^bkg_[0-9a-f]{32}\\.ics$' }),
})
const Ics = Type.String({ description: 'An iCalendar (RFC 5545) document.' })

/** Private iCalendar feeds of a user's lessons, and one lesson as an .ics download. */
export async function calendarRoutes(app: App, deps: TutoringDeps): Promise<void> {
  const s = createCalendarService(deps)

  app.post(
    '/calendar/feed',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Create or rotate my private calendar feed URL (the old URL stops working)',
        response: { 201: FeedUrl, ...problems(401) },
      },
    },
    async (request, reply) => {
      const r = await s.rotateFeed(requireAuth(request))
      reply.code(201).header('cache-control', 'no-store')
      return { url: r.url, createdAt: r.createdAt.toISOString() }
    },
  )

  app.get(
    '/calendar/feed',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Whether I have a calendar feed',
        response: { 200: FeedStatus, ...problems(401) },
      },
    },
    async (request) => {
      const r = await s.feedStatus(requireAuth(request))
      return { active: r.active, createdAt: r.createdAt?.toISOString() ?? null }
    },
  )

  app.delete(
    '/calendar/feed',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Revoke my calendar feed URL',
        response: { 204: { type: 'null' }, ...problems(401) },
      },
    },
    async (request, reply) => {
      await s.revokeFeed(requireAuth(request))
      reply.code(204)
    },
  )

  app.get(
    '/calendar/feeds/:file',
    {
      schema: {
        tags,
        summary: 'A private calendar feed (iCalendar), authorized by the token in its URL',
        params: FeedParams,
        response: { 200: Ics, ...problems(400, 404) },
      },
    },
    async (request, reply) => {
      const token = request.params.file.slice(0, -'.ics'.length)
      const body = await s.feed(token)
      reply
        .header('content-type', 'text/calendar; charset=utf-8')
        .header('cache-control', 'private, max-age=300')
      return body
    },
  )

  app.get(
    '/calendar/bookings/:file',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'One lesson as an .ics file (add to calendar)',
        params: BookingParams,
        response: { 200: Ics, ...problems(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const principal = requireAuth(request)
      const id = request.params.file.slice(0, -'.ics'.length)
      if (!id.startsWith('bkg_')) throw new AppError('not_found', 'Booking not found')
      const body = await s.bookingIcs(principal, id)
      reply
        .header('content-type', 'text/calendar; charset=utf-8')
        .header('content-disposition', `attachment; filename="${id}.ics"`)
      return body
    },
  )
}
