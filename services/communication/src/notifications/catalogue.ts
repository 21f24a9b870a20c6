/** Delivery channels a person can switch per notification type. */
export const channels = ['in_app', 'email', 'push'] as const
export type Channel = (typeof channels)[number]

/** How urgent a notification is: low ones gather into the daily digest; high ones ignore quiet hours. */
export type Priority = 'high' | 'normal' | 'low'

/** A kind of notification: what people can switch on and off, with its defaults. */
export interface NotificationType {
  id: string
  /** Shown in the preferences screen. */
  label: string
  /** Groups the preferences screen. */
  category: 'account' | 'learning' | 'tutoring' | 'purchases' | 'earnings'
  priority: Priority
  /** Per channel; `push` absent = on for high and normal priority, off for low (see `defaultEnabled`). */
  defaults: Record<'in_app' | 'email', boolean> & { push?: boolean }
  /** Account and purchase records (receipts, refunds, refunds we could not complete): always emailed, whatever the preferences (the law and common sense). */
  required?: boolean
}

const both = { in_app: true, email: true }

/** Every notification type. Adding one: here, a template in email/templates.ts, a trigger. */
export const notificationTypes: NotificationType[] = [
  {
    id: 'account.email',
    label: 'Account security emails',
    category: 'account',
    priority: 'high',
    defaults: { in_app: false, email: true, push: false },
    required: true,
  },
  { id: 'account.welcome', label: 'Welcome', category: 'account', priority: 'normal', defaults: both },
  {
    id: 'learning.enrolled',
    label: 'You were enrolled in a course',
    category: 'learning',
    priority: 'normal',
    defaults: both,
  },
  {
    id: 'learning.completed',
    label: 'You completed a course',
    category: 'learning',
    priority: 'normal',
    defaults: both,
  },
  {
    id: 'learning.certificate',
    label: 'Your certificate is ready',
    category: 'learning',
    priority: 'low',
    defaults: both,
  },
  {
    id: 'learning.graded',
    label: 'A quiz or assignment was graded',
    category: 'learning',
    priority: 'low',
    defaults: both,
  },
  {
    id: 'purchases.receipt',
    label: 'Receipts',
    category: 'purchases',
    priority: 'high',
    defaults: both,
    required: true,
  },
  {
    id: 'purchases.refund',
    label: 'Refunds',
    category: 'purchases',
    priority: 'high',
    defaults: both,
    required: true,
  },
  {
    id: 'purchases.refund_failed',
    label: 'Refunds we could not complete',
    category: 'purchases',
    priority: 'high',
    defaults: both,
    required: true,
  },
  {
    id: 'tutoring.booked',
    label: 'A lesson was booked',
    category: 'tutoring',
    priority: 'high',
    defaults: both,
  },
  {
    id: 'tutoring.changed',
    label: 'A lesson was moved or cancelled',
    category: 'tutoring',
    priority: 'high',
    defaults: both,
  },
  {
    id: 'tutoring.reminder',
    label: 'Lesson reminders (24 h and 1 h before)',
    category: 'tutoring',
    priority: 'high',
    defaults: both,
  },
  {
    id: 'earnings.payout',
    label: 'Payouts sent to you',
    category: 'earnings',
    priority: 'normal',
    defaults: both,
  },
]

/** A channel's default for a type: the catalogue's value; push defaults to on unless low priority. */
export function defaultEnabled(type: NotificationType, channel: Channel): boolean {
  if (channel === 'push') return type.defaults.push ?? type.priority !== 'low'
  return type.defaults[channel]
}

/** The catalogue by id. */
export const notificationTypeById = new Map(notificationTypes.map((t) => [t.id, t]))
