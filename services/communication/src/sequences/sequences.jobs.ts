import { and, eq, inArray, isNull } from 'drizzle-orm'
import { defineJob, newId, scheduleJob, Type, type JobDefinition, type Tx } from '@learnmesh/kernel'
import type { CommunicationDeps } from '../deps.ts'
import { jobs, people, sequenceEnrollments, sequencePauses, unsubscribes } from '../db/schema.ts'
import { queueEmail, quietHoursEnd, settingsOf, unsubscribeToken } from '../notifications/deliver.ts'
import {
  sequenceById,
  sequenceDefinitions,
  sequenceScope,
  type SequenceDefinition,
} from './sequences.definitions.ts'

/** The job that sends (or stops at) one step of one person's sequence. */
export const SEQUENCE_STEP_JOB = 'communication.sequence.step'
/** How long a step of a paused sequence waits before looking again. */
export const PAUSED_RETRY_MS = 6 * 3_600_000

const HOUR_MS = 3_600_000

async function scheduleStep(tx: Tx, enrollmentId: string, step: number, runAt: Date, attempt = '') {
  await scheduleJob(tx, jobs, {
    name: SEQUENCE_STEP_JOB,
    key: `${enrollmentId}:${step}${attempt}`,
    runAt,
    payload: { enrollmentId, step },
  })
}

/** Enrolls a person in every sequence started by `event` (idempotent: once per person and sequence). */
export async function enrollInSequences(
  tx: Tx,
  deps: CommunicationDeps,
  input: { event: SequenceDefinition['startedBy']; orgId: string; userId: string },
): Promise<void> {
  const now = deps.now()
  for (const def of sequenceDefinitions.filter((s) => s.startedBy === input.event)) {
    const id = newId('sqe')
    const inserted = await tx
      .insert(sequenceEnrollments)
      .values({
        id,
        orgId: input.orgId,
        userId: input.userId,
        sequenceId: def.id,
        status: 'active',
        enrolledAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .returning({ id: sequenceEnrollments.id })
    if (inserted.length === 0) continue
    await scheduleStep(tx, id, 0, new Date(now.getTime() + def.steps[0]!.afterHours * HOUR_MS))
  }
}

/** Records that a person reached the goal of the sequences whose goal is `event`: their next step stops them. */
export async function markSequenceGoal(
  tx: Tx,
  deps: CommunicationDeps,
  input: { event: SequenceDefinition['goalEvent']; userId: string },
): Promise<void> {
  const ids = sequenceDefinitions.filter((s) => s.goalEvent === input.event).map((s) => s.id)
  if (ids.length === 0) return
  await tx
    .update(sequenceEnrollments)
    .set({ goalReachedAt: deps.now(), updatedAt: deps.now() })
    .where(
      and(
        eq(sequenceEnrollments.userId, input.userId),
        inArray(sequenceEnrollments.sequenceId, ids),
        eq(sequenceEnrollments.status, 'active'),
        isNull(sequenceEnrollments.goalReachedAt),
      ),
    )
}

/**
 * Sequence steps. When a step fires, the stop conditions are evaluated first: goal reached,
 * unsubscribed from the sequence (or from all email), no address known. A paused sequence's step
 * waits PAUSED_RETRY_MS and looks again (the person keeps their place). Otherwise the step's email
 * is queued (with an unsubscribe link scoped `sequence:<id>`) and the next step scheduled relative
 * to enrollment, or the enrollment completes. The email waits for the end of the person's quiet hours.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function sequenceJobs(deps: CommunicationDeps): JobDefinition<any>[] {
  const { config } = deps
  return [
    defineJob({
      name: SEQUENCE_STEP_JOB,
      payload: Type.Object({ enrollmentId: Type.String(), step: Type.Integer({ minimum: 0 }) }),
      async handle(tx, { enrollmentId, step }) {
        const [e] = await tx
          .select()
          .from(sequenceEnrollments)
          .where(eq(sequenceEnrollments.id, enrollmentId))
          .for('update')
        if (!e || e.status !== 'active' || e.nextStep !== step) return
        const def = sequenceById.get(e.sequenceId)
        const now = deps.now()
        const stop = async (reason: string): Promise<void> => {
          await tx
            .update(sequenceEnrollments)
            .set({ status: 'stopped', stopReason: reason, updatedAt: now })
            .where(eq(sequenceEnrollments.id, e.id))
        }
        if (!def || !def.steps[step]) return stop('retired')
        if (e.goalReachedAt) return stop('goal')
        const unsub = await tx
          .select({ scope: unsubscribes.scope })
          .from(unsubscribes)
          .where(
            and(eq(unsubscribes.userId, e.userId), inArray(unsubscribes.scope, [sequenceScope(def.id), '*'])),
          )
          .limit(1)
        const settings = await settingsOf(tx, e.userId)
        if (unsub.length > 0 || settings.emailOptOut) return stop('unsubscribed')
        const [person] = await tx.select().from(people).where(eq(people.userId, e.userId)).limit(1)
        if (!person) return stop('no_address')
        const [paused] = await tx
          .select()
          .from(sequencePauses)
          .where(and(eq(sequencePauses.orgId, e.orgId), eq(sequencePauses.sequenceId, def.id)))
        if (paused) {
          await scheduleStep(tx, e.id, step, new Date(now.getTime() + PAUSED_RETRY_MS), `:p${now.getTime()}`)
          return
        }
        const s = def.steps[step]!
        await queueEmail(tx, deps, {
          orgId: e.orgId,
          userId: e.userId,
          to: person.email,
          template: `sequence.${def.id}.${step + 1}`,
          sourceKey: e.id,
          sendAfter: quietHoursEnd(now, settings) ?? now,
          content: {
            subject: s.subject,
            name: person.displayName,
            paragraphs: s.paragraphs,
            action: { label: s.action.label, url: `${config.PUBLIC_URL}${s.action.path}` },
            unsubscribeUrl: `${config.PUBLIC_URL}/unsubscribe?token=${unsubscribeToken(config.COMMUNICATION_SECRET, e.userId, sequenceScope(def.id))}`,
          },
        })
        const next = def.steps[step + 1]
        await tx
          .update(sequenceEnrollments)
          .set({ nextStep: step + 1, status: next ? 'active' : 'completed', updatedAt: now })
          .where(eq(sequenceEnrollments.id, e.id))
        if (next) {
          const at = new Date(e.enrolledAt.getTime() + next.afterHours * HOUR_MS)
          await scheduleStep(tx, e.id, step + 1, at > now ? at : now)
        }
      },
    }),
  ]
}
