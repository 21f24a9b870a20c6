import { AppError } from '@learnmesh/kernel'

/** Who a seed request is made as. */
export type SeedActor = 'admin' | 'instructor' | 'learner'

/**
 * Sends one request to the learning API as a demo person: the CLI answers it with `app.inject`
 * (embedded) or `fetch` through the gateway (cluster), with that person's access token.
 */
export type SeedRequest = (
  as: SeedActor,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH',
  path: string,
  body?: unknown,
) => Promise<{ status: number; body: unknown }>

/** The demo course slugs; their presence makes the seed a no-op. */
export const DEMO_COURSE_SLUGS = [
  'typescript-from-zero',
  'node-services-in-production',
  'data-storytelling',
] as const

/**
 * Demo courses for `npm start`, made through learning's own HTTP API (so they are exactly what an
 * instructor could build): a free course with every lesson type (text, video, resource, quiz,
 * assignment, a prerequisite), a paid course, and an organization-only course; the instructor
 * authors, the admin publishes (review is on by default), and the demo learner is enrolled in
 * the free course with its first lesson done. Idempotent: does nothing when the courses exist.
 * `video` is the demo video lessons' file: one the web app serves itself (same origin), so its
 * content security policy lets it play.
 */
export async function seedLearning(
  request: SeedRequest,
  video: { url: string; durationSeconds: number },
): Promise<{ created: boolean; courseIds: string[] }> {
  const call = async <T = Record<string, unknown>>(
    as: SeedActor,
    method: 'GET' | 'POST' | 'PUT' | 'PATCH',
    path: string,
    body?: unknown,
  ): Promise<T> => {
    const res = await request(as, method, path, body)
    if (res.status >= 300)
      throw new AppError(
        'internal',
        `demo seed: ${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`,
      )
    return res.body as T
  }

  const mine = await call<{ items: { id: string; slug: string }[] }>('instructor', 'GET', '/courses?limit=50')
  const existing = mine.items.filter((c) => (DEMO_COURSE_SLUGS as readonly string[]).includes(c.slug))
  if (existing.length > 0) return { created: false, courseIds: existing.map((c) => c.id) }

  const categories = await call<{ items: { id: string; slug: string }[] }>('admin', 'GET', '/categories')
  const category = async (name: string, slug: string) =>
    categories.items.find((c) => c.slug === slug)?.id ??
    (await call<{ id: string }>('admin', 'POST', '/categories', { name, slug })).id
  const programming = await category('Programming', 'programming')
  const data = await call<{ id: string }>('admin', 'POST', '/categories', {
    name: 'Data',
    slug: 'data',
  }).then((c) => c.id)

  const section = async (courseId: string, title: string) =>
    (await call<{ id: string }>('instructor', 'POST', `/courses/${courseId}/sections`, { title })).id
  const lesson = async (courseId: string, sectionId: string, body: Record<string, unknown>) =>
    (
      await call<{ id: string }>(
        'instructor',
        'POST',
        `/courses/${courseId}/sections/${sectionId}/lessons`,
        body,
      )
    ).id
  const publish = async (courseId: string) => {
    await call('instructor', 'POST', `/courses/${courseId}/submit`, {})
    await call('admin', 'POST', `/courses/${courseId}/approve`, {})
  }

  // 1. A free course that shows every lesson type.
  const ts = await call<{ id: string }>('instructor', 'POST', '/courses', {
    title: 'TypeScript from Zero',
    slug: 'typescript-from-zero',
    subtitle: 'Types, functions and the compiler, one small step at a time',
    description:
      'A hands-on introduction to TypeScript for JavaScript developers: why static types help, the everyday ' +
      'types, functions and generics, and how to set up a project. Short lessons, a quiz and a small assignment.',
    categoryId: programming,
    tags: ['typescript', 'javascript', 'beginner'],
    level: 'beginner',
    language: 'en',
    priceMinor: 0,
    currency: 'USD',
    visibility: 'public',
  })
  const start = await section(ts.id, 'Getting started')
  const why = await lesson(ts.id, start, {
    type: 'text',
    title: 'Why TypeScript?',
    durationSeconds: 300,
    isPreview: true,
    content: {
      type: 'text',
      markdown:
        'TypeScript is JavaScript with a type checker. It catches mistakes **before** your code ' +
        'runs, documents intent, and makes editors smarter.\n\n```ts\nfunction greet(name: string) {\n  return `Hello, ${name}`\n}\n```\n',
    },
  })
  await lesson(ts.id, start, {
    type: 'video',
    title: 'Setting up your editor',
    durationSeconds: video.durationSeconds,
    content: { type: 'video', url: video.url, durationSeconds: video.durationSeconds },
  })
  await lesson(ts.id, start, {
    type: 'resource',
    title: 'Cheat sheet',
    content: {
      type: 'resource',
      url: 'https://www.typescriptlang.org/cheatsheets/',
      fileName: 'typescript-cheatsheet.pdf',
      sizeBytes: null,
    },
  })
  const basics = await section(ts.id, 'Everyday types')
  const types = await lesson(ts.id, basics, {
    type: 'text',
    title: 'Primitives, arrays and objects',
    durationSeconds: 600,
    prerequisiteIds: [why],
    content: {
      type: 'text',
      markdown:
        '# Everyday types\n\n- `string`, `number`, `boolean`\n- arrays: `number[]`\n- objects: `{ name: string; age?: number }`\n\n' +
        'Unions combine types: `string | number`. Narrow them with `typeof` checks.',
    },
  })
  const question = (body: Record<string, unknown>) =>
    call<{ id: string }>('instructor', 'POST', `/courses/${ts.id}/questions`, body).then((q) => q.id)
  const questionIds = [
    await question({
      type: 'single_choice',
      prompt: 'Which type describes both `"a"` and `1`?',
      options: [
        { id: 'a', text: 'string & number' },
        { id: 'b', text: 'string | number' },
        { id: 'c', text: 'any[]' },
      ],
      answer: { optionIds: ['b'] },
      explanation: 'A union (`|`) accepts a value of either type; an intersection (`&`) needs both at once.',
    }),
    await question({
      type: 'multiple_choice',
      prompt: 'Which of these are primitive types?',
      options: [
        { id: 'a', text: 'string' },
        { id: 'b', text: 'boolean' },
        { id: 'c', text: 'Array<number>' },
        { id: 'd', text: 'number' },
      ],
      answer: { optionIds: ['a', 'b', 'd'] },
      explanation: 'Arrays are objects.',
    }),
    await question({
      type: 'true_false',
      prompt: 'TypeScript types exist at runtime.',
      answer: { value: false },
      explanation:
        'Types are erased by the compiler; use runtime checks (typeof, schemas) for external data.',
    }),
    await question({
      type: 'numeric',
      prompt: 'How many elements does `[1, 2, 3].map((n) => n * 2)` return?',
      answer: { value: 3, tolerance: 0 },
    }),
    await question({
      type: 'short_text',
      prompt: 'Which keyword declares a named object type (besides `type`)?',
      answer: { accepted: ['interface'] },
    }),
  ]
  const quiz = await call<{ id: string }>('instructor', 'POST', `/courses/${ts.id}/quizzes`, {
    title: 'Everyday types check',
    questionIds,
    shuffleOptions: true,
    timeLimitSeconds: 600,
    maxAttempts: 3,
    passPercent: 60,
  })
  await lesson(ts.id, basics, {
    type: 'quiz',
    title: 'Quiz: everyday types',
    prerequisiteIds: [types],
    content: { type: 'quiz', quizId: quiz.id },
  })
  const assignment = await call<{ id: string }>('instructor', 'POST', `/courses/${ts.id}/assignments`, {
    title: 'Type a small function',
    instructions:
      'Write a function `total(prices: number[]): number` with a JSDoc comment and a test. Paste the code or a link ' +
      'to a gist.',
    latePolicy: 'accept',
    rubric: [
      { id: 'types', title: 'Types', description: 'Parameters and result are typed', maxPoints: 5 },
      { id: 'tests', title: 'Tests', description: 'A test covers the empty list', maxPoints: 5 },
    ],
    passPoints: 6,
  })
  await lesson(ts.id, basics, {
    type: 'assignment',
    title: 'Assignment: type a function',
    content: { type: 'assignment', assignmentId: assignment.id },
  })
  await publish(ts.id)

  // 2. A paid course (bought through commerce).
  const node = await call<{ id: string }>('instructor', 'POST', '/courses', {
    title: 'Node.js Services in Production',
    slug: 'node-services-in-production',
    subtitle: 'Observability, graceful shutdown, queues and databases under load',
    description:
      'Everything between "it works on my machine" and a service you can operate: structured logs, metrics, ' +
      'health checks, the outbox pattern, retries and back-pressure, and zero-downtime deploys.',
    categoryId: programming,
    tags: ['node', 'backend', 'operations'],
    level: 'intermediate',
    language: 'en',
    priceMinor: 4900,
    currency: 'USD',
    visibility: 'public',
  })
  const ops = await section(node.id, 'Operating a service')
  await lesson(node.id, ops, {
    type: 'text',
    title: 'Logs that answer questions',
    durationSeconds: 420,
    isPreview: true,
    content: {
      type: 'text',
      markdown: '# Structured logs\n\nOne JSON object per event, with a request id and a trace id.',
    },
  })
  await lesson(node.id, ops, {
    type: 'video',
    title: 'Graceful shutdown in practice',
    durationSeconds: video.durationSeconds,
    content: { type: 'video', url: video.url, durationSeconds: video.durationSeconds },
  })
  await publish(node.id)

  // 3. A course only members of the organization see.
  const story = await call<{ id: string }>('instructor', 'POST', '/courses', {
    title: 'Data Storytelling for Teams',
    slug: 'data-storytelling',
    subtitle: 'Turning numbers into decisions (internal training)',
    description:
      'How to choose a chart, write a headline that states the finding, and present data to decision makers.',
    categoryId: data,
    tags: ['data', 'communication'],
    level: 'all_levels',
    language: 'en',
    priceMinor: 0,
    currency: 'USD',
    visibility: 'org',
  })
  const charts = await section(story.id, 'Charts that persuade')
  await lesson(story.id, charts, {
    type: 'text',
    title: 'Start with the question',
    durationSeconds: 240,
    content: {
      type: 'text',
      markdown: 'Every chart answers one question. Write it down first.',
    },
  })
  await publish(story.id)

  // The demo learner is studying the free course: enrolled, first lesson done.
  await call('learner', 'POST', '/enrollments', { courseId: ts.id })
  await call('learner', 'POST', `/learn/courses/${ts.id}/lessons/${why}/complete`, {})

  return { created: true, courseIds: [ts.id, node.id, story.id] }
}
