import {
  AppError,
  newId,
  notFound,
  outboxWritten,
  prepareEvent,
  txQuery,
  writeEvent,
  type Principal,
  type RawStatement,
  type Tx,
} from '@learnmesh/kernel'
import { learningEnrollmentCreated, learningEnrollmentRevoked } from '@learnmesh/contracts'
import { outbox } from '../db/schema.ts'
import type { LearningDeps } from '../deps.ts'
import { isCourseAdmin, requireEditableCourse } from '../shared/access.ts'
import {
  createEnrollmentsRepository,
  type CohortRow,
  type EnrollmentRow,
  type EnrollmentView,
} from './enrollments.repository.ts'
import {
  covers,
  createSubscriptionAccessRepository,
} from '../subscriptions/subscription-access.repository.ts'

const repo = createEnrollmentsRepository()
const accessRepo = createSubscriptionAccessRepository()

/** Where an enrollment came from (enrollments.source). */
export type EnrollmentSource = 'free' | 'order' | 'grant' | 'subscription'

/** What creating (or reactivating) an enrollment needs. */
export interface EnrollInput {
  userId: string
  /** The learner's organization: the enrollment row belongs to it. */
  orgId: string
  courseId: string
  /** The course version to pin. */
  version: number
  source: EnrollmentSource
  sourceRef: string | null
  cohortId?: string | null
  expiresAt?: Date | null
  /**
   * `never`: an existing revoked or expired enrollment is a 409 (a learner cannot undo an admin's
   * revocation by enrolling again); `always`: it is reactivated (admin grant, a new paid order).
   */
  reactivate: 'never' | 'always'
  traceparent: string | null
}

/** What enroll() did. */
export interface EnrollResult {
  enrollment: EnrollmentRow
  /** True when access was created or restored (an event was written); false for an existing one. */
  changed: boolean
}

/** Throws unless a cohort of the course has a free seat (locks the cohort row to serialize seat taking). */
async function takeSeat(tx: Tx, courseId: string, cohortId: string, except?: string): Promise<CohortRow> {
  const cohort = await repo.findCohort(tx, courseId, cohortId, true)
  if (!cohort) throw notFound('Cohort')
  if (cohort.capacity !== null) {
    const taken = await repo.seatsTaken(tx, cohortId, except)
    if (taken >= cohort.capacity)
      throw new AppError('conflict', `Cohort "${cohort.name}" is full (${cohort.capacity} seats)`)
  }
  return cohort
}

function isExpired(row: EnrollmentRow, now = new Date()): boolean {
  return !!row.expiresAt && row.expiresAt.getTime() <= now.getTime()
}

/**
 * Creates a learner's enrollment inside the caller's transaction, or returns the existing one.
 * (course, user) is unique: a concurrent insert that loses the race returns the winner's row.
 * Writes learning.enrollment.created and bumps the catalog's enrollment count for a new row;
 * a reactivation writes the event again (access was restored) but does not count twice.
 */
export async function enroll(tx: Tx, input: EnrollInput): Promise<EnrollResult> {
  if (!input.cohortId) {
    const fresh = await enrollNew(tx, input)
    if (fresh) return { enrollment: fresh, changed: true }
    // (course, user) exists, or a concurrent enrollment just won: the general path below decides.
  }
  const existing = await repo.findByCourseUser(tx, input.courseId, input.userId, true)
  if (existing) {
    if (existing.orgId !== input.orgId)
      throw new AppError('conflict', 'Already enrolled in this course through another organization')
    const usable = existing.status === 'active' && !isExpired(existing)
    // Access through a subscription ends with it: a purchase or a grant replaces it (source, expiry).
    const upgrade =
      existing.source === 'subscription' && (input.source === 'order' || input.source === 'grant')
    if (usable && !upgrade) return { enrollment: existing, changed: false }
    if (!usable && input.reactivate === 'never')
      throw new AppError(
        'conflict',
        existing.status === 'revoked'
          ? 'Your enrollment in this course was revoked; ask an administrator to restore it'
          : 'Your access to this course expired; ask an administrator to extend it',
      )
    const cohortId = input.cohortId === undefined ? existing.cohortId : input.cohortId
    if (cohortId) await takeSeat(tx, input.courseId, cohortId, existing.id)
    const row = await repo.update(tx, existing.id, {
      status: 'active',
      revokedAt: null,
      version: input.version,
      source: input.source,
      sourceRef: input.sourceRef,
      cohortId,
      expiresAt: input.expiresAt ?? null,
    })
    await created(tx, row, input.traceparent)
    return { enrollment: row, changed: true }
  }
  if (input.cohortId) await takeSeat(tx, input.courseId, input.cohortId)
  const row = await repo.insert(tx, newRow(input))
  if (!row) {
    // Lost a race with a concurrent enrollment of the same (course, user): theirs stands.
    const winner = await repo.findByCourseUser(tx, input.courseId, input.userId)
    if (!winner || winner.orgId !== input.orgId)
      throw new AppError('conflict', 'Already enrolled in this course through another organization')
    return { enrollment: winner, changed: false }
  }
  await repo.bumpEnrollmentCount(tx, input.courseId)
  await created(tx, row, input.traceparent)
  return { enrollment: row, changed: true }
}

