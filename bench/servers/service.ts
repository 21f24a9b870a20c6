// A learnmesh service exactly as main.ts builds one: createApp's full default stack (UUIDv7 request
// ids and the x-request-id header, a logger at 'info' writing to stdout, which the runner points at a
// file: services log failed requests, the gateway keeps the access log, see `logRequests`; RED
// metrics per route; problem+json errors), plus one trivial schema-declared route.
import { createApp, Type } from '@learnmesh/kernel'
import { childOptions, serveChild } from './child.ts'

const options = childOptions<{ name?: string }>()
const app = await createApp({ name: options.name ?? 'bench' })
app.get(
  '/ping',
  { schema: { response: { 200: Type.Object({ ok: Type.Boolean() }, { additionalProperties: false }) } } },
  async () => ({ ok: true }),
)

await serveChild(
  async () => {
    await app.listen({ host: '127.0.0.1', port: 0 })
    return app.server
  },
  () => app.close(),
)
