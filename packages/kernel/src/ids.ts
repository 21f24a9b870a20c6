import { randomBytes, randomFillSync } from 'node:crypto'
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

/** Random counter seeds, refilled 256 at a time. */
const seeds = new Uint32Array(256)
let seedIndex = seeds.length
/** 48 random bits fixed for this process: the last group of every request id it makes. */
const processTail = randomBytes(6).toString('hex')
const COUNTER_BITS = 26
const COUNTER_LIMIT = 2 ** COUNTER_BITS
let requestMs = -1
let requestPrefix = ''
let requestCounter = 0
/** `requestPrefix` and the counter's top 12 bits, as text: changes every 16,384 ids at most. */
let requestHead = ''
let requestHeadOf = -1

/**
 * A UUIDv7 (RFC 9562) for a request id, about ten times cheaper than `uuid7`: the millisecond
 * timestamp, then a 26-bit counter in `rand_a` and the top of `rand_b` (RFC 9562 §6.2, method 1:
 * seeded at random below 2^25 each millisecond, so it never rolls over in practice; if it did, the
 * timestamp moves on by one), then 48 random bits drawn once per process. Ids are unique and
 * increasing within a process, and two processes collide only if they draw the same 48 bits and the
 * same counter in the same millisecond.
 *
 * Only for request ids and the like: ids of one process differ by a counter, so they are easy to
 * guess from one another. Never use it where an id must not be guessable, or for stored rows (`uuid7`).
 */
export function requestId(): string {
  const now = Date.now()
  if (now > requestMs) startMillisecond(now)
  else if (++requestCounter >= COUNTER_LIMIT) startMillisecond(requestMs + 1)
  const counter = requestCounter
  const high = counter >>> 14
  if (high !== requestHeadOf) {
    requestHeadOf = high
    requestHead = `${requestPrefix}${(high | 0x1000).toString(16).slice(1)}-`
  }
  return `${requestHead}${((counter & 0x3fff) | 0x8000).toString(16)}-${processTail}`
}

/** Starts a millisecond (a later one only: the clock going back keeps the last one and counts on). */
function startMillisecond(ms: number): void {
  requestMs = ms
  const hex = ms.toString(16).padStart(12, '0')
  requestPrefix = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7`
  requestHeadOf = -1
  if (seedIndex === seeds.length) {
    randomFillSync(seeds)
    seedIndex = 0
  }
  requestCounter = seeds[seedIndex++]! >>> (32 - COUNTER_BITS + 1)
}

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
