import { readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'

/**
 * PGlite templates are keyed by the content of the migrations they hold, so a stale one is never
 * used; this only prunes those untouched for a day so `.tmp` does not grow without bound.
 */
export default function setup(): void {
  const dir = '.tmp/pglite-templates'
  let files: string[] = []
  try {
    files = readdirSync(dir)
  } catch {
    return
  }
  const dayAgo = Date.now() - 24 * 3600_000
  for (const f of files) {
    const path = join(dir, f)
    try {
      if (statSync(path).mtimeMs < dayAgo) rmSync(path, { force: true })
    } catch {
      // another run pruned it first
    }
  }
}
