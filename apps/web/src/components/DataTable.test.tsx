// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core'
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { installDomStubs } from '../test-setup.ts'
import { DataTable, type Column } from './DataTable.tsx'
import type { PagedQuery, QueryStatus } from './states.tsx'

installDomStubs()
afterEach(cleanup)

interface Row {
  id: string
  name: string
}
const columns: Column<Row>[] = [
  { header: 'Name', cell: (r) => r.name },
  { header: 'Actions', hideHeader: true, cell: (r) => <button aria-label={`Open ${r.name}`}>Open</button> },
]
const done: QueryStatus = { isPending: false, isError: false, error: null, refetch: () => undefined }

function renderTable(query: QueryStatus, rows: Row[], pages?: PagedQuery) {
  render(
    <MantineProvider>
      <DataTable
        caption="People"
        query={query}
        loadingLabel="Loading people…"
        rows={rows}
        rowKey={(r) => r.id}
        empty="Nobody here."
        pages={pages}
        moreLabel="More people"
        minWidth={400}
        columns={columns}
      />
    </MantineProvider>,
  )
}

describe('DataTable', () => {
  it('names the table by its caption and renders a row per item, action headers for screen readers only', () => {
    renderTable(done, [
      { id: '1', name: 'Ada' },
      { id: '2', name: 'Grace' },
    ])
    const table = screen.getByRole('table', { name: 'People' })
    expect(within(table).getAllByRole('row')).toHaveLength(3)
    expect(within(table).getByRole('columnheader', { name: 'Actions' })).toBeTruthy()
    expect(within(table).getByRole('cell', { name: 'Grace' })).toBeTruthy()
    expect(screen.getByRole('button', { name: 'Open Ada' })).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'More people' })).toBeNull()
  })

  it('shows the loading label while pending and the empty text for no rows', () => {
    renderTable({ ...done, isPending: true }, [])
    expect(screen.getByRole('status').textContent).toContain('Loading people…')
    expect(screen.queryByRole('table')).toBeNull()
    cleanup()
    renderTable(done, [])
    expect(screen.getByText('Nobody here.')).toBeTruthy()
    expect(screen.queryByRole('table')).toBeNull()
  })

  it('shows the error with a retry that refetches', () => {
    const refetch = vi.fn()
    renderTable({ isPending: false, isError: true, error: new Error('boom'), refetch }, [])
    expect(screen.getByRole('alert').textContent).toContain('Could not load this')
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }))
    expect(refetch).toHaveBeenCalledOnce()
  })

  it('offers "load more" while the keyset query has further pages', () => {
    const fetchNextPage = vi.fn()
    renderTable(done, [{ id: '1', name: 'Ada' }], {
      hasNextPage: true,
      isFetchingNextPage: false,
      fetchNextPage,
    })
    fireEvent.click(screen.getByRole('button', { name: 'More people' }))
    expect(fetchNextPage).toHaveBeenCalledOnce()
  })
})
