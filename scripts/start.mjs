#!/usr/bin/env node
/**
 * `npm start` / `npm run learnmesh -- <command>`: runs the learnmesh CLI from plain JavaScript.
 *
 * Node 20's module hooks (what tsx uses to run TypeScript) add ~0.6 ms to every module load, and the
 * platform loads a few thousand modules: over a second of start-up. So the CLI and the workspace
 * sources are bundled with esbuild into .tmp/start/learnmesh.mjs (rebuilt only when a source file
 * is newer than the bundle, ~0.2 s), while npm dependencies stay external and load natively from
 * where each package would find them. `import.meta.url` in our sources is pinned to the original
 * file, so paths like a service's migrations folder resolve exactly as under tsx.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const root = resolve(import.meta.dirname, '..')
const outfile = join(root, '.tmp/start/learnmesh.mjs')

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

if (!existsSync(outfile) || statSync(outfile).mtimeMs < newestSource()) {
  const { build } = await import('esbuild')
  const result = await build({
    write: false,
    absWorkingDir: root,
    entryPoints: ['packages/cli/src/main.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
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
  mkdirSync(join(root, '.tmp/start'), { recursive: true })
  for (const file of result.outputFiles) {
    const tmp = `${file.path}.${process.pid}`
    writeFileSync(tmp, file.contents)
    renameSync(tmp, file.path)
  }
}

await import(pathToFileURL(outfile).href)
