import { Alert, Button, Center, Loader, Stack, Text } from '@mantine/core'
import type { ReactNode } from 'react'
import { ApiError, errorMessage } from '../api/problem.ts'

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <Center py="xl" role="status" aria-live="polite">
      <Stack align="center" gap="xs">
        <Loader size="sm" aria-hidden />
        <Text size="sm" c="dimmed">
          {label}
        </Text>
      </Stack>
    </Center>
  )
}

/**
 * How a failed load reads to the user. A 404, or a 400 about the address itself (a path parameter
 * that is not an id), is "not found": the link is wrong or the thing is gone. A 403 is "not
 * available". Neither offers "Try again" (the same request gets the same answer), nor does any
 * other 4xx except 408 and 429; server errors and network failures do.
 */
export function describeLoadError(error: unknown): { title: string; message: string; retryable: boolean } {
  if (error instanceof ApiError) {
    const badAddress = error.status === 400 && /^params\b/.test(error.problem.detail ?? '')
    if (error.status === 404 || badAddress)
      return {
        title: 'Not found',
        message: badAddress
          ? 'This address does not point to anything. Check the link you followed.'
          : `${error.message.replace(/\.$/, '')}. It may have been removed, or the link may be wrong.`,
        retryable: false,
      }
    if (error.status === 403) return { title: 'Not available', message: error.message, retryable: false }
    const retryable = error.status >= 500 || error.status === 408 || error.status === 429
    return { title: 'Could not load this', message: error.message, retryable }
  }
  return { title: 'Could not load this', message: errorMessage(error), retryable: true }
}

export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  const { title, message, retryable } = describeLoadError(error)
  return (
    <Alert color={retryable ? 'red' : 'gray'} title={title} role="alert">
      <Stack gap="xs" align="flex-start">
        <Text size="sm">{message}</Text>
        {retry && retryable && (
          <Button size="xs" variant="light" color="red" onClick={retry}>
            Try again
          </Button>
        )}
      </Stack>
    </Alert>
  )
}

export function Empty({ children }: { children: ReactNode }) {
  return (
    <Center py="xl">
      <Text c="dimmed">{children}</Text>
    </Center>
  )
}

/** What `QueryState` reads of a React Query result (`useQuery` and `useInfiniteQuery` both fit). */
export interface QueryStatus {
  isPending: boolean
  isError: boolean
  error: unknown
  refetch: () => unknown
}

/**
 * A query's loading, error (with "Try again") and empty states, or `children()` once it has data.
 * `children` is a function so it only runs when the data is there.
 */
export function QueryState({
  query,
  loadingLabel,
  isEmpty,
  empty,
  children,
}: {
  query: QueryStatus
  loadingLabel?: string
  /** Checked once loaded; true shows `empty`. */
  isEmpty?: () => boolean
  empty?: ReactNode
  children: () => ReactNode
}) {
  if (query.isPending) return <Loading label={loadingLabel} />
  if (query.isError) return <ErrorState error={query.error} retry={() => void query.refetch()} />
  if (isEmpty?.()) return <Empty>{empty}</Empty>
  return <>{children()}</>
}

/** What `LoadMore` reads of a `useInfiniteQuery` result. */
export interface PagedQuery {
  hasNextPage: boolean
  isFetchingNextPage: boolean
  fetchNextPage: () => unknown
}

/** The "load more" button of a keyset-paged list; nothing once the last page is in. */
export function LoadMore({ pages, label = 'Load more' }: { pages: PagedQuery; label?: string }) {
  if (!pages.hasNextPage) return null
  return (
    <Button
      variant="default"
      onClick={() => void pages.fetchNextPage()}
      loading={pages.isFetchingNextPage}
      w="fit-content"
    >
      {label}
    </Button>
  )
}

/** Visually hidden but read by screen readers. */
export const visuallyHidden = {
  position: 'absolute',
  width: 1,
  height: 1,
  padding: 0,
  margin: -1,
  overflow: 'hidden',
  clip: 'rect(0, 0, 0, 0)',
  whiteSpace: 'nowrap',
  border: 0,
} as const
