import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The web app built once for the whole run, served by every journey's `npm start` (WEB_ROOT). */
    e2eWebRoot: string
  }
}

/**
 * Builds the web app once for every journey into its own folder, so each file's `npm start` serves
 * the same build (WEB_ROOT) and never sees apps/web/dist rebuilt under it; removed after the run.
 */
export default function setup(project: TestProject): () => void {
  const root = resolve(import.meta.dirname, '../..')
  const outDir = mkdtempSync(join(tmpdir(), 'learnmesh-e2e-web-'))
  const started = Date.now()
  const result = spawnSync(
    'npm',
    ['run', 'build', '-w', '@learnmesh/web', '--', '--logLevel', 'warn', '--outDir', outDir, '--emptyOutDir'],
    { cwd: root, stdio: 'inherit' },
  )
  if (result.status !== 0) {
    rmSync(outDir, { recursive: true, force: true })
    throw new Error('the web app did not build')
  }
  console.log(`e2e: web app built once in ${Math.round((Date.now() - started) / 1000)} s`)
  project.provide('e2eWebRoot', outDir)
  return () => rmSync(outDir, { recursive: true, force: true })
}
