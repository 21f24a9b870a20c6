import pino from 'pino'
import { afterAll, beforeAll } from 'vitest'
import { createJobRunner, newId, type EventHandler } from '@learnmesh/kernel'
import { createTestService, type TestUser } from '@learnmesh/kernel/testing'
import { loadCommunicationConfig } from './config.ts'
import type { CommunicationDeps } from './deps.ts'
import { buildApp } from './app.ts'
import { communicationService } from './service.ts'
import { communicationHandlers } from './consumers.ts'
import { communicationJobs } from './jobs.ts'
import { createMailer } from './email/mailer.ts'
import { createRealtimeHub } from './realtime/hub.ts'
import { emails, lessons, people } from './db/schema.ts'

export type { TestUser }

/** How a test communication is made. */
export interface TestCommunicationOptions {
  /** Config env on top of `PUBLIC_URL`; `SMTP_URL` points it at a test SMTP server (else the dev mailbox). */
  env?: Record<string, string>
  /** Collects every log line when given. */
  logs?: string[]
  /** Where the service's clock starts (default: the real time; see `setNow`). */
  now?: Date
}

/**
 * Test-only: communication as the kernel's createTestService builds a service (an in-memory PGlite
 * copied from the migrated template, tokens from a throwaway signer and the `verifier` that trusts
 * them), plus a clock tests can move, event delivery to the real handlers (`deliver`), and the real
 * job handlers run on demand (`runJobs`). Without `env.SMTP_URL` emails stay in the dev mailbox.
 */
export async function createTestCommunication(options: TestCommunicationOptions = {}) {
  let now: Date | null = options.now ?? null
  const base = await createTestService({
    service: communicationService,
    loadConfig: loadCommunicationConfig,
    deps: (d): CommunicationDeps => ({
      ...d,
      mailer: createMailer(d.config),
      now: () => (now ? new Date(now.getTime()) : new Date()),
      realtime: createRealtimeHub({
        database: d.database,
        logger: d.logger,
        rate: { burst: d.config.CHAT_RATE_BURST, perSecond: d.config.CHAT_RATE_PER_SECOND },
      }),
    }),
    buildApp,
    env: options.env,
    logs: options.logs,
  })
  const { database, deps } = base
  const handlers = communicationHandlers(deps)
  const runner = createJobRunner({
    database,
    schema: 'communication',
    handlers: communicationJobs(deps),
    logger: deps.logger,
    pollMs: 3_600_000,
  })

  /** Delivers an event to communication's handler of its type, in one transaction (as the inbox does). */
  async function deliver(
    type: string,
    orgId: string | null,
    payload: Record<string, unknown>,
    id = newId('evt'),
    occurredAt = new Date().toISOString(),
  ) {
    const h = handlers.find((x: EventHandler) => x.event.type === type)
    if (!h) throw new Error(`communication has no handler for ${type}`)
    const envelope = {
      id,
      type,
      version: 1,
      producer: type.split('.')[0],
      occurredAt,
      orgId,
      traceparent: null,
      payload,
    }
    await database.db.transaction((tx) =>
      h.handle(tx, payload as never, envelope as never, { log: pino({ level: 'silent' }) }),
    )
    return id
  }

  /** A person communication knows (as identity.user.registered would have told it). */
  async function person(u: TestUser, displayName = 'Lea Learner', email = `${u.userId}@example.test`) {
    await database.db
      .insert(people)
      .values({ userId: u.userId, orgId: u.orgId, displayName, email })
      .onConflictDoNothing()
    return email
  }

  /**
   * A cast of named people in one organization (a fresh one unless given), each a TestUser with
   * the given roles and known to communication by that name: `cast({ lea: ['learner', 'Lea Learner'] })`.
   */
  async function cast<K extends string>(
    members: Record<K, [role: string, name: string]>,
    orgId: string = newId('org'),
  ): Promise<Record<K, TestUser> & { orgId: string }> {
    const users: Partial<Record<K, TestUser>> = {}
    for (const [key, [role, name]] of Object.entries(members) as [K, [string, string]][]) {
      const u = base.user([role], orgId)
      await person(u, name)
      users[key] = u
    }
    return { ...(users as Record<K, TestUser>), orgId }
  }

  /** A booked lesson between a tutor and a learner (as tutoring.lesson.booked would have told it): chat contacts. */
  async function lesson(tutor: TestUser, learner: TestUser) {
    const startsAt = new Date(Date.now() + 86_400_000)
    await database.db.insert(lessons).values({
      bookingId: newId('bkg'),
      orgId: tutor.orgId,
      tutorUserId: tutor.userId,
      learnerId: learner.userId,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 3_600_000),
      status: 'booked',
    })
  }

  /**
   * Delivers learning.course.published: `instructor` owns and teaches `courseId` of their org.
   * Returns the course id (a new one unless given).
   */
  async function publishCourse(
    instructor: TestUser,
    course: { courseId?: string; title?: string; slug?: string } = {},
  ) {
    const courseId = course.courseId ?? newId('crs')
    await deliver('learning.course.published', instructor.orgId, {
      courseId,
      version: 1,
      slug: course.slug ?? 'algebra',
      title: course.title ?? 'Algebra I',
      visibility: 'org',
      ownerId: instructor.userId,
      instructorIds: [instructor.userId],
      priceMinor: 0,
      currency: 'EUR',
      publishedBy: instructor.userId,
    })
    return courseId
  }

  /**
   * Delivers learning.enrollment.created: `learner` enrolled (free) in `courseId` of their org
   * (a new enrollment id and now, unless given).
   */
  async function enroll(
    learner: TestUser,
    courseId: string,
    opts: { enrollmentId?: string; occurredAt?: string } = {},
  ) {
    return deliver(
      'learning.enrollment.created',
      learner.orgId,
      {
        enrollmentId: opts.enrollmentId ?? newId('enr'),
        courseId,
        userId: learner.userId,
        courseVersion: 1,
        source: 'free',
        sourceRef: null,
        cohortId: null,
        expiresAt: null,
      },
      newId('evt'),
      opts.occurredAt,
    )
  }

  /** Delivers learning.enrollment.revoked of `enrollmentId` (at `occurredAt`, default now). */
  async function revoke(learner: TestUser, courseId: string, enrollmentId: string, occurredAt?: string) {
    return deliver(
      'learning.enrollment.revoked',
      learner.orgId,
      { enrollmentId, courseId, userId: learner.userId, reason: 'admin' },
      newId('evt'),
      occurredAt,
    )
  }

  return {
    ...base,
    deliver,
    person,
    cast,
    lesson,
    publishCourse,
    enroll,
    revoke,
    /** Moves the service's clock (null: the real time again). */
    setNow(d: Date | null) {
      now = d
    },
    /** Runs every due job (email sending, reminders, digests) with the real handlers. */
    runJobs: () => runner.runDue(),
    /** Every stored email, oldest first. */
    emails: async () => (await database.db.select().from(emails)).sort((a, b) => a.id.localeCompare(b.id)),
    /** Stops the live events, the job runner and the mailer, then closes the app and the database. */
    async close() {
      deps.realtime.close()
      await runner.stop()
      deps.mailer.close()
      await base.close()
    },
  }
}

