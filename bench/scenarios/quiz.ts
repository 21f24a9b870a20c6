// `quiz`: a timed quiz taken by a whole cohort at once, the load that reportedly breaks Moodle
// deployments. Real PostgreSQL (a private database, dropped afterwards), RabbitMQ (a private
// prefix, deleted afterwards), the learning service and the gateway as their own processes in
// cluster mode, and access tokens signed here with a key served as a JWKS over HTTP.
//
// Phases (open loop: requests leave on schedule, whatever the previous answers took):
//   start   — every learner starts the quiz, spread over BENCH_QUIZ_RAMP seconds
//   answer  — every learner saves one answer per second for BENCH_QUIZ_SECONDS (2,000 learners = 2,000 saves/s)
//   submit  — every learner submits, spread over BENCH_QUIZ_RAMP seconds (graded on the server)
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { Pool } from 'undici'
import { newId } from '@learnmesh/kernel'
import { postgresAvailable, rabbitAvailable } from '@learnmesh/kernel/testing'
import { learningService } from '@learnmesh/learning'
import { startServer, type ServerChild } from '../lib/children.ts'
import { intFromEnv } from '../lib/env.ts'
import {
  cleanUpServiceTopology,
  createBenchDatabase,
  gatewayEnv,
  serviceEnv,
  skippedScenario,
  startBenchIssuer,
  type BenchIssuer,
} from '../lib/platform.ts'
import {
  benchPrefix,
  fixed,
  int,
  loadNote,
  printScenario,
  quantile,
  type EventScenario,
  type EventTargetResult,
} from '../events/report.ts'

/** Questions in the bank, and drawn per attempt. */
const BANK_SIZE = 40
const DRAW = 20
const P99_MAX_MS = 100
/** A request not answered within this is an error (and abandoned). */
const REQUEST_TIMEOUT_MS = 10_000
/** Learners who take the quiz before the measurement, unmeasured. */
const WARMUP = 100

const labels = {
  p99: `every request p99 < ${P99_MAX_MS} ms (start, answer, submit, through the gateway)`,
  errors: 'zero errors (every response 2xx, every learner graded)',
}

interface Sample {
  ms: number
  status: number
}
interface AttemptView {
  id: string
  questions: { id: string; type: string; options: { id: string }[] }[]
}

const WORDS = ['photosynthesis', 'mitochondria', 'Paris', 'osmosis', 'entropy', 'gravity']

/** A plausible answer to a question, by type (learners change their minds: later saves overwrite). */
function answerFor(q: AttemptView['questions'][number], n: number): unknown {
  switch (q.type) {
    case 'single_choice':
      return q.options[n % q.options.length]!.id
    case 'multiple_choice':
      return q.options.filter((_, i) => (i + n) % 2 === 0).map((o) => o.id)
    case 'true_false':
      return n % 2 === 0
    case 'numeric':
      return 40 + (n % 5)
    default:
      return WORDS[n % WORDS.length]
  }
}

function summarize(samples: Sample[]) {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b)
  return {
    count: samples.length,
    errors: samples.filter((s) => s.status < 200 || s.status >= 300).length,
    p50: quantile(ms, 0.5),
    p90: quantile(ms, 0.9),
    p99: quantile(ms, 0.99),
    max: ms.length ? ms[ms.length - 1]! : Number.NaN,
  }
}

