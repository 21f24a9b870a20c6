import { Type } from '@learnmesh/kernel'

/** One notification. */
export const NotificationSchema = Type.Object({
  /** `ntf_...` */
  id: Type.String(),
  /** Its type in the catalogue (`tutoring.booked`). */
  type: Type.String(),
  title: Type.String(),
  body: Type.String(),
  /** A web app path to open. */
  link: Type.Union([Type.String(), Type.Null()]),
  priority: Type.Union([Type.Literal('high'), Type.Literal('normal'), Type.Literal('low')]),
  read: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
})

/** GET /notifications query. */
export const ListQuery = Type.Object(
  {
    /** Only unread ones. */
    unread: Type.Optional(Type.Boolean()),
    /** Cursor: the `nextCursor` of the previous page. */
    before: Type.Optional(Type.String({ pattern: '^ntf_[0-9a-f]{32}$' })),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  },
  { additionalProperties: false },
)

/** A page of notifications, newest first. */
export const ListResponse = Type.Object({
  items: Type.Array(NotificationSchema),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
  unreadCount: Type.Integer(),
})

/** GET /notifications/unread-count. */
export const UnreadCount = Type.Object({ unreadCount: Type.Integer() })

/** Path of one notification. */
export const NotificationParams = Type.Object({ id: Type.String({ pattern: '^ntf_[0-9a-f]{32}$' }) })

/** One type's switches. */
export const PreferenceSchema = Type.Object({
  type: Type.String(),
  label: Type.String(),
  category: Type.String(),
  priority: Type.String(),
  /** Account emails and purchase records are always emailed. */
  required: Type.Boolean(),
  inApp: Type.Boolean(),
  email: Type.Boolean(),
  /** Web push to my subscribed browsers (never for low priority; normal ones not during quiet hours). */
  push: Type.Boolean(),
})

/** Delivery settings. */
export const SettingsSchema = Type.Object({
  /** IANA zone of quiet hours and the digest hour. */
  timeZone: Type.String(),
  /** `HH:MM` local, or null for none; may wrap midnight (22:00–07:00). */
  quietHoursStart: Type.Union([Type.String(), Type.Null()]),
  quietHoursEnd: Type.Union([Type.String(), Type.Null()]),
  /** Local hour (0–23) of the daily digest of low-priority notifications. */
  digestHour: Type.Integer({ minimum: 0, maximum: 23 }),
  /** No emails but account and purchase records. */
  emailOptOut: Type.Boolean(),
})

/** GET /notifications/preferences. */
export const PreferencesResponse = Type.Object({
  preferences: Type.Array(PreferenceSchema),
  settings: SettingsSchema,
})

const HHMM = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' })

/** PUT /notifications/preferences: any subset of types and settings. */
export const UpdatePreferencesBody = Type.Object(
  {
    preferences: Type.Optional(
      Type.Array(
        Type.Object(
          {
            type: Type.String({ maxLength: 64 }),
            inApp: Type.Optional(Type.Boolean()),
            email: Type.Optional(Type.Boolean()),
            push: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        { maxItems: 50 },
      ),
    ),
    settings: Type.Optional(
      Type.Object(
        {
          timeZone: Type.Optional(Type.String({ maxLength: 64 })),
          quietHoursStart: Type.Optional(Type.Union([HHMM, Type.Null()])),
          quietHoursEnd: Type.Optional(Type.Union([HHMM, Type.Null()])),
          digestHour: Type.Optional(Type.Integer({ minimum: 0, maximum: 23 })),
          emailOptOut: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)

/** The unsubscribe token query. */
export const UnsubscribeQuery = Type.Object(
  { token: Type.String({ minLength: 10, maxLength: 300 }) },
  { additionalProperties: false },
)

/** What an unsubscribe token stands for / did. */
export const UnsubscribeResponse = Type.Object({
  /** A notification type, or `*` for every email but account and purchase records. */
  scope: Type.String(),
  label: Type.String(),
  unsubscribed: Type.Boolean(),
})
