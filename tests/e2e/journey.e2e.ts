import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import {
  launchBrowser,
  openVerificationEmail,
  screenshot,
  seriousViolations,
  startPlatform,
  type Platform,
} from './harness.ts'

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

async function expectAccessible(page: Page) {
  expect(await seriousViolations(page)).toEqual([])
}

describe('first journey: sign up, verify by the dev mailbox, sign in, search, open a course', () => {
  it('works end to end in Chromium, with no serious accessibility violations', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    const email = `e2e-${Date.now()}@example.com`
    const password = 'correct horse battery staple 42'

    // Home
    await page.goto(`${platform.url}/`)
    await page.getByRole('heading', { name: 'Popular courses' }).waitFor()
    await page.locator('article').first().waitFor()
    await screenshot(page, '01-home')
    await expectAccessible(page)

    // Sign up
    await page.getByRole('link', { name: 'Sign up' }).click()
    await page.getByLabel('Name').fill('E2E Learner')
    await page.getByLabel('Email').fill(email)
    await page.getByRole('textbox', { name: 'Password' }).fill(password)
    await expectAccessible(page)
    await page.getByRole('button', { name: 'Sign up' }).click()
    await page.getByText('Account created').waitFor()
    await screenshot(page, '02-signed-up')

    // The verification email, read through the dev mailbox page
    const verifyLink = await openVerificationEmail(page, email)
    await screenshot(page, '03-mailbox')
    await expectAccessible(page)
    await verifyLink.click()
    await page.getByRole('heading', { name: 'Email verified' }).waitFor()
    await screenshot(page, '04-verified')

    // Sign out, then sign in again with the password
    await page.getByRole('button', { name: 'Account menu' }).click()
    await page.getByRole('menuitem', { name: 'Sign out' }).click()
    await page.getByRole('heading', { name: 'Popular courses' }).waitFor()
    await page.getByRole('banner').getByRole('link', { name: 'Sign in', exact: true }).click()
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    await page.getByLabel('Email').fill(email)
    await page.getByRole('textbox', { name: 'Password' }).fill(password)
    await expectAccessible(page)
    await page.getByRole('button', { name: 'Sign in' }).click()
    // The menu is labelled "Account, account menu" until the profile has loaded, then with the name.
    await page.getByRole('button', { name: 'E2E Learner, account menu' }).waitFor()

    // Search the catalog with a word of a seeded course's title
    const seeded = (await (await fetch(`${platform.url}/api/learning/catalog?limit=1`)).json()) as {
      items: { title: string; slug: string }[]
    }
    const course = seeded.items[0]!
    const word = course.title.split(/\s+/).find((w) => w.length >= 4) ?? course.title
    await page.goto(`${platform.url}/catalog`)
    // A reload: the session survives through the HttpOnly refresh cookie, which page scripts never see
    await page.getByRole('button', { name: 'account menu' }).waitFor()
    const refreshCookie = (await context.cookies()).find((c) => c.name === 'lm_refresh')
    expect(refreshCookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api/identity/auth' })
    const visible = await page.evaluate(() => JSON.stringify({ ...localStorage, cookie: document.cookie }))
    expect(visible).toContain('learnmesh.signedIn')
    expect(visible).not.toContain(refreshCookie!.value)
    await page.getByRole('searchbox', { name: 'Search' }).fill(word)
    await page.waitForURL(/[?&]q=/)
    await page.locator('[data-testid="catalog-results"][aria-busy="false"]').waitFor()
    await page.getByText(/^(About )?\d+ courses?$/).waitFor()
    const result = page.getByRole('link', { name: course.title })
    await result.waitFor()
    await screenshot(page, '05-catalog')
    await expectAccessible(page)

    // The course page
    await result.click()
    await page.getByRole('heading', { level: 1, name: course.title }).waitFor()
    await page.getByRole('heading', { name: 'Syllabus' }).waitFor()
    await page.getByText('Reviews are coming soon').waitFor()
    await screenshot(page, '06-course')
    await expectAccessible(page)

    // A phone-width view of the catalog and an unknown page
    await page.setViewportSize({ width: 375, height: 740 })
    await page.goto(`${platform.url}/catalog?q=${encodeURIComponent(word)}`)
    await page.getByRole('link', { name: course.title }).waitFor()
    await screenshot(page, '07-catalog-phone')
    await expectAccessible(page)
    await page.getByRole('button', { name: 'Filters' }).click()
    await page.getByRole('checkbox').first().waitFor()
    await expectAccessible(page)

    // The other account pages, as a signed-out visitor
    await page.goto(`${platform.url}/forgot-password`)
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor()
    await expectAccessible(page)
    await page.goto(`${platform.url}/reset-password`)
    await page.getByText('This link is incomplete').waitFor()
    await expectAccessible(page)
    await page.goto(`${platform.url}/verify-email`)
    await page.getByRole('heading', { name: 'Verification failed' }).waitFor()
    await expectAccessible(page)
    await page.goto(`${platform.url}/no-such-page`)
    await page.getByRole('heading', { name: 'Page not found' }).waitFor()
    await expectAccessible(page)
  })
})
