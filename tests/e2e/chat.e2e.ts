import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { launchBrowser, screenshot, seriousViolations, startPlatform, type Platform } from './harness.ts'

// The chat journey of issue 8: a learner and a tutor, each in their own browser, talk in real time
// (each sees the other's messages without a reload, typing, read receipt, an edit), and the learner's
// notifications bell counts a new notification live. Screenshots: tests/e2e/artifacts/chat-*.png.

let platform: Platform
let browser: Browser
const contexts: BrowserContext[] = []

const learner = {
  email: 'learner@demo.learnmesh.dev',
  password: 'demo-learner-passphrase',
  name: 'Lea Learner',
}
const tutor = { email: 'tutor@demo.learnmesh.dev', password: 'demo-tutor-passphrase', name: 'Theo Tutor' }

beforeAll(async () => {
  platform = await startPlatform()
  browser = await launchBrowser()
}, 600_000)

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined)
  await browser?.close()
  await platform?.stop()
})

async function expectAccessible(page: Page) {
  expect(await seriousViolations(page)).toEqual([])
}

async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; token?: string } = {},
): Promise<T> {
  const res = await fetch(`${platform.url}/api${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${text}`)
  return (text ? JSON.parse(text) : undefined) as T
}

async function tokenOf(who: { email: string; password: string }): Promise<string> {
  const r = await api<{ accessToken: string }>('/identity/auth/login', {
    body: { email: who.email, password: who.password },
  })
  return r.accessToken
}

