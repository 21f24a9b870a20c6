// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core'
import { cleanup, fireEvent, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '../../api/problem.ts'
import { installDomStubs } from '../../test-setup.ts'
import { AvailabilityEditor } from './AvailabilityEditor.tsx'
import { quarterHours, weeklyProblems } from './time.ts'

installDomStubs()
afterEach(cleanup)

/** Buttons by their accessible label or text (getByRole is slow on a page of 14 selects). */
const button = (name: string): HTMLButtonElement =>
  (screen.queryByLabelText(name) ?? screen.getByText(name).closest('button')!) as HTMLButtonElement
const alertBox = () => document.querySelector('[role="alert"]')!

const renderEditor = (props: Partial<Parameters<typeof AvailabilityEditor>[0]> = {}) => {
  const onSave = vi.fn()
  render(
    <MantineProvider>
      <AvailabilityEditor initial={[]} timeZone="Europe/Paris" onSave={onSave} {...props} />
    </MantineProvider>,
  )
  return onSave
}

describe('weeklyProblems', () => {
  it('accepts adjacent windows and 24:00, refuses overlaps, empty windows and off-grid times', () => {
    expect(
      weeklyProblems([
        { weekday: 1, start: '09:00', end: '12:00' },
        { weekday: 1, start: '12:00', end: '24:00' },
      ]),
    ).toEqual([])
    expect(
      weeklyProblems([
        { weekday: 2, start: '09:00', end: '12:00' },
        { weekday: 2, start: '11:00', end: '13:00' },
      ]),
    ).toEqual(['Tuesday: 09:00–12:00 overlaps 11:00–13:00'])
    expect(weeklyProblems([{ weekday: 7, start: '10:00', end: '10:00' }])).toEqual([
      'Sunday: 10:00–10:00 must end after it starts',
    ])
    expect(weeklyProblems([{ weekday: 3, start: '10:10', end: '11:00' }])[0]).toContain('15-minute grid')
  })

  it('offers the quarter-hour grid from 00:00 to 24:00', () => {
    const grid = quarterHours()
    expect(grid).toHaveLength(97)
    expect(grid.slice(0, 3)).toEqual(['00:00', '00:15', '00:30'])
    expect(grid.at(-1)).toBe('24:00')
  })
})

describe('AvailabilityEditor', () => {
  it('adds and removes windows per weekday and saves the whole week', () => {
    const onSave = renderEditor({ initial: [{ weekday: 6, start: '09:00', end: '13:00' }] })
    const save = button('Save weekly hours')
    expect(save.disabled).toBe(true) // nothing changed yet
    fireEvent.click(button('Add a window on Monday'))
    fireEvent.click(button('Add a window on Monday'))
    fireEvent.click(button('Remove Saturday 09:00–13:00'))
    expect(save.disabled).toBe(false)
    fireEvent.click(save)
    // The second Monday window starts where the first ends.
    expect(onSave).toHaveBeenCalledWith([
      { weekday: 1, start: '09:00', end: '10:00' },
      { weekday: 1, start: '10:00', end: '11:00' },
    ])
  })

  it('blocks saving an overlapping week and names the problem', () => {
    const onSave = renderEditor({
      initial: [
        { weekday: 3, start: '09:00', end: '12:00' },
        { weekday: 3, start: '11:00', end: '14:00' },
      ],
    })
    expect(alertBox().textContent).toContain('Wednesday: 09:00–12:00 overlaps 11:00–14:00')
    fireEvent.click(button('Add a window on Friday'))
    const save = button('Save weekly hours')
    expect(save.disabled).toBe(true)
    fireEvent.click(save)
    expect(onSave).not.toHaveBeenCalled()
  })

  it('shows the server’s problem detail', () => {
    renderEditor({
      error: new ApiError({
        status: 422,
        title: 'Unprocessable',
        detail: 'Windows must be on a 15-minute grid',
      }),
    })
    expect(alertBox().textContent).toContain('Windows must be on a 15-minute grid')
  })
})
