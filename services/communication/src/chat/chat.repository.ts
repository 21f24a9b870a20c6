import { and, asc, desc, eq, gt, inArray, isNull, lt, ne, or, sql } from 'drizzle-orm'
import type { DbOrTx } from '@learnmesh/kernel'
import {
  conversationParticipants,
  conversations,
  courseEnrollments,
  messages,
  orgGroupDepartures,
  orgMembers,
  people,
} from '../db/schema.ts'

/** A conversation row. */
export type ConversationRow = typeof conversations.$inferSelect
/** A message row. */
export type MessageRow = typeof messages.$inferSelect
/** A participant row. */
export type ParticipantRow = typeof conversationParticipants.$inferSelect

/** Why someone is a contact (see docs/chat.md, "Who you can message"). */
export type ContactKind =
  | 'your_tutor'
  | 'your_learner'
  | 'instructor'
  | 'course_learner'
  | 'conversation'
  | 'listed_tutor'
  | 'organization'

/** One contact: a person of the org with every reason they are one (course title where a course is why). */
export interface ContactRow {
  userId: string
  displayName: string
  /** lower(display_name) as the database computes it (the keyset). */
  sortName: string
  reasons: { kind: ContactKind; course: string | null }[]
}

/** What `contacts` searches: whose contacts, how (name filter, keyset cursor, page size), or some people only. */
export interface ContactQuery {
  orgId: string
  userId: string
  /** Org staff: every person of the org is a contact. */
  staff: boolean
  /** Case-insensitive substring of the display name (already trimmed, non-empty). */
  q?: string
  /** Only these people (the check of opening a direct conversation or adding to a group). */
  only?: string[]
  /** Keyset: after (lower(display_name), user_id). */
  after?: { name: string; userId: string }
  limit: number
}

/** `%`, `_` and `\` match themselves in a LIKE pattern. */
const likeEscape = (q: string) => q.replace(/[\\%_]/g, (c) => `\\${c}`)

/** A membership as communication last heard of it (identity.membership.changed). */
export type OrgMemberRow = typeof orgMembers.$inferSelect

