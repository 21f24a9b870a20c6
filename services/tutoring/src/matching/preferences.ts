import { AppError } from '@learnmesh/kernel'
import { parseLocalTime } from '../availability/availability.service.ts'
import { clipIntervals, expandAvailability, mergeIntervals, type Interval } from '../availability/windows.ts'

/** A learner's preferred times: weekly windows in their zone and/or concrete ranges. */
export interface PreferredTimesInput {
  weekly?: { weekday: number; start: string; end: string }[]
  ranges?: { startsAt: string; endsAt: string }[]
}

/** Minutes in a list of disjoint intervals. */
export function minutesIn(intervals: Interval[]): number {
  return intervals.reduce((sum, i) => sum + (i.end.getTime() - i.start.getTime()) / 60_000, 0)
}

/**
 * The learner's preferred times as instants in [from, to): weekly windows expanded in the learner's
 * zone (wall-clock time across DST, as tutors' rules are), plus concrete ranges, merged. A window
 * whose end is not after its start, or a time that is not HH:MM, is a 422.
 */
export function preferredIntervals(
  zone: string,
  input: PreferredTimesInput,
  from: Date,
  to: Date,
): Interval[] {
  const rules = (input.weekly ?? []).map((w, i) => {
    const startMinute = parseLocalTime(w.start)
    const endMinute = parseLocalTime(w.end)
    if (startMinute === null || endMinute === null)
      throw new AppError('unprocessable', `Weekly window ${i + 1}: times are HH:MM between 00:00 and 24:00`)
    if (endMinute <= startMinute)
      throw new AppError('unprocessable', `Weekly window ${i + 1}: the end must be after the start`)
    return { weekday: w.weekday, startMinute, endMinute }
  })
  const ranges = (input.ranges ?? []).map((r, i) => {
    const start = new Date(r.startsAt)
    const end = new Date(r.endsAt)
    if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()))
      throw new AppError('unprocessable', `Range ${i + 1}: startsAt and endsAt are ISO 8601 date-times`)
    if (end <= start) throw new AppError('unprocessable', `Range ${i + 1}: the end must be after the start`)
    return { start, end }
  })
  const weekly = rules.length > 0 ? expandAvailability(zone, rules, [], from, to) : []
  return mergeIntervals([...weekly, ...clipIntervals(ranges, from, to)])
}

/** Minutes of `a` that also lie in `b` (both lists disjoint and sorted). */
export function overlapMinutes(a: Interval[], b: Interval[]): number {
  let i = 0
  let j = 0
  let ms = 0
  while (i < a.length && j < b.length) {
    const x = a[i]!
    const y = b[j]!
    const start = Math.max(x.start.getTime(), y.start.getTime())
    const end = Math.min(x.end.getTime(), y.end.getTime())
    if (end > start) ms += end - start
    if (x.end.getTime() < y.end.getTime()) i++
    else j++
  }
  return ms / 60_000
}
