import { loadConfig, Type, type Static } from '@learnmesh/kernel'

/** Tutoring's environment. Every variable has a description: the README's config table is generated from them. */
export const TutoringConfigSchema = Type.Object({
  NODE_ENV: Type.String({ default: 'development', description: 'Runtime mode (`production` or not).' }),
  PUBLIC_URL: Type.String({
    default: 'http://localhost:3000',
    description: 'Public URL of the web app; calendar feed and booking links point here.',
  }),
  BOOKING_HOLD_MINUTES: Type.Integer({
    default: 15,
    minimum: 1,
    maximum: 120,
    description: 'How long a slot stays held for a learner who is paying for it.',
  }),
  BOOKING_MIN_NOTICE_HOURS: Type.Integer({
    default: 2,
    minimum: 0,
    maximum: 720,
    description: 'A lesson cannot be booked (or moved to) less than this many hours ahead.',
  }),
  BOOKING_HORIZON_DAYS: Type.Integer({
    default: 90,
    minimum: 1,
    maximum: 730,
    description: 'How far ahead lessons can be booked and slots are listed.',
  }),
  FREE_CANCEL_HOURS: Type.Integer({
    default: 24,
    minimum: 0,
    description:
      'A learner cancelling or rescheduling at least this many hours before the start gets a full refund.',
  }),
  LATE_CANCEL_REFUND_PERCENT: Type.Integer({
    default: 50,
    minimum: 0,
    maximum: 100,
    description: 'Share of the price refunded to a learner who cancels later than FREE_CANCEL_HOURS.',
  }),
  AUTO_CONFIRM_HOURS: Type.Integer({
    default: 48,
    minimum: 1,
    description: 'A lesson nobody disputed completes automatically this many hours after its end.',
  }),
  MEETING_URL_TEMPLATE: Type.String({
    default: 'https://meet.jit.si/learnmesh-{bookingId}-{token}',
    description:
      'Meeting link of an online lesson; `{bookingId}`, `{tutorId}` and `{token}` (an unguessable per-booking value) are replaced.',
  }),
  BODY_LIMIT_BYTES: Type.Integer({
    default: 262_144,
    minimum: 1024,
    description: 'Largest request body accepted (413 beyond).',
  }),
  TRUST_PROXY: Type.String({
    default: 'loopback',
    description:
      'Proxies whose X-Forwarded-For is trusted (Fastify `trustProxy`): `loopback`, `true`, or a list.',
  }),
})

/** Tutoring's typed, frozen configuration. */
export type TutoringConfig = Static<typeof TutoringConfigSchema>

/** Reads and validates tutoring's config; a wrong value stops the service naming the variable. */
export function loadTutoringConfig(env: Record<string, string | undefined>): TutoringConfig {
  return loadConfig('tutoring', TutoringConfigSchema, env)
}

/** Fastify's `trustProxy` option from TRUST_PROXY (`true`, `false`, or addresses/CIDRs, comma-separated). */
export function trustProxyOption(value: string): boolean | string {
  if (value === 'true') return true
  if (value === 'false' || value === '') return false
  return value
}
