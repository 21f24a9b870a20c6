import { join } from 'node:path'
import { startServer } from '../lib/children.ts'
import type { Scenario } from './types.ts'

/**
 * A service's trivial GET (kernel createApp with its whole default stack, logging at 'info' to a
 * file) against a raw node:http server answering the same JSON, with bare Fastify beside them as a
 * reference (no target).
 */
export const httpScenario: Scenario = {
  name: 'http',
  title: 'trivial GET /ping: kernel createApp service vs raw node:http',
  connections: 100,
  targets: [
    {
      kind: 'ratio',
      label: 'service req/s ≥ 0.85× raw node:http',
      variant: 'service',
      baseline: 'raw',
      min: 0.85,
    },
  ],
  async setup(logDir) {
    const serviceLog = join(logDir, 'http-service.log')
    const [raw, service, fastify] = await Promise.all([
      startServer('raw', 'raw-http'),
      startServer('service', 'service', {}, serviceLog),
      startServer('fastify', 'fastify-bare'),
    ])
    return {
      variants: [
        { key: 'raw', label: 'raw node:http', url: `${raw.url}/ping`, servers: [raw] },
        { key: 'service', label: 'service (createApp)', url: `${service.url}/ping`, servers: [service] },
        // No target: shows how much of the gap to raw node:http is the framework's and how much the kernel's.
        { key: 'fastify', label: 'bare Fastify (reference)', url: `${fastify.url}/ping`, servers: [fastify] },
      ],
      servers: [raw, service, fastify],
      logFiles: [serviceLog],
      notes: [],
    }
  },
}
