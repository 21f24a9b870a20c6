import { AppError, newId, type Tx } from '@learnmesh/kernel'
import type { CommunicationDeps } from '../deps.ts'
import {
  chatRepository as repo,
  type ContactRow,
  type ConversationRow,
  type MessageRow,
} from './chat.repository.ts'
import type {
  ContactView,
  ContactsQueryInput,
  ConversationView,
  MessageView,
  SendInput,
} from './chat.schemas.ts'

/** Who acts: the verified token's user and organization (roles: org staff see the whole org). */
export interface ChatActor {
  userId: string
  orgId: string
  roles?: readonly string[]
  platformAdmin?: boolean
}

/** Reasons shown per contact at most (an instructor may teach someone in many courses). */
const MAX_REASONS = 5

const reasonOrder: ContactView['reasons'][number]['kind'][] = [
  'your_tutor',
  'your_learner',
  'instructor',
  'course_learner',
  'conversation',
  'listed_tutor',
  'organization',
]

function reasonLabel(r: ContactRow['reasons'][number]): string {
  switch (r.kind) {
    case 'your_tutor':
      return 'Your tutor'
    case 'your_learner':
      return 'Your learner'
    case 'instructor':
      return `Instructor of ${r.course ?? 'your course'}`
    case 'course_learner':
      return `Learner in ${r.course ?? 'your course'}`
    case 'conversation':
      return 'Earlier conversation'
    case 'listed_tutor':
      return 'Offers tutoring'
    case 'organization':
      return 'Member of your organization'
  }
}

/** A contact row → what clients see: reasons most personal first, labelled, capped. */
function presentContact(c: ContactRow): ContactView {
  const reasons = [...c.reasons]
    .sort(
      (a, b) =>
        reasonOrder.indexOf(a.kind) - reasonOrder.indexOf(b.kind) ||
        (a.course ?? '').localeCompare(b.course ?? ''),
    )
    .slice(0, MAX_REASONS)
  return {
    userId: c.userId,
    displayName: c.displayName,
    reasons: reasons.map((r) => ({ kind: r.kind, course: r.course, label: reasonLabel(r) })),
  }
}

/** The keyset position after a contact: base64url of `[lower(name), userId]`. */
const encodeCursor = (c: ContactRow) =>
  Buffer.from(JSON.stringify([c.sortName, c.userId])).toString('base64url')

function decodeCursor(cursor: string): { name: string; userId: string } {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string')
      return { name: v[0], userId: v[1] }
  } catch {
    // fall through: a cursor we did not make
  }
  throw new AppError('bad_request', 'Invalid cursor: pass the nextCursor of the previous page')
}

/** Messages returned by one `resume` per conversation at most (older gaps: page the history). */
export const RESUME_LIMIT = 200

/** A message row → what clients see. */
export function presentMessage(m: MessageRow): MessageView {
  return {
    id: m.id,
    conversationId: m.conversationId,
    senderId: m.senderId,
    clientMessageId: m.clientMessageId,
    body: m.body,
    attachments: m.attachments,
    createdAt: m.createdAt.toISOString(),
    editedAt: m.editedAt?.toISOString() ?? null,
    deletedAt: m.deletedAt?.toISOString() ?? null,
  }
}

type Participant = ConversationView['participants'][number]

function presentConversation(
  c: ConversationRow,
  participants: Participant[],
  lastReadMessageId: string | null,
  unreadCount: number,
): ConversationView {
  return {
    id: c.id,
    kind: c.kind as ConversationView['kind'],
    title: c.title,
    courseId: c.courseId,
    participantIds: participants.map((p) => p.userId),
    participants,
    unreadCount,
    lastMessageId: c.lastMessageId,
    lastReadMessageId,
    createdAt: c.createdAt.toISOString(),
  }
}

const toParticipant = (p: {
  userId: string
  displayName: string | null
  lastReadMessageId: string | null
}): Participant => ({ userId: p.userId, displayName: p.displayName, lastReadMessageId: p.lastReadMessageId })

const notFound = () => new AppError('not_found', 'No such conversation')

/**
 * Chat rules: only participants see or write a conversation (anyone else gets `not_found`, as if
 * it did not exist, including other organizations); messages are capped in size and rate limited
 * per user; a retried send (same client message id) stores nothing new; edits and deletes are the
 * sender's, soft, and broadcast. Live events are emitted after the transaction commits.
 */
