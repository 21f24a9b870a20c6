// Comparison: the common Node proxy, Express 5 + http-proxy-middleware 3 with a keep-alive agent,
// forwarding /api/bench/* to the service child (the mount strips /api/bench, as the gateway does).
import { Agent } from 'node:http'
import express from 'express'
import { createProxyMiddleware } from 'http-proxy-middleware'
import { childOptions, serveChild } from './child.ts'

const { upstream } = childOptions<{ upstream: string }>()
const agent = new Agent({ keepAlive: true, maxSockets: 128 })
const app = express()
app.disable('x-powered-by')
app.use('/api/bench', createProxyMiddleware({ target: upstream, agent, xfwd: true }))
const server = app.listen(0, '127.0.0.1')

await serveChild(
  () =>
    new Promise((resolve, reject) => {
      server.once('listening', () => resolve(server))
      server.once('error', reject)
    }),
  async () => {
    agent.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  },
)
