import webpush from 'web-push'
import type { Database, DbOrTx } from '@learnmesh/kernel'
import type { CommunicationConfig } from '../config.ts'
import { pushVapidKeys } from '../db/schema.ts'

/** A VAPID key pair (base64url, as browsers and web-push expect). */
export interface VapidKeys {
  publicKey: string
  privateKey: string
}

const cache = new WeakMap<Database, Promise<VapidKeys>>()

/**
 * The VAPID key pair: from VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY when configured (always in
 * production: config refuses to start without them); otherwise a pair generated once and kept in
 * `push_vapid_keys`, so a laptop's `npm start` pushes with no setup and the browsers' subscriptions
 * survive restarts. Concurrent first calls (several replicas) agree: the first insert wins.
 * Inside a transaction (a job), pass it as `tx`: the pair is read through it and not cached (the
 * transaction might roll back a pair it generated).
 */
export function vapidKeys(database: Database, config: CommunicationConfig, tx?: DbOrTx): Promise<VapidKeys> {
  if (config.VAPID_PUBLIC_KEY !== '') {
    return Promise.resolve({ publicKey: config.VAPID_PUBLIC_KEY, privateKey: config.VAPID_PRIVATE_KEY })
  }
  let keys = cache.get(database)
  if (!keys && tx) return loadOrCreate(tx)
  if (!keys) {
    keys = loadOrCreate(database.db)
    cache.set(database, keys)
    keys.catch(() => cache.delete(database))
  }
  return keys
}

async function loadOrCreate(db: DbOrTx): Promise<VapidKeys> {
  const generated = webpush.generateVAPIDKeys()
  await db
    .insert(pushVapidKeys)
    .values({ id: 'default', publicKey: generated.publicKey, privateKey: generated.privateKey })
    .onConflictDoNothing()
  const [row] = await db.select().from(pushVapidKeys).limit(1)
  return { publicKey: row!.publicKey, privateKey: row!.privateKey }
}
