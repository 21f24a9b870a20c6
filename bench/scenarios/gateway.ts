import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { root, startServer, type ServerChild } from '../lib/children.ts'
import type { Variant } from '../lib/measure.ts'
import type { Scenario } from './types.ts'

/**
 * Gateway pass-through in cluster mode (gateway process → service process over HTTP, no database),
 * against the raw node:http server hit directly and against Express 5 + http-proxy-middleware
 * forwarding to the same service.
 */
export const gatewayScenario: Scenario = {
  name: 'gateway',
  title:
    'pass-through GET /api/bench/ping: gateway → service vs raw node:http and Express 5 + http-proxy-middleware',
  connections: 100,
  targets: [
    {
      kind: 'ratio',
      label: 'gateway req/s ≥ 0.25× raw node:http',
      variant: 'gateway',
      baseline: 'raw',
      min: 0.25,
    },
    {
      kind: 'ratio',
      label: 'gateway req/s ≥ 2.5× express+hpm',
      variant: 'gateway',
      baseline: 'express',
      min: 2.5,
    },
    { kind: 'p99', label: 'gateway p99 ≤ 25 ms at 100 connections', variant: 'gateway', maxMs: 25 },
  ],
  async setup(logDir) {
    const serviceLog = join(logDir, 'gateway-upstream-service.log')
    const gatewayLog = join(logDir, 'gateway.log')
    const notes: string[] = []
    const servers: ServerChild[] = []
    const variants: Variant[] = []
    const [raw, service] = await Promise.all([
      startServer('raw', 'raw-http'),
      startServer('service', 'service', {}, serviceLog),
    ])
    servers.push(raw, service)
    variants.push({ key: 'raw', label: 'raw node:http (direct)', url: `${raw.url}/ping`, servers: [raw] })

    if (!existsSync(resolve(root, 'services/gateway/src/gateway.ts'))) {
      notes.push('gateway variant skipped: services/gateway/src/gateway.ts does not exist yet')
    } else {
      try {
        const gateway = await startServer('gateway', 'gateway', { upstream: service.url }, gatewayLog)
        servers.push(gateway)
        variants.push({
          key: 'gateway',
          label: 'gateway → service',
          url: `${gateway.url}/api/bench/ping`,
          servers: [gateway, service],
        })
      } catch (error) {
        notes.push(
          `gateway variant skipped: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
        )
      }
    }

    const proxy = await startServer('express', 'express-proxy', { upstream: service.url })
    servers.push(proxy)
    variants.push({
      key: 'express',
      label: 'express+hpm → service',
      url: `${proxy.url}/api/bench/ping`,
      servers: [proxy, service],
    })
    // Every variant gets the same request bytes, including the gateway's access token.
    const headers = servers.find((s) => s.name === 'gateway')?.headers ?? {}
    for (const variant of variants) variant.headers = headers
    return { variants, servers, logFiles: [serviceLog, gatewayLog], notes }
  },
}
