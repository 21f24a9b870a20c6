import { AppError, type Database, type Role } from '@learnmesh/kernel'
import { createPasswordHasher, type Argon2Params } from './shared/passwords.ts'
import { createUsersRepository } from './users/users.repository.ts'
import { createUserTx } from './users/users.service.ts'
import { ensureOrg, joinOrg } from './orgs/orgs.service.ts'
import { toRoles } from './sessions/sessions.service.ts'

/** Production argon2id parameters (OWASP). */
const DEFAULT_ARGON2: Argon2Params = { memoryCost: 19456, timeCost: 2, parallelism: 1 }

/** Creates the default organization when it does not exist yet (first start). */
export async function ensureDefaultOrg(database: Database, slug: string, name: string): Promise<string> {
  return database.db.transaction(async (tx) => (await ensureOrg(tx, slug, name)).id)
}

/** What `seedIdentity` creates. */
export interface SeedInput {
  /** Organization the seeded users join (created when missing). */
  orgSlug: string
  orgName: string
  users: {
    email: string
    password: string
    displayName: string
    /** Roles in the organization (unknown roles are ignored). */
    roles: string[]
    platformAdmin?: boolean
  }[]
}

/**
 * Seeds an organization and users, idempotently: existing users (by email) are skipped untouched.
 * Seeded users are email-verified; their registration events go through the outbox with via 'seed'.
 * Seed passwords are not checked against the breached list (they are printed demo credentials).
 */
export async function seedIdentity(
  database: Database,
  input: SeedInput,
  options: { argon2?: Argon2Params } = {},
): Promise<{ orgId: string; users: { email: string; userId: string; created: boolean }[] }> {
  const hasher = createPasswordHasher(options.argon2 ?? DEFAULT_ARGON2)
  const repo = createUsersRepository()
  const orgId = await ensureDefaultOrg(database, input.orgSlug, input.orgName)
  const out: { email: string; userId: string; created: boolean }[] = []
  for (const u of input.users) {
    const email = u.email.trim().toLowerCase()
    const existing = await repo.findByEmail(database.db, email)
    if (existing) {
      out.push({ email, userId: existing.id, created: false })
      continue
    }
    const roles: Role[] = toRoles(u.roles)
    const passwordHash = await hasher.hash(u.password)
    try {
      const user = await database.db.transaction(async (tx) => {
        const created = await createUserTx(tx, {
          email,
          displayName: u.displayName,
          passwordHash,
          verified: true,
          platformAdmin: u.platformAdmin ?? false,
          orgId,
          roles: null,
          via: 'seed',
          traceparent: null,
        })
        await joinOrg(tx, {
          orgId,
          userId: created.id,
          roles: roles.length ? roles : ['learner'],
          changedBy: null,
          traceparent: null,
        })
        return created
      })
      out.push({ email, userId: user.id, created: true })
    } catch (e) {
      if (!(e instanceof AppError && e.code === 'already_exists')) throw e
      const raced = await repo.findByEmail(database.db, email)
      out.push({ email, userId: raced!.id, created: false })
    }
  }
  return out.length ? { orgId, users: out } : { orgId, users: [] }
}
