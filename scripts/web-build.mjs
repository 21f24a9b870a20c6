/**
 * Keeps the web app's production build (apps/web/dist, served by the gateway at /) up to date for
 * `npm start` and `npm run cluster`: builds it with Vite (`npm run build -w @learnmesh/web`) when dist is missing or older than any
 * source of apps/web (src, index.html, vite.config.ts, package.json, the lockfile). A build takes a
 * few seconds; an up-to-date one costs a directory walk. Without Vite installed (a production
 * install without dev dependencies) an existing build is served as is, and a missing one leaves the
 * gateway's placeholder page.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const app = join(root, 'apps/web')
const marker = join(app, 'dist/index.html')

function newestSource() {
  let newest = 0
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else newest = Math.max(newest, statSync(path).mtimeMs)
    }
  }
  for (const dir of ['src', 'public']) if (existsSync(join(app, dir))) walk(join(app, dir))
  for (const file of ['index.html', 'vite.config.ts', 'package.json']) {
    if (existsSync(join(app, file))) newest = Math.max(newest, statSync(join(app, file)).mtimeMs)
  }
  return Math.max(newest, statSync(join(root, 'package-lock.json')).mtimeMs)
}

const isFresh = () => existsSync(marker) && statSync(marker).mtimeMs >= newestSource()
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/**
 * One build at a time across processes (tests start several platforms at once, and Vite empties
 * dist first): a lock directory under .tmp, created atomically; a lock older than two minutes is
 * taken as left by a killed process.
 */
function withLock(fn) {
  const lock = join(root, '.tmp', 'web-build.lock')
  mkdirSync(join(root, '.tmp'), { recursive: true })
  for (;;) {
    try {
      mkdirSync(lock)
      break
    } catch (error) {
      if (error.code !== 'EEXIST') throw error
      try {
        if (Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true })
      } catch {
        // released meanwhile
      }
      sleep(250)
    }
  }
  try {
    return fn()
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}

/** Builds apps/web when its build is missing or stale. */
export function ensureWebBuild() {
  if (!existsSync(join(app, 'package.json')) || isFresh()) return
  withLock(() => {
    if (isFresh()) return // another process built it while we waited
    console.log('web app: building apps/web (missing, or sources changed since the last build)…')
    // Through npm so Vite resolves from wherever the install put it (root or apps/web/node_modules).
    const result = spawnSync('npm', ['run', 'build', '-w', '@learnmesh/web', '--', '--logLevel', 'warn'], {
      cwd: root,
      stdio: 'inherit',
      shell: process.platform === 'win32',
    })
    if (result.status !== 0) {
      console.warn(
        existsSync(marker)
          ? 'web app: the build failed; serving the previous build'
          : 'web app: the build failed (is Vite installed?); the gateway serves its placeholder page',
      )
    }
  })
}
