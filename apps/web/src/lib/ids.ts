/**
 * A fresh Idempotency-Key for one user action (checkout, confirm, refund, payout): a retry of the
 * same action reuses it, so the server does the work once.
 */
export function idempotencyKey(): string {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`
}
