import { and, count, eq } from 'drizzle-orm'
import { AppError, type Principal } from '@learnmesh/kernel'
import type { CommunicationDeps } from '../deps.ts'
import { sequenceEnrollments, sequencePauses } from '../db/schema.ts'
import { sequenceById, sequenceDefinitions, type SequenceDefinition } from './sequences.definitions.ts'

/** Sequences as an org admin sees them: steps, pause state, this org's enrollment counts. */
export function createSequencesService(deps: CommunicationDeps) {
  const { db } = deps.database

  async function present(orgId: string, def: SequenceDefinition) {
    const counts = await db
      .select({ status: sequenceEnrollments.status, n: count() })
      .from(sequenceEnrollments)
      .where(and(eq(sequenceEnrollments.orgId, orgId), eq(sequenceEnrollments.sequenceId, def.id)))
      .groupBy(sequenceEnrollments.status)
    const [pause] = await db
      .select()
      .from(sequencePauses)
      .where(and(eq(sequencePauses.orgId, orgId), eq(sequencePauses.sequenceId, def.id)))
    const by = (s: string) => Number(counts.find((c) => c.status === s)?.n ?? 0)
    return {
      id: def.id,
      label: def.label,
      startedBy: def.startedBy,
      goalEvent: def.goalEvent,
      steps: def.steps.map((s, i) => ({ step: i + 1, afterHours: s.afterHours, subject: s.subject })),
      paused: Boolean(pause),
      pausedAt: pause?.pausedAt.toISOString() ?? null,
      enrollments: { active: by('active'), completed: by('completed'), stopped: by('stopped') },
    }
  }

  function definition(id: string): SequenceDefinition {
    const def = sequenceById.get(id)
    if (!def) throw new AppError('not_found', 'Sequence not found')
    return def
  }

  return {
    /** Every sequence with this org's counts. */
    async list(p: Principal) {
      return { items: await Promise.all(sequenceDefinitions.map((d) => present(p.orgId, d))) }
    },

    /** Pauses a sequence for this org: due steps wait (people keep their place). Idempotent. */
    async pause(p: Principal, id: string) {
      const def = definition(id)
      await db
        .insert(sequencePauses)
        .values({ orgId: p.orgId, sequenceId: def.id, pausedBy: p.userId, pausedAt: deps.now() })
        .onConflictDoNothing()
      return present(p.orgId, def)
    },

    /** Resumes a paused sequence (waiting steps go out at their next look). Idempotent. */
    async resume(p: Principal, id: string) {
      const def = definition(id)
      await db
        .delete(sequencePauses)
        .where(and(eq(sequencePauses.orgId, p.orgId), eq(sequencePauses.sequenceId, def.id)))
      return present(p.orgId, def)
    },
  }
}
