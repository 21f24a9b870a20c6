import { AppError } from '@learnmesh/kernel'

/** Every status an order can be in. */
export const orderStatuses = [
  'pending_payment',
  'requires_action',
  'paid',
  'failed',
  'cancelled',
  'partially_refunded',
  'refunded',
] as const

/** An order's status. */
export type OrderStatus = (typeof orderStatuses)[number]

/**
 * The order state machine: the only transitions that exist. Terminal: failed, cancelled, refunded.
 *
 *   pending_payment ──► requires_action ──► paid ──► partially_refunded ──► refunded
 *         │  │                │  │           │              ▲   │(again)
 *         │  └──► paid        │  └► failed   └──────────────┼───┘
 *         ├──► failed         └──► cancelled                └──── paid ──► refunded
 *         └──► cancelled
 */
const transitions: Record<OrderStatus, readonly OrderStatus[]> = {
  pending_payment: ['requires_action', 'paid', 'failed', 'cancelled'],
  requires_action: ['paid', 'failed', 'cancelled'],
  paid: ['partially_refunded', 'refunded'],
  partially_refunded: ['partially_refunded', 'refunded'],
  failed: [],
  cancelled: [],
  refunded: [],
}

/** True when `value` names an order status. */
export function isOrderStatus(value: string): value is OrderStatus {
  return (orderStatuses as readonly string[]).includes(value)
}

/** Whether an order may move from `from` to `to`. */
export function canTransition(from: string, to: OrderStatus): boolean {
  return isOrderStatus(from) && transitions[from].includes(to)
}

/**
 * Validates a transition; every status change of an order goes through this (and the update is
 * conditional on the old status). An illegal transition is a 409 `conflict`.
 */
export function assertTransition(from: string, to: OrderStatus): OrderStatus {
  if (!canTransition(from, to)) {
    throw new AppError('conflict', `An order cannot go from ${from} to ${to}`)
  }
  return to
}

/** Statuses in which the order's payment may still succeed. */
export const payableStatuses: readonly OrderStatus[] = ['pending_payment', 'requires_action']
/** Statuses in which money was captured and may be refunded. */
export const refundableStatuses: readonly OrderStatus[] = ['paid', 'partially_refunded']
