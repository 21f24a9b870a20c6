import { describe, expect, it } from 'vitest'
import { readableMemo } from './ledger.presenter.ts'

const ord = 'ord_01a21f7e66b07dafb9118e2a8255cdb3'
const pay = 'pay_01a21f7e66b07dafb9118e2a8255cdb4'
const pyt = 'pyt_01a21f7e66b07dafb9118e2a8255cdb5'
const usr = 'usr_01a21f7e66b07dafb9118e2a8255cdb6'
const bkg = 'bkg_01a21f7e66b07dafb9118e2a8255cdb7'

describe('happy', () => {
  it('names the order line instead of the order or booking id', () => {
    expect(readableMemo(`Course sale (order ${ord}): your 80% share`, 'Intro to Rust')).toBe(
      'Course sale (Intro to Rust): your 80% share',
    )
    expect(
      readableMemo(`Tutoring paid upfront (order ${ord}): held until lessons are delivered`, '3 lessons'),
    ).toBe('Tutoring paid upfront (3 lessons): held until lessons are delivered')
    expect(
      readableMemo(`Lesson delivered (booking ${bkg}): escrow released, flat commission`, '60-minute lesson'),
    ).toBe('Lesson delivered (60-minute lesson): escrow released, flat commission')
    expect(
      readableMemo(`Refund of a course sale (order ${ord}): clawed back from your earnings`, 'Rust'),
    ).toBe('Refund of a course sale (Rust): clawed back from your earnings')
  })

  it('drops payment, refund, payout, user and provider ids from transaction descriptions', () => {
    expect(readableMemo(`Payment ${pay} for order ${ord} captured (stripe)`, null)).toBe(
      'Payment captured (stripe)',
    )
    expect(readableMemo(`Refund rfd_01a2b3 of payment ${pay} (order ${ord})`, 'Intro to Rust')).toBe(
      'Refund (Intro to Rust)',
    )
    expect(readableMemo(`Payout ${pyt} to ${usr} for the period ending 2026-10-31`, null)).toBe(
      'Payout for the period ending 2026-10-31',
    )
    expect(readableMemo(`Payout ${pyt} sent by stripe (tr_1QabcDEF)`, null)).toBe('Payout sent by stripe')
    expect(readableMemo(`Payout ${pyt} sent by stellar (${'ab12'.repeat(16)})`, null)).toBe(
      'Payout sent by stellar',
    )
    expect(readableMemo(`Payout ${pyt} failed: back to your balance`, null)).toBe(
      'Payout failed: back to your balance',
    )
    expect(readableMemo(`Received from customer ${usr} via sandbox`, null)).toBe(
      'Received from customer via sandbox',
    )
  })

  it('leaves memos without ids as they are', () => {
    expect(readableMemo('Lesson delivered: your earnings', null)).toBe('Lesson delivered: your earnings')
    expect(readableMemo('Tax refunded', 'x')).toBe('Tax refunded')
  })
})

describe('errors', () => {
  it('without a title the reference goes away rather than showing an id', () => {
    expect(readableMemo(`Course sale (order ${ord}): your 80% share`, null)).toBe(
      'Course sale: your 80% share',
    )
  })
})

describe('security', () => {
  it('a title is text, never a replacement pattern', () => {
    expect(readableMemo(`Course sale (order ${ord}): your 80% share`, "$1 $& $' course")).toBe(
      "Course sale ($1 $& $' course): your 80% share",
    )
  })
})