function createdEvent(
  row: Pick<
    EnrollmentRow,
    'id' | 'orgId' | 'courseId' | 'userId' | 'version' | 'source' | 'sourceRef' | 'cohortId' | 'expiresAt'
  >,
  traceparent: string | null,
) {
  return {
    aggregateId: row.id,
    orgId: row.orgId,
    traceparent,
    payload: {
      enrollmentId: row.id,
      courseId: row.courseId,
      userId: row.userId,
      courseVersion: row.version,
      source: row.source as EnrollmentSource,
      sourceRef: row.sourceRef,
      cohortId: row.cohortId,
      expiresAt: row.expiresAt?.toISOString() ?? null,
    },
  }
}

async function created(tx: Tx, row: EnrollmentRow, traceparent: string | null): Promise<void> {
  await writeEvent(tx, outbox, learningEnrollmentCreated, createdEvent(row, traceparent))
}

/**
 * A new enrollment without a cohort (free, paid, granted, subscription) in ONE statement: the row,
 * the catalog's enrollment count and learning.enrollment.created, all only if (course, user) was
 * free. The hot path of every checkout (learning's consumer of commerce.order.paid): one round trip
 * instead of four (look up, insert, count, event). Anything else (an existing row to reactivate or
 * keep, a cohort seat) returns undefined and takes the general path.
 */
const insertNewEnrollment: RawStatement = {
  name: 'learning_enrollment_insert_new',
  text: `with ins as (
    insert into learning.enrollments (id, org_id, course_id, user_id, version, source, source_ref, expires_at)
    values ($1, $2, $3, $4, $5::int, $6, $7, $8::timestamptz)
    on conflict do nothing
    returning enrolled_at
  ), counted as (
    update learning.catalog_entries set enrollment_count = enrollment_count + 1
    where course_id = $3 and exists (select 1 from ins)
  ), event as (
    insert into learning.outbox (id, type, version, aggregate_id, org_id, envelope)
    select $9, $10, $11::int, $12, $13, $14::jsonb from ins
  )
  select enrolled_at from ins`,
}

/** A new enrollment's own values (the database fills in the rest). */
function newRow(input: EnrollInput) {
  return {
    id: newId('enr'),
    orgId: input.orgId,
    courseId: input.courseId,
    userId: input.userId,
    version: input.version,
    source: input.source,
    sourceRef: input.sourceRef,
    cohortId: input.cohortId ?? null,
    expiresAt: input.expiresAt ?? null,
  }
}

async function enrollNew(tx: Tx, input: EnrollInput): Promise<EnrollmentRow | undefined> {
  const row = newRow(input) // no cohort on this path
  const event = prepareEvent(outbox, learningEnrollmentCreated, createdEvent(row, input.traceparent))
  const e = event.row
  const [inserted] = await txQuery<{ enrolled_at: Date | string }>(tx, insertNewEnrollment, [
    row.id,
    row.orgId,
    row.courseId,
    row.userId,
    row.version,
    row.source,
    row.sourceRef,
    row.expiresAt?.toISOString() ?? null,
    e.id,
    e.type,
    e.version,
    e.aggregateId,
    e.orgId,
    JSON.stringify(e.envelope),
  ])
  if (!inserted) return undefined
  await outboxWritten(tx, event.channel)
  return {
    ...row,
    status: 'active',
    enrolledAt: new Date(inserted.enrolled_at),
    revokedAt: null,
    completedAt: null,
    progressPercent: 0,
    lastLessonId: null,
    lastActivityAt: null,
  }
}