/** Drizzle queries of chat; plain rows out. */
export const chatRepository = {
  /** A conversation of the org that `userId` participates in (with their participant row), else null. */
  async membership(db: DbOrTx, orgId: string, conversationId: string, userId: string) {
    const [row] = await db
      .select({ conversation: conversations, participant: conversationParticipants })
      .from(conversations)
      .innerJoin(
        conversationParticipants,
        and(
          eq(conversationParticipants.conversationId, conversations.id),
          eq(conversationParticipants.userId, userId),
        ),
      )
      .where(and(eq(conversations.id, conversationId), eq(conversations.orgId, orgId)))
      .limit(1)
    return row ?? null
  },

  /**
   * The people `userId` may start a conversation with, from what communication knows: lessons
   * (tutor ↔ learner), course channels (learner → instructors; instructor → everyone in the
   * channel), conversations they share, listed tutors, and for staff the whole org. Only people of
   * the org communication knows by name and who were not removed from it; never oneself. Ordered by
   * name, then id (keyset).
   */
  async contacts(db: DbOrTx, c: ContactQuery): Promise<ContactRow[]> {
    const org = c.orgId
    const me = c.userId
    const staff = c.staff
      ? sql`union all select user_id, 'organization', null from communication.people where org_id = ${org}`
      : sql``
    // An empty `only` matches no one (`in (null)`).
    const ids = c.only?.length ? c.only.map((id) => sql`${id}`) : [sql`null`]
    const only = c.only === undefined ? sql`` : sql`and c.user_id in (${sql.join(ids, sql`, `)})`
    const res = await db.execute(sql`
      with c(user_id, kind, course) as (
        select learner_id, 'your_learner', null::text from communication.lessons
          where org_id = ${org} and tutor_user_id = ${me}
        union all
        select tutor_user_id, 'your_tutor', null from communication.lessons
          where org_id = ${org} and learner_id = ${me}
        union all
        select other.user_id, case when other.role = 'instructor' then 'instructor' else 'course_learner' end,
            cv.title
          from communication.conversation_participants mine
          join communication.conversations cv on cv.id = mine.conversation_id and cv.kind = 'course'
          join communication.conversation_participants other on other.conversation_id = mine.conversation_id
          where mine.user_id = ${me} and mine.org_id = ${org}
            and (other.role = 'instructor' or mine.role = 'instructor')
        union all
        select other.user_id, 'conversation', null
          from communication.conversation_participants mine
          join communication.conversations cv on cv.id = mine.conversation_id and cv.kind <> 'course'
          join communication.conversation_participants other on other.conversation_id = mine.conversation_id
          where mine.user_id = ${me} and mine.org_id = ${org}
        union all
        select user_id, 'listed_tutor', null from communication.listed_tutors where org_id = ${org} and active
        ${staff}
      )
      select p.user_id, p.display_name, lower(p.display_name) as sort_name,
          jsonb_agg(distinct jsonb_build_object('kind', c.kind, 'course', c.course)) as reasons
        from c join communication.people p on p.user_id = c.user_id and p.org_id = ${org}
        where c.user_id <> ${me}
          and not exists (select 1 from communication.org_members m
            where m.org_id = ${org} and m.user_id = p.user_id and m.removed)
          ${only}
          ${c.q === undefined ? sql`` : sql`and p.display_name ilike ${`%${likeEscape(c.q)}%`} escape '\'`}
          ${c.after === undefined ? sql`` : sql`and (lower(p.display_name), p.user_id) > (${c.after.name}, ${c.after.userId})`}
        group by p.user_id, p.display_name
        order by lower(p.display_name), p.user_id
        limit ${c.limit}
    `)
    const { rows } = res as unknown as {
      rows: { user_id: string; display_name: string; sort_name: string; reasons: ContactRow['reasons'] }[]
    }
    return rows.map((r) => ({
      userId: r.user_id,
      displayName: r.display_name,
      sortName: r.sort_name,
      reasons: r.reasons,
    }))
  },

  async findDirect(db: DbOrTx, orgId: string, directKey: string) {
    const [row] = await db
      .select()
      .from(conversations)
      .where(and(eq(conversations.orgId, orgId), eq(conversations.directKey, directKey)))
      .limit(1)
    return row ?? null
  },

  async findCourseChannel(db: DbOrTx, orgId: string, courseId: string) {
    const [row] = await db
      .select()
      .from(conversations)
      .where(and(eq(conversations.orgId, orgId), eq(conversations.courseId, courseId)))
      .limit(1)
    return row ?? null
  },

  /** Inserts a conversation; null when a concurrent insert won its unique key. */
  async insertConversation(db: DbOrTx, row: typeof conversations.$inferInsert) {
    const [inserted] = await db.insert(conversations).values(row).onConflictDoNothing().returning()
    return inserted ?? null
  },

  async setTitle(db: DbOrTx, id: string, title: string) {
    await db.update(conversations).set({ title }).where(eq(conversations.id, id))
  },

  /** Adds participants (existing ones untouched); returns the user ids that were new. */
  async addParticipants(
    db: DbOrTx,
    conversationId: string,
    orgId: string,
    members: { userId: string; role: string }[],
  ): Promise<string[]> {
    if (members.length === 0) return []
    const rows = await db
      .insert(conversationParticipants)
      .values(members.map((m) => ({ conversationId, orgId, userId: m.userId, role: m.role })))
      .onConflictDoNothing()
      .returning({ userId: conversationParticipants.userId })
    return rows.map((r) => r.userId)
  },

  /** Removes these people from a conversation (only those with one of `roles`); returns who was removed. */
  async removeParticipants(
    db: DbOrTx,
    conversationId: string,
    userIds: string[],
    roles: string[],
  ): Promise<string[]> {
    if (userIds.length === 0) return []
    const rows = await db
      .delete(conversationParticipants)
      .where(
        and(
          eq(conversationParticipants.conversationId, conversationId),
          inArray(conversationParticipants.userId, userIds),
          inArray(conversationParticipants.role, roles),
        ),
      )
      .returning({ userId: conversationParticipants.userId })
    return rows.map((r) => r.userId)
  },

  /** Takes a person out of every course channel of an org; returns the channels they left. */
  async leaveCourseChannels(db: DbOrTx, orgId: string, userId: string): Promise<string[]> {
    const rows = await db
      .delete(conversationParticipants)
      .where(
        and(
          eq(conversationParticipants.orgId, orgId),
          eq(conversationParticipants.userId, userId),
          inArray(
            conversationParticipants.conversationId,
            db
              .select({ id: conversations.id })
              .from(conversations)
              .where(and(eq(conversations.orgId, orgId), eq(conversations.kind, 'course'))),
          ),
        ),
      )
      .returning({ conversationId: conversationParticipants.conversationId })
    return rows.map((r) => r.conversationId)
  },

  /** The groups of an org a person is in, by id (the order their removal from the org locks them in). */
  async groupsOf(db: DbOrTx, orgId: string, userId: string): Promise<string[]> {
    const rows = await db
      .select({ id: conversations.id })
      .from(conversationParticipants)
      .innerJoin(conversations, eq(conversations.id, conversationParticipants.conversationId))
      .where(
        and(
          eq(conversationParticipants.orgId, orgId),
          eq(conversationParticipants.userId, userId),
          eq(conversations.orgId, orgId),
          eq(conversations.kind, 'group'),
        ),
      )
      .orderBy(asc(conversations.id))
    return rows.map((r) => r.id)
  },

  /** Remembers that `userId` went out of a group because of their removal from the org (kept once). */
  async recordOrgDeparture(db: DbOrTx, row: typeof orgGroupDepartures.$inferInsert) {
    await db.insert(orgGroupDepartures).values(row).onConflictDoNothing()
  },

  /**
   * Takes (deletes and returns) the groups of an org `userId` went out of because of their removal
   * from it, those that still exist as groups of the org, by id; rows of groups gone meanwhile go too.
   */
  async takeOrgDepartures(
    db: DbOrTx,
    orgId: string,
    userId: string,
  ): Promise<{ conversationId: string; lastReadMessageId: string | null }[]> {
    const rows = await db
      .delete(orgGroupDepartures)
      .where(and(eq(orgGroupDepartures.orgId, orgId), eq(orgGroupDepartures.userId, userId)))
      .returning({
        conversationId: orgGroupDepartures.conversationId,
        lastReadMessageId: orgGroupDepartures.lastReadMessageId,
      })
    if (rows.length === 0) return []
    const groups = await db
      .select({ id: conversations.id })
      .from(conversations)
      .where(
        and(
          inArray(
            conversations.id,
            rows.map((r) => r.conversationId),
          ),
          eq(conversations.orgId, orgId),
          eq(conversations.kind, 'group'),
        ),
      )
    const alive = new Set(groups.map((g) => g.id))
    return rows
      .filter((r) => alive.has(r.conversationId))
      .sort((a, b) => (a.conversationId < b.conversationId ? -1 : 1))
  },

  /** Puts someone back in a conversation with their earlier read mark; false when they are in it already. */
  async restoreParticipant(
    db: DbOrTx,
    row: {
      conversationId: string
      orgId: string
      userId: string
      role: string
      lastReadMessageId: string | null
    },
  ): Promise<boolean> {
    const rows = await db
      .insert(conversationParticipants)
      .values(row)
      .onConflictDoNothing()
      .returning({ userId: conversationParticipants.userId })
    return rows.length > 0
  },

  /** Whether `userId` is in `conversationId` (a read outside a consumer's transaction, after commit). */
  async isParticipant(db: DbOrTx, conversationId: string, userId: string) {
    const [row] = await db
      .select({ userId: conversationParticipants.userId })
      .from(conversationParticipants)
      .where(
        and(
          eq(conversationParticipants.conversationId, conversationId),
          eq(conversationParticipants.userId, userId),
        ),
      )
      .limit(1)
    return row !== undefined
  },

  /** The membership communication last heard of (null: no event yet). */
  async orgMember(db: DbOrTx, orgId: string, userId: string): Promise<OrgMemberRow | null> {
    const [row] = await db
      .select()
      .from(orgMembers)
      .where(and(eq(orgMembers.orgId, orgId), eq(orgMembers.userId, userId)))
      .limit(1)
    return row ?? null
  },

  /**
   * Records a membership event unless a newer one is recorded (`changedAt`); returns whether it
   * was applied.
   */
  async applyMembership(db: DbOrTx, row: OrgMemberRow): Promise<boolean> {
    const applied = await db
      .insert(orgMembers)
      .values(row)
      .onConflictDoUpdate({
        target: [orgMembers.orgId, orgMembers.userId],
        set: { roles: row.roles, removed: row.removed, changedAt: row.changedAt },
        setWhere: sql`${orgMembers.changedAt} <= ${row.changedAt.toISOString()}::timestamptz`,
      })
      .returning({ userId: orgMembers.userId })
    return applied.length > 0
  },

  /**
   * Records an enrollment event unless a newer one of the same enrollment is recorded
   * (`changedAt`); returns whether it was applied.
   */
  async applyEnrollment(db: DbOrTx, row: typeof courseEnrollments.$inferSelect): Promise<boolean> {
    const applied = await db
      .insert(courseEnrollments)
      .values(row)
      .onConflictDoUpdate({
        target: courseEnrollments.enrollmentId,
        set: { active: row.active, changedAt: row.changedAt },
        setWhere: sql`${courseEnrollments.changedAt} <= ${row.changedAt.toISOString()}::timestamptz`,
      })
      .returning({ id: courseEnrollments.enrollmentId })
    return applied.length > 0
  },

  /** The courses of an org where the person has an active enrollment. */
  async activeCourses(db: DbOrTx, orgId: string, userId: string, courseId?: string): Promise<string[]> {
    const rows = await db
      .selectDistinct({ courseId: courseEnrollments.courseId })
      .from(courseEnrollments)
      .where(
        and(
          eq(courseEnrollments.orgId, orgId),
          eq(courseEnrollments.userId, userId),
          eq(courseEnrollments.active, true),
          courseId === undefined ? undefined : eq(courseEnrollments.courseId, courseId),
        ),
      )
    return rows.map((r) => r.courseId)
  },

  async participantIds(db: DbOrTx, conversationIds: string[]) {
    if (conversationIds.length === 0) return []
    return db
      .select({
        conversationId: conversationParticipants.conversationId,
        userId: conversationParticipants.userId,
      })
      .from(conversationParticipants)
      .where(inArray(conversationParticipants.conversationId, conversationIds))
  },

  /**
   * Locks a conversation's row until the transaction ends: group changes (adds against the size cap,
   * ownership passing on) of one conversation run one at a time.
   */
  async lockConversation(db: DbOrTx, conversationId: string) {
    await db
      .select({ id: conversations.id })
      .from(conversations)
      .where(eq(conversations.id, conversationId))
      .for('update')
  },

  /** Display names of people of an org (those communication knows). */
  async displayNames(db: DbOrTx, orgId: string, userIds: string[]): Promise<Map<string, string>> {
    if (userIds.length === 0) return new Map()
    const rows = await db
      .select({ userId: people.userId, displayName: people.displayName })
      .from(people)
      .where(and(eq(people.orgId, orgId), inArray(people.userId, userIds)))
    return new Map(rows.map((r) => [r.userId, r.displayName]))
  },

  /** Sets one participant's role. */
  async setRole(db: DbOrTx, conversationId: string, userId: string, role: string) {
    await db
      .update(conversationParticipants)
      .set({ role })
      .where(
        and(
          eq(conversationParticipants.conversationId, conversationId),
          eq(conversationParticipants.userId, userId),
        ),
      )
  },

  /** Participants of conversations with their names (people projection), roles and read marks, longest-standing first. */
  async participantDetails(db: DbOrTx, conversationIds: string[]) {
    if (conversationIds.length === 0) return []
    return db
      .select({
        conversationId: conversationParticipants.conversationId,
        userId: conversationParticipants.userId,
        displayName: people.displayName,
        lastReadMessageId: conversationParticipants.lastReadMessageId,
        role: conversationParticipants.role,
        joinedAt: conversationParticipants.joinedAt,
      })
      .from(conversationParticipants)
      .leftJoin(
        people,
        and(
          eq(people.userId, conversationParticipants.userId),
          eq(people.orgId, conversationParticipants.orgId),
        ),
      )
      .where(inArray(conversationParticipants.conversationId, conversationIds))
      .orderBy(asc(conversationParticipants.joinedAt), asc(conversationParticipants.userId))
  },

  /** The conversations a user is in, with their read mark, newest activity first. */
  async listFor(db: DbOrTx, orgId: string, userId: string) {
    return db
      .select({ conversation: conversations, lastReadMessageId: conversationParticipants.lastReadMessageId })
      .from(conversationParticipants)
      .innerJoin(conversations, eq(conversations.id, conversationParticipants.conversationId))
      .where(and(eq(conversationParticipants.userId, userId), eq(conversationParticipants.orgId, orgId)))
      .orderBy(desc(sql`coalesce(${conversations.lastMessageId}, ${conversations.id})`))
      .limit(500)
  },

  /** The conversation ids a user is in (for joining rooms on connect). */
  async conversationIdsOf(db: DbOrTx, orgId: string, userId: string) {
    const rows = await db
      .select({ id: conversationParticipants.conversationId })
      .from(conversationParticipants)
      .where(and(eq(conversationParticipants.userId, userId), eq(conversationParticipants.orgId, orgId)))
    return rows.map((r) => r.id)
  },

  /** Live messages from others after `after` (null: all), capped at 1000; system messages do not count. */
  async unreadCount(db: DbOrTx, conversationId: string, userId: string, after: string | null) {
    const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(
      db
        .select({ id: messages.id })
        .from(messages)
        .where(
          and(
            eq(messages.conversationId, conversationId),
            ne(messages.senderId, userId),
            isNull(messages.deletedAt),
            eq(messages.kind, 'user'),
            after ? gt(messages.id, after) : undefined,
          ),
        )
        .limit(1000)
        .as('u'),
    )
    return row?.n ?? 0
  },

  /** One page of history, newest first, older than `before`. */
  async history(db: DbOrTx, conversationId: string, before: string | undefined, limit: number) {
    return db
      .select()
      .from(messages)
      .where(and(eq(messages.conversationId, conversationId), before ? lt(messages.id, before) : undefined))
      .orderBy(desc(messages.id))
      .limit(limit)
  },

  /** Messages after `after`, oldest first (resume after a reconnect). */
  async after(db: DbOrTx, conversationId: string, after: string, limit: number) {
    return db
      .select()
      .from(messages)
      .where(and(eq(messages.conversationId, conversationId), gt(messages.id, after)))
      .orderBy(asc(messages.id))
      .limit(limit)
  },

  /** Inserts a message; null when this sender already sent this client message id here. */
  async insertMessage(db: DbOrTx, row: typeof messages.$inferInsert) {
    const [inserted] = await db.insert(messages).values(row).onConflictDoNothing().returning()
    return inserted ?? null
  },

  async messageByClientId(db: DbOrTx, conversationId: string, senderId: string, clientMessageId: string) {
    const [row] = await db
      .select()
      .from(messages)
      .where(
        and(
          eq(messages.conversationId, conversationId),
          eq(messages.senderId, senderId),
          eq(messages.clientMessageId, clientMessageId),
        ),
      )
      .limit(1)
    return row ?? null
  },

  async message(db: DbOrTx, conversationId: string, messageId: string) {
    const [row] = await db
      .select()
      .from(messages)
      .where(and(eq(messages.id, messageId), eq(messages.conversationId, conversationId)))
      .limit(1)
    return row ?? null
  },

  async updateMessage(db: DbOrTx, id: string, set: Partial<typeof messages.$inferInsert>) {
    const [row] = await db.update(messages).set(set).where(eq(messages.id, id)).returning()
    return row!
  },

  async setLastMessage(db: DbOrTx, conversationId: string, messageId: string) {
    await db
      .update(conversations)
      .set({ lastMessageId: messageId })
      .where(
        and(
          eq(conversations.id, conversationId),
          or(isNull(conversations.lastMessageId), lt(conversations.lastMessageId, messageId)),
        ),
      )
  },

  /** Moves a read mark forward only. */
  async markRead(db: DbOrTx, conversationId: string, userId: string, messageId: string) {
    await db
      .update(conversationParticipants)
      .set({ lastReadMessageId: messageId })
      .where(
        and(
          eq(conversationParticipants.conversationId, conversationId),
          eq(conversationParticipants.userId, userId),
          or(
            isNull(conversationParticipants.lastReadMessageId),
            lt(conversationParticipants.lastReadMessageId, messageId),
          ),
        ),
      )
  },
}
