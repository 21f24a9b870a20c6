import { randomFillSync } from 'node:crypto'
import { v7 } from 'uuid'

// Request ids and event ids are made on hot paths: draw their random bits 256 ids at a time
// instead of one getrandom call per id.
const POOL_IDS = 256
const pool = new Uint8Array(16 * POOL_IDS)
let next = POOL_IDS

/** A time-ordered UUIDv7 (RFC 9562), monotonic within this process. */
export function uuid7(): string {
  if (next === POOL_IDS) {
    randomFillSync(pool)
    next = 0
  }
  const offset = 16 * next++
  return v7({ random: pool.subarray(offset, offset + 16) })
}

const uuidv7 = uuid7

/**
 * A prefixed, time-ordered id such as `usr_0192f7c4e6f87a3b9c1d2e3f4a5b6c7d`: the prefix says
 * what the id names (usr, org, ses, ...), the rest is a UUIDv7 without dashes so ids sort by creation.
 */
export function newId(prefix: string): string {
  return `${prefix}_${uuidv7().replaceAll('-', '')}`
}

/** True when `id` looks like an id made by `newId(prefix)`. */
export function isId(prefix: string, id: string): boolean {
  return (
    id.length === prefix.length + 33 &&
    id.startsWith(`${prefix}_`) &&
    /^[0-9a-f]{32}$/.test(id.slice(prefix.length + 1))
  )
}
