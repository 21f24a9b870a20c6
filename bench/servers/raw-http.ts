// Baseline: the cheapest correct JSON endpoint node:http can serve, nothing else.
import { createServer } from 'node:http'
import { serveChild } from './child.ts'

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/ping') {
    // Serialized per request, like any real handler's response.
    const body = JSON.stringify({ ok: true })
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    })
    res.end(body)
  } else {
    res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' })
    res.end('{"ok":false}')
  }
})
server.keepAliveTimeout = 72_000

await serveChild(
  () => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server))),
  () => new Promise((resolve) => server.close(() => resolve())),
)
