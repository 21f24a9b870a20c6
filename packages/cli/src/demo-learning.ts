import type { App } from '@learnmesh/kernel'
import { seedLearning, type SeedActor, type SeedRequest } from '@learnmesh/learning'
import { demo } from './services.ts'

const actors: Record<SeedActor, (typeof demo.users)[number]['email']> = {
  admin: 'admin@demo.learnmesh.dev',
  instructor: 'instructor@demo.learnmesh.dev',
  learner: 'learner@demo.learnmesh.dev',
}

/** How the demo seed reaches the services: in-process apps, or the gateway's URL. */
export type DemoTarget =
  { identity: App; learning: App; tutoring?: App; commerce?: App } | { gatewayUrl: string }

/** Sends one request to a service, in process or through the gateway. */
export async function send(
  target: DemoTarget,
  service: 'identity' | 'learning' | 'tutoring' | 'commerce',
  method: string,
  path: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; body: unknown }> {
  // The seed signs in as the demo people: their sessions list says where ("learnmesh demo seed").
  const headers: Record<string, string> = {
    'user-agent': 'learnmesh demo seed',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  }
  if ('gatewayUrl' in target) {
    const res = await fetch(`${target.gatewayUrl}/api/${service}${path}`, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await res.text()
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null }
  }
  const app = target[service]
  if (!app) throw new Error(`demo seed: ${service} is not running`)
  const res = await app.inject({
    method: method as 'GET',
    url: path,
    headers,
    ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
  })
  return { status: res.statusCode, body: res.body ? (res.json() as unknown) : null }
}

/**
 * Seeds the demo courses through learning's API as the demo people (signing in with their demo
 * passwords), so the data is exactly what the product itself makes. Returns what the seed did.
 */
export async function seedDemoLearning(
  target: DemoTarget,
): Promise<{ created: boolean; courseIds: string[] }> {
  const tokens = new Map<SeedActor, string>()
  const tokenOf = async (as: SeedActor) => {
    const cached = tokens.get(as)
    if (cached) return cached
    const user = demo.users.find((u) => u.email === actors[as])!
    const res = await send(target, 'identity', 'POST', '/auth/login', {
      email: user.email,
      password: user.password,
    })
    if (res.status !== 200) throw new Error(`demo seed: ${user.email} cannot sign in (${res.status})`)
    const token = (res.body as { accessToken: string }).accessToken
    tokens.set(as, token)
    return token
  }
  const request: SeedRequest = async (as, method, path, body) =>
    send(target, 'learning', method, path, body, await tokenOf(as))
  const seeded = await seedLearning(request, demoVideo())
  const short = await seedShortPaidCourse(request)
  return {
    created: seeded.created || short !== undefined,
    courseIds: [...seeded.courseIds, ...(short ? [short] : [])],
  }
}

/**
 * The demo video: a 6-second file the web app itself serves (`apps/web/public/media`), same origin,
 * so the web app's content security policy (`media-src 'self'`) lets it play.
 */
function demoVideo(): { url: string; durationSeconds: number } {
  const publicUrl = (process.env.PUBLIC_URL ?? `http://localhost:${process.env.PORT ?? 3000}`).replace(
    /\/+$/,
    '',
  )
  return { url: `${publicUrl}/media/learnmesh-sample-lesson.webm`, durationSeconds: 6 }
}

/** The short paid course's slug (a learner can buy and finish it in minutes: the learner journey's course). */
export const SHORT_COURSE_SLUG = 'git-in-fifteen-minutes'

/**
 * A short paid course whose completion issues a certificate: a reading, a 6-second video served by the
 * web app itself (`/media/learnmesh-sample-lesson.webm`, same origin, so the web app's CSP lets it
 * play) and an untimed-enough quiz. Idempotent: nothing happens when the slug exists.
 */
async function seedShortPaidCourse(request: SeedRequest): Promise<string | undefined> {
  const call = async <T = { id: string }>(
    as: 'admin' | 'instructor',
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ) => {
    const res = await request(as, method, path, body)
    if (res.status >= 300)
      throw new Error(`demo seed: ${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`)
    return res.body as T
  }
  const mine = await call<{ items: { slug: string }[] }>('instructor', 'GET', '/courses?limit=50')
  if (mine.items.some((c) => c.slug === SHORT_COURSE_SLUG)) return undefined
  const categories = await call<{ items: { id: string; slug: string }[] }>('admin', 'GET', '/categories')
  const course = await call('instructor', 'POST', '/courses', {
    title: 'Git in 15 Minutes',
    slug: SHORT_COURSE_SLUG,
    subtitle: 'Commits, branches and merges: the everyday commands',
    description:
      'A very short course: what a commit is, how branches move, and a quiz to check it stuck. Finish it to ' +
      'earn a certificate.',
    categoryId: categories.items.find((c) => c.slug === 'programming')?.id,
    tags: ['git', 'beginner'],
    level: 'beginner',
    language: 'en',
    priceMinor: 900,
    currency: 'USD',
    visibility: 'public',
  })
  const section = await call('instructor', 'POST', `/courses/${course.id}/sections`, { title: 'Git basics' })
  const lesson = (body: Record<string, unknown>) =>
    call('instructor', 'POST', `/courses/${course.id}/sections/${section.id}/lessons`, body)
  await lesson({
    type: 'text',
    title: 'Commits and branches',
    durationSeconds: 120,
    isPreview: true,
    content: {
      type: 'text',
      markdown:
        'A **commit** is a snapshot of your files with a message. A **branch** is a ' +
        'movable name pointing at a commit.\n\n```sh\ngit switch -c feature\ngit commit -am "Add the feature"\n```\n',
    },
  })
  const video = demoVideo()
  await lesson({
    type: 'video',
    title: 'A first commit',
    durationSeconds: video.durationSeconds,
    content: { type: 'video', ...video },
  })
  const question = (body: Record<string, unknown>) =>
    call('instructor', 'POST', `/courses/${course.id}/questions`, body)
  const questionIds = [
    (
      await question({
        type: 'single_choice',
        prompt: 'Which command creates a new branch and switches to it?',
        options: [
          { id: 'a', text: 'git switch -c feature' },
          { id: 'b', text: 'git commit -b feature' },
          { id: 'c', text: 'git push feature' },
        ],
        answer: { optionIds: ['a'] },
        explanation: '`git switch -c <name>` creates the branch at the current commit and checks it out.',
      })
    ).id,
    (
      await question({
        type: 'true_false',
        prompt: 'A branch is a movable name pointing at a commit.',
        answer: { value: true },
        explanation: 'Committing on a branch moves its name to the new commit.',
      })
    ).id,
  ]
  const quiz = await call('instructor', 'POST', `/courses/${course.id}/quizzes`, {
    title: 'Git basics check',
    questionIds,
    timeLimitSeconds: 300,
    passPercent: 50,
  })
  await lesson({ type: 'quiz', title: 'Quiz: Git basics', content: { type: 'quiz', quizId: quiz.id } })
  await call('instructor', 'POST', `/courses/${course.id}/submit`, {})
  await call('admin', 'POST', `/courses/${course.id}/approve`, {})
  return course.id
}
