import pino from 'pino'
import {
  createJobRunner,
  newId,
  type App,
  type Database,
  type EventHandler,
  type Logger,
} from '@learnmesh/kernel'
import {
  createTestDatabase,
  createTestLogger,
  createTestPrincipals,
  type TestUser,
} from '@learnmesh/kernel/testing'
import { loadCommunicationConfig, type CommunicationConfig } from './config.ts'
import type { CommunicationDeps } from './deps.ts'
import { buildApp } from './app.ts'
import { communicationService } from './service.ts'
import { communicationHandlers } from './consumers.ts'
import { communicationJobs } from './jobs.ts'
import { createMailer } from './email/mailer.ts'
import { createRealtimeHub } from './realtime/hub.ts'
import { emails, lessons, people } from './db/schema.ts'

export type { TestUser }

/**
 * Test-only: communication on an in-memory PGlite copied from the migrated template, a clock tests
 * can move, event delivery to the real handlers (`deliver`), and the real job handlers run on demand
 * (`runJobs`). `env.SMTP_URL` points it at a test SMTP server; without it emails stay in the dev mailbox.
 */
export async function createTestCommunication(
  options: { env?: Record<string, string>; logs?: string[]; now?: Date } = {},
) {
  const database: Database = await createTestDatabase(communicationService.migrations)
  const config: CommunicationConfig = loadCommunicationConfig({
    PUBLIC_URL: 'http://web.test',
    ...options.env,
  })
  const logger: Logger = createTestLogger('communication', options.logs)
  const principals = await createTestPrincipals()
  let now: Date | null = options.now ?? null
  const mailer = createMailer(config)
  const deps: CommunicationDeps = {
    database,
    config,
    logger,
    wakeRelay: () => {},
    mailer,
    now: () => (now ? new Date(now.getTime()) : new Date()),
    realtime: createRealtimeHub({
      database,
      logger,
      rate: { burst: config.CHAT_RATE_BURST, perSecond: config.CHAT_RATE_PER_SECOND },
    }),
  }
  const app: App = await buildApp(deps, { verifier: principals.verifier })
  await app.ready()
  const handlers = communicationHandlers(deps)
  const runner = createJobRunner({
    database,
    schema: 'communication',
    handlers: communicationJobs(deps),
    logger,
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
      const u = principals.user([role], orgId)
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
    app,
    database,
    db: database.db,
    config,
    deps,
    orgA: principals.orgA,
    orgB: principals.orgB,
    user: principals.user,
    call: principals.caller(app),
    /** Signs access tokens and verifies them (socket handshakes). */
    principals,
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
    async close() {
      deps.realtime.close()
      await runner.stop()
      mailer.close()
      await app.close()
      await database.close()
    },
  }
}

/** What createTestCommunication returns. */
export type TestCommunication = Awaited<ReturnType<typeof createTestCommunication>>

/** `seconds` from now, as an event's occurredAt. */
export const at = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString()
