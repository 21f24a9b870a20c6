import { join } from 'node:path'
import { createLogger, migrate, openDatabase } from '@learnmesh/kernel'
import { seedIdentity } from '@learnmesh/identity'
import { loadEmbeddedConfig } from './config.ts'
import { demo, services } from './services.ts'

async function open(env: Record<string, string | undefined>) {
  const config = loadEmbeddedConfig(env)
  return openDatabase(
    config.DATABASE_URL ? { url: config.DATABASE_URL } : { dataDir: join(config.DATA_DIR, 'pglite') },
  )
}

/** `learnmesh migrate`: applies every service's pending migrations and prints what ran. */
export async function migrateAll(env: Record<string, string | undefined>): Promise<void> {
  const logger = createLogger('migrate', env.LOG_LEVEL ?? 'info')
  const database = await open(env)
  try {
    for (const service of services) {
      const applied = await migrate(database, service.migrations)
      logger.info(
        { service: service.name, applied },
        applied.length ? 'migrations applied' : 'schema up to date',
      )
    }
  } finally {
    await database.close()
  }
}

/** `learnmesh seed`: migrates, then creates the demo organization and users if they are missing. */
export async function seedAll(env: Record<string, string | undefined>): Promise<void> {
  const database = await open(env)
  try {
    for (const service of services) await migrate(database, service.migrations)
    await seedIdentity(database, {
      orgSlug: demo.orgSlug,
      orgName: demo.orgName,
      users: demo.users.map((u) => ({ ...u, roles: [...u.roles] })),
    })
  } finally {
    await database.close()
  }
}
