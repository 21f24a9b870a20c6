import { Type } from '@learnmesh/kernel'

/** A signed-in device as its owner sees it. */
export const SessionSchema = Type.Object({
  /** Session id (`ses_...`). */
  id: Type.String(),
  /** Organization the session is scoped to. */
  orgId: Type.String(),
  /** How it was opened: password, password+totp, oidc:<provider>, ... */
  method: Type.String(),
  /** Browser or app that opened it. */
  userAgent: Type.Union([Type.String(), Type.Null()]),
  /** Client IP at the last refresh. */
  ip: Type.Union([Type.String(), Type.Null()]),
  /** When it was opened. */
  createdAt: Type.String({ format: 'date-time' }),
  /** Last refresh. */
  lastUsedAt: Type.String({ format: 'date-time' }),
  /** When it ends without a refresh. */
  expiresAt: Type.String({ format: 'date-time' }),
  /** True for the session of the calling access token. */
  current: Type.Boolean(),
})

/** GET /sessions. */
export const SessionListResponse = Type.Object({
  /** Live sessions, most recently used first. */
  items: Type.Array(SessionSchema),
})

/** Path of DELETE /sessions/:id. */
export const SessionParams = Type.Object(
  {
    /** Session id. */
    id: Type.String({ maxLength: 64 }),
  },
  { additionalProperties: false },
)
