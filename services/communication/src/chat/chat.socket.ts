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
export function errorAck(err: unknown, log: Logger) {
  if (err instanceof AppError) return { ok: false, error: problem(err.code, err.message, err.extra) }
  log.error({ err }, 'chat socket event failed')
  return { ok: false, error: problem('internal', 'Something went wrong; retry') }
}

/**
 * Chat's socket events for one connection (already authenticated: `actor`). Every client event
 * is validated; with an acknowledgement callback it is answered `{ ok, ... }` and never throws.
 * Typing indicators are relayed only to rooms the socket is in, at most ~5 per second.
 */
export function registerChatEvents(socket: Socket, actor: ChatActor, chat: ChatService, log: Logger): void {
  function on<S extends TSchema>(
    event: string,
    schema: S,
    run: (input: Type.Static<S>) => Promise<Record<string, unknown>>,
  ) {
    socket.on(event, (input: unknown, maybeAck?: unknown) => {
      const ack: Ack = typeof maybeAck === 'function' ? (maybeAck as Ack) : () => {}
      if (!Value.Check(schema, input)) {
        const errors = [...Value.Errors(schema, input)].slice(0, 5).map((e) => ({
          path: (e as { instancePath?: string }).instancePath ?? '',
          message: e.message,
        }))
        ack({ ok: false, error: problem('validation_failed', `Invalid ${event} payload`, { errors }) })
        return
      }
      run(input).then(
        (result) => ack({ ok: true, ...result }),
        (err: unknown) => ack(errorAck(err, log)),
      )
    })
  }

  on('message:send', SendEvent, async (e) => {
    const { conversationId, ...input } = e
    const r = await chat.send(actor, conversationId, input)
    return { message: r.message, duplicate: r.duplicate }
  })
  on('message:edit', EditEvent, async (e) => ({
    message: await chat.edit(actor, e.conversationId, e.messageId, e.body),
  }))
  on('message:delete', DeleteEvent, async (e) => ({
    message: await chat.remove(actor, e.conversationId, e.messageId),
  }))
  on('read', ReadEvent, async (e) => chat.markRead(actor, e.conversationId, e.messageId))
  on('conversation:join', JoinEvent, async (e) => {
    if (!(await chat.canJoin(actor, e.conversationId)))
      throw new AppError('not_found', 'No such conversation')
    await socket.join(conversationRoom(e.conversationId))
    return {}
  })
  on('resume', ResumeEvent, async (e) => ({ conversations: await chat.resume(actor, e.conversations) }))

  let lastTyping = 0
  on('typing', TypingEvent, async (e) => {
    const room = conversationRoom(e.conversationId)
    if (!socket.rooms.has(room)) throw new AppError('not_found', 'No such conversation')
    const now = Date.now()
    if (now - lastTyping < 200) return { relayed: false }
    lastTyping = now
    socket.to(room).emit('typing', {
      conversationId: e.conversationId,
      userId: actor.userId,
      typing: e.typing ?? true,
    })
    return { relayed: true }
  })
}
