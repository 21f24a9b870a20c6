import {
  Button,
  Checkbox,
  Group,
  NumberInput,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core'
import { useDebouncedValue } from '@mantine/hooks'
import { useInfiniteQuery } from '@tanstack/react-query'
import { useEffect, useRef, useState } from 'react'
import { useSearchParams } from 'react-router'
import { LEVELS, tutoringApi, type TutorSearchQuery } from '../../api/tutoring.ts'
import { Empty, ErrorState, Loading } from '../../components/states.tsx'
import { FormError } from '../../components/FormError.tsx'
import { toMinor } from '../../lib/money.ts'
import { TutorCard } from './TutorCard.tsx'

const LANGUAGES = [
  { value: 'en', label: 'English' },
  { value: 'fr', label: 'French' },
  { value: 'es', label: 'Spanish' },
  { value: 'de', label: 'German' },
  { value: 'it', label: 'Italian' },
  { value: 'pt', label: 'Portuguese' },
  { value: 'zh', label: 'Chinese' },
  { value: 'ar', label: 'Arabic' },
]
const CURRENCIES = ['EUR', 'USD', 'GBP']
const SORTS = [
  { value: 'relevance', label: 'Best match' },
  { value: 'rating', label: 'Rating' },
  { value: 'price_asc', label: 'Price: low to high' },
  { value: 'price_desc', label: 'Price: high to low' },
]

/** The search as the URL holds it (shareable, back button friendly). */
function queryFrom(params: URLSearchParams): TutorSearchQuery {
  const q: TutorSearchQuery = {}
  const get = (k: string) => params.get(k) ?? undefined
  q.subject = get('subject')
  q.level = get('level')
  q.language = get('language')
  const mode = get('mode')
  if (mode === 'online' || mode === 'in_person') q.mode = mode
  if (params.get('verified') === 'true') q.verified = true
  const max = Number(params.get('maxRate'))
  const currency = get('currency')
  // Budget is per hour in major units in the URL; the API wants minor units and a currency.
  if (currency) q.currency = currency
  if (currency && max > 0) q.maxRate = toMinor(max, currency)
  const sort = get('sort')
  if (sort && (sort === 'relevance' || sort === 'rating' || (q.currency && sort.startsWith('price_'))))
    q.sort = sort
  return q
}

export default function TutorSearchPage() {
  const [params, setParams] = useSearchParams()
  const query = queryFrom(params)
  const [subject, setSubject] = useState(params.get('subject') ?? '')
  const [debouncedSubject] = useDebouncedValue(subject.trim(), 300)
  // The latest parameters, read when a filter changes: a handler kept from an earlier render (the
  // router's `prev` is that render's) must not drop a filter set since, e.g. the debounced subject.
  const latest = useRef(params)
  latest.current = params
  const set = (key: string, value: string | null | undefined) => {
    const next = new URLSearchParams(latest.current)
    if (value) next.set(key, value)
    else next.delete(key)
    latest.current = next
    setParams(next, { replace: true })
  }
  useEffect(() => {
    if ((params.get('subject') ?? '') !== debouncedSubject) set('subject', debouncedSubject)
    // Only the debounced text drives the URL; `params` changing must not write it back.
  }, [debouncedSubject])

  const results = useInfiniteQuery({
    queryKey: ['tutor-search', query],
    queryFn: ({ pageParam, signal }) =>
      tutoringApi.search({ ...query, limit: 12, ...(pageParam ? { cursor: pageParam } : {}) }, signal),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  })
  const items = results.data?.pages.flatMap((p) => p.items) ?? []

  return (
    <Stack gap="lg">
      <Stack gap={4}>
        <Title order={1}>Find a tutor</Title>
        <Text c="dimmed">Live 1:1 lessons. Pay when you book; the tutor is paid after the lesson.</Text>
      </Stack>
      <Paper
        withBorder
        p="md"
        component="form"
        role="search"
        aria-label="Tutor filters"
        onSubmit={(e) => e.preventDefault()}
      >
        <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
          <TextInput
            label="Subject"
            placeholder="e.g. mathematics"
            value={subject}
            onChange={(e) => setSubject(e.currentTarget.value)}
          />
          <Select
            label="Level"
            placeholder="Any level"
            data={LEVELS.map((l) => ({ value: l, label: l[0]!.toUpperCase() + l.slice(1) }))}
            value={query.level ?? null}
            onChange={(v) => set('level', v)}
            clearable
          />
          <Select
            label="Language"
            placeholder="Any language"
            data={LANGUAGES}
            value={query.language ?? null}
            onChange={(v) => set('language', v)}
            clearable
          />
          <Select
            label="Lessons"
            data={[
              { value: '', label: 'Online or in person' },
              { value: 'online', label: 'Online' },
              { value: 'in_person', label: 'In person' },
            ]}
            value={query.mode ?? ''}
            onChange={(v) => set('mode', v)}
            allowDeselect={false}
          />
          <Select
            label="Currency"
            placeholder="Any currency"
            description="Needed for a budget or price sort"
            data={CURRENCIES}
            value={query.currency ?? null}
            onChange={(v) => set('currency', v)}
            clearable
          />
          <NumberInput
            label="Budget per hour"
            placeholder="No limit"
            min={1}
            max={10000}
            disabled={!query.currency}
            value={params.get('maxRate') ?? ''}
            onChange={(v) => set('maxRate', v === '' ? null : String(v))}
          />
          <Select
            label="Sort by"
            data={query.currency ? SORTS : SORTS.slice(0, 2)}
            value={query.sort ?? 'relevance'}
            onChange={(v) => set('sort', v)}
            allowDeselect={false}
          />
          <Checkbox
            mt={{ base: 0, md: 'xl' }}
            label="Verified tutors only"
            checked={query.verified === true}
            onChange={(e) => set('verified', e.currentTarget.checked ? 'true' : null)}
          />
        </SimpleGrid>
      </Paper>
      <section aria-label="Tutors" aria-busy={results.isFetching}>
        {results.isPending && <Loading label="Searching tutors…" />}
        {results.isError && !results.data && (
          <ErrorState error={results.error} retry={() => void results.refetch()} />
        )}
        {results.isSuccess && items.length === 0 && <Empty>No tutors match these filters.</Empty>}
        {items.length > 0 && (
          <Stack>
            <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
              {items.map((t) => (
                <TutorCard key={t.id} tutor={t} headingOrder={2} />
              ))}
            </SimpleGrid>
            {results.isFetchNextPageError && <FormError error={results.error} />}
            {results.hasNextPage && (
              <Group justify="center">
                <Button
                  variant="default"
                  loading={results.isFetchingNextPage}
                  onClick={() => void results.fetchNextPage()}
                >
                  Load more tutors
                </Button>
              </Group>
            )}
          </Stack>
        )}
      </section>
    </Stack>
  )
}