/** Seeds the course (a text lesson then the quiz lesson), the bank, the quiz and the enrollments. */
async function seed(url: string, learners: string[], orgId: string, timeLimitSeconds: number) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const courseId = newId('crs')
    const quizId = newId('quz')
    const owner = newId('usr')
    const snapshot = {
      courseId,
      version: 1,
      title: 'Bench course',
      subtitle: '',
      description: '',
      level: 'beginner',
      language: 'en',
      categoryId: null,
      tags: [],
      instructorIds: [owner],
      sections: [
        {
          id: newId('sec'),
          title: 'Week 1',
          lessons: [
            // Two lessons, so passing the quiz does not complete the course (no certificate work here).
            {
              id: newId('les'),
              title: 'Read',
              type: 'text',
              durationSeconds: 0,
              content: { type: 'text', markdown: '# Read me' },
              prerequisiteIds: [],
              isPreview: false,
            },
            {
              id: newId('les'),
              title: 'Midterm',
              type: 'quiz',
              durationSeconds: 0,
              content: { type: 'quiz', quizId },
              prerequisiteIds: [],
              isPreview: false,
            },
          ],
        },
      ],
    }
    await client.query('begin')
    await client.query(
      `insert into learning.courses (id, org_id, slug, title, owner_id, status, published_version, has_unpublished_changes)
       values ($1, $2, 'bench-course', 'Bench course', $3, 'published', 1, false)`,
      [courseId, orgId, owner],
    )
    await client.query(
      `insert into learning.course_versions (course_id, version, org_id, snapshot, published_by) values ($1, 1, $2, $3, $4)`,
      [courseId, orgId, JSON.stringify(snapshot), owner],
    )
    const types = ['single_choice', 'multiple_choice', 'true_false', 'numeric', 'short_text']
    const options = ['a', 'b', 'c', 'd'].map((id) => ({ id, text: `Option ${id.toUpperCase()}` }))
    for (let i = 0; i < BANK_SIZE; i++) {
      const type = types[i % types.length]!
      const choice = type.endsWith('choice')
      const answer =
        type === 'single_choice'
          ? { optionIds: ['a'] }
          : type === 'multiple_choice'
            ? { optionIds: ['a', 'c'] }
            : type === 'true_false'
              ? { value: true }
              : type === 'numeric'
                ? { value: 42, tolerance: 0.5 }
                : { accepted: ['photosynthesis'], exact: false }
      await client.query(
        `insert into learning.questions (id, course_id, org_id, type, prompt, options, answer, explanation, points)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          newId('qst'),
          courseId,
          orgId,
          type,
          `Question ${i + 1}: which one is right? Some context a real question would carry, a sentence or two long.`,
          JSON.stringify(choice ? options : []),
          JSON.stringify(answer),
          'Why the right answer is right, shown after submission.',
          1 + (i % 3),
        ],
      )
    }
    await client.query(
      `insert into learning.quizzes (id, course_id, org_id, title, draw_count, shuffle_questions, shuffle_options, time_limit_seconds, max_attempts, pass_percent)
       values ($1, $2, $3, 'Midterm', $4, true, true, $5, 2, 50)`,
      [quizId, courseId, orgId, DRAW, timeLimitSeconds],
    )
    for (let i = 0; i < learners.length; i += 500) {
      const chunk = learners.slice(i, i + 500)
      await client.query(
        `insert into learning.enrollments (id, org_id, course_id, user_id, version, source)
         select 'enr_' || md5(u), $1, $2, u, 1, 'grant' from unnest($3::text[]) as u`,
        [orgId, courseId, chunk],
      )
    }
    await client.query('commit')
    await client.query('analyze')
    return { courseId, quizId }
  } finally {
    await client.end()
  }
}

async function counts(url: string, quizId: string) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const r = await client.query<{ status: string; n: number }>(
      `select status, count(*)::int as n from learning.quiz_attempts where quiz_id = $1 group by status`,
      [quizId],
    )
    const answers = await client.query<{ n: number }>(
      `select count(*)::int as n from learning.attempt_answers`,
    )
    const graded = await client.query<{ n: number }>(
      `select count(*)::int as n from learning.outbox where type = 'learning.quiz.graded'`,
    )
    return {
      byStatus: Object.fromEntries(r.rows.map((x) => [x.status, x.n])),
      answers: answers.rows[0]!.n,
      gradedEvents: graded.rows[0]!.n,
    }
  } finally {
    await client.end()
  }
}

export const quizScenario: EventScenario = {
  name: 'quiz',
  title: 'a cohort takes a timed quiz: 2,000 learners start, save one answer per second each, then submit',
  targetLabels: Object.values(labels),
  async run({ logDir, keepLogs }) {
    const learnersN = intFromEnv('BENCH_QUIZ_LEARNERS', 2000, 1)
    const seconds = intFromEnv('BENCH_QUIZ_SECONDS', 60, 1)
    const ramp = intFromEnv('BENCH_QUIZ_RAMP', 10, 1)
    const [pgOk, rabbitOk] = await Promise.all([postgresAvailable(), rabbitAvailable()])
    const missing = [pgOk, rabbitOk].flatMap((r) => (r.ok ? [] : [r.reason]))
    if (missing.length) return skippedScenario(this, missing)

    const notes = [loadNote('at start')]
    const prefix = benchPrefix('quiz')
    const logFiles = [join(logDir, 'quiz-learning.log'), join(logDir, 'quiz-gateway.log')]
    const servers: ServerChild[] = []
    let issuer: BenchIssuer | undefined
    let pool: Pool | undefined
    const db = await createBenchDatabase('quiz')
    try {
      // Migrate and seed the private database.
      await db.migrate(learningService.migrations)
      const orgId = newId('org')
      // Measured learners first, then WARMUP learners who take the quiz once before the clock starts
      // (a deployment serves exams warm: JIT-compiled code, filled pools and caches).
      const learners = Array.from({ length: learnersN + WARMUP }, () => newId('usr'))
      const timeLimit = seconds + 2 * ramp + 120
      const { quizId } = await seed(db.url, learners, orgId, timeLimit)

      // A signing key we control, served as a JWKS; one token per learner.
      issuer = await startBenchIssuer()
      const { jwksUrl } = issuer
      const tokens = await Promise.all(learners.map((sub) => issuer!.token(sub, orgId)))

      const learning = await startServer(
        'learning',
        'learning',
        {
          env: {
            ...serviceEnv({ databaseUrl: db.url, brokerPrefix: prefix, jwksUrl }),
            LEARNING_SECRET: randomBytes(32).toString('hex'),
          },
        },
        logFiles[0],
      )
      servers.push(learning)
      const gateway = await startServer(
        'gateway',
        'gateway-jwks',
        { env: gatewayEnv({ learning: learning.url }, jwksUrl) },
        logFiles[1],
      )
      servers.push(gateway)

      pool = new Pool(gateway.url, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 })
      const client = pool
      const failures = new Map<string, number>()
      const send = async (
        i: number,
        method: 'POST' | 'PUT',
        path: string,
        body?: unknown,
      ): Promise<{ sample: Sample; json?: unknown }> => {
        const t0 = performance.now()
        try {
          const res = await client.request({
            method,
            path: `/api/learning${path}`,
            headers: {
              authorization: `Bearer ${tokens[i]!}`,
              ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
            // A request (queueing in the pool included) that takes over 10 s counts as an error and
            // is abandoned, so an overloaded run still ends on time.
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          })
          const text = await res.body.text()
          const sample = { ms: performance.now() - t0, status: res.statusCode }
          if (res.statusCode >= 300) {
            const key = `${method} ${path.split('/')[1]} → ${res.statusCode} ${text.slice(0, 120)}`
            failures.set(key, (failures.get(key) ?? 0) + 1)
            return { sample }
          }
          // Answer saves need no parsed body (keeps the load generator's own CPU per request down).
          return { sample, json: method === 'PUT' ? undefined : JSON.parse(text) }
        } catch (error) {
          const key = `${method} ${path.split('/')[1]} → ${(error as Error).message}`
          failures.set(key, (failures.get(key) ?? 0) + 1)
          return { sample: { ms: performance.now() - t0, status: 0 } }
        }
      }

      /** Runs `job(i)` for each learner at its own moment, spread evenly over `spreadMs`. */
      async function spread(spreadMs: number, job: (i: number) => Promise<void>): Promise<number> {
        const began = performance.now()
        let worstLag = 0
        const pending: Promise<void>[] = []
        await new Promise<void>((resolve) => {
          let next = 0
          const tick = () => {
            const now = performance.now() - began
            while (next < learnersN && (next * spreadMs) / learnersN <= now) {
              worstLag = Math.max(worstLag, now - (next * spreadMs) / learnersN)
              pending.push(job(next++))
            }
            if (next < learnersN) setTimeout(tick, 1)
            else resolve()
          }
          tick()
        })
        await Promise.all(pending)
        return worstLag
      }

      console.error(`   [quiz] warm-up: ${WARMUP} other learners take the quiz (not measured)`)
      for (let w = 0; w < WARMUP; w += 10) {
        await Promise.all(
          Array.from({ length: Math.min(10, WARMUP - w) }, async (_, k) => {
            const i = learnersN + w + k
            const { json } = await send(i, 'POST', `/quizzes/${quizId}/attempts`)
            const a = json as AttemptView | undefined
            if (!a) return
            for (const [n, q] of a.questions.slice(0, 5).entries())
              await send(i, 'PUT', `/attempts/${a.id}/answers/${q.id}`, { answer: answerFor(q, n) })
            await send(i, 'POST', `/attempts/${a.id}/submit`)
          }),
        )
      }
      if (failures.size > 0) throw new Error(`warm-up failed: ${[...failures.keys()].join('; ')}`)

      // CPU of every server process (and wall time) at each phase boundary.
      const mark = async () => ({
        cpu: await Promise.all(servers.map((s) => s.cpu())),
        at: performance.now(),
      })
      const marks = [await mark()]
      const cpuBefore = marks[0]!.cpu
      const genBefore = process.cpuUsage()
      const wallStart = performance.now()

      // Phase 1: everyone starts.
      const attempts: (AttemptView | undefined)[] = Array.from({ length: learnersN })
      const startSamples: Sample[] = []
      console.error(`   [quiz] ${int(learnersN)} learners start over ${ramp} s`)
      const startLag = await spread(ramp * 1000, async (i) => {
        const { sample, json } = await send(i, 'POST', `/quizzes/${quizId}/attempts`)
        startSamples.push(sample)
        attempts[i] = json as AttemptView | undefined
      })
      marks.push(await mark())

      // Phase 2: one answer per learner per second, each learner at its own offset in the second.
      const answerSamples: Sample[] = []
      console.error(`   [quiz] ${int(learnersN)} answers/s for ${seconds} s`)
      const answerBegan = performance.now()
      let answerLag = 0
      const inFlight = new Set<Promise<void>>()
      for (let second = 0; second < seconds; second++) {
        answerLag = Math.max(
          answerLag,
          await spread(1000, async (i) => {
            const a = attempts[i]
            if (!a) return
            const q = a.questions[(second + i) % a.questions.length]!
            const p = send(i, 'PUT', `/attempts/${a.id}/answers/${q.id}`, {
              answer: answerFor(q, second + i),
            }).then(({ sample }) => void answerSamples.push(sample))
            // Do not wait for the answer: the next second's sends leave on time regardless.
            inFlight.add(p)
            void p.finally(() => inFlight.delete(p))
          }),
        )
      }
      await Promise.all(inFlight)
      const answerWall = (performance.now() - answerBegan) / 1000
      marks.push(await mark())

      // Phase 3: everyone submits.
      const submitSamples: Sample[] = []
      let passed = 0
      console.error(`   [quiz] ${int(learnersN)} submissions over ${ramp} s`)
      const submitLag = await spread(ramp * 1000, async (i) => {
        const a = attempts[i]
        if (!a) return
        const { sample, json } = await send(i, 'POST', `/attempts/${a.id}/submit`)
        submitSamples.push(sample)
        if ((json as { passed?: boolean } | undefined)?.passed) passed++
      })
      const wallUs = (performance.now() - wallStart) * 1000
      marks.push(await mark())
      const cpuAfter = marks[3]!.cpu
      const gen = process.cpuUsage(genBefore)
      const totalRequests = startSamples.length + answerSamples.length + submitSamples.length
      const stored = await counts(db.url, quizId)

      const phases = [
        ['start', summarize(startSamples)],
        ['answer (PUT)', summarize(answerSamples)],
        ['submit', summarize(submitSamples)],
        ['all', summarize([...startSamples, ...answerSamples, ...submitSamples])],
      ] as const
      // Server CPU per request in a phase, per process, and the cores the servers used meanwhile.
      const phaseCpu = (from: number, to: number, requests: number) => {
        const a = marks[from]!
        const b = marks[to]!
        const used = servers.map((_, k) => b.cpu[k]! - a.cpu[k]!)
        return {
          perRequest: used.map((u) => u / Math.max(1, requests)),
          cores: used.reduce((x, y) => x + y, 0) / ((b.at - a.at) * 1000),
        }
      }
      const cpuByPhase = [
        phaseCpu(0, 1, phases[0][1].count),
        phaseCpu(1, 2, phases[1][1].count),
        phaseCpu(2, 3, phases[2][1].count),
        phaseCpu(0, 3, phases[3][1].count),
      ]
      const rows = [
        [
          'phase',
          'requests',
          'p50 ms',
          'p90 ms',
          'p99 ms',
          'max ms',
          'errors',
          ...servers.map((s) => `${s.name} CPU µs/req`),
          'server cores used',
        ],
        ...phases.map(([name, s], k) => [
          name,
          int(s.count),
          fixed(s.p50),
          fixed(s.p90),
          fixed(s.p99),
          fixed(s.max),
          int(s.errors),
          ...cpuByPhase[k]!.perRequest.map((v) => fixed(v, 0)),
          fixed(cpuByPhase[k]!.cores, 2),
        ]),
      ]
      const all = phases[3][1]
      const missingAttempts = attempts.filter((a) => !a).length
      const graded = (stored.byStatus.submitted ?? 0) + (stored.byStatus.expired ?? 0) - WARMUP
      const errorCount = all.errors + missingAttempts + (learnersN - graded)
      const targets: EventTargetResult[] = [
        {
          label: labels.p99,
          value: all.p99,
          status: all.p99 < P99_MAX_MS && errorCount === 0 ? 'PASS' : 'FAIL',
          detail: `${fixed(all.p99)} ms (answers ${fixed(phases[1][1].p99)} ms, starts ${fixed(phases[0][1].p99)} ms, submits ${fixed(phases[2][1].p99)} ms)`,
        },
        {
          label: labels.errors,
          value: errorCount,
          status: errorCount === 0 ? 'PASS' : 'FAIL',
          detail: `${int(all.errors)} failed requests; ${int(graded)} of ${int(learnersN)} attempts graded (${int(passed)} passed); ${int(stored.gradedEvents - WARMUP)} learning.quiz.graded events in the outbox`,
        },
      ]
      const cpu = servers.map((s, i) => `${s.name} ${fixed((cpuAfter[i]! - cpuBefore[i]!) / totalRequests)}`)
      notes.push(
        `answers: ${int(phases[1][1].count)} in ${fixed(answerWall)} s = ${int(phases[1][1].count / answerWall)}/s; ` +
          `${int(stored.answers)} answer rows stored, warm-up included (one per learner and question, overwritten on change)`,
        `server CPU µs per request: ${cpu.join(' + ')}; load generator ${fixed((gen.user + gen.system) / totalRequests)}; ` +
          `servers used ${fixed(cpuAfter.reduce((s, c, i) => s + c - cpuBefore[i]!, 0) / wallUs, 2)} cores on average`,
        `worst send lag behind schedule (load generator): start ${fixed(startLag)} ms, answer ${fixed(answerLag)} ms, submit ${fixed(submitLag)} ms`,
        `timed quiz: ${timeLimit} s limit, ${DRAW} of ${BANK_SIZE} questions drawn, questions and options shuffled per attempt`,
        loadNote('at the end'),
      )
      for (const [what, n] of failures) notes.push(`failure ×${n}: ${what}`)
      printScenario(
        this,
        `${int(learnersN)} learners, real PostgreSQL + RabbitMQ, learning and gateway processes, open loop; latency measured at the client through the gateway`,
        rows,
        [],
        targets,
        notes,
      )
      return {
        name: this.name,
        title: this.title,
        summaries: phases.map(([name, s]) => ({ name, ...s })),
        targets,
        notes,
      }
    } finally {
      await pool?.close().catch(() => {})
      await Promise.all(servers.map((s) => s.stop()))
      issuer?.close()
      if (!keepLogs) for (const f of logFiles) rmSync(f, { force: true })
      await cleanUpServiceTopology(prefix, ['learning'])
      await db.drop()
    }
  },
}
