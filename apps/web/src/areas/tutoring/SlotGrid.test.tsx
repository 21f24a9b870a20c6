// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core'
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Slot } from '../../api/tutoring.ts'
import { installDomStubs } from '../../test-setup.ts'
import { SlotGrid } from './SlotGrid.tsx'
import { dayLabel, groupSlotsByDay } from './time.ts'

installDomStubs()
afterEach(cleanup)

/** One 30-minute slot starting at a UTC instant, seen from a zone with a fixed offset (minutes). */
function slot(startsAt: string, offsetMinutes: number): Slot {
  const local = (iso: string) => {
    const d = new Date(new Date(iso).getTime() + offsetMinutes * 60_000)
    const sign = offsetMinutes < 0 ? '-' : '+'
    const abs = Math.abs(offsetMinutes)
    const off = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
    return `${d.toISOString().slice(0, 19)}${off}`
  }
  const endsAt = new Date(new Date(startsAt).getTime() + 30 * 60_000).toISOString()
  return { startsAt, endsAt, localStart: local(startsAt), localEnd: local(endsAt) }
}

describe('groupSlotsByDay', () => {
  it('groups by the viewer’s local date, not the UTC date', () => {
    // 23:30 and 00:30 UTC the night of 30 Nov → 1 Dec: the same evening in New York (UTC−5),
    // two different mornings in Tokyo (UTC+9 makes both 1 Dec) and two days in UTC.
    const instants = ['2026-11-30T23:30:00.000Z', '2026-12-01T00:30:00.000Z']
    const ny = groupSlotsByDay(instants.map((i) => slot(i, -300)))
    expect(ny.map((d) => [d.date, d.slots.map((s) => s.time)])).toEqual([['2026-11-30', ['18:30', '19:30']]])
    const tokyo = groupSlotsByDay(instants.map((i) => slot(i, 540)))
    expect(tokyo.map((d) => [d.date, d.slots.map((s) => s.time)])).toEqual([
      ['2026-12-01', ['08:30', '09:30']],
    ])
    const utc = groupSlotsByDay(instants.map((i) => slot(i, 0)))
    expect(utc.map((d) => d.date)).toEqual(['2026-11-30', '2026-12-01'])
  })

  it('sorts days and keeps a DST change’s offsets as given', () => {
    // Paris leaves summer time on 25 Oct 2026: 09:00 local is 07:00Z before, 08:00Z after.
    const days = groupSlotsByDay([
      slot('2026-10-26T08:00:00.000Z', 60),
      slot('2026-10-24T07:00:00.000Z', 120),
    ])
    expect(days.map((d) => [d.date, d.slots[0]!.time])).toEqual([
      ['2026-10-24', '09:00'],
      ['2026-10-26', '09:00'],
    ])
  })
})

describe('SlotGrid', () => {
  const render_ = (slots: Slot[], selected: string | null, onSelect = vi.fn()) =>
    render(
      <MantineProvider>
        <SlotGrid slots={slots} selected={selected} onSelect={onSelect} />
      </MantineProvider>,
    )

  it('shows one labelled column per local day and reports the picked slot', () => {
    const onSelect = vi.fn()
    const slots = [slot('2026-11-30T23:30:00.000Z', -300), slot('2026-12-01T14:00:00.000Z', -300)]
    render_(slots, slots[0]!.startsAt, onSelect)
    const first = screen.getByRole('region', { name: dayLabel('2026-11-30') })
    const picked = within(first).getByRole('button', { name: `${dayLabel('2026-11-30')} 18:30` })
    expect(picked.getAttribute('aria-pressed')).toBe('true')
    const other = screen.getByRole('button', { name: `${dayLabel('2026-12-01')} 09:00` })
    expect(other.getAttribute('aria-pressed')).toBe('false')
    fireEvent.click(other)
    expect(onSelect).toHaveBeenCalledWith(expect.objectContaining({ startsAt: '2026-12-01T14:00:00.000Z' }))
  })

  it('says so when there is no open time', () => {
    render_([], null)
    expect(screen.getByText('No open times in these two weeks.')).toBeTruthy()
  })
})
