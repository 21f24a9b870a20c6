import { generate } from 'otplib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser, screenshot, seriousViolations, startPlatform, type Platform } from './harness.ts'

let platform: Platform
let browser: Browser

beforeAll(async () => {
  platform = await startPlatform()
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
  await platform?.stop()
})

/**
 * Not ours: the chat area's header bell (HeaderWidgets) puts `aria-haspopup`/`aria-expanded` on a
 * Mantine Indicator `div` (axe: aria-allowed-attr) while it shows unread notifications. That one
 * finding is skipped here, by its exact element, until the chat area fixes it; anything else fails.
 */
const FOREIGN_BELL = 'header .mantine-Indicator-root[aria-haspopup]:not(button)'

async function expectAccessible(page: Page) {
  const violations: string[] = []
  for (const v of await seriousViolations(page)) {
    const ids = v.match(/#[\w-]+/g) ?? []
    const foreign = await Promise.all(
      ids.map((id) =>
        page
          .locator(id)
          .first()
          .evaluate((el, selector) => el.matches(selector), FOREIGN_BELL)
          .catch(() => false),
      ),
    )
    if (v.startsWith('aria-allowed-attr') && ids.length > 0 && foreign.every(Boolean)) continue
    violations.push(v)
  }
  expect(violations).toEqual([])
}

async function api(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${platform.url}/api${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> }
}

async function signIn(page: Page, email: string, password: string) {
  await page.goto(`${platform.url}/signin`)
  await page.getByLabel('Email').fill(email)
  await page.getByRole('textbox', { name: 'Password' }).fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
}

async function openAccountMenuItem(page: Page, item: string) {
  await page.getByRole('button', { name: /account menu/i }).click()
  await page.getByRole('menuitem', { name: item }).click()
}

describe('admin journey: 2FA and sessions, then the platform and organization admin pages', () => {
  it('a user enrols 2FA, signs in with the second step and revokes another session', async () => {
    const email = `admin-e2e-${Date.now()}@example.com`
    const password = 'correct horse battery staple 42'
    const registered = await api('/identity/auth/register', {
      email,
      password,
      displayName: 'Tess Twofactor',
    })
    expect(registered.status).toBe(201)
    // A second device: a password sign-in from "another browser".
    const other = await api(
      '/identity/auth/login',
      { email, password },
      { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0) Firefox/140.0' },
    )
    expect(other.status).toBe(200)

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    await signIn(page, email, password)
    await page.getByRole('button', { name: /account menu/i }).waitFor()
    await openAccountMenuItem(page, 'Account & security')
    await page.getByRole('heading', { name: 'Account & security' }).waitFor()
    await page.getByRole('heading', { name: 'Where you are signed in' }).waitFor()
    await page.getByText('This device').waitFor()
    await screenshot(page, 'admin-01-account')
    await expectAccessible(page)

    // Enrol: QR code drawn in the browser, the key read from the page, a code computed like an app would.
    await page.getByRole('button', { name: 'Set up two-step verification' }).click()
    await page.getByRole('img', { name: /QR code/ }).waitFor()
    const secret = (await page.getByTestId('totp-secret').textContent())!.trim()
    expect(secret).toMatch(/^[A-Z2-7]+=*$/)
    await screenshot(page, 'admin-02-2fa-qr')
    await expectAccessible(page)
    await page.getByLabel('Code from the app').fill(await generate({ secret }))
    await page.getByRole('button', { name: 'Turn on' }).click()
    const codes = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem')
    await codes.first().waitFor()
    expect(await codes.count()).toBe(10)
    await screenshot(page, 'admin-03-recovery-codes')
    await expectAccessible(page)
    await page.getByRole('button', { name: 'I have saved them' }).click()
    await page.getByRole('button', { name: 'Turn off two-step verification' }).waitFor()

    // Sign out and back in: the password is not enough any more.
    await openAccountMenuItem(page, 'Sign out')
    await page.getByRole('banner').getByRole('link', { name: 'Sign in', exact: true }).waitFor()
    await signIn(page, email, password)
    await page.getByLabel('Authentication code').waitFor()
    await expectAccessible(page)
    // The enrolment used the current time step; a code of the next step (accepted: ±1) is fresh.
    await page
      .getByLabel('Authentication code')
      .fill(await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }))
    await page.getByRole('button', { name: 'Verify' }).click()
    await page.getByRole('button', { name: /account menu/i }).waitFor()

    // Sessions: this one marked, the other device revoked.
    await page.goto(`${platform.url}/account`)
    const revokeButtons = page.getByRole('button', { name: /^Revoke .* session/ })
    await revokeButtons.first().waitFor()
    const before = await revokeButtons.count()
    expect(before).toBeGreaterThanOrEqual(1)
    await page.getByRole('button', { name: /^Revoke Firefox on Windows session/ }).click()
    await page.getByText('Session revoked').waitFor()
    await expect.poll(() => revokeButtons.count()).toBe(before - 1)
    const refreshOther = await api('/identity/auth/refresh', { refreshToken: other.body.refreshToken })
    expect(refreshOther.status).toBe(401)
    await screenshot(page, 'admin-04-sessions')
    await expectAccessible(page)

    // Phone width.
    await page.setViewportSize({ width: 375, height: 800 })
    await page.getByRole('heading', { name: 'Account & security' }).waitFor()
    await screenshot(page, 'admin-05-account-phone')
    await expectAccessible(page)
    await context.close()
  })

  it('the demo admin sees KPIs with charts, the members page, and invites someone', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    await signIn(page, 'admin@demo.learnmesh.dev', 'demo-admin-passphrase')
    await page.getByRole('button', { name: /account menu/i }).waitFor()

    await openAccountMenuItem(page, 'Platform admin')
    await page.getByRole('heading', { name: 'KPIs' }).waitFor()
    await page.locator('[data-testid="kpi-chart"] svg.recharts-surface').first().waitFor({ timeout: 30_000 })
    expect(await page.getByTestId('kpi-chart').count()).toBeGreaterThanOrEqual(4)
    await screenshot(page, 'admin-06-kpis')
    await expectAccessible(page)

    for (const [link, heading, name] of [
      ['Users', 'Users', 'admin-07-users'],
      ['Refunds', 'Refunds', 'admin-08-refunds'],
      ['Disputes', 'Tutoring disputes', 'admin-09-disputes'],
      ['Tutor verification', 'Tutor verification', 'admin-10-tutors'],
    ] as const) {
      await page.getByRole('navigation', { name: 'Platform admin' }).getByRole('link', { name: link }).click()
      await page.getByRole('heading', { name: heading }).waitFor()
      await page
        .getByRole('status')
        .waitFor({ state: 'detached', timeout: 15_000 })
        .catch(() => undefined)
      await expect(
        page
          .getByRole('alert')
          .filter({ hasText: /Could not load|Not found|Not available/ })
          .count(),
      ).resolves.toBe(0)
      await screenshot(page, name)
      await expectAccessible(page)
    }

    await openAccountMenuItem(page, 'Organization')
    await page.getByRole('heading', { name: 'Organization' }).waitFor()
    await page.getByRole('cell', { name: /admin@demo\.learnmesh\.dev/ }).waitFor()
    await page.getByLabel('Search members').fill('learner@')
    await page.getByRole('cell', { name: /learner@demo\.learnmesh\.dev/ }).waitFor()
    await expect(page.getByRole('cell', { name: /admin@demo\.learnmesh\.dev/ }).count()).resolves.toBe(0)
    await screenshot(page, 'admin-11-members')
    await expectAccessible(page)

    await page.getByRole('tab', { name: 'Invitations' }).click()
    const invitee = `invitee-${Date.now()}@example.com`
    await page.getByLabel('Email').fill(invitee)
    await page.getByRole('checkbox', { name: 'Instructor' }).check()
    await page.getByRole('button', { name: 'Send invitation' }).click()
    await page.getByRole('cell', { name: invitee }).first().waitFor()
    await screenshot(page, 'admin-12-invitations')
    await expectAccessible(page)
    await context.close()
  })
})
