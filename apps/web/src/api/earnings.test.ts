import { describe, expect, it } from 'vitest'
import { movementLabel } from './earnings.ts'

describe('movementLabel', () => {
  it("keeps commerce's memo and drops the order, booking and payout ids it names", () => {
    expect(
      movementLabel({
        transactionKind: 'payment_captured',
        description:
          'Tutoring paid upfront (order ord_01a21f7e40d3763a9f5eaefe432abd50): held until lessons are delivered',
      }),
    ).toBe('Tutoring paid upfront: held until lessons are delivered')
    expect(
      movementLabel({
        transactionKind: 'payment_captured',
        description: 'Course sale (order ord_01a21f7e66b07dafb9118e2a8255cdb3): your 70% share',
      }),
    ).toBe('Course sale: your 70% share')
    expect(
      movementLabel({
        transactionKind: 'payout_failed',
        description: 'Payout pyt_01a21f7e66b07dafb9 failed: back to your balance',
      }),
    ).toBe('Payout failed: back to your balance')
    expect(
      movementLabel({ transactionKind: 'escrow_release', description: 'Lesson delivered: your earnings' }),
    ).toBe('Lesson delivered: your earnings')
  })

  it('names the kind when the memo is empty or still shows an id', () => {
    expect(movementLabel({ transactionKind: 'escrow_release', description: '' })).toBe('Released from escrow')
    expect(movementLabel({ transactionKind: 'refund' })).toBe('Refund')
    expect(
      movementLabel({
        transactionKind: 'payment_captured',
        description: 'Received from customer usr_01a21f7602b37e37b4ba',
      }),
    ).toBe('Payment received')
    expect(movementLabel({ transactionKind: 'chargeback_opened', description: '' })).toBe('chargeback opened')
  })
})
