import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { gzip } from 'node:zlib'
import type { FastifyInstance } from 'fastify'

const gzipAsync = promisify(gzip)

/**
 * The Scalar standalone bundle shipped inside @scalar/fastify-api-reference (pinned to 1.44.26: later
 * versions depend on packages that require Node 22). Served from this process, so the reference
 * works offline; no CDN, no fonts from the internet.
 */
function scalarBundlePath(): string {
  const entry = createRequire(import.meta.url).resolve('@scalar/fastify-api-reference')
  return join(dirname(entry), 'js', 'standalone.js')
}

const page = (specUrl: string, prefix: string) => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>learnmesh API reference</title>
    <meta name="description" content="Interactive reference of every learnmesh service API, generated from ${specUrl}." />
  </head>
  <body>
    <noscript>The interactive reference needs JavaScript. The raw OpenAPI document is at <a href="${specUrl}">${specUrl}</a>.</noscript>
    <div id="app"></div>
    <script src="${prefix}/scalar.js"></script>
    <script src="${prefix}/init.js"></script>
  </body>
</html>
`

// An external init script rather than an inline one, so the page's CSP needs no 'unsafe-inline' script.
const init = (specUrl: string) =>
  `Scalar.createApiReference('#app', ${JSON.stringify({
    url: specUrl,
    withDefaultFonts: false,
    hideClientButton: true,
    metaData: { title: 'learnmesh API reference' },
    defaultHttpClient: { targetKey: 'shell', clientKey: 'curl' },
    authentication: { preferredSecurityScheme: 'bearer' },
  })})\n`

/**
 * Registers the interactive API reference: `GET <prefix>` (HTML), `<prefix>/scalar.js` (the bundle,
 * gzipped when the browser accepts it, cached for an hour) and `<prefix>/init.js` (points it at
 * `specUrl`). The routes are hidden from OpenAPI.
 */
export function registerDocs(app: FastifyInstance, options: { prefix: string; specUrl: string }): void {
  const { prefix, specUrl } = options
  const html = page(specUrl, prefix)
  const initScript = init(specUrl)
  let bundle: Promise<{ plain: Buffer; gzipped: Buffer; etag: string }> | undefined
  const loadBundle = () =>
    (bundle ??= (async () => {
      const plain = await readFile(scalarBundlePath())
      const gzipped = await gzipAsync(plain)
      return { plain, gzipped, etag: `"scalar-${plain.length.toString(36)}"` }
    })().catch((err: unknown) => {
      bundle = undefined
      throw err
    }))

  const hidden = { schema: { hide: true } }
  app.get(prefix, hidden, async (_request, reply) => {
    reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8')
    return html
  })
  app.get(`${prefix}/init.js`, hidden, async (_request, reply) => {
    reply.header('cache-control', 'no-cache').type('text/javascript; charset=utf-8')
    return initScript
  })
  app.get(`${prefix}/scalar.js`, hidden, async (request, reply) => {
    const { plain, gzipped, etag } = await loadBundle()
    reply
      .header('etag', etag)
      .header('cache-control', 'public, max-age=3600')
      .header('vary', 'accept-encoding')
    if (request.headers['if-none-match'] === etag) return reply.code(304).send()
    reply.type('text/javascript; charset=utf-8')
    if (/\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) {
      reply.header('content-encoding', 'gzip')
      return gzipped
    }
    return plain
  })
}
