import { Type } from '@learnmesh/kernel'

const b64url = (description: string, maxLength: number) =>
  Type.String({ pattern: '^[A-Za-z0-9_-]+={0,2}$', minLength: 16, maxLength, description })

/** POST /push/subscriptions: the browser's `PushSubscription.toJSON()`. */
export const SubscribeBody = Type.Object(
  {
    /** The push service URL (https; http only outside production, for local stand-ins). */
    endpoint: Type.String({ minLength: 10, maxLength: 2048 }),
    /** Milliseconds since the epoch, or null (browsers mostly send null). */
    expirationTime: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    keys: Type.Object(
      {
        /** The browser's P-256 public key, uncompressed (65 bytes), base64url. */
        p256dh: b64url('P-256 public key (base64url)', 100),
        /** The 16-byte auth secret, base64url. */
        auth: b64url('auth secret (base64url)', 32),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
)

/** One subscribed browser (keys are not echoed). */
export const SubscriptionSchema = Type.Object({
  id: Type.String(),
  endpoint: Type.String(),
  userAgent: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  lastSuccessAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
})

/** GET /push/subscriptions. */
export const SubscriptionList = Type.Object({ items: Type.Array(SubscriptionSchema) })

/** Path of one subscription. */
export const SubscriptionParams = Type.Object({ id: Type.String({ pattern: '^psb_[0-9a-f]{32}$' }) })

/** GET /push/vapid-public-key. */
export const VapidPublicKey = Type.Object({
  /** `applicationServerKey` for `pushManager.subscribe` (base64url). */
  publicKey: Type.String(),
})
