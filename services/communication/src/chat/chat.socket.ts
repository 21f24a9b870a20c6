import type { Socket } from 'socket.io'
import { AppError, Type, problem, type TSchema } from '@learnmesh/kernel'
import { Value } from 'typebox/value'
import type { Logger } from '@learnmesh/kernel'
import { conversationRoom } from '../realtime/hub.ts'
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

/** What chat keeps on a connection (`socket.data`): set by the handshake, read by every event. */
interface ChatSocketData {
  actor: ChatActor
  /** When the last typing indicator was relayed (ms). */
  lastTyping?: number
}

/**
 * Chat's socket events. Every client event is validated; with an acknowledgement callback it is
 * answered `{ ok, ... }` and never throws. Typing indicators are relayed only to rooms the socket
 * is in, at most ~5 per second.
 *
 * The listeners are built once per server and shared by every connection (Socket.IO calls them with
 * the socket as `this`; the actor is `socket.data.actor`), so an idle connection costs no closures.
 * `logFor` gives a connection's logger, built only when an error is logged. Returns the function
 * that registers them on an authenticated connection.
 */
export function createChatEvents(chat: ChatService, logFor: (socket: Socket) => Logger) {
  const listeners: [string, (this: Socket, input: unknown, maybeAck?: unknown) => void][] = []

  function on<S extends TSchema>(
    event: string,
    schema: S,
    run: (socket: Socket, actor: ChatActor, input: Type.Static<S>) => Promise<Record<string, unknown>>,
  ) {
    listeners.push([
      event,
      function (this: Socket, input: unknown, maybeAck?: unknown) {
        handle(this, input, maybeAck)
      },
    ])
    function handle(socket: Socket, input: unknown, maybeAck?: unknown) {
      const ack: Ack = typeof maybeAck === 'function' ? (maybeAck as Ack) : () => {}
      if (!Value.Check(schema, input)) {
        const errors = [...Value.Errors(schema, input)].slice(0, 5).map((e) => ({
          path: (e as { instancePath?: string }).instancePath ?? '',
          message: e.message,
        }))
        ack({ ok: false, error: problem('validation_failed', `Invalid ${event} payload`, { errors }) })
        return
      }
      const { actor } = socket.data as ChatSocketData
      run(socket, actor, input).then(
        (result) => ack({ ok: true, ...result }),
        (err: unknown) => ack(errorAck(err, () => logFor(socket))),
      )
    }
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
  on('conversation:join', JoinEvent, async (socket, actor, e) => {
    if (!(await chat.canJoin(actor, e.conversationId)))
      throw new AppError('not_found', 'No such conversation')
    await socket.join(conversationRoom(e.conversationId))
    return {}
  })
  on('resume', ResumeEvent, async (_socket, actor, e) => ({
    conversations: await chat.resume(actor, e.conversations),
  }))
  on('typing', TypingEvent, async (socket, actor, e) => {
    const room = conversationRoom(e.conversationId)
    if (!socket.rooms.has(room)) throw new AppError('not_found', 'No such conversation')
    const data = socket.data as ChatSocketData
    const now = Date.now()
    if (now - (data.lastTyping ?? 0) < 200) return { relayed: false }
    data.lastTyping = now
    socket.to(room).emit('typing', {
      conversationId: e.conversationId,
      userId: actor.userId,
      typing: e.typing ?? true,
    })
    return { relayed: true }
  })

  /** Registers chat's events on a connection whose `socket.data.actor` is set. */
  return function registerChatEvents(socket: Socket): void {
    for (const [event, listener] of listeners) socket.on(event, listener)
  }
}
