#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { ConfigError } from '@learnmesh/kernel'

const usage = `learnmesh <command>

Commands:
  start      run the whole platform in one process (embedded PGlite, in-process events)
  migrate    apply every service's migrations (DATABASE_URL, or the embedded database)
  seed       create the demo organization and users if missing
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
      const { migrateAll } = await import('./migrate.ts')
      await migrateAll(process.env)
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
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`)
  } else {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  }
  process.exit(1)
})
