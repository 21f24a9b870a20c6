import { demo } from './services.ts'
import { send, type DemoTarget } from './demo-learning.ts'

const tutor = demo.users.find((u) => u.email === 'tutor@demo.learnmesh.dev')!

/** The demo tutor's profile: complete, listed, with a trial lesson and two packages. */
const profile = {
  displayName: tutor.displayName,
  headline: 'Maths and physics, from first steps to exam day',
  bio: 'I have taught secondary-school and first-year university maths and physics for eight years. Lessons are online, with a shared whiteboard; we start with what you already know.',
  timeZone: 'Europe/Paris',
  currency: 'EUR',
  hourlyRateMinor: 4000,
  lessonMinutes: [30, 60, 90],
  bufferMinutes: 15,
  packages: [
    { lessons: 5, discountPercent: 5 },
    { lessons: 10, discountPercent: 10 },
  ],
  trialMinutes: 30,
  offersOnline: true,
  offersInPerson: false,
  subjects: [
    { subject: 'mathematics', levels: ['beginner', 'intermediate', 'advanced', 'exam'] },
    { subject: 'physics', levels: ['intermediate', 'advanced'] },
  ],
  languages: ['en', 'fr'],
}

/** Weekday evenings and Saturday mornings, Paris time. */
const weekly = [
  ...[1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '17:00', end: '21:00' })),
  { weekday: 6, start: '09:00', end: '13:00' },
]

/**
 * Seeds the demo tutor through tutoring's API (signing in with the demo password): a listed profile
 * and a weekly schedule, so the tutor can be found and booked right after `npm start`.
 */
export async function seedDemoTutoring(target: DemoTarget): Promise<{ tutorId: string }> {
  const login = await send(target, 'identity', 'POST', '/auth/login', {
    email: tutor.email,
    password: tutor.password,
  })
  if (login.status !== 200) throw new Error(`demo seed: ${tutor.email} cannot sign in (${login.status})`)
  const token = (login.body as { accessToken: string }).accessToken
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await send(target, 'tutoring', method, path, body, token)
    if (res.status >= 300)
      throw new Error(`demo seed: ${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`)
    return res.body as { id: string }
  }
  const created = await call('PUT', '/tutors/me', profile)
  await call('PUT', '/tutors/me/availability', { weekly })
  await call('POST', '/tutors/me/list')
  return { tutorId: created.id }
}
