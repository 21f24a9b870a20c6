import { requireAuth, bearer, problems, type App } from '@learnmesh/kernel'
import type { CommunicationDeps } from '../deps.ts'
import { createNotificationsService } from './notifications.service.ts'
import {
  ListQuery,
  ListResponse,
  NotificationParams,
  NotificationSchema,
  PreferencesResponse,
  UnreadCount,
  UnsubscribeQuery,
  UnsubscribeResponse,
  UpdatePreferencesBody,
} from './notifications.schemas.ts'

const tags = ['notifications']

/** The in-app notification list, read marks, preferences per type and channel, quiet hours, unsubscribe links. */
export async function notificationsRoutes(app: App, deps: CommunicationDeps): Promise<void> {
  const s = createNotificationsService(deps)

  app.get(
    '/notifications',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'My notifications, newest first, with the unread count',
        querystring: ListQuery,
        response: { 200: ListResponse, ...problems(400, 401) },
      },
    },
    async (request) => s.list(requireAuth(request), request.query),
  )

  app.get(
    '/notifications/unread-count',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'How many of my notifications are unread (the bell’s badge)',
        response: { 200: UnreadCount, ...problems(401) },
      },
    },
    async (request) => ({ unreadCount: await s.unreadCount(requireAuth(request)) }),
  )

  app.post(
    '/notifications/:id/read',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Mark one notification read',
        params: NotificationParams,
        response: { 200: NotificationSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => s.markRead(requireAuth(request), request.params.id),
  )

  app.post(
    '/notifications/read-all',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Mark all my notifications read',
        response: { 200: UnreadCount, ...problems(401) },
      },
    },
    async (request) => s.markAllRead(requireAuth(request)),
  )

  app.get(
    '/notifications/preferences',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'My notification preferences (per type and channel) and delivery settings',
        response: { 200: PreferencesResponse, ...problems(401) },
      },
    },
    async (request) => s.preferences(requireAuth(request)),
  )

  app.put(
    '/notifications/preferences',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Change some preferences and settings (quiet hours, time zone, digest hour, email opt-out)',
        body: UpdatePreferencesBody,
        response: { 200: PreferencesResponse, ...problems(400, 401, 422) },
      },
    },
    async (request) => s.updatePreferences(requireAuth(request), request.body),
  )

  app.get(
    '/unsubscribe',
    {
      schema: {
        tags,
        summary: 'What an unsubscribe link stands for (the page confirms before unsubscribing)',
        querystring: UnsubscribeQuery,
        response: { 200: UnsubscribeResponse, ...problems(400, 404) },
      },
    },
    async (request) => ({ ...s.describeUnsubscribe(request.query.token), unsubscribed: false }),
  )

  // RFC 8058 one-click: mail clients POST `List-Unsubscribe=One-Click` as a form; any body is accepted.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 1024 }, (_req, _body, done) =>
      done(null, null),
    )
    scope.post(
      '/unsubscribe',
      {
        schema: {
          tags,
          summary: 'Unsubscribe (one click, RFC 8058); idempotent',
          querystring: UnsubscribeQuery,
          response: { 200: UnsubscribeResponse, ...problems(400, 404) },
        },
      },
      async (request) => s.unsubscribe((request.query as { token: string }).token),
    )
  })
}
