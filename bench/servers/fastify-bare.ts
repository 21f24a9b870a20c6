// Reference: Fastify with its defaults (no logger) and the same schema-declared route: what the
// framework alone costs over raw node:http, so the kernel's own share of the gap can be read off.
import Fastify from 'fastify'
import { Type } from '@learnmesh/kernel'
import { serveChild } from './child.ts'

const app = Fastify()
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