/** What createTestCommunication returns. */
export type TestCommunication = Awaited<ReturnType<typeof createTestCommunication>>

/**
 * Registers beforeAll/afterAll around a kit made by `create` (a test communication, or a server it
 * talks to: anything with `close()`), and returns a stand-in for it: its properties read through to
 * the kit once beforeAll has built it (using it outside the tests and hooks throws). Vitest stacks
 * the hooks: kits are made in the order they are used and closed in the reverse order.
 */
export function useTestKit<Kit extends { close(): Promise<void> }>(create: () => Promise<Kit>): Kit {
  let kit: Kit | undefined
  beforeAll(async () => {
    kit = await create()
  })
  afterAll(async () => {
    const closing = kit
    kit = undefined
    await closing?.close()
  })
  return new Proxy({} as Kit, {
    get(_target, key) {
      if (kit) return Reflect.get(kit, key)
      if (typeof key === 'symbol' || key === 'then') return undefined
      throw new Error(`the test kit is used outside its tests and hooks (reading ${key})`)
    },
  })
}

/**
 * A test communication for the enclosing describe (or file): made in beforeAll from `options`
 * (a function is called then, so it may read what earlier beforeAll hooks made), closed in afterAll.
 */
export function useTestCommunication(
  options: TestCommunicationOptions | (() => TestCommunicationOptions) = {},
): TestCommunication {
  return useTestKit(() => createTestCommunication(typeof options === 'function' ? options() : options))
}

/** `seconds` from now, as an event's occurredAt. */
export const at = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString()
