import pino from 'pino'
import { newId, type Database, type EventHandler } from '@learnmesh/kernel'
import { createTestService, type TestUser } from '@learnmesh/kernel/testing'
import { loadTutoringConfig } from './config.ts'
import type { TutoringDeps } from './deps.ts'
import { buildApp } from './app.ts'
import { tutoringService } from './service.ts'
import { tutoringHandlers } from './consumers.ts'
import { availabilityRules, tutorLanguages, tutorProfiles, tutorSubjects } from './db/schema.ts'

export type { TestUser }

/**
 * Test-only: tutoring on an in-memory PGlite copied from the migrated template, tokens from a
 * throwaway signer, a clock tests can move (`setNow`), event delivery to the real handlers
 * (`deliver`) and factories that put rows straight into the tables (so one area's tests do not
 * depend on another area's routes). `logs` collects every log line when given.
 */
export async function createTestTutoring(
  options: { env?: Record<string, string>; logs?: string[]; now?: Date; database?: Database } = {},
) {
  let now: Date | null = options.now ?? null
  const base = await createTestService({
    service: tutoringService,
    loadConfig: loadTutoringConfig,
    deps: (d): TutoringDeps => ({ ...d, now: () => (now ? new Date(now.getTime()) : new Date()) }),
    buildApp,
    env: options.env,
    logs: options.logs,
    database: options.database,
  })
  const { database, deps, user } = base
  const handlers = tutoringHandlers(deps)

  /** Delivers an event to tutoring's handler of its type, in one transaction (as the inbox does). */
  async function deliver(type: string, orgId: string | null, payload: Record<string, unknown>) {
    const h = handlers.find((x: EventHandler) => x.event.type === type)
    if (!h) throw new Error(`tutoring has no handler for ${type}`)
    const envelope = {
      id: newId('evt'),
      type,
      version: 1,
      producer: type.split('.')[0],
      occurredAt: new Date().toISOString(),
      orgId,
      traceparent: null,
      payload,
    }
    await database.db.transaction((tx) =>
      h.handle(tx, payload as never, envelope as never, { log: pino({ level: 'silent' }) }),
    )
  }

  /**
   * A listed tutor profile for `u` (default: a new tutor of org A), straight into the tables:
   * Europe/Paris, 40.00 EUR an hour, 30/60-minute lessons, teaching mathematics (all levels) in
   * English, available Monday–Friday 09:00–17:00 local time unless `weekly` says otherwise.
   */
  async function tutor(
    opts: {
      user?: TestUser
      timeZone?: string
      hourlyRateMinor?: number
      currency?: string
      lessonMinutes?: number[]
      bufferMinutes?: number
      subjects?: { subject: string; levels: string[] }[]
      languages?: string[]
      weekly?: { weekday: number; startMinute: number; endMinute: number }[]
      status?: string
      verificationStatus?: string
      trialMinutes?: number | null
      displayName?: string
    } = {},
  ) {
    const u = opts.user ?? user(['tutor'])
    const id = newId('tut')
    await database.db.insert(tutorProfiles).values({
      id,
      orgId: u.orgId,
      userId: u.userId,
      displayName: opts.displayName ?? 'Theo Tutor',
      headline: 'Maths made clear',
      timeZone: opts.timeZone ?? 'Europe/Paris',
      currency: opts.currency ?? 'EUR',
      hourlyRateMinor: opts.hourlyRateMinor ?? 4000,
      lessonMinutes: opts.lessonMinutes ?? [30, 60],
      bufferMinutes: opts.bufferMinutes ?? 0,
      status: opts.status ?? 'listed',
      verificationStatus: opts.verificationStatus ?? 'verified',
      trialMinutes: opts.trialMinutes === undefined ? 30 : opts.trialMinutes,
    })
    for (const s of opts.subjects ?? [
      { subject: 'mathematics', levels: ['beginner', 'intermediate', 'advanced'] },
    ]) {
      await database.db.insert(tutorSubjects).values({ tutorId: id, orgId: u.orgId, ...s })
    }
    for (const language of opts.languages ?? ['en']) {
      await database.db.insert(tutorLanguages).values({ tutorId: id, orgId: u.orgId, language })
    }
    const weekly =
      opts.weekly ?? [1, 2, 3, 4, 5].map((weekday) => ({ weekday, startMinute: 9 * 60, endMinute: 17 * 60 }))
    for (const w of weekly) {
      await database.db
        .insert(availabilityRules)
        .values({ id: newId('avr'), tutorId: id, orgId: u.orgId, ...w })
    }
    return { tutorId: id, user: u }
  }

  return {
    ...base,
    deliver,
    tutor,
    /** Moves the service's clock (null: the real time again). */
    setNow(d: Date | null) {
      now = d
    },
  }
}

/** What createTestTutoring returns. */
export type TestTutoring = Awaited<ReturnType<typeof createTestTutoring>>
