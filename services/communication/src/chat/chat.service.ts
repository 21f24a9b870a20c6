import { AppError, newId, type Tx } from '@learnmesh/kernel'
import type { CommunicationDeps } from '../deps.ts'
import {
  chatRepository as repo,
  type ContactRow,
  type ConversationRow,
  type MessageRow,
} from './chat.repository.ts'
import type { ChatSystemEvent } from '../db/schema.ts'
import {
  GROUP_MAX_PARTICIPANTS,
  type ContactView,
  type ContactsQueryInput,
  type ConversationView,
  type MessageView,
  type SendInput,
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
    kind: m.kind === 'system' ? 'system' : 'user',
    event: m.event ?? null,
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
  role: string
  joinedAt: Date
}): Participant => ({
  userId: p.userId,
  displayName: p.displayName,
  lastReadMessageId: p.lastReadMessageId,
  role: p.role as Participant['role'],
  joinedAt: p.joinedAt.toISOString(),
})

const notFound = () => new AppError('not_found', 'No such conversation')

/** Roles that manage a group (add, remove, rename). */
const MANAGERS = ['owner', 'admin']

/** A role someone may be given in a group. */
export type GroupRole = 'owner' | 'admin' | 'member'

type Person = ChatSystemEvent['actor']
const named = (p: Person) => p.displayName ?? 'Someone'

