import { AppError, Type, problem, type TSchema } from '@learnmesh/kernel'
import { Value } from 'typebox/value'
import type { Logger } from '@learnmesh/kernel'
import { conversationRoom } from '../realtime/hub.ts'
import type { Connection, SocketServer } from '../realtime/socket-server.ts'
import type { ChatActor, ChatService } from './chat.service.ts'
import { AttachmentSchema } from './chat.schemas.ts'

const ConversationId = Type.String({ pattern: '^cnv_[0-9a-f]{32}$' })
const MessageId = Type.String({ pattern: '^msg_[0-9a-f]{32}$' })

/** `message:send`: the socket twin of POST /conversations/:id/messages. */
const SendEvent = Type.Object(
  {
    conversationId: ConversationId,
    body: Type.String({ maxLength: 100_000 }),
    attachments: Type.Optional(Type.Array(AttachmentSchema, { maxItems: 10 })),
    clientMessageId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' }),
  },
  { additionalProperties: false },
)
const EditEvent = Type.Object(
  { conversationId: ConversationId, messageId: MessageId, body: Type.String({ maxLength: 100_000 }) },
  { additionalProperties: false },
)
const DeleteEvent = Type.Object(
  { conversationId: ConversationId, messageId: MessageId },
  { additionalProperties: false },
)
const ReadEvent = Type.Object(
  { conversationId: ConversationId, messageId: MessageId },
  { additionalProperties: false },
)
const JoinEvent = Type.Object({ conversationId: ConversationId }, { additionalProperties: false })
const TypingEvent = Type.Object(
  { conversationId: ConversationId, typing: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
)
const ResumeEvent = Type.Object(
  {
    conversations: Type.Array(
      Type.Object(
        { conversationId: ConversationId, lastMessageId: Type.Union([MessageId, Type.Null()]) },
        { additionalProperties: false },
      ),
      { maxItems: 500 },
    ),
  },
  { additionalProperties: false },
)

/** What every acknowledgement is: `{ ok: true, ... }`, or `{ ok: false, error: <problem> }`. */
export type Ack = (response: Record<string, unknown>) => void

/** A failed acknowledgement: the problem document an HTTP client would get (without instance/requestId). */
export function errorAck(err: unknown, log: Logger | (() => Logger)) {
  if (err instanceof AppError) return { ok: false, error: problem(err.code, err.message, err.extra) }
  ;(typeof log === 'function' ? log() : log).error({ err }, 'chat socket event failed')
  return { ok: false, error: problem('internal', 'Something went wrong; retry') }
}

type ChatConnection = Connection<ChatActor>

/**
 * Registers chat's socket events on the server. Every client event is validated; with an
 * acknowledgement it is answered `{ ok, ... }` and never throws. Typing indicators are relayed only
 * to rooms the connection is in, at most ~5 per second.
 *
 * The handlers are shared by every connection (the actor is `conn.actor`, the typing throttle
 * `conn.throttledAt`), so an idle connection costs no closures. `logFor` gives a connection's logger,
 * built only when an error is logged.
 */
export function createChatEvents(
  chat: ChatService,
  io: SocketServer<ChatActor>,
  logFor: (conn: ChatConnection) => Logger,
): void {
  function on<S extends TSchema>(
    event: string,
    schema: S,
    run: (conn: ChatConnection, actor: ChatActor, input: Type.Static<S>) => Promise<Record<string, unknown>>,
  ) {
    io.on(event, (conn, input, maybeAck) => {
      const ack: Ack = maybeAck ?? (() => {})
      if (!Value.Check(schema, input)) {
        const errors = [...Value.Errors(schema, input)].slice(0, 5).map((e) => ({
          path: (e as { instancePath?: string }).instancePath ?? '',
          message: e.message,
        }))
        ack({ ok: false, error: problem('validation_failed', `Invalid ${event} payload`, { errors }) })
        return
      }
      run(conn, conn.actor, input).then(
        (result) => ack({ ok: true, ...result }),
        (err: unknown) => ack(errorAck(err, () => logFor(conn))),
      )
    })
  }

  on('message:send', SendEvent, async (_socket, actor, e) => {
    const { conversationId, ...input } = e
    const r = await chat.send(actor, conversationId, input)
    return { message: r.message, duplicate: r.duplicate }
  })
  on('message:edit', EditEvent, async (_socket, actor, e) => ({
    message: await chat.edit(actor, e.conversationId, e.messageId, e.body),
  }))
  on('message:delete', DeleteEvent, async (_socket, actor, e) => ({
    message: await chat.remove(actor, e.conversationId, e.messageId),
  }))
  on('read', ReadEvent, async (_socket, actor, e) => chat.markRead(actor, e.conversationId, e.messageId))
  on('conversation:join', JoinEvent, async (conn, actor, e) => {
    if (!(await chat.canJoin(actor, e.conversationId)))
      throw new AppError('not_found', 'No such conversation')
    conn.join(conversationRoom(e.conversationId))
    return {}
  })
  on('resume', ResumeEvent, async (_socket, actor, e) => ({
    conversations: await chat.resume(actor, e.conversations),
  }))
  on('typing', TypingEvent, async (conn, actor, e) => {
    const room = conversationRoom(e.conversationId)
    if (!conn.in(room)) throw new AppError('not_found', 'No such conversation')
    const now = Date.now()
    if (now - conn.throttledAt < 200) return { relayed: false }
    conn.throttledAt = now
    conn.broadcast(room, 'typing', {
      conversationId: e.conversationId,
      userId: actor.userId,
      typing: e.typing ?? true,
    })
    return { relayed: true }
  })
}
