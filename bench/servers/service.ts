// A learnmesh service exactly as main.ts builds one: createApp's full default stack (UUIDv7 request
// ids and the x-request-id header, a logger at 'info' writing to stdout, which the runner points at a
// file: services log failed requests, the gateway keeps the access log, see `logRequests`; RED
// metrics per route; problem+json errors), plus one trivial schema-declared route.
import { createApp } from '@learnmesh/kernel'
import { childOptions, serveApp } from './child.ts'
import { pingRoute } from './ping.ts'

const options = childOptions<{ name?: string }>()
const app = await createApp({ name: options.name ?? 'bench' })
app.get('/ping', pingRoute, async () => ({ ok: true }))
await serveApp(app)