export function createChatService(deps: CommunicationDeps) {
  const { database, realtime, config } = deps
  const db = database.db

  async function member(tx: Tx | typeof db, actor: ChatActor, conversationId: string) {
    const m = await repo.membership(tx, actor.orgId, conversationId, actor.userId)
    if (!m) throw notFound()
    return m
  }

  async function limited(actor: ChatActor) {
    const r = await realtime.limiter.take(`${actor.orgId}:${actor.userId}`)
    if (!r.ok) {
      const retryAfter = Math.max(1, Math.ceil(r.retryAfterMs / 1000))
      throw new AppError('rate_limited', `Too many messages; retry in ${retryAfter} s`, { retryAfter })
    }
  }

  function checkSize(body: string) {
    if (body.length > config.CHAT_MAX_MESSAGE_CHARS) {
      throw new AppError(
        'payload_too_large',
        `A message may have at most ${config.CHAT_MAX_MESSAGE_CHARS} characters`,
        { limit: config.CHAT_MAX_MESSAGE_CHARS },
      )
    }
  }

  /**
   * Org staff may message (and find) every member of their own organization. The token's roles may
   * be up to an access token's lifetime old: a demotion or removal communication has heard of
   * (identity.membership.changed) wins over them.
   */
  async function isStaff(a: ChatActor): Promise<boolean> {
    if (a.platformAdmin === true) return true
    if (!(a.roles ?? []).includes('org_admin')) return false
    const m = await repo.orgMember(db, a.orgId, a.userId)
    return m === null || (!m.removed && m.roles.includes('org_admin'))
  }

  /** Those of `userIds` who are not the actor's contacts (see docs/chat.md "Who you can message"). */
  async function notContacts(actor: ChatActor, userIds: string[]): Promise<string[]> {
    if (userIds.length === 0) return []
    const found = await repo.contacts(db, {
      orgId: actor.orgId,
      userId: actor.userId,
      staff: await isStaff(actor),
      only: userIds,
      limit: userIds.length,
    })
    const ok = new Set(found.map((c) => c.userId))
    return userIds.filter((id) => !ok.has(id))
  }

  async function view(actor: ChatActor, c: ConversationRow): Promise<ConversationView> {
    const participants = (await repo.participantDetails(db, [c.id])).map(toParticipant)
    const m = await repo.membership(db, actor.orgId, c.id, actor.userId)
    const lastRead = m?.participant.lastReadMessageId ?? null
    return presentConversation(
      c,
      participants,
      lastRead,
      await repo.unreadCount(db, c.id, actor.userId, lastRead),
    )
  }

  /** Direct conversations follow the contacts rule: someone you have no reason to know stays unreachable. */
  async function requireContact(actor: ChatActor, otherId: string) {
    if ((await notContacts(actor, [otherId])).length > 0) {
      throw new AppError('not_found', 'You can only message your contacts (see /contacts)')
    }
  }

  /**
   * Groups follow it too: everyone added must be a contact of the one adding them (org staff: any
   * member of their org). Refused like a direct conversation (404), naming who was refused, which
   * tells the caller nothing about people they did not name.
   */
  async function requireContacts(actor: ChatActor, userIds: string[]) {
    const missing = await notContacts(actor, userIds)
    if (missing.length > 0) {
      throw new AppError('not_found', 'You can only add your contacts to a group (see /contacts)', {
        missing,
      })
    }
  }

  return {
    /** The direct conversation between the actor and one of their contacts (created once). */
    async createDirect(actor: ChatActor, otherId: string): Promise<ConversationView> {
      if (otherId === actor.userId)
        throw new AppError('unprocessable', 'A direct conversation needs someone else')
      await requireContact(actor, otherId)
      const directKey = [actor.userId, otherId].sort().join(':')
      const created = await db.transaction(async (tx) => {
        const existing = await repo.findDirect(tx, actor.orgId, directKey)
        if (existing) return { row: existing, isNew: false }
        const row =
          (await repo.insertConversation(tx, {
            id: newId('cnv'),
            orgId: actor.orgId,
            kind: 'direct',
            directKey,
            createdBy: actor.userId,
            createdAt: deps.now(),
          })) ?? (await repo.findDirect(tx, actor.orgId, directKey))!
        await repo.addParticipants(tx, row.id, actor.orgId, [
          { userId: actor.userId, role: 'member' },
          { userId: otherId, role: 'member' },
        ])
        return { row, isNew: true }
      })
      if (created.isNew) announce(created.row.id, [actor.userId, otherId])
      return view(actor, created.row)
    },

    /** A new group conversation with the actor as owner and some of their contacts as members. */
    async createGroup(actor: ChatActor, title: string, memberIds: string[]): Promise<ConversationView> {
      const others = [...new Set(memberIds)].filter((id) => id !== actor.userId)
      await requireContacts(actor, others)
      const row = await db.transaction(async (tx) => {
        const c = (await repo.insertConversation(tx, {
          id: newId('cnv'),
          orgId: actor.orgId,
          kind: 'group',
          title,
          createdBy: actor.userId,
          createdAt: deps.now(),
        }))!
        await repo.addParticipants(tx, c.id, actor.orgId, [
          { userId: actor.userId, role: 'owner' },
          ...others.map((userId) => ({ userId, role: 'member' })),
        ])
        return c
      })
      announce(row.id, [actor.userId, ...others])
      return view(actor, row)
    },

    /**
     * The people I may start a conversation with (see docs/chat.md "Who you can message"),
     * searched by name, a page at a time (keyset on name, then id).
     */
    async contacts(actor: ChatActor, query: ContactsQueryInput) {
      const q = query.q?.trim()
      const rows = await repo.contacts(db, {
        orgId: actor.orgId,
        userId: actor.userId,
        staff: await isStaff(actor),
        ...(q ? { q } : {}),
        ...(query.cursor ? { after: decodeCursor(query.cursor) } : {}),
        limit: query.limit + 1,
      })
      const page = rows.slice(0, query.limit)
      return {
        items: page.map(presentContact),
        nextCursor: rows.length > query.limit ? encodeCursor(page[page.length - 1]!) : null,
      }
    },

    /** My conversations, most recent activity first, with unread counts. */
    async list(actor: ChatActor): Promise<ConversationView[]> {
      const rows = await repo.listFor(db, actor.orgId, actor.userId)
      const members = await repo.participantDetails(
        db,
        rows.map((r) => r.conversation.id),
      )
      const byConversation = new Map<string, Participant[]>()
      for (const p of members)
        byConversation.set(p.conversationId, [
          ...(byConversation.get(p.conversationId) ?? []),
          toParticipant(p),
        ])
      return Promise.all(
        rows.map(async (r) =>
          presentConversation(
            r.conversation,
            byConversation.get(r.conversation.id) ?? [],
            r.lastReadMessageId,
            await repo.unreadCount(db, r.conversation.id, actor.userId, r.lastReadMessageId),
          ),
        ),
      )
    },

    /** One page of history, newest first (keyset on the UUIDv7 id). */
    async history(actor: ChatActor, conversationId: string, q: { before?: string; limit: number }) {
      await member(db, actor, conversationId)
      const rows = await repo.history(db, conversationId, q.before, q.limit + 1)
      const items = rows.slice(0, q.limit).map(presentMessage)
      return { items, nextCursor: rows.length > q.limit ? items[items.length - 1]!.id : null }
    },

    /**
     * Stores a message and broadcasts `message:new` to the conversation's room. A retry with the
     * same client message id returns the stored message (`duplicate: true`) and broadcasts nothing.
     */
    async send(actor: ChatActor, conversationId: string, input: SendInput) {
      checkSize(input.body)
      const attachments = input.attachments ?? []
      if (input.body.trim() === '' && attachments.length === 0) {
        throw new AppError('unprocessable', 'A message needs text or an attachment')
      }
      // Membership and the retry check are independent reads: one round trip instead of two. A
      // non-participant still gets not_found first (the retry lookup only sees the actor's own messages).
      const [, existing] = await Promise.all([
        member(db, actor, conversationId),
        repo.messageByClientId(db, conversationId, actor.userId, input.clientMessageId),
      ])
      if (existing) return { message: presentMessage(existing), duplicate: true }
      await limited(actor)
      const result = await db.transaction(async (tx) => {
        const row = await repo.insertMessage(tx, {
          id: newId('msg'),
          conversationId,
          orgId: actor.orgId,
          senderId: actor.userId,
          clientMessageId: input.clientMessageId,
          body: input.body,
          attachments,
          createdAt: deps.now(),
        })
        if (!row) {
          const same = await repo.messageByClientId(tx, conversationId, actor.userId, input.clientMessageId)
          return { row: same!, duplicate: true }
        }
        await repo.setLastMessage(tx, conversationId, row.id)
        return { row, duplicate: false }
      })
      const message = presentMessage(result.row)
      if (!result.duplicate) realtime.toConversation(conversationId, 'message:new', message)
      return { message, duplicate: result.duplicate }
    },

    /** Changes the text of one's own live message; broadcasts `message:edited`. */
    async edit(actor: ChatActor, conversationId: string, messageId: string, body: string) {
      checkSize(body)
      if (body.trim() === '') throw new AppError('unprocessable', 'Delete the message instead of emptying it')
      await member(db, actor, conversationId)
      const m = await repo.message(db, conversationId, messageId)
      if (!m) throw new AppError('not_found', 'No such message')
      if (m.senderId !== actor.userId) throw new AppError('forbidden', 'Only the sender may edit a message')
      if (m.deletedAt) throw new AppError('gone', 'The message was deleted')
      await limited(actor)
      const row = await repo.updateMessage(db, m.id, { body, editedAt: deps.now() })
      const message = presentMessage(row)
      realtime.toConversation(conversationId, 'message:edited', message)
      return message
    },

    /** Deletes one's own message (soft: its place stays, text and attachments go); broadcasts `message:deleted`. */
    async remove(actor: ChatActor, conversationId: string, messageId: string) {
      await member(db, actor, conversationId)
      const m = await repo.message(db, conversationId, messageId)
      if (!m) throw new AppError('not_found', 'No such message')
      if (m.senderId !== actor.userId) throw new AppError('forbidden', 'Only the sender may delete a message')
      if (m.deletedAt) return presentMessage(m)
      await limited(actor)
      const row = await repo.updateMessage(db, m.id, { body: '', attachments: [], deletedAt: deps.now() })
      const message = presentMessage(row)
      realtime.toConversation(conversationId, 'message:deleted', {
        id: message.id,
        conversationId,
        deletedAt: message.deletedAt,
      })
      return message
    },

    /** Moves my read mark forward; broadcasts `read` (read receipts). */
    async markRead(actor: ChatActor, conversationId: string, messageId: string) {
      await member(db, actor, conversationId)
      if (!(await repo.message(db, conversationId, messageId)))
        throw new AppError('not_found', 'No such message')
      await repo.markRead(db, conversationId, actor.userId, messageId)
      const m = (await repo.membership(db, actor.orgId, conversationId, actor.userId))!
      const lastRead = m.participant.lastReadMessageId
      realtime.toConversation(conversationId, 'read', {
        conversationId,
        userId: actor.userId,
        messageId: lastRead,
      })
      return {
        lastReadMessageId: lastRead,
        unreadCount: await repo.unreadCount(db, conversationId, actor.userId, lastRead),
      }
    },

    /** Whether the actor may join a conversation's room (participant of it, in their org). */
    async canJoin(actor: ChatActor, conversationId: string) {
      return (await repo.membership(db, actor.orgId, conversationId, actor.userId)) !== null
    },

    /** The conversations the actor is in (rooms to join on connect). */
    conversationIds: (actor: ChatActor) => repo.conversationIdsOf(db, actor.orgId, actor.userId),

    /**
     * What a reconnecting client missed: per conversation, the messages after its last known id
     * (oldest first, at most RESUME_LIMIT; `more` says a page is missing). Conversations the
     * actor is not in are left out.
     */
    async resume(actor: ChatActor, since: { conversationId: string; lastMessageId: string | null }[]) {
      const out: { conversationId: string; messages: MessageView[]; more: boolean }[] = []
      for (const s of since) {
        if (!(await repo.membership(db, actor.orgId, s.conversationId, actor.userId))) continue
        const rows = await repo.after(db, s.conversationId, s.lastMessageId ?? 'msg_', RESUME_LIMIT + 1)
        out.push({
          conversationId: s.conversationId,
          messages: rows.slice(0, RESUME_LIMIT).map(presentMessage),
          more: rows.length > RESUME_LIMIT,
        })
      }
      return out
    },
  }

  /** New participants: their open connections join the room and hear about the conversation. */
  function announce(conversationId: string, userIds: string[]) {
    realtime.joinConversation(userIds, conversationId)
    for (const u of userIds) realtime.toUser(u, 'conversation:added', { conversationId })
  }
}

/** The chat service. */
export type ChatService = ReturnType<typeof createChatService>
