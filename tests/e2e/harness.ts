/**
 * Browser-test harness: runs `npm start` (the real embedded platform, web build included) on a free
 * port with a fresh data folder, and drives the system Chromium through playwright-core (no browser
 * download: CHROMIUM_PATH, default /usr/bin/chromium). Screenshots go to tests/e2e/artifacts/.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import AxeBuilder from '@axe-core/playwright'
import { chromium, type Browser, type Locator, type Page } from 'playwright-core'
import { inject } from 'vitest'

export const root = resolve(import.meta.dirname, '../..')
export const artifacts = join(root, 'tests/e2e/artifacts')

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolvePort(port))
    })
  })
}

export interface Platform {
  url: string
  stop(): Promise<void>
}

/** The build made once per run by tests/e2e/global-setup.ts. */
function builtWeb(): string {
  const dir = inject('e2eWebRoot')
  if (!dir) throw new Error('tests/e2e/global-setup.ts did not build the web app')
  return dir
}

/** Starts `npm start` on a free port and a temporary DATA_DIR; resolves once the web app answers. */
export async function startPlatform(): Promise<Platform> {
  const webRoot = builtWeb()
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'learnmesh-e2e-'))
  const url = `http://127.0.0.1:${port}`
  const output: string[] = []
  const child: ChildProcess = spawn(process.execPath, ['scripts/start.mjs', 'start'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      PUBLIC_URL: url,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_MAX: '0',
      WEB_ROOT: webRoot,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()))
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()))
  let exited = false
  child.once('exit', () => (exited = true))

  const stop = async () => {
    if (!exited && child.pid) {
      process.kill(-child.pid, 'SIGTERM')
      await new Promise<void>((done) => {
        const timer = setTimeout(() => {
          if (!exited && child.pid) process.kill(-child.pid, 'SIGKILL')
          done()
        }, 15_000)
        child.once('exit', () => {
          clearTimeout(timer)
          done()
        })
      })
    }
    rmSync(dataDir, { recursive: true, force: true })
  }

  const deadline = Date.now() + 180_000
  while (Date.now() < deadline) {
    if (exited) throw new Error(`npm start exited early:\n${output.join('')}`)
    try {
      const res = await fetch(`${url}/api/learning/catalog?limit=1`)
      const page = await fetch(`${url}/catalog`)
      if (res.ok && page.ok && (await page.text()).includes('id="root"')) return { url, stop }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500))
  }
  await stop()
  throw new Error(`npm start did not serve the web app within 180 s:\n${output.join('')}`)
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  })
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(artifacts, { recursive: true })
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true })
}

/** Accessibility violations of impact serious or critical on the current page (axe-core). */
/**
 * Waits (up to 2 s) until no menu is on the page: a Mantine menu closed by choosing an item stays in
 * the DOM through its closing transition, with its items already gone, and axe then reports a
 * `menu` without `menuitem` children that no user can see. An intentionally open menu just costs
 * the wait.
 */
export async function menusClosed(page: Page): Promise<void> {
  await page
    .locator('[role="menu"]')
    .first()
    .waitFor({ state: 'detached', timeout: 2000 })
    .catch(() => {})
  await animationsDone(page)
}

/**
 * Waits (at most 2 s) for running CSS transitions and animations to end: axe measures colour contrast
 * on what is painted, and a modal still fading in has text at part opacity (a contrast "violation"
 * that is gone 200 ms later).
 */
export async function animationsDone(page: Page): Promise<void> {
  await page
    .evaluate(() =>
      Promise.race([
        Promise.all(document.getAnimations().map((a) => a.finished.catch(() => undefined))),
        new Promise((resolve) => setTimeout(resolve, 2000)),
      ]),
    )
    .catch(() => {})
}

export async function seriousViolations(page: Page): Promise<string[]> {
  await menusClosed(page)
  const result = await new AxeBuilder({ page }).analyze()
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
}

/** The password of the accounts the journeys sign up. */
export const e2ePassword = 'correct horse battery staple 42'

/**
 * From a page that links to the dev mailbox (the "Account created" notice): opens the mailbox, then
 * the newest email to `email`, and returns its verification link once shown.
 */
export async function openVerificationEmail(page: Page, email: string): Promise<Locator> {
  await page.getByRole('link', { name: 'dev mailbox', exact: true }).click()
  await page.getByRole('heading', { name: 'Dev mailbox' }).waitFor()
  const mail = page
    .getByRole('list', { name: 'Emails' })
    .getByRole('listitem')
    .filter({ hasText: email })
    .first()
  await mail.waitFor({ timeout: 30_000 })
  await mail.getByRole('link').click()
  const verifyLink = page.getByRole('link', { name: /\/verify-email\?token=/ })
  await verifyLink.waitFor()
  return verifyLink
}

/**
 * From the open sign-up form: signs up `name` <`email`> with `e2ePassword`, then verifies the email
 * with the link read from the dev mailbox page. Resolves on the "Email verified" page, signed in.
 */
export async function signUpAndVerifyEmail(page: Page, name: string, email: string): Promise<void> {
  await page.getByLabel('Name').fill(name)
  await page.getByLabel('Email').fill(email)
  await page.getByRole('textbox', { name: 'Password' }).fill(e2ePassword)
  await page.getByRole('button', { name: 'Sign up' }).click()
  await page.getByText('Account created').waitFor()
  await (await openVerificationEmail(page, email)).click()
  await page.getByRole('heading', { name: 'Email verified' }).waitFor()
}
