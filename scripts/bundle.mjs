/**
 * Bundles learnmesh entry points (the CLI, each service's main.ts) with esbuild into plain
 * JavaScript under .tmp/start/, rebuilding only when a workspace source is newer than the bundle.
 *
 * Node 20's module hooks (what tsx uses to run TypeScript) add ~0.6 ms to every module load, and the
 * platform loads a few thousand modules: over a second of start-up per process. npm dependencies stay
 * external and load natively from where each package would find them. `import.meta.url` in our
 * sources is pinned to the original file, so paths like a service's migrations folder resolve
 * exactly as under tsx.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

/** The repository root. */
export const root = resolve(import.meta.dirname, '..')
/** Where bundles go. */
export const outdir = join(root, '.tmp/start')

/** Newest modification time of the workspace sources and manifests (what a bundle is built from). */
function newestSource() {
  let newest = statSync(join(root, 'package-lock.json')).mtimeMs
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.ts') || entry.name === 'package.json')
        newest = Math.max(newest, statSync(path).mtimeMs)
    }
  }
  for (const group of ['packages', 'services']) {
    for (const pkg of readdirSync(join(root, group))) {
      const src = join(root, group, pkg, 'src')
      if (existsSync(src)) walk(src)
      const manifest = join(root, group, pkg, 'package.json')
      if (existsSync(manifest)) newest = Math.max(newest, statSync(manifest).mtimeMs)
    }
  }
  return newest
}

/** The services that can run as their own process (they have `src/main.ts`), by name. */
export function serviceEntries() {
  const entries = {}
  for (const name of readdirSync(join(root, 'services'))) {
    const main = join('services', name, 'src', 'main.ts')
    if (existsSync(join(root, main))) entries[`services/${name}`] = main
  }
  return entries
}

/**
 * Makes sure `.tmp/start/<name>.mjs` is up to date for each `{ name: entry }` (entry relative to the
 * root), building the stale ones in one esbuild run. Returns the bundle paths by name.
 */
export async function ensureBundles(entries) {
  const paths = Object.fromEntries(Object.keys(entries).map((name) => [name, join(outdir, `${name}.mjs`)]))
  const newest = newestSource()
  const stale = Object.keys(entries).filter(
    (name) => !existsSync(paths[name]) || statSync(paths[name]).mtimeMs < newest,
  )
  if (stale.length === 0) return paths
  const { build } = await import('esbuild')
  const result = await build({
    write: false,
    absWorkingDir: root,
    entryPoints: Object.fromEntries(stale.map((name) => [name, entries[name]])),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outdir,
    outExtension: { '.js': '.mjs' },
    sourcemap: 'linked',
    logLevel: 'warning',
    plugins: [
      {
        name: 'learnmesh-sources',
        setup(b) {
          // npm packages stay external, resolved from the importing workspace (each may pin its own versions).
          b.onResolve({ filter: /^[^./]/ }, async (args) => {
            if (
              args.path.startsWith('@learnmesh/') ||
              args.path.startsWith('node:') ||
              args.pluginData === 'inner'
            )
              return undefined
            const r = await b.resolve(args.path, {
              resolveDir: args.resolveDir,
              kind: args.kind,
              pluginData: 'inner',
            })
            if (r.errors.length) return { errors: r.errors }
            return { path: r.external ? args.path : r.path, external: true }
          })
          b.onLoad({ filter: /\.ts$/ }, async (args) => ({
            contents: (await readFile(args.path, 'utf8')).replaceAll(
              'import.meta.url',
              JSON.stringify(pathToFileURL(args.path).href),
            ),
            loader: 'ts',
          }))
        },
      },
    ],
  })
  // Written under temporary names, then renamed: a concurrent start never loads a half-written bundle.
  for (const file of result.outputFiles) {
    mkdirSync(dirname(file.path), { recursive: true })
    const tmp = `${file.path}.${process.pid}`
    writeFileSync(tmp, file.contents)
    renameSync(tmp, file.path)
  }
  return paths
}
