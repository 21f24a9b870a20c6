// A learnmesh service exactly as main.ts builds one: createApp's full default stack (request ids,
// per-request logging at 'info' to stdout, which the runner points at a file, RED metrics,
// problem+json errors), plus one trivial schema-declared route.
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
