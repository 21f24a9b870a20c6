import { requireAuth, bearer, problems, type App } from '@learnmesh/kernel'
import type { CommunicationDeps } from '../deps.ts'
import { createChatService } from './chat.service.ts'
import {
  AddParticipantsBody,
  ContactPage,
  ContactsQuery,
  ConversationList,
  ConversationParams,
  ConversationSchema,
  CreateDirectBody,
  CreateGroupBody,
  EditBody,
  HistoryPage,
  HistoryQuery,
  MessageParams,
  MessageSchema,
  ParticipantParams,
  ReadBody,
  ReadResponse,
  SendBody,
  UpdateConversationBody,
  UpdateParticipantBody,
} from './chat.schemas.ts'

const tags = ['chat']

/** Chat over HTTP: conversations, history, and the REST fallback of the socket's writes. */
export async function chatRoutes(app: App, deps: CommunicationDeps): Promise<void> {
  const s = createChatService(deps)

  app.post(
    '/conversations/direct',
    {
      schema: {
        tags,
        security: bearer,
        summary:
          'Open (or find) my direct conversation with one of my contacts (see GET /contacts); anyone else: 404',
        body: CreateDirectBody,
        response: { 200: ConversationSchema, ...problems(400, 401, 404, 422) },
      },
    },
    async (request) => s.createDirect(requireAuth(request), request.body.userId),
  )

  app.post(
    '/conversations/group',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Create a group conversation with my contacts (I am its owner)',
        body: CreateGroupBody,
        response: { 201: ConversationSchema, ...problems(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const c = await s.createGroup(requireAuth(request), request.body.title, request.body.memberIds)
      return reply.code(201).send(c)
    },
  )

  app.get(
    '/contacts',
    {
      schema: {
        tags,
        security: bearer,
        summary:
          'People I may start a conversation with (my tutors, learners, course instructors, earlier conversations, listed tutors; org staff: everyone of the org), by name',
        querystring: ContactsQuery,
        response: { 200: ContactPage, ...problems(400, 401) },
      },
    },
    async (request) => s.contacts(requireAuth(request), request.query),
  )

  app.get(
    '/conversations',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'My conversations, most recent activity first, with unread counts',
        response: { 200: ConversationList, ...problems(401) },
      },
    },
    async (request) => ({ items: await s.list(requireAuth(request)) }),
  )

  app.get(
    '/conversations/:id',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'One conversation I am in, with its participants (names, roles); anyone else: 404',
        params: ConversationParams,
        response: { 200: ConversationSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => s.get(requireAuth(request), request.params.id),
  )

  app.patch(
    '/conversations/:id',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Rename a group (its owner and admins); the members see a system message',
        params: ConversationParams,
        body: UpdateConversationBody,
        response: { 200: ConversationSchema, ...problems(400, 401, 403, 404, 422, 429) },
      },
    },
    async (request) => s.rename(requireAuth(request), request.params.id, request.body.title),
  )

  app.post(
    '/conversations/:id/participants',
    {
      schema: {
        tags,
        security: bearer,
        summary:
          'Add my contacts to a group (its owner and admins; those already in it are skipped; at most 101 people)',
        params: ConversationParams,
        body: AddParticipantsBody,
        response: { 200: ConversationSchema, ...problems(400, 401, 403, 404, 422, 429) },
      },
    },
    async (request) => s.addParticipants(requireAuth(request), request.params.id, request.body.userIds),
  )

  app.patch(
    '/conversations/:id/participants/:userId',
    {
      schema: {
        tags,
        security: bearer,
        summary: "Change someone's role in a group (the owner only): admin, member, or owner (hand over)",
        params: ParticipantParams,
        body: UpdateParticipantBody,
        response: { 200: ConversationSchema, ...problems(400, 401, 403, 404, 422, 429) },
      },
    },
    async (request) =>
      s.setRole(requireAuth(request), request.params.id, request.params.userId, request.body.role),
  )

  app.delete(
    '/conversations/:id/participants/:userId',
    {
      schema: {
        tags,
        security: bearer,
        summary:
          'Remove someone from a group (owner: anyone; admins: members); myself: leave. Someone not in it: 204 too',
        params: ParticipantParams,
        response: { 204: { type: 'null' }, ...problems(400, 401, 403, 404, 422, 429) },
      },
    },
    async (request, reply) => {
      await s.removeParticipant(requireAuth(request), request.params.id, request.params.userId)
      reply.code(204)
    },
  )

  app.post(
    '/conversations/:id/leave',
    {
      schema: {
        tags,
        security: bearer,
        summary:
          'Leave a group; an owner hands it to the longest-standing admin, else the longest-standing member',
        params: ConversationParams,
        response: { 204: { type: 'null' }, ...problems(400, 401, 404, 422) },
      },
    },
    async (request, reply) => {
      await s.leave(requireAuth(request), request.params.id)
      reply.code(204)
    },
  )

  app.get(
    '/conversations/:id/messages',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'History of a conversation I am in, newest first (keyset: `before` = previous `nextCursor`)',
        params: ConversationParams,
        querystring: HistoryQuery,
        response: { 200: HistoryPage, ...problems(400, 401, 404) },
      },
    },
    async (request) => s.history(requireAuth(request), request.params.id, request.query),
  )

  app.post(
    '/conversations/:id/messages',
    {
      schema: {
        tags,
        security: bearer,
        summary:
          'Send a message (REST fallback of `message:send`; a repeated clientMessageId returns the stored one)',
        params: ConversationParams,
        body: SendBody,
        response: {
          200: MessageSchema,
          201: MessageSchema,
          ...problems(400, 401, 404, 413, 422, 429),
        },
      },
    },
    async (request, reply) => {
      const r = await s.send(requireAuth(request), request.params.id, request.body)
      return reply.code(r.duplicate ? 200 : 201).send(r.message)
    },
  )

  app.patch(
    '/conversations/:id/messages/:messageId',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Edit my message',
        params: MessageParams,
        body: EditBody,
        response: { 200: MessageSchema, ...problems(400, 401, 403, 404, 410, 413, 422, 429) },
      },
    },
    async (request) =>
      s.edit(requireAuth(request), request.params.id, request.params.messageId, request.body.body),
  )

  app.delete(
    '/conversations/:id/messages/:messageId',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Delete my message (its place stays, marked deleted)',
        params: MessageParams,
        response: { 200: MessageSchema, ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (request) => s.remove(requireAuth(request), request.params.id, request.params.messageId),
  )

  app.post(
    '/conversations/:id/read',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Mark a conversation read up to a message (read receipt)',
        params: ConversationParams,
        body: ReadBody,
        response: { 200: ReadResponse, ...problems(400, 401, 404) },
      },
    },
    async (request) => s.markRead(requireAuth(request), request.params.id, request.body.messageId),
  )
}
