import {
  Button,
  Checkbox,
  Collapse,
  Grid,
  Group,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core'
import { useDebouncedValue, useDisclosure, useMediaQuery } from '@mantine/hooks'
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query'
import { useEffect, useRef, useState } from 'react'
import { useSearchParams } from 'react-router'
import { learning, type CatalogQuery, type FacetName, type FacetValue } from '../api/endpoints.ts'
import { CourseCard } from '../components/CourseCard.tsx'
import { Empty, ErrorState, Loading } from '../components/states.tsx'

const MULTI: Exclude<FacetName, 'rating'>[] = ['category', 'level', 'language', 'price']
const FACET_TITLES: Record<FacetName, string> = {
  category: 'Category',
  level: 'Level',
  language: 'Language',
  price: 'Price',
  rating: 'Rating',
}
const PRICE_LABELS: Record<string, string> = {
  free: 'Free',
  lt_20: 'Under 20',
  '20_50': '20 – 50',
  '50_100': '50 – 100',
  gte_100: '100 and more',
}
const SORTS = [
  { value: 'relevance', label: 'Relevance' },
  { value: 'popular', label: 'Most popular' },
  { value: 'rating', label: 'Highest rated' },
  { value: 'newest', label: 'Newest' },
  { value: 'price_asc', label: 'Price: low to high' },
  { value: 'price_desc', label: 'Price: high to low' },
  { value: 'title', label: 'Title' },
]

function label(facet: FacetName, v: FacetValue): string {
  if (v.label) return v.label
  if (facet === 'price') return PRICE_LABELS[v.value] ?? v.value
  if (facet === 'level') return v.value.replace('_', ' ')
  if (facet === 'rating') return `${v.value}★ and up`
  return v.value
}

/** The catalog's query lives in the URL (`?q=&category=a&category=b&sort=`): links and reloads keep it. */
function readQuery(params: URLSearchParams): CatalogQuery {
  const query: CatalogQuery = {}
  const q = params.get('q')
  if (q) query.q = q
  for (const facet of MULTI) {
    const values = params.getAll(facet)
    if (values.length) query[facet] = values
  }
  const minRating = params.get('minRating')
  if (minRating) query.minRating = minRating
  const sort = params.get('sort')
  if (sort) query.sort = sort
  return query
}

export default function CatalogPage() {
  const [params, setParams] = useSearchParams()
  const query = readQuery(params)
  const [text, setText] = useState(query.q ?? '')
  const [debounced] = useDebouncedValue(text.trim(), 250)
  // On a phone the filters fold away behind a button so the results stay near the top.
  const phone = useMediaQuery('(max-width: 48em)')
  const [filtersOpen, filters] = useDisclosure(false)

  // Search as you type: a new debounced text goes to the URL, which drives the query. The last text
  // written (or followed) is remembered so the two effects never undo each other.
  const urlQ = params.get('q') ?? ''
  const lastText = useRef(debounced)
  useEffect(() => {
    if (debounced === lastText.current) return
    lastText.current = debounced
    if (urlQ === debounced) return
    const next = new URLSearchParams(params)
    if (debounced) next.set('q', debounced)
    else next.delete('q')
    setParams(next, { replace: true })
  }, [debounced, urlQ, params, setParams])
  // The URL changed from elsewhere (the header's search box, back/forward): the box follows it.
  useEffect(() => {
    if (urlQ === lastText.current) return
    lastText.current = urlQ
    setText(urlQ)
  }, [urlQ])

  const results = useInfiniteQuery({
    queryKey: ['catalog', query],
    queryFn: ({ pageParam, signal }) => learning.catalog({ ...query, cursor: pageParam, limit: 12 }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  })

  const isChecked = (facet: FacetName, value: string) =>
    facet === 'rating' ? query.minRating === value : (query[facet] ?? []).includes(value)

  function toggle(facet: FacetName, value: string, checked: boolean) {
    const next = new URLSearchParams(params)
    if (facet === 'rating') {
      if (checked) next.set('minRating', value)
      else next.delete('minRating')
    } else {
      const values = next.getAll(facet).filter((v) => v !== value)
      if (checked) values.push(value)
      next.delete(facet)
      for (const v of values) next.append(facet, v)
    }
    setParams(next)
  }

  const first = results.data?.pages[0]
  const items = results.data?.pages.flatMap((p) => p.items) ?? []

  return (
    <Stack gap="md">
      <Title order={1}>Catalog</Title>
      <Group align="flex-end" wrap="wrap">
        <TextInput
          label="Search"
          placeholder="What do you want to learn?"
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          style={{ flex: '1 1 240px' }}
          type="search"
        />
        <Select
          label="Sort by"
          data={SORTS}
          value={query.sort ?? results.data?.pages[0]?.sort ?? 'relevance'}
          allowDeselect={false}
          onChange={(sort) => {
            const next = new URLSearchParams(params)
            if (sort) next.set('sort', sort)
            setParams(next)
          }}
          w={{ base: '100%', xs: 200 }}
        />
      </Group>
      <Grid>
        <Grid.Col span={{ base: 12, sm: 4, md: 3 }}>
          <Button
            variant="default"
            hiddenFrom="sm"
            fullWidth
            mb="sm"
            onClick={filters.toggle}
            aria-expanded={filtersOpen}
            aria-controls="catalog-filters"
          >
            {filtersOpen ? 'Hide filters' : 'Filters'}
          </Button>
          <Collapse expanded={!phone || filtersOpen} id="catalog-filters">
            <Stack gap="md" component="aside" aria-label="Filters">
              {first &&
                (Object.keys(FACET_TITLES) as FacetName[]).map((facet) =>
                  first.facets[facet].every((v) => v.count === 0 && !isChecked(facet, v.value)) ? null : (
                    <Checkbox.Group
                      key={facet}
                      label={FACET_TITLES[facet]}
                      value={
                        facet === 'rating' ? (query.minRating ? [query.minRating] : []) : (query[facet] ?? [])
                      }
                    >
                      <Stack gap={6} mt={6}>
                        {first.facets[facet]
                          .filter((v) => v.count > 0 || isChecked(facet, v.value))
                          .map((v) => (
                            <Checkbox
                              key={v.value}
                              value={v.value}
                              label={`${label(facet, v)} (${v.count})`}
                              onChange={(e) => toggle(facet, v.value, e.currentTarget.checked)}
                            />
                          ))}
                      </Stack>
                    </Checkbox.Group>
                  ),
                )}
            </Stack>
          </Collapse>
        </Grid.Col>
        <Grid.Col
          span={{ base: 12, sm: 8, md: 9 }}
          aria-busy={results.isFetching && !results.isFetchingNextPage}
          data-testid="catalog-results"
        >
          {results.isPending ? (
            <Loading label="Searching…" />
          ) : results.isError && !first ? (
            <ErrorState error={results.error} retry={() => void results.refetch()} />
          ) : items.length === 0 ? (
            <Empty>No courses match. Try other words or fewer filters.</Empty>
          ) : (
            <Stack>
              <Text size="sm" c="dimmed" aria-live="polite">
                {results.isPlaceholderData
                  ? 'Searching…'
                  : `${first?.totalApproximate ? 'About ' : ''}${first?.total} ${first?.total === 1 ? 'course' : 'courses'}`}
              </Text>
              <SimpleGrid cols={{ base: 1, md: 2, lg: 3 }}>
                {items.map((c) => (
                  <CourseCard key={c.id} course={c} headingOrder={2} />
                ))}
              </SimpleGrid>
              {results.isFetchNextPageError && <ErrorState error={results.error} />}
              {results.hasNextPage && (
                <Group justify="center">
                  <Button
                    variant="light"
                    loading={results.isFetchingNextPage}
                    onClick={() => void results.fetchNextPage()}
                  >
                    Load more
                  </Button>
                </Group>
              )}
            </Stack>
          )}
        </Grid.Col>
      </Grid>
    </Stack>
  )
}
