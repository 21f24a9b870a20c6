import { Type } from '@learnmesh/kernel'

/** Lead statuses, in the order a lead usually moves through them. */
export const leadStatuses = ['new', 'contacted', 'qualified', 'converted', 'lost'] as const
export type LeadStatus = (typeof leadStatuses)[number]
const Status = Type.Union([
  Type.Literal('new'),
  Type.Literal('contacted'),
  Type.Literal('qualified'),
  Type.Literal('converted'),
  Type.Literal('lost'),
])

/** POST /leads: the landing-page form. */
export const CreateLeadBody = Type.Object(
  {
    orgId: Type.String({ pattern: '^org_[0-9a-f]{32}$', description: 'The organization whose page this is' }),
    email: Type.String({ format: 'email', maxLength: 254 }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    interest: Type.Optional(Type.String({ maxLength: 200 })),
    message: Type.Optional(Type.String({ maxLength: 4000 })),
    /** The person agrees to be contacted: must be true. */
    consent: Type.Boolean(),
    /** Honeypot: hidden in the form, left empty by people. Filled = a bot, silently dropped. */
    website: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
)

/** POST /leads answer (the same for a dropped bot submission). */
export const LeadReceived = Type.Object({ received: Type.Literal(true) })

/** A lead as org admins see it. */
export const LeadSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  interest: Type.Union([Type.String(), Type.Null()]),
  message: Type.Union([Type.String(), Type.Null()]),
  consent: Type.Boolean(),
  status: Status,
  notes: Type.Union([Type.String(), Type.Null()]),
  /** The account it converted into. */
  userId: Type.Union([Type.String(), Type.Null()]),
  convertedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
})

/** GET /leads query. */
export const ListLeadsQuery = Type.Object(
  {
    status: Type.Optional(Status),
    /** Keyset: the last id of the previous page. */
    before: Type.Optional(Type.String({ pattern: '^led_[0-9a-f]{32}$' })),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  },
  { additionalProperties: false },
)

/** GET /leads answer: newest first. */
export const LeadList = Type.Object({
  items: Type.Array(LeadSchema),
  /** Pass as `before` for the next page; null at the end. */
  nextBefore: Type.Union([Type.String(), Type.Null()]),
})

/** Path of one lead. */
export const LeadParams = Type.Object({ id: Type.String({ pattern: '^led_[0-9a-f]{32}$' }) })

/** PATCH /leads/:id. */
export const UpdateLeadBody = Type.Object(
  {
    status: Type.Optional(Status),
    notes: Type.Optional(Type.Union([Type.String({ maxLength: 10_000 }), Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
)
