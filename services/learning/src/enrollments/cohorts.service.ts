import { AppError, newId, notFound, type Principal } from '@learnmesh/kernel'
import type { LearningDeps } from '../deps.ts'
import { requireEditableCourse } from '../shared/access.ts'
import { createEnrollmentsRepository, type CohortRow } from './enrollments.repository.ts'

const repo = createEnrollmentsRepository()

function checkDates(startsAt: Date, endsAt: Date | null): void {
  if (endsAt && endsAt.getTime() <= startsAt.getTime())
    throw new AppError('bad_request', 'endsAt must be after startsAt')
}

/**
 * Cohorts of a course: its instructors and the org's admins create and change them; anyone who
 * can see the course in the catalog may list them (to pick one when enrolling).
 */
export function createCohortsService(deps: LearningDeps) {
  const db = deps.database.db
  return {
    /** Creates a cohort of a course the caller may edit. */
    async create(
      principal: Principal,
      courseId: string,
      input: { name: string; startsAt: string; endsAt?: string | null; capacity?: number | null },
    ): Promise<CohortRow & { seatsTaken: number }> {
      const course = await requireEditableCourse(db, principal, courseId)
      const startsAt = new Date(input.startsAt)
      const endsAt = input.endsAt ? new Date(input.endsAt) : null
      checkDates(startsAt, endsAt)
      const row = await repo.insertCohort(db, {
        id: newId('coh'),
        courseId,
        orgId: course.orgId,
        name: input.name.trim(),
        startsAt,
        endsAt,
        capacity: input.capacity ?? null,
      })
      return { ...row, seatsTaken: 0 }
    },

    /** A course's cohorts: for its editors, or anyone the catalog shows the course to. */
    async list(principal: Principal, courseId: string) {
      const visible = await repo.visibleInCatalog(db, courseId, principal.orgId)
      if (!visible) await requireEditableCourse(db, principal, courseId)
      return repo.listCohorts(db, courseId)
    },

    /** Changes a cohort; capacity may not drop below the seats already taken. */
    async update(
      principal: Principal,
      courseId: string,
      cohortId: string,
      input: { name?: string; startsAt?: string; endsAt?: string | null; capacity?: number | null },
    ): Promise<CohortRow & { seatsTaken: number }> {
      await requireEditableCourse(db, principal, courseId)
      return db.transaction(async (tx) => {
        const cohort = await repo.findCohort(tx, courseId, cohortId, true)
        if (!cohort) throw notFound('Cohort')
        const startsAt = input.startsAt ? new Date(input.startsAt) : cohort.startsAt
        const endsAt =
          input.endsAt === undefined ? cohort.endsAt : input.endsAt ? new Date(input.endsAt) : null
        checkDates(startsAt, endsAt)
        const seatsTaken = await repo.seatsTaken(tx, cohortId)
        if (input.capacity !== undefined && input.capacity !== null && input.capacity < seatsTaken)
          throw new AppError(
            'conflict',
            `Capacity ${input.capacity} is below the ${seatsTaken} seats already taken`,
          )
        const row = await repo.updateCohort(tx, cohortId, {
          ...(input.name !== undefined ? { name: input.name.trim() } : {}),
          startsAt,
          endsAt,
          ...(input.capacity !== undefined ? { capacity: input.capacity } : {}),
        })
        return { ...row, seatsTaken }
      })
    },
  }
}

/** The cohorts service type. */
export type CohortsService = ReturnType<typeof createCohortsService>
