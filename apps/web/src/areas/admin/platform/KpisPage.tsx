import { Alert, Card, SegmentedControl, SimpleGrid, Stack, Text } from '@mantine/core'
import { useQueries } from '@tanstack/react-query'
import { lazy, Suspense, useState } from 'react'
import { platformAdmin } from '../../../api/admin.ts'
import { formatAmount } from '../../../lib/money.ts'
import { errorMessage } from '../../../api/problem.ts'
import { Loading } from '../../../components/states.tsx'
import type { ChartSpec } from './KpiCharts.tsx'
import { PlatformShell } from './PlatformShell.tsx'

// recharts is heavy: its own chunk, fetched after the page's numbers are on screen.
const KpiChart = lazy(() => import('./KpiCharts.tsx'))

const COLORS = ['#1864ab', '#d9480f', '#2b8a3e', '#862e9c']

function Stat({ label, value }: { label: string; value: string | number }) {
  return (
    <Card withBorder padding="sm">
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
        {label}
      </Text>
      <Text fw={700} size="xl">
        {value}
      </Text>
    </Card>
  )
}

const sum = <T,>(rows: T[], pick: (r: T) => number) => rows.reduce((s, r) => s + pick(r), 0)

/** `/admin/kpis`: sign-ups (identity), orders and revenue (commerce), enrollments (learning), lessons (tutoring). */
export default function KpisPage() {
  const [days, setDays] = useState('30')
  const n = Number(days)
  const [identity, commerce, learning, tutoring] = useQueries({
    queries: [
      { queryKey: ['kpis', 'identity', n], queryFn: () => platformAdmin.kpis.identity(n) },
      { queryKey: ['kpis', 'commerce', n], queryFn: () => platformAdmin.kpis.commerce(n) },
      { queryKey: ['kpis', 'learning', n], queryFn: () => platformAdmin.kpis.learning(n) },
      { queryKey: ['kpis', 'tutoring', n], queryFn: () => platformAdmin.kpis.tutoring(n) },
    ],
  })
  const all = [identity, commerce, learning, tutoring]
  const failed = all.filter((q) => q.isError)
  const charts: ChartSpec[] = []
  if (commerce.data) {
    for (const [i, r] of commerce.data.revenue.entries()) {
      charts.push({
        title: `Revenue (${r.currency})`,
        kind: 'line',
        data: r.daily,
        series: [{ key: 'amountMinor', label: 'Paid orders', color: COLORS[i % COLORS.length]! }],
        format: (v) => formatAmount(v, r.currency),
      })
    }
    charts.push({
      title: 'Orders',
      kind: 'bar',
      data: commerce.data.daily,
      series: [
        { key: 'orders', label: 'Created', color: COLORS[0]! },
        { key: 'paidOrders', label: 'Paid', color: COLORS[2]! },
      ],
    })
  }
  if (learning.data) {
    charts.push({
      title: 'Enrollments',
      kind: 'line',
      data: learning.data.daily,
      series: [
        { key: 'enrollments', label: 'Enrollments', color: COLORS[0]! },
        { key: 'completions', label: 'Completions', color: COLORS[2]! },
      ],
    })
  }
  if (identity.data) {
    charts.push({
      title: 'Sign-ups',
      kind: 'bar',
      data: identity.data.daily,
      series: [{ key: 'signups', label: 'Sign-ups', color: COLORS[3]! }],
    })
  }
  if (tutoring.data) {
    charts.push({
      title: 'Tutoring lessons',
      kind: 'bar',
      data: tutoring.data.daily,
      series: [
        { key: 'lessons', label: 'Lessons (by start)', color: COLORS[1]! },
        { key: 'completed', label: 'Completed', color: COLORS[2]! },
      ],
    })
  }
  return (
    <PlatformShell title="KPIs" description="Every organization, per UTC day.">
      {() => (
        <Stack>
          <SegmentedControl
            aria-label="Period"
            value={days}
            onChange={setDays}
            data={[
              { value: '7', label: '7 days' },
              { value: '30', label: '30 days' },
              { value: '90', label: '90 days' },
            ]}
            w="fit-content"
          />
          {failed.length > 0 && (
            <Alert color="red" title="Some numbers could not be loaded" role="alert">
              {failed.map((q) => errorMessage(q.error)).join(' · ')}
            </Alert>
          )}
          {all.every((q) => q.isPending) ? (
            <Loading label="Loading KPIs…" />
          ) : (
            <>
              <SimpleGrid cols={{ base: 2, sm: 3, md: 6 }}>
                {identity.data && (
                  <>
                    <Stat label="Users" value={identity.data.totalUsers} />
                    <Stat label="Sign-ups" value={sum(identity.data.daily, (d) => d.signups)} />
                  </>
                )}
                {commerce.data && (
                  <Stat label="Paid orders" value={sum(commerce.data.daily, (d) => d.paidOrders)} />
                )}
                {commerce.data?.revenue.map((r) => (
                  <Stat
                    key={r.currency}
                    label={`Revenue ${r.currency}`}
                    value={formatAmount(r.totalMinor, r.currency)}
                  />
                ))}
                {learning.data && (
                  <Stat label="Enrollments" value={sum(learning.data.daily, (d) => d.enrollments)} />
                )}
                {tutoring.data && (
                  <>
                    <Stat label="Lessons" value={sum(tutoring.data.daily, (d) => d.lessons)} />
                    <Stat label="Open disputes" value={tutoring.data.openDisputes} />
                  </>
                )}
              </SimpleGrid>
              <Suspense fallback={<Loading label="Loading charts…" />}>
                <SimpleGrid cols={{ base: 1, md: 2 }}>
                  {charts.map((c) => (
                    <KpiChart key={c.title} spec={c} />
                  ))}
                </SimpleGrid>
              </Suspense>
              {all.some((q) => q.isPending) && <Loading label="Loading the rest…" />}
            </>
          )}
        </Stack>
      )}
    </PlatformShell>
  )
}
