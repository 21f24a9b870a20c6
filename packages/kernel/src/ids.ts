import { v7 } from 'uuid'

/**
 * A time-ordered UUIDv7 (RFC 9562), monotonic within this process: ids made in the same millisecond
 * keep their order (uuid's own counter; its random bytes come from a pooled `randomFillSync`). Do not
 * pass `v7` options here: with any option (even only `random`) uuid skips the counter, and ids of one
 * millisecond would sort at random.
 */
export function uuid7(): string {
  return v7()
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
