import type { Slot, WeeklyWindow } from '../../api/tutoring.ts'

/** The browser's IANA time zone (UTC when the browser does not say). */
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'
  } catch {
    return 'UTC'
  }
}

/** Every IANA zone the browser knows (a short list when `Intl.supportedValuesOf` is missing), with `extra` first. */
export function timeZones(extra: string[] = []): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] }
  const known = intl.supportedValuesOf?.('timeZone') ?? [
    'UTC',
    'Europe/London',
    'Europe/Paris',
    'Europe/Berlin',
    'America/New_York',
    'America/Chicago',
    'America/Los_Angeles',
    'Asia/Tokyo',
    'Asia/Kolkata',
    'Australia/Sydney',
  ]
  return [...new Set([...extra, ...known])]
}

/** An instant as a date and time in a zone, e.g. `Mon, 30 Nov 2026, 18:00`. */
export function formatInZone(iso: string, timeZone: string, options?: Intl.DateTimeFormatOptions): string {
  return new Intl.DateTimeFormat(undefined, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
    ...options,
  }).format(new Date(iso))
}

/** One local day of slots: `date` is `YYYY-MM-DD` in the viewer's zone, `label` e.g. `Mon 30 Nov`. */
export interface SlotDay {
  date: string
  label: string
  slots: (Slot & { time: string })[]
}

/**
 * Groups slots by their local date in the viewer's zone. The API already gives each slot's local
 * wall-clock time (`localStart`, with the viewer's offset), so the date and `HH:mm` are read from
 * it rather than recomputed with the browser's own zone (which may differ from the one chosen).
 */
export function groupSlotsByDay(slots: Slot[]): SlotDay[] {
  const days = new Map<string, SlotDay>()
  for (const slot of slots) {
    const date = slot.localStart.slice(0, 10)
    const time = slot.localStart.slice(11, 16)
    let day = days.get(date)
    if (!day) {
      day = { date, label: dayLabel(date), slots: [] }
      days.set(date, day)
    }
    day.slots.push({ ...slot, time })
  }
  return [...days.values()].sort((a, b) => a.date.localeCompare(b.date))
}

/** `2026-11-30` → `Mon 30 Nov` (formatted at noon UTC, so no zone can move it to another day). */
export function dayLabel(date: string): string {
  return new Intl.DateTimeFormat(undefined, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    timeZone: 'UTC',
  }).format(new Date(`${date}T12:00:00Z`))
}

/** `00:00`, `00:15`, … `24:00`: the quarter-hour grid of weekly windows. */
export function quarterHours(): string[] {
  const out: string[] = []
  for (let m = 0; m <= 24 * 60; m += 15) {
    out.push(`${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`)
  }
  return out
}

export const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))

/**
 * Problems with a weekly schedule, as tutoring would refuse it: a window must end after it starts,
 * lie on the 15-minute grid, and not overlap another window of the same weekday. Empty when valid.
 */
export function weeklyProblems(weekly: WeeklyWindow[]): string[] {
  const problems: string[] = []
  for (let day = 1; day <= 7; day++) {
    const windows = weekly
      .filter((w) => w.weekday === day)
      .map((w) => ({ start: minutesOf(w.start), end: minutesOf(w.end), w }))
      .sort((a, b) => a.start - b.start)
    for (const [i, win] of windows.entries()) {
      if (win.start % 15 !== 0 || win.end % 15 !== 0)
        problems.push(`${WEEKDAYS[day - 1]}: ${win.w.start}–${win.w.end} is not on the 15-minute grid`)
      if (win.end <= win.start)
        problems.push(`${WEEKDAYS[day - 1]}: ${win.w.start}–${win.w.end} must end after it starts`)
      const prev = windows[i - 1]
      if (prev && win.start < prev.end)
        problems.push(
          `${WEEKDAYS[day - 1]}: ${prev.w.start}–${prev.w.end} overlaps ${win.w.start}–${win.w.end}`,
        )
    }
  }
  return problems
}

/** Saves text as a file through a temporary object URL (used for the lesson's .ics). */
export function downloadText(filename: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
