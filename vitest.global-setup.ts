import { rmSync } from 'node:fs'

/** Templates are keyed by migration content, so stale ones are harmless; clear them once per run anyway. */
export default function setup(): void {
  rmSync('.tmp/pglite-templates', { recursive: true, force: true })
}
