/**
 * Test-only Node preload for the tutoring journey (loaded through NODE_OPTIONS=--import by
 * tutoring.e2e.ts, never by production code): shifts the platform process's wall clock by the
 * milliseconds written in LEARNMESH_E2E_CLOCK_FILE, re-read when the file changes. It lets the
 * journey let a real lesson "happen" (the learner can confirm completion only after its end) without
 * waiting for it, the same way libfaketime would, with every service still running unmodified.
 * Timers (setTimeout, intervals) keep real time; only Date moves.
 */
import { readFileSync, watchFile } from 'node:fs'

const file = process.env.LEARNMESH_E2E_CLOCK_FILE
if (file) {
  let offset = 0
  const read = () => {
    try {
      offset = Number(readFileSync(file, 'utf8').trim()) || 0
    } catch {
      offset = 0
    }
  }
  read()
  watchFile(file, { interval: 100, persistent: false }, read)
  const RealDate = Date
  // A function, not a class, so `Date()` still works; instances keep Date.prototype (instanceof holds).
  function ShiftedDate(...args) {
    if (!new.target) return new RealDate(RealDate.now() + offset).toString()
    return Reflect.construct(RealDate, args.length === 0 ? [RealDate.now() + offset] : args, new.target)
  }
  ShiftedDate.prototype = RealDate.prototype
  ShiftedDate.now = () => RealDate.now() + offset
  ShiftedDate.parse = RealDate.parse
  ShiftedDate.UTC = RealDate.UTC
  globalThis.Date = ShiftedDate
}