/** "Ann", "Ann and Bob", "Ann, Bob and Carl", "Ann, Bob, Carl and 4 others". */
function namesInWords(people: Person[]): string {
  const names = people.map(named)
  if (names.length <= 1) return names[0] ?? 'no one'
  if (names.length <= 3) return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`
  return `${names.slice(0, 3).join(', ')} and ${names.length - 3} others`
}

/** A system message's body: the event in words (clients without special rendering show it as is). */
function systemText(e: ChatSystemEvent): string {
  const who = named(e.actor)
  switch (e.type) {
    case 'created':
      return e.title ? `${who} created the group “${e.title}”` : `${who} created the group`
    case 'member_added':
      return `${who} added ${namesInWords(e.users)}`
    case 'member_removed':
      return `${who} removed ${namesInWords(e.users)}`
    case 'member_left':
      return `${who} left`
    case 'left_org':
      return `${who} left the organization`
    case 'removed_from_org':
      return `${who} was removed from the organization`
    case 'rejoined':
      return `${who} rejoined`
    case 'renamed':
      return `${who} renamed the group to “${e.title ?? ''}”`
    case 'owner_changed':
      // Passed on when the owner left: the new owner is both actor and user.
      return e.users.some((u) => u.userId === e.actor.userId)
        ? `${who} is now the owner`
        : `${who} made ${namesInWords(e.users)} the owner`
    default:
      return `${who} made ${namesInWords(e.users)} ${e.role === 'admin' ? 'an admin' : 'a member'}`
  }
}

/** A direct conversation or a course channel has no members to manage. */
const notAGroup = () =>
  new AppError('unprocessable', 'Only a group’s members can be changed', { reason: 'not_a_group' })

/** Writes a system message (a group change in words) in the change's transaction. */
async function writeSystemMessage(
  tx: Tx,
  now: Date,
  orgId: string,
  conversationId: string,
  event: ChatSystemEvent,
): Promise<MessageRow> {
  const id = newId('msg')
  const row = (await repo.insertMessage(tx, {
    id,
    conversationId,
    orgId,
    senderId: event.actor.userId,
    // `/` is not allowed in a client's ids: no client message can collide with it.
    clientMessageId: `system/${id}`,
    body: systemText(event),
    attachments: [],
    kind: 'system',
    event,
    createdAt: now,
  }))!
  await repo.setLastMessage(tx, conversationId, row.id)
  return row
}

/** Why someone went out of a group without being removed from it by one of its members. */
type Departure = 'member_left' | 'left_org' | 'removed_from_org'

/**
 * Inside a group change's transaction, the group locked (`everyone`: its participants, longest-standing
 * first): takes `userId` out and says why in the group. An owner's group passes to the
 * longest-standing admin, else the longest-standing member ("Carl is now the owner"); the last one
 * out leaves it empty (its history stays, unread). Someone not in it: nothing written.
 */
async function departGroup(
  tx: Tx,
  now: Date,
  orgId: string,
  conversationId: string,
  everyone: { userId: string; displayName: string | null; role: string }[],
  userId: string,
  why: Departure,
): Promise<MessageRow[]> {
  const leaving = everyone.find((p) => p.userId === userId)
  if (!leaving) return []
  const person = (p: { userId: string; displayName: string | null }): Person => ({
    userId: p.userId,
    displayName: p.displayName,
  })
  await repo.removeParticipants(tx, conversationId, [userId], [leaving.role])
  const out = [
    await writeSystemMessage(tx, now, orgId, conversationId, {
      type: why,
      actor: person(leaving),
      users: [],
    }),
  ]
  const rest = everyone.filter((p) => p.userId !== userId)
  if (leaving.role === 'owner' && rest.length > 0) {
    const heir = person(rest.find((p) => p.role === 'admin') ?? rest[0]!)
    await repo.setRole(tx, conversationId, heir.userId, 'owner')
    out.push(
      await writeSystemMessage(tx, now, orgId, conversationId, {
        type: 'owner_changed',
        actor: heir,
        users: [heir],
      }),
    )
  }
  return out
}

/**
 * After a group change commits: people taken out leave the room and hear `conversation:removed`;
 * the room gets the system messages and `conversation:updated` (names, roles or title changed).
 */
function announceGroupChange(
  realtime: CommunicationDeps['realtime'],
  conversationId: string,
  written: MessageRow[],
  removed: string[] = [],
) {
  if (removed.length > 0) {
    realtime.leaveConversation(removed, conversationId)
    for (const u of removed) realtime.toUser(u, 'conversation:removed', { conversationId })
  }
  if (written.length === 0) return
  for (const m of written) realtime.toConversation(conversationId, 'message:new', presentMessage(m))
  realtime.toConversation(conversationId, 'conversation:updated', { conversationId })
}

/** Once a consumer's transaction is committed (its first system message readable), `then` runs. */
function afterConsumerCommit(
  deps: CommunicationDeps,
  conversationId: string,
  written: MessageRow[],
  then: () => void,
) {
  const first = written[0]
  if (!first) return
  deps.realtime.whenCommitted(
    async () => (await repo.message(deps.database.db, conversationId, first.id)) !== null,
    then,
  )
}

/**
 * identity.membership.changed `removed`, inside the consumer's transaction: the person goes out of
 * every group of the org as if they had left (`removed_from_org`, or `left_org` when they left the
 * org themselves), ownership passing on; each group is remembered (`org_group_departures`, with
 * their read mark) for `rejoinOrgGroups`. Groups are locked one at a time in id order (no deadlock
 * with another removal). Once the transaction is committed, they and the groups hear it live.
 */
export async function leaveOrgGroups(
  tx: Tx,
  deps: CommunicationDeps,
  orgId: string,
  userId: string,
  why: 'left_org' | 'removed_from_org',
): Promise<void> {
  for (const conversationId of await repo.groupsOf(tx, orgId, userId)) {
    await repo.lockConversation(tx, conversationId)
    const everyone = await repo.participantDetails(tx, [conversationId])
    const now = deps.now()
    const written = await departGroup(tx, now, orgId, conversationId, everyone, userId, why)
    if (written.length === 0) continue
    await repo.recordOrgDeparture(tx, {
      orgId,
      userId,
      conversationId,
      lastReadMessageId: everyone.find((p) => p.userId === userId)?.lastReadMessageId ?? null,
      departedAt: now,
    })
    afterConsumerCommit(deps, conversationId, written, () =>
      announceGroupChange(deps.realtime, conversationId, written, [userId]),
    )
  }
}

/**
 * identity.membership.changed `joined` after a removal, inside the consumer's transaction: the
 * person is put back in the groups of the org they went out of because of that removal
 * (`leaveOrgGroups`) and that are still groups of the org, as a member with their earlier read
 * mark, and each reads "Bob rejoined" (`rejoined`). A group left empty meanwhile gets them as its
 * owner ("Bob is now the owner"); a group full meanwhile (GROUP_MAX_PARTICIPANTS) is skipped. The
 * remembered departures are consumed: a redelivered or repeated "joined" restores nothing more.
 * Groups are locked one at a time in id order. Once committed, their connections join the rooms
 * and hear `conversation:added`; the rooms get the messages and `conversation:updated`.
 */
export async function rejoinOrgGroups(
  tx: Tx,
  deps: CommunicationDeps,
  orgId: string,
  userId: string,
): Promise<void> {
  const departures = await repo.takeOrgDepartures(tx, orgId, userId)
  if (departures.length === 0) return
  const name = (await repo.displayNames(tx, orgId, [userId])).get(userId) ?? null
  const me: Person = { userId, displayName: name }
  for (const d of departures) {
    const conversationId = d.conversationId
    await repo.lockConversation(tx, conversationId)
    const everyone = await repo.participantDetails(tx, [conversationId])
    if (everyone.some((p) => p.userId === userId) || everyone.length >= GROUP_MAX_PARTICIPANTS) continue
    const owner = everyone.length === 0
    const back = await repo.restoreParticipant(tx, {
      conversationId,
      orgId,
      userId,
      role: owner ? 'owner' : 'member',
      lastReadMessageId: d.lastReadMessageId,
    })
    if (!back) continue
    const now = deps.now()
    const written = [
      await writeSystemMessage(tx, now, orgId, conversationId, { type: 'rejoined', actor: me, users: [] }),
    ]
    if (owner) {
      written.push(
        await writeSystemMessage(tx, now, orgId, conversationId, {
          type: 'owner_changed',
          actor: me,
          users: [me],
        }),
      )
    }
    afterConsumerCommit(deps, conversationId, written, () => {
      deps.realtime.joinConversation([userId], conversationId)
      deps.realtime.toUser(userId, 'conversation:added', { conversationId })
      announceGroupChange(deps.realtime, conversationId, written)
    })
  }
}

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

  /**
   * A group change's checks on the actor's membership: not a group → unprocessable; without one of
   * `roles` (when given) → forbidden.
   */
  function checkGroup(m: { conversation: ConversationRow; participant: { role: string } }, roles?: string[]) {
    if (m.conversation.kind !== 'group') throw notAGroup()
    if (!roles || roles.includes(m.participant.role)) return
    throw roles.includes('admin')
      ? new AppError('forbidden', 'Only the group’s owner and admins may do this', {
          reason: 'group_admins_only',
        })
      : new AppError('forbidden', 'Only the group’s owner may do this', { reason: 'group_owner_only' })
  }

  /**
   * Inside a group change's transaction: locks the conversation (changes of one group run one at a
   * time), then checks the actor (not a participant → not_found, see `checkGroup`). Returns their
   * membership and everyone in it, longest-standing first.
   */
  async function lockedGroup(tx: Tx, actor: ChatActor, conversationId: string, roles?: string[]) {
    await repo.lockConversation(tx, conversationId)
    const m = await member(tx, actor, conversationId)
    checkGroup(m, roles)
    const everyone = await repo.participantDetails(tx, [conversationId])
    const person = (userId: string): Person => ({
      userId,
      displayName: everyone.find((p) => p.userId === userId)?.displayName ?? null,
    })
    return { ...m, everyone, me: person(actor.userId), person }
  }

  /** Writes a system message (a group change in words) in the change's transaction. */
  const systemMessage = (tx: Tx, actor: ChatActor, conversationId: string, event: ChatSystemEvent) =>
    writeSystemMessage(tx, deps.now(), actor.orgId, conversationId, event)

  /** After a group change commits: see `announceGroupChange`. */
  const afterGroupChange = (conversationId: string, written: MessageRow[], removed: string[] = []) =>
    announceGroupChange(realtime, conversationId, written, removed)

  /**
   * Leaves a group (any member). An owner who leaves hands the group to the longest-standing admin,
   * else the longest-standing member; the last one out leaves it empty (its history stays, unread).
   */
  async function leave(actor: ChatActor, conversationId: string): Promise<void> {
    const written = await db.transaction(async (tx) => {
      const g = await lockedGroup(tx, actor, conversationId)
      return departGroup(tx, deps.now(), actor.orgId, conversationId, g.everyone, actor.userId, 'member_left')
    })
    afterGroupChange(conversationId, written, [actor.userId])
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
      throw new AppError(
        'not_found',
        'You can only message your contacts, such as your tutors, learners, instructors and people you already talk to',
        { reason: 'not_a_contact' },
      )
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
      throw new AppError(
        'not_found',
        'You can only add your contacts to a group, such as your tutors, learners, instructors and people you already talk to',
        { reason: 'not_a_contact', missing },
      )
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
      const name = title.trim()
      const { row, created } = await db.transaction(async (tx) => {
        const c = (await repo.insertConversation(tx, {
          id: newId('cnv'),
          orgId: actor.orgId,
          kind: 'group',
          title: name,
          createdBy: actor.userId,
          createdAt: deps.now(),
        }))!
        await repo.addParticipants(tx, c.id, actor.orgId, [
          { userId: actor.userId, role: 'owner' },
          ...others.map((userId) => ({ userId, role: 'member' })),
        ])
        const names = await repo.displayNames(tx, actor.orgId, [actor.userId])
        const written = await systemMessage(tx, actor, c.id, {
          type: 'created',
          actor: { userId: actor.userId, displayName: names.get(actor.userId) ?? null },
          users: [],
          title: name,
        })
        return { row: { ...c, lastMessageId: written.id }, created: written }
      })
      announce(row.id, [actor.userId, ...others])
      realtime.toConversation(row.id, 'message:new', presentMessage(created))
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
      if (m.senderId !== actor.userId || m.kind === 'system')
        throw new AppError('forbidden', 'Only the sender may edit a message')
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
      if (m.senderId !== actor.userId || m.kind === 'system')
        throw new AppError('forbidden', 'Only the sender may delete a message')
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

    /** One conversation I am in, with its participants' names and roles (anyone else: not_found). */
    async get(actor: ChatActor, conversationId: string): Promise<ConversationView> {
      return view(actor, (await member(db, actor, conversationId)).conversation)
    },

    /**
     * Adds people to a group (its owner and admins): each must be a contact of the actor (the rule
     * of creating a group); those already in it are skipped; the group stays within
     * GROUP_MAX_PARTICIPANTS. New participants' connections join the room and hear
     * `conversation:added`; the room gets the system message "Ann added Bob".
     */
    async addParticipants(actor: ChatActor, conversationId: string, userIds: string[]) {
      // The contacts rule reads outside the transaction (PGlite has one connection), so the actor's
      // membership and role are checked before it too, then again under the lock.
      checkGroup(await member(db, actor, conversationId), MANAGERS)
      const present = new Set((await repo.participantIds(db, [conversationId])).map((p) => p.userId))
      const candidates = [...new Set(userIds)].filter((id) => id !== actor.userId && !present.has(id))
      await requireContacts(actor, candidates)
      if (candidates.length > 0) await limited(actor)
      const result = await db.transaction(async (tx) => {
        const g = await lockedGroup(tx, actor, conversationId, MANAGERS)
        // Whoever joined meanwhile is skipped; whoever left meanwhile was not checked: not re-added.
        const fresh = candidates.filter((id) => !g.everyone.some((p) => p.userId === id))
        if (fresh.length === 0) return { row: g.conversation, added: [] as string[], written: [] }
        if (g.everyone.length + fresh.length > GROUP_MAX_PARTICIPANTS) {
          throw new AppError(
            'unprocessable',
            `A group has at most ${GROUP_MAX_PARTICIPANTS} people; this one has ${g.everyone.length}`,
            { reason: 'group_full', limit: GROUP_MAX_PARTICIPANTS, size: g.everyone.length },
          )
        }
        const added = await repo.addParticipants(
          tx,
          conversationId,
          actor.orgId,
          fresh.map((userId) => ({ userId, role: 'member' })),
        )
        const names = await repo.displayNames(tx, actor.orgId, added)
        const written = await systemMessage(tx, actor, conversationId, {
          type: 'member_added',
          actor: g.me,
          users: added.map((userId) => ({ userId, displayName: names.get(userId) ?? null })),
        })
        return { row: g.conversation, added, written: [written] }
      })
      if (result.added.length > 0) announce(conversationId, result.added)
      afterGroupChange(conversationId, result.written)
      return view(actor, result.row)
    },

    /**
     * Takes someone out of a group: the owner may remove anyone, an admin only members; removing
     * oneself is leaving. Someone not in it: nothing changes. Their connections leave the room and
     * hear `conversation:removed`; the others see "Ann removed Bob".
     */
    async removeParticipant(actor: ChatActor, conversationId: string, userId: string): Promise<void> {
      if (userId === actor.userId) return leave(actor, conversationId)
      checkGroup(await member(db, actor, conversationId), MANAGERS)
      await limited(actor)
      const written = await db.transaction(async (tx) => {
        const g = await lockedGroup(tx, actor, conversationId, MANAGERS)
        const target = g.everyone.find((p) => p.userId === userId)
        if (!target) return []
        if (target.role === 'owner' || (target.role === 'admin' && g.participant.role !== 'owner')) {
          throw new AppError('forbidden', 'Only the owner removes admins, and nobody removes the owner', {
            reason: 'group_owner_only',
          })
        }
        await repo.removeParticipants(tx, conversationId, [userId], [target.role])
        return [
          await systemMessage(tx, actor, conversationId, {
            type: 'member_removed',
            actor: g.me,
            users: [g.person(userId)],
          }),
        ]
      })
      afterGroupChange(conversationId, written, written.length > 0 ? [userId] : [])
    },

    leave,

    /** Renames a group (its owner and admins); the room sees "Ann renamed the group to …". */
    async rename(actor: ChatActor, conversationId: string, title: string) {
      const trimmed = title.trim()
      checkGroup(await member(db, actor, conversationId), MANAGERS)
      await limited(actor)
      const result = await db.transaction(async (tx) => {
        const g = await lockedGroup(tx, actor, conversationId, MANAGERS)
        if (g.conversation.title === trimmed) return { row: g.conversation, written: [] }
        await repo.setTitle(tx, conversationId, trimmed)
        const written = await systemMessage(tx, actor, conversationId, {
          type: 'renamed',
          actor: g.me,
          users: [],
          title: trimmed,
        })
        return { row: { ...g.conversation, title: trimmed }, written: [written] }
      })
      afterGroupChange(conversationId, result.written)
      return view(actor, result.row)
    },

    /**
     * Changes someone's role in a group (the owner only): `admin` or `member`; `owner` hands the
     * group over and the previous owner becomes an admin. The owner cannot step down otherwise.
     */
    async setRole(actor: ChatActor, conversationId: string, userId: string, role: GroupRole) {
      checkGroup(await member(db, actor, conversationId), ['owner'])
      await limited(actor)
      const result = await db.transaction(async (tx) => {
        const g = await lockedGroup(tx, actor, conversationId, ['owner'])
        const target = g.everyone.find((p) => p.userId === userId)
        if (!target) throw new AppError('not_found', 'No such participant')
        if (target.role === role) return { row: g.conversation, written: [] }
        if (userId === actor.userId) {
          throw new AppError('unprocessable', 'Make someone else the owner first', {
            reason: 'owner_must_hand_over',
          })
        }
        await repo.setRole(tx, conversationId, userId, role)
        if (role === 'owner') await repo.setRole(tx, conversationId, actor.userId, 'admin')
        const users = [g.person(userId)]
        const written = await systemMessage(
          tx,
          actor,
          conversationId,
          role === 'owner'
            ? { type: 'owner_changed', actor: g.me, users }
            : { type: 'role_changed', actor: g.me, users, role },
        )
        return { row: g.conversation, written: [written] }
      })
      afterGroupChange(conversationId, result.written)
      return view(actor, result.row)
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
