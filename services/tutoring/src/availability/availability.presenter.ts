import { DateTime } from 'luxon'
import { formatLocalTime } from './availability.service.ts'

/** A tutor's availability as the API returns it. */
export function presentAvailability(
  profile: { id: string; timeZone: string },
  rules: { weekday: number; startMinute: number; endMinute: number }[],
  exceptions: { id: string; kind: string; startsAt: Date; endsAt: Date; note: string }[],
) {
  return {
    tutorId: profile.id,
    timeZone: profile.timeZone,
    weekly: rules.map((r) => ({
      weekday: r.weekday,
      start: formatLocalTime(r.startMinute),
      end: formatLocalTime(r.endMinute),
    })),
    exceptions: exceptions.map(presentException),
  }
}

/** One exception. */
export function presentException(e: {
  id: string
  kind: string
  startsAt: Date
  endsAt: Date
  note: string
}) {
  return {
    id: e.id,
    kind: e.kind as 'available' | 'unavailable',
    startsAt: e.startsAt.toISOString(),
    endsAt: e.endsAt.toISOString(),
    note: e.note,
  }
}

/** Open slots, with local times in the viewer's zone. */
export function presentSlots(
  tutorId: string,
  minutes: number,
  timeZone: string,
  slots: { startsAt: Date; endsAt: Date }[],
) {
  const local = (d: Date) => DateTime.fromJSDate(d, { zone: timeZone }).toISO()!
  return {
    tutorId,
    minutes,
    timeZone,
    slots: slots.map((s) => ({
      startsAt: s.startsAt.toISOString(),
      endsAt: s.endsAt.toISOString(),
      localStart: local(s.startsAt),
      localEnd: local(s.endsAt),
    })),
  }
}
