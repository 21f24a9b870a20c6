// Reference: Fastify with its defaults (no logger) and the same schema-declared route: what the
// framework alone costs over raw node:http, so the kernel's own share of the gap can be read off.
import Fastify from 'fastify'
import { serveApp } from './child.ts'
import { pingRoute } from './ping.ts'

const app = Fastify()
app.get('/ping', pingRoute, async () => ({ ok: true }))
await serveApp(app)
