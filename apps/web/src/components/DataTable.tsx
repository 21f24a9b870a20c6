import { Table, type TableProps } from '@mantine/core'
import type { ReactNode } from 'react'
import { LoadMore, QueryState, visuallyHidden, type PagedQuery, type QueryStatus } from './states.tsx'

export interface Column<T> {
  /** The column header; also read by screen readers when `hideHeader` hides it on screen. */
  header: string
  /** Keep the header for screen readers only (e.g. a column of action buttons). */
  hideHeader?: boolean
  align?: 'left' | 'right'
  cell: (row: T) => ReactNode
}

/**
 * A list page's table: a query's loading / error / empty states (`states.tsx`), then the rows, and
 * below them a "load more" button while a keyset-paged query has further pages. Renders siblings
 * (no wrapper), so the page's own `Stack` spaces them.
 */
export function DataTable<T>({
  caption,
  columns,
  rows,
  rowKey,
  query,
  loadingLabel,
  empty,
  pages,
  moreLabel,
  minWidth,
  striped = false,
  verticalSpacing,
}: {
  /** The table's accessible name (a caption only screen readers see). */
  caption: string
  columns: Column<T>[]
  /** The rows to show once the query has data. */
  rows: readonly T[]
  rowKey: (row: T) => string
  query: QueryStatus
  loadingLabel?: string
  /** What an empty list says. */
  empty: ReactNode
  /** A `useInfiniteQuery` result: shows the "load more" button while it has further pages. */
  pages?: PagedQuery
  moreLabel?: string
  /** Below this width the table scrolls sideways. */
  minWidth: number
  striped?: boolean
  verticalSpacing?: TableProps['verticalSpacing']
}) {
  return (
    <>
      <QueryState query={query} loadingLabel={loadingLabel} isEmpty={() => rows.length === 0} empty={empty}>
        {() => (
          <Table.ScrollContainer minWidth={minWidth}>
            <Table verticalSpacing={verticalSpacing} striped={striped}>
              <Table.Caption style={visuallyHidden}>{caption}</Table.Caption>
              <Table.Thead>
                <Table.Tr>
                  {columns.map((c) => (
                    <Table.Th key={c.header} ta={c.align}>
                      {c.hideHeader ? <span style={visuallyHidden}>{c.header}</span> : c.header}
                    </Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((row) => (
                  <Table.Tr key={rowKey(row)}>
                    {columns.map((c) => (
                      <Table.Td key={c.header} ta={c.align}>
                        {c.cell(row)}
                      </Table.Td>
                    ))}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryState>
      {pages && <LoadMore pages={pages} label={moreLabel} />}
    </>
  )
}