async function signIn(who: typeof learner, viewport: { width: number; height: number }): Promise<Page> {
  const context = await browser.newContext({ viewport })
  contexts.push(context)
  const page = await context.newPage()
  await page.goto(`${platform.url}/signin`)
  await page.getByLabel('Email').fill(who.email)
  await page.getByRole('textbox', { name: 'Password' }).fill(who.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('button', { name: /account menu/i }).waitFor()
  return page
}

describe('chat journey: learner and tutor talk in real time; the bell shows a notification', () => {
  it('works in two browsers without reloads, with no serious accessibility violations', async () => {
    const tutorToken = await tokenOf(tutor)
    const tutorMe = await api<{ user: { id: string } }>('/identity/me', { token: tutorToken })

    const lea = await signIn(learner, { width: 1280, height: 900 })
    const theo = await signIn(tutor, { width: 375, height: 812 }) // the tutor is on a phone

    // The learner opens a direct conversation with the tutor (the link a tutor's profile uses).
    await lea.goto(`${platform.url}/chat/new?with=${encodeURIComponent(tutorMe.user.id)}`)
    await lea.getByRole('heading', { name: tutor.name, level: 2 }).waitFor({ timeout: 30_000 })
    await lea.getByText('No messages yet. Say hello!').waitFor()
    const leaBox = lea.getByRole('textbox', { name: 'Message' })
    await leaBox.fill('Hello Theo, can we go over fractions?')
    await leaBox.press('Enter')
    const leaMessages = lea.getByRole('region', { name: `Messages with ${tutor.name}` })
    await leaMessages.getByText('Hello Theo, can we go over fractions?').waitFor()
    await leaMessages.getByText('sending…').waitFor({ state: 'detached' })
    await screenshot(lea, 'chat-01-learner-conversation')
    await expectAccessible(lea)

    // The tutor finds it in the list (with the unread count) and opens it.
    await theo.goto(`${platform.url}/chat`)
    const item = theo.getByRole('link', { name: new RegExp(`^${learner.name} 1 unread Direct`) })
    await item.waitFor({ timeout: 30_000 })
    await screenshot(theo, 'chat-02-tutor-list-phone')
    await expectAccessible(theo)
    await item.click()
    const theoMessages = theo.getByRole('region', { name: `Messages with ${learner.name}` })
    await theoMessages.getByText('Hello Theo, can we go over fractions?').waitFor()

    // Live, both ways, without reloading: a message, typing, a reply, the read receipt.
    await leaBox.fill('Tuesday at 5 pm would suit me.')
    await leaBox.press('Enter')
    await theoMessages.getByText('Tuesday at 5 pm would suit me.').waitFor({ timeout: 15_000 })
    const theoBox = theo.getByRole('textbox', { name: 'Message' })
    await theoBox.pressSequentially('Tuesday works')
    await lea.getByText(`${tutor.name} is typing…`).waitFor({ timeout: 15_000 })
    await theoBox.pressSequentially(', see you then!')
    await theo.getByRole('button', { name: 'Send' }).click()
    await leaMessages.getByText('Tuesday works, see you then!').waitFor({ timeout: 15_000 })
    await screenshot(theo, 'chat-03-tutor-conversation-phone')
    await expectAccessible(theo)

    // The learner edits a message; the tutor sees the edit live. Then a receipt for the tutor's reply.
    const mine = leaMessages.getByRole('listitem').filter({ hasText: 'Tuesday at 5 pm would suit me.' })
    await mine.getByRole('button', { name: 'Edit message' }).click()
    const edit = lea.getByRole('textbox', { name: 'Edit message' })
    await edit.fill('Tuesday at 6 pm would suit me.')
    await lea.getByRole('button', { name: 'Save' }).click()
    await theoMessages.getByText('Tuesday at 6 pm would suit me.').waitFor({ timeout: 15_000 })
    await theo.getByText('Seen', { exact: true }).waitFor({ timeout: 15_000 })
    await screenshot(lea, 'chat-04-learner-live')

    // Notifications: start from none unread, then a new one arrives live on the bell.
    const bell = lea.getByRole('button', { name: /^Notifications/ })
    await bell.click()
    const markAll = lea.getByRole('button', { name: 'Mark all read' })
    await markAll.waitFor()
    if (await markAll.isEnabled()) await markAll.click()
    await lea.getByRole('button', { name: 'Notifications', exact: true }).waitFor()
    await lea.keyboard.press('Escape')

    const learnerToken = await tokenOf(learner)
    const enrolled = await api<{ items: { courseId: string }[] }>('/learning/enrollments?limit=100', {
      token: learnerToken,
    })
    // An org admin grants the learner a course: learning.enrollment.created → an in-app notification.
    const learnerMe = await api<{ user: { id: string } }>('/identity/me', { token: learnerToken })
    const adminToken = await tokenOf({ email: 'admin@demo.learnmesh.dev', password: 'demo-admin-passphrase' })
    const catalog = await api<{ items: { id: string }[] }>('/learning/catalog?limit=50')
    const course = catalog.items.find((c) => !enrolled.items.some((e) => e.courseId === c.id))
    expect(course, 'a demo course the learner is not enrolled in').toBeDefined()
    await api('/learning/org/enrollments', {
      token: adminToken,
      body: { userId: learnerMe.user.id, courseId: course!.id },
    })

    await lea.getByRole('button', { name: 'Notifications, 1 unread' }).waitFor({ timeout: 60_000 })
    const latest = lea.getByRole('list', { name: 'Latest notifications' })
    // The dropdown may still be open from marking all read (Escape closes it only once focus is inside).
    if (!(await latest.isVisible()))
      await lea.getByRole('button', { name: 'Notifications, 1 unread' }).click()
    await latest.getByRole('listitem').first().waitFor()
    await screenshot(lea, 'chat-05-bell')
    await expectAccessible(lea)

    // The notifications page and the preferences page.
    await lea.getByRole('link', { name: 'All notifications' }).click()
    await lea.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor()
    await lea.getByRole('list', { name: 'Notifications' }).getByRole('listitem').first().waitFor()
    await screenshot(lea, 'chat-06-notifications')
    await expectAccessible(lea)
    await lea.getByRole('button', { name: 'Mark all read' }).click()
    await lea.getByRole('button', { name: 'Notifications', exact: true }).waitFor()

    await lea.goto(`${platform.url}/settings/notifications`)
    await lea.getByRole('heading', { name: 'Notification settings' }).waitFor()
    await lea.getByRole('checkbox').first().waitFor()
    await lea.getByLabel('Quiet hours from').fill('22:00')
    await lea.getByLabel('until').fill('07:00')
    await lea.getByRole('button', { name: 'Save settings' }).click()
    await lea.getByText('Your notification settings are saved.').waitFor()
    await screenshot(lea, 'chat-07-notification-settings')
    await expectAccessible(lea)
  }, 300_000)
})

describe('chat groups: an admin makes a group in the browser; its members see it and its changes live', () => {
  it('creates, messages, renames and removes without reloads', async () => {
    const admin = { email: 'admin@demo.learnmesh.dev', password: 'demo-admin-passphrase', name: 'Ada Admin' }
    const ada = await signIn(admin, { width: 1280, height: 900 })
    const lea = await signIn(learner, { width: 1280, height: 900 })
    await lea.goto(`${platform.url}/chat`)
    await lea.getByRole('link', { name: 'New group' }).waitFor()

    // The admin builds the group from the contacts search (org admins find their org's members).
    await ada.goto(`${platform.url}/chat/new/group`)
    await ada.getByLabel('Group name').fill('Fractions club')
    for (const person of [learner, tutor]) {
      await ada.getByLabel('Find a person').fill(person.name.split(' ')[0]!)
      await ada.getByRole('button', { name: new RegExp(`^Add ${person.name}`) }).click()
    }
    await screenshot(ada, 'chat-08-new-group')
    await expectAccessible(ada)
    await ada.getByRole('button', { name: 'Create group' }).click()
    const adaMessages = ada.getByRole('region', { name: 'Messages with Fractions club' })
    await adaMessages.waitFor({ timeout: 30_000 })
    const adaBox = ada.getByRole('textbox', { name: 'Message' })
    await adaBox.fill('Welcome to the fractions club!')
    await adaBox.press('Enter')
    await adaMessages.getByText('sending…').waitFor({ state: 'detached', timeout: 15_000 })

    // The learner's open list gets the group live (conversation:added) and its first message.
    const item = lea.getByRole('link', { name: /^Fractions club/ })
    await item.waitFor({ timeout: 30_000 })
    await item.click()
    const leaMessages = lea.getByRole('region', { name: 'Messages with Fractions club' })
    await leaMessages.getByText('Welcome to the fractions club!').waitFor({ timeout: 15_000 })

    // The owner renames the group and takes the tutor out: the learner sees both as system lines.
    await ada.getByRole('button', { name: 'Members' }).click()
    const panel = ada.getByRole('region', { name: 'Group members' })
    await panel.getByLabel('Group name').fill('Fractions and decimals')
    await panel.getByRole('button', { name: 'Rename' }).click()
    await panel.getByRole('button', { name: `Remove ${tutor.name} from the group` }).click()
    await panel.getByRole('button', { name: `Remove ${tutor.name} (confirm)` }).click()
    await screenshot(ada, 'chat-09-group-members')
    await expectAccessible(ada)
    await lea.getByText(/renamed the group to “Fractions and decimals”/).waitFor({ timeout: 15_000 })
    await lea.getByText(`${admin.name} removed ${tutor.name}`).waitFor({ timeout: 15_000 })
    await screenshot(lea, 'chat-10-group-learner')
    await expectAccessible(lea)
  }, 300_000)
})
