import { DateTime, IANAZone } from 'luxon'

/** A half-open interval of instants [start, end). */
export interface Interval {
  start: Date
  end: Date
}

/** A weekly window in local wall-clock time: ISO weekday (1 = Monday) and minutes after midnight. */
export interface WeeklyRule {
  weekday: number
  startMinute: number
  endMinute: number
}

/** A one-off change of availability, as instants. */
export interface AvailabilityException {
  kind: 'available' | 'unavailable'
  startsAt: Date
  endsAt: Date
}

/** Whether `zone` is an IANA time zone name the runtime knows (`Europe/Paris`, `UTC`). */
export function isValidTimeZone(zone: string): boolean {
  return zone.length <= 64 && IANAZone.isValidZone(zone)
}

/**
 * The instant of local wall-clock `minute` (0–1440) on a local date in `zone`. Across a DST change
 * the wall clock is what counts: 09:00 is 09:00 local on both sides. A time that does not exist
 * (inside a spring-forward gap) moves forward by the gap, as clocks do; an ambiguous one (repeated in
 * the fall-back hour) takes its first occurrence.
 */
export function localInstant(
  zone: string,
  date: { year: number; month: number; day: number },
  minute: number,
): Date {
  const base = DateTime.fromObject({ ...date, hour: 0, minute: 0 }, { zone })
  if (minute >= 1440) {
    const next = base.plus({ days: 1 })
    return DateTime.fromObject({ year: next.year, month: next.month, day: next.day }, { zone }).toJSDate()
  }
  return DateTime.fromObject(
    { ...date, hour: Math.floor(minute / 60), minute: minute % 60 },
    { zone },
  ).toJSDate()
}

/** Sorts and merges overlapping or touching intervals. */
export function mergeIntervals(intervals: Interval[]): Interval[] {
  const sorted = [...intervals]
    .filter((i) => i.end > i.start)
    .sort((a, b) => a.start.getTime() - b.start.getTime())
  const out: Interval[] = []
  for (const i of sorted) {
    const last = out[out.length - 1]
    if (last && i.start.getTime() <= last.end.getTime()) {
      if (i.end > last.end) last.end = i.end
    } else {
      out.push({ start: new Date(i.start), end: new Date(i.end) })
    }
  }
  return out
}

/** `base` minus every interval of `cut` (both merged first). */
export function subtractIntervals(base: Interval[], cut: Interval[]): Interval[] {
  const cuts = mergeIntervals(cut)
  const out: Interval[] = []
  for (const b of mergeIntervals(base)) {
    let start = b.start.getTime()
    const end = b.end.getTime()
    for (const c of cuts) {
      const cs = c.start.getTime()
      const ce = c.end.getTime()
      if (ce <= start || cs >= end) continue
      if (cs > start) out.push({ start: new Date(start), end: new Date(cs) })
      start = Math.max(start, ce)
      if (start >= end) break
    }
    if (start < end) out.push({ start: new Date(start), end: new Date(end) })
  }
  return out
}

/** Clips intervals to [from, to). */
export function clipIntervals(intervals: Interval[], from: Date, to: Date): Interval[] {
  const out: Interval[] = []
  for (const i of intervals) {
    const start = Math.max(i.start.getTime(), from.getTime())
    const end = Math.min(i.end.getTime(), to.getTime())
    if (start < end) out.push({ start: new Date(start), end: new Date(end) })
  }
  return out
}

/**
 * The tutor's available time in [from, to): weekly rules expanded day by day in the tutor's zone
 * (so a 09:00–17:00 rule is 09:00–17:00 local before and after a DST change, 8 h long on both
 * sides), plus `available` exceptions, minus `unavailable` ones, merged.
 */
export function expandAvailability(
  zone: string,
  rules: WeeklyRule[],
  exceptions: AvailabilityException[],
  from: Date,
  to: Date,
): Interval[] {
  if (to <= from) return []
  const windows: Interval[] = []
  // One local day before and after the range: a window of the previous local day may reach into it.
  let day = DateTime.fromJSDate(from, { zone }).startOf('day').minus({ days: 1 })
  const last = DateTime.fromJSDate(to, { zone }).startOf('day').plus({ days: 1 })
  const byWeekday = new Map<number, WeeklyRule[]>()
  for (const r of rules) byWeekday.set(r.weekday, [...(byWeekday.get(r.weekday) ?? []), r])
  while (day <= last) {
    const date = { year: day.year, month: day.month, day: day.day }
    for (const r of byWeekday.get(day.weekday) ?? []) {
      windows.push({
        start: localInstant(zone, date, r.startMinute),
        end: localInstant(zone, date, r.endMinute),
      })
    }
    day = day.plus({ days: 1 })
  }
  const added = exceptions
    .filter((e) => e.kind === 'available')
    .map((e) => ({ start: e.startsAt, end: e.endsAt }))
  const removed = exceptions
    .filter((e) => e.kind === 'unavailable')
    .map((e) => ({ start: e.startsAt, end: e.endsAt }))
  return clipIntervals(subtractIntervals(mergeIntervals([...windows, ...added]), removed), from, to)
}

/** Slot grid: starts are multiples of this many minutes past the hour (UTC; every zone offset in use is a multiple of 15). */
export const SLOT_GRID_MINUTES = 15

/**
 * Lesson starts of `minutes` that fit inside an available window, do not collide with a busy block
 * (existing bookings, buffers included) once this lesson's own buffer is added, and lie in
 * [earliest, latest]. Starts step by `stepMinutes` from each window's first grid-aligned instant.
 */
export function slotStarts(
  windows: Interval[],
  busy: Interval[],
  opts: { minutes: number; bufferMinutes: number; stepMinutes: number; earliest: Date; latest: Date },
): Interval[] {
  const grid = SLOT_GRID_MINUTES * 60_000
  const step = opts.stepMinutes * 60_000
  const length = opts.minutes * 60_000
  const block = length + opts.bufferMinutes * 60_000
  const blocks = mergeIntervals(busy)
  const out: Interval[] = []
  for (const w of mergeIntervals(windows)) {
    let s = Math.ceil(Math.max(w.start.getTime(), opts.earliest.getTime()) / grid) * grid
    for (; s + length <= w.end.getTime() && s <= opts.latest.getTime(); s += step) {
      const collides = blocks.some((b) => s < b.end.getTime() && s + block > b.start.getTime())
      if (!collides) out.push({ start: new Date(s), end: new Date(s + length) })
    }
  }
  return out
}