/** Revokes an active enrollment inside the caller's transaction and writes learning.enrollment.revoked. */
export async function revoke(
  tx: Tx,
  row: EnrollmentRow,
  reason: 'admin' | 'refund',
  traceparent: string | null,
): Promise<EnrollmentRow> {
  if (row.status === 'revoked') return row
  const updated = await repo.update(tx, row.id, { status: 'revoked', revokedAt: new Date() })
  await writeEvent(tx, outbox, learningEnrollmentRevoked, {
    aggregateId: row.id,
    orgId: row.orgId,
    traceparent,
    payload: { enrollmentId: row.id, courseId: row.courseId, userId: row.userId, reason },
  })
  return updated
}

function requireAdmin(principal: Principal): void {
  if (!isCourseAdmin(principal))
    throw new AppError('forbidden', 'Managing enrollments needs the org_admin role')
}

/**
 * Enrollments: learners enroll in free courses and read their own; org admins grant, revoke and
 * change enrollments of their organization; instructors and admins read a course's roster.
 * Another organization's enrollment or private course is a 404.
 */
export function createEnrollmentsService(deps: LearningDeps) {
  const { database, wakeRelay } = deps
  const db = database.db

  async function viewOrThrow(orgId: string, id: string): Promise<EnrollmentView> {
    const row = await repo.view(db, orgId, id)
    if (!row) throw notFound('Enrollment')
    return row
  }

  return {
    /**
     * Self-enrollment in a free, published course visible to the caller. Returns the enrollment
     * and whether it was created (201) or already existed (200).
     */
    async enrollSelf(
      principal: Principal,
      input: { courseId: string; cohortId?: string },
      meta: { traceparent: string | null },
    ): Promise<{ enrollment: EnrollmentView; created: boolean }> {
      const result = await db.transaction(async (tx) => {
        const target = await repo.findTarget(tx, input.courseId)
        const visible =
          !!target &&
          target.publishedVersion > 0 &&
          (target.visibility === 'public' || target.orgId === principal.orgId)
        if (!target || !visible) throw notFound('Course')
        const existing = await repo.findByCourseUser(tx, input.courseId, principal.userId)
        if (
          existing &&
          existing.orgId === principal.orgId &&
          existing.status === 'active' &&
          !isExpired(existing)
        )
          return { enrollment: existing, changed: false }
        if (target.status === 'archived')
          throw new AppError('gone', 'This course was archived and takes no new enrollments')
        if (!target.listed || target.status !== 'published') throw notFound('Course')
        if (target.priceMinor > 0) {
          // A live subscription of the caller's org whose plan covers the course enrolls without a purchase.
          const access = (await accessRepo.liveFor(tx, principal.orgId, principal.userId, new Date())).find(
            (a) => covers(a, target),
          )
          if (access) {
            if (existing?.status === 'revoked')
              throw new AppError(
                'conflict',
                'Your enrollment in this course was revoked; ask an administrator to restore it',
              )
            return enroll(tx, {
              userId: principal.userId,
              orgId: principal.orgId,
              courseId: input.courseId,
              version: target.publishedVersion,
              source: 'subscription',
              sourceRef: access.subscriptionId,
              cohortId: input.cohortId ?? null,
              expiresAt: access.activeUntil,
              reactivate: 'always',
              traceparent: meta.traceparent,
            })
          }
          throw new AppError(
            'forbidden',
            `This course costs ${(target.priceMinor / 100).toFixed(2)} ${target.currency}: buy it to enroll`,
            { purchaseRequired: true, priceMinor: target.priceMinor, currency: target.currency },
          )
        }
        return enroll(tx, {
          userId: principal.userId,
          orgId: principal.orgId,
          courseId: input.courseId,
          version: target.publishedVersion,
          source: 'free',
          sourceRef: null,
          cohortId: input.cohortId ?? null,
          reactivate: 'never',
          traceparent: meta.traceparent,
        })
      })
      if (result.changed) wakeRelay()
      return { enrollment: await viewOrThrow(principal.orgId, result.enrollment.id), created: result.changed }
    },

    /** An org admin gives a user of their organization access to one of its published courses. */
    async grant(
      principal: Principal,
      input: { userId: string; courseId: string; expiresAt?: string | null; cohortId?: string | null },
      meta: { traceparent: string | null },
    ): Promise<{ enrollment: EnrollmentView; created: boolean }> {
      requireAdmin(principal)
      const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null
      if (expiresAt && expiresAt.getTime() <= Date.now())
        throw new AppError('bad_request', 'expiresAt must be in the future')
      const result = await db.transaction(async (tx) => {
        const target = await repo.findTarget(tx, input.courseId)
        if (!target || target.orgId !== principal.orgId) throw notFound('Course')
        if (target.status === 'archived')
          throw new AppError('gone', 'This course was archived and takes no new enrollments')
        if (target.publishedVersion === 0 || target.status !== 'published')
          throw new AppError('unprocessable', 'Only a published course can be granted')
        return enroll(tx, {
          userId: input.userId,
          orgId: principal.orgId,
          courseId: input.courseId,
          version: target.publishedVersion,
          source: 'grant',
          sourceRef: principal.userId,
          ...(input.cohortId !== undefined ? { cohortId: input.cohortId } : {}),
          expiresAt,
          reactivate: 'always',
          traceparent: meta.traceparent,
        })
      })
      if (result.changed) wakeRelay()
      return { enrollment: await viewOrThrow(principal.orgId, result.enrollment.id), created: result.changed }
    },

    /** An org admin revokes an enrollment of their organization (idempotent). */
    async revokeByAdmin(
      principal: Principal,
      id: string,
      meta: { traceparent: string | null },
    ): Promise<EnrollmentView> {
      requireAdmin(principal)
      let changed = false
      await db.transaction(async (tx) => {
        const row = await repo.findInOrg(tx, principal.orgId, id, true)
        if (!row) throw notFound('Enrollment')
        changed = row.status !== 'revoked'
        await revoke(tx, row, 'admin', meta.traceparent)
      })
      if (changed) wakeRelay()
      return viewOrThrow(principal.orgId, id)
    },

    /** An org admin changes an enrollment's expiry and/or cohort. */
    async update(
      principal: Principal,
      id: string,
      input: { expiresAt?: string | null; cohortId?: string | null },
    ): Promise<EnrollmentView> {
      requireAdmin(principal)
      await db.transaction(async (tx) => {
        const row = await repo.findInOrg(tx, principal.orgId, id, true)
        if (!row) throw notFound('Enrollment')
        const set: { expiresAt?: Date | null; cohortId?: string | null } = {}
        if (input.expiresAt !== undefined) set.expiresAt = input.expiresAt ? new Date(input.expiresAt) : null
        if (input.cohortId !== undefined && input.cohortId !== row.cohortId) {
          if (input.cohortId && row.status === 'active')
            await takeSeat(tx, row.courseId, input.cohortId, row.id)
          else if (input.cohortId && !(await repo.findCohort(tx, row.courseId, input.cohortId)))
            throw notFound('Cohort')
          set.cohortId = input.cohortId
        }
        if (Object.keys(set).length) await repo.update(tx, row.id, set)
      })
      return viewOrThrow(principal.orgId, id)
    },

    /** The caller's enrollments in their organization, newest first. */
    async listMine(principal: Principal, options: { limit: number; before?: string }) {
      return repo.listForUser(db, principal.orgId, principal.userId, options)
    },

    /** One enrollment: the caller's own, or any of their organization's for an org admin. */
    async get(principal: Principal, id: string): Promise<EnrollmentView> {
      const row = await viewOrThrow(principal.orgId, id)
      if (row.userId !== principal.userId && !isCourseAdmin(principal)) throw notFound('Enrollment')
      return row
    },

    /** A page of a course's roster: its instructors and the org's admins only (others 404). */
    async roster(principal: Principal, courseId: string, options: { limit: number; after?: string }) {
      await requireEditableCourse(db, principal, courseId)
      return repo.roster(db, principal.orgId, courseId, options)
    },
  }
}

/** The enrollments service type. */
export type EnrollmentsService = ReturnType<typeof createEnrollmentsService>
