#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { ConfigError } from '@learnmesh/kernel'

const usage = `learnmesh <command>

Commands:
  start      run the whole platform in one process (embedded PGlite, in-process events)
  cluster    every service as its own process on PostgreSQL, RabbitMQ and Redis (127.0.0.1)
             [--replicas <service>=<n>[,...]]
  migrate    apply every service's migrations (DATABASE_URL, or the embedded database); on
             PostgreSQL also create each service's least-privileged role
             [--print-urls] the DATABASE_URL each service must use   [--no-roles]
  seed       create the demo organization and users if missing
  dlq        inspect and re-drive dead letters: dlq <list|show|replay> <service> [--id <eventId>]... [--json]
  help       this text
`

async function main(): Promise<void> {
  const { positionals } = parseArgs({ allowPositionals: true, strict: false })
  const command = positionals[0] ?? 'help'
  switch (command) {
    case 'start': {
      const { startEmbedded } = await import('./start.ts')
      const platform = await startEmbedded({ env: process.env })
      const stop = async (signal: string) => {
        process.stdout.write(`\n${signal}: shutting down…\n`)
        const timer = setTimeout(() => process.exit(1), 10_000)
        timer.unref()
        await platform.close()
        process.exit(0)
      }
      process.once('SIGINT', () => void stop('SIGINT'))
      process.once('SIGTERM', () => void stop('SIGTERM'))
      return
    }
    case 'migrate': {
      const { values } = parseArgs({
        args: process.argv.slice(3),
        options: { 'print-urls': { type: 'boolean' }, 'no-roles': { type: 'boolean' } },
      })
      const { migrateAll } = await import('./migrate.ts')
      const roles = await migrateAll(process.env, { roles: !values['no-roles'] })
      if (values['print-urls']) {
        // The services' DATABASE_URLs (with passwords): for an env file or a secret store, not for logs.
        for (const r of roles) process.stdout.write(`${r.service}=${r.url}\n`)
      }
      return
    }
    case 'cluster': {
      const { values } = parseArgs({
        args: process.argv.slice(3),
        options: { replicas: { type: 'string', multiple: true } },
      })
      const { startCluster, parseReplicas } = await import('./cluster.ts')
      const { services } = await import('./services.ts')
      const replicas = parseReplicas(
        values.replicas ?? [],
        services.map((s) => s.name),
      )
      const cluster = await startCluster({
        env: process.env,
        replicas,
        bundles: process.env.LEARNMESH_BUNDLES,
      })
      const stop = (signal: string) => {
        process.stdout.write(`\n${signal}: stopping the cluster…\n`)
        cluster.stop().then(
          () => {
            process.stdout.write('  every process stopped\n')
            process.exit(0)
          },
          (err: unknown) => {
            process.stderr.write(`${String(err)}\n`)
            process.exit(1)
          },
        )
      }
      process.once('SIGINT', () => stop('SIGINT'))
      process.once('SIGTERM', () => stop('SIGTERM'))
      return
    }
    case 'dlq': {
      const { runDlq } = await import('./dlq.ts')
      process.exitCode = await runDlq(process.argv.slice(3), process.env, {
        out: (t) => process.stdout.write(t),
        err: (t) => process.stderr.write(t),
      })
      return
    }
    case 'seed': {
      const { seedAll } = await import('./migrate.ts')
      await seedAll(process.env)
      return
    }
    case 'help':
    case '--help':
      process.stdout.write(usage)
      return
    default:
      process.stderr.write(`unknown command: ${command}\n\n${usage}`)
      process.exitCode = 2
  }
}

main().catch((err: unknown) => {
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`${(err as Error).message}\n\n${usage}`)
    process.exit(2)
  }
  if (err instanceof ConfigError || (err as Error).name === 'ClusterError') {
    process.stderr.write(`${(err as Error).message}\n`)
  } else {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  }
  process.exit(1)
})
