#!/usr/bin/env node
/**
 * Bundle budget: the JavaScript a browser must load before the catalog page can render (the entry
 * chunk, the catalog route's lazy chunk and every chunk either imports statically) must stay at or
 * under 250 KB gzipped. Reads Vite's build manifest (dist/.vite/manifest.json); run after
 * `vite build`. Exits 1 over budget or when the build is missing.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

const BUDGET_BYTES = 250 * 1024
const ROUTE = 'src/pages/CatalogPage.tsx'
const dist = join(import.meta.dirname, '..', 'dist')
const manifestPath = join(dist, '.vite', 'manifest.json')

if (!existsSync(manifestPath)) {
  console.error(`check:bundle: ${manifestPath} is missing; run \`npm run build -w @learnmesh/web\` first`)
  process.exit(1)
}
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
const entry = Object.keys(manifest).find((key) => manifest[key].isEntry)
if (!entry || !manifest[ROUTE]) {
  console.error(`check:bundle: the manifest has no ${entry ? ROUTE : 'entry chunk'}`)
  process.exit(1)
}

/** Every chunk key loaded eagerly with `key`: itself and its static imports, transitively. */
const eager = new Set()
const visit = (key) => {
  if (eager.has(key)) return
  eager.add(key)
  for (const imported of manifest[key].imports ?? []) visit(imported)
}
visit(entry)
visit(ROUTE)

let total = 0
const rows = []
for (const key of eager) {
  const file = manifest[key].file
  if (!file.endsWith('.js')) continue
  const gzipped = gzipSync(readFileSync(join(dist, file)), { level: 9 }).length
  total += gzipped
  rows.push([file, gzipped])
}
rows.sort((a, b) => b[1] - a[1])
for (const [file, size] of rows) console.log(`${(size / 1024).toFixed(1).padStart(8)} KB  ${file}`)
const verdict = total <= BUDGET_BYTES ? 'within' : 'OVER'
console.log(
  `catalog route initial JS: ${(total / 1024).toFixed(1)} KB gzipped, ${verdict} the ${BUDGET_BYTES / 1024} KB budget`,
)
if (total > BUDGET_BYTES) process.exit(1)
