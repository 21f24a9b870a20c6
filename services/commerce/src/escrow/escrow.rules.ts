/** Pure rules of escrow holds. */

/** The fields of a hold its status is derived from. */
export interface HoldAmounts {
  amountMinor: number
  releasedMinor: number
  refundedMinor: number
}

/**
 * A hold's status: `held` until anything moves, `partially_released` while money remains,
 * then `released` (something went to the tutor) or `refunded` (everything went back).
 */
export function holdStatus(h: HoldAmounts): 'held' | 'partially_released' | 'released' | 'refunded' {
  const settled = h.releasedMinor + h.refundedMinor
  if (settled >= h.amountMinor && h.amountMinor > 0) return h.releasedMinor > 0 ? 'released' : 'refunded'
  if (settled > 0) return 'partially_released'
  return 'held'
}

/**
 * What a lesson may still release: the hold minus what was released and refunded, keeping back
 * shares already marked refundable but not yet refunded (a refund of the line is assumed to take
 * the refundable shares first).
 */
export function releasable(h: HoldAmounts & { refundableMinor: number }): number {
  return Math.max(0, h.amountMinor - h.releasedMinor - Math.max(h.refundedMinor, h.refundableMinor))
}
