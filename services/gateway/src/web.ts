import { existsSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import { posix, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'
import { AppError, sendProblem } from '@learnmesh/kernel'

/** The web app's production build, when it has been built (`apps/web/dist`). */
const webBuild = fileURLToPath(new URL('../../../apps/web/dist', import.meta.url))
/** The placeholder page shipped with the gateway until the web app exists. */
export const placeholderRoot = fileURLToPath(new URL('../public', import.meta.url))

/** Where the static site comes from: an explicit folder, else the web build, else the placeholder. */
export function resolveWebRoot(configured: string | undefined): string {
  if (configured) return resolve(configured)
  return existsSync(resolve(webBuild, 'index.html')) ? webBuild : placeholderRoot
}

/**
 * Serves the static site at `/` with a single-page-app fallback: a GET for a file that exists gets
 * the file (Vite's hashed `/assets/*` cached for a year, everything else revalidated); a GET for a
 * path without a file extension gets `index.html`, so client-side routes survive a reload. Paths
 * under /api never fall back (an unknown API path is a 404 problem), nor do missing assets.
 */
export async function registerWeb(app: FastifyInstance, root: string): Promise<void> {
  await app.register(fastifyStatic, { root, serve: false, dotfiles: 'ignore', index: false })
  const base = resolve(root)

  async function existingFile(pathname: string): Promise<string | undefined> {
    const normalized = posix.normalize(pathname)
    if (normalized.split('/').some((segment) => segment.startsWith('.'))) return undefined
    const absolute = resolve(base, `.${normalized}`)
    if (absolute !== base && !absolute.startsWith(base + sep)) return undefined
    try {
      return (await stat(absolute)).isFile() ? normalized : undefined
    } catch {
      return undefined
    }
  }

  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    const rawPath = request.url.split('?')[0]!
    let pathname: string
    try {
      pathname = decodeURIComponent(rawPath)
    } catch {
      return sendProblem(request, reply, new AppError('not_found', 'Not found'))
    }
    if (pathname.includes('\0') || pathname === '/api' || pathname.startsWith('/api/')) {
      return sendProblem(request, reply, new AppError('not_found', `No route for GET ${rawPath}`))
    }
    const file = pathname === '/' ? undefined : await existingFile(pathname)
    if (file) {
      if (file.startsWith('/assets/')) return reply.sendFile(file, { maxAge: '365d', immutable: true })
      return reply.header('cache-control', 'no-cache').sendFile(file, { cacheControl: false })
    }
    if (posix.extname(pathname) !== '') {
      return sendProblem(request, reply, new AppError('not_found', `No file ${rawPath}`))
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false })
  })
}
