import { join } from 'node:path'
import { createLogger, migrate, openDatabase, type MigrationSet } from '@learnmesh/kernel'
import { seedIdentity } from '@learnmesh/identity'
import { loadEmbeddedConfig, loadRolesConfig } from './config.ts'
import { provisionRoles, rolePassword, roleName, type ServiceRole } from './roles.ts'
import { demo, services } from './services.ts'

async function open(env: Record<string, string | undefined>) {
  const config = loadEmbeddedConfig(env)
  return openDatabase(
    config.DATABASE_URL
      ? { url: config.DATABASE_URL, applicationName: 'learnmesh-migrate' }
      : { dataDir: join(config.DATA_DIR, 'pglite') },
  )
}

/** Options of `learnmesh migrate`. */
export interface MigrateOptions {
  /** Create/grant the per-service roles (PostgreSQL only; default true). */
  roles?: boolean
  /** Migration sets to apply (default: every service's). */
  sets?: MigrationSet[]
}

/**
 * `learnmesh migrate`: applies every service's pending migrations as the admin DATABASE_URL and, on
 * PostgreSQL, creates or updates each service's least-privileged role (see roles.ts). Returns the
 * roles with the URL each service must use (empty on the embedded database).
 */
export async function migrateAll(
  env: Record<string, string | undefined>,
  options: MigrateOptions = {},
): Promise<ServiceRole[]> {
  const logger = createLogger('migrate', env.LOG_LEVEL ?? 'info')
  const sets = options.sets ?? services.map((s) => s.migrations)
  const withRoles = options.roles !== false && Boolean(loadEmbeddedConfig(env).DATABASE_URL)
  // Checked before anything runs: a refused CLUSTER_SECRET must not leave migrations half-done.
  const rolesConfig = withRoles
    ? loadRolesConfig(
        env,
        sets.map((s) => s.service),
      )
    : undefined
  const database = await open(env)
  try {
    for (const set of sets) {
      const applied = await migrate(database, set)
      logger.info(
        { service: set.service, applied },
        applied.length ? 'migrations applied' : 'schema up to date',
      )
    }
    if (!rolesConfig || database.kind !== 'postgres') return []
    const passwords = Object.fromEntries(
      sets.map((s) => [
        s.service,
        rolePassword(
          env,
          rolesConfig.CLUSTER_SECRET,
          s.service,
          roleName(rolesConfig.LEARNMESH_ROLE_PREFIX, s.service),
        ),
      ]),
    )
    const roles = await provisionRoles(database, sets, {
      prefix: rolesConfig.LEARNMESH_ROLE_PREFIX,
      adminUrl: loadEmbeddedConfig(env).DATABASE_URL!,
      passwords,
    })
    for (const r of roles) logger.info({ service: r.service, role: r.role }, 'service role granted')
    return roles
  } finally {
    await database.close()
  }
}

/**
 * `learnmesh seed`: migrates, then creates the demo organization and users if they are missing.
 * Returns true when it created demo people (then the demo courses, which need the services running,
 * are due: `seedDemoLearning`, `seedDemoTutoring`, `seedDemoCommerce`).
 */
export async function seedAll(env: Record<string, string | undefined>): Promise<boolean> {
  const database = await open(env)
  try {
    for (const service of services) await migrate(database, service.migrations)
    const seeded = await seedIdentity(database, {
      orgSlug: demo.orgSlug,
      orgName: demo.orgName,
      users: demo.users.map((u) => ({ ...u, roles: [...u.roles] })),
    })
    return seeded.users.some((u) => u.created)
  } finally {
    await database.close()
  }
}
