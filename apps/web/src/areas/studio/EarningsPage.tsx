import { Badge, Card, SimpleGrid, Stack, Text, Title } from '@mantine/core'
import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import { earnings, earningsKeys, movementLabel } from '../../api/earnings.ts'
import { DataTable } from '../../components/DataTable.tsx'
import { PayoutNow } from '../../components/PayoutNow.tsx'
import { QueryState } from '../../components/states.tsx'
import { formatDate } from '../../lib/dates.ts'
import { formatAmount } from '../../lib/money.ts'
import { StudioFrame } from './StudioFrame.tsx'

const ENTRIES_PAGE = 25
const PAYOUTS_PAGE = 10

/**
 * Earnings from commerce's ledger (`/commerce/earnings/me…`): the available balance and money held
 * in escrow per currency, the movements (course sales credit the instructor's share, refunds claw it
 * back) and payouts.
 */
export default function EarningsPage() {
  const balances = useQuery({ queryKey: earningsKeys.balances, queryFn: earnings.balances })
  const entries = useInfiniteQuery({
    queryKey: earningsKeys.entries(ENTRIES_PAGE),
    queryFn: ({ pageParam }) => earnings.entries({ limit: ENTRIES_PAGE, after: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  })
  const payouts = useQuery({
    queryKey: earningsKeys.payouts(PAYOUTS_PAGE),
    queryFn: () => earnings.payouts({ limit: PAYOUTS_PAGE }),
  })
  const rows = entries.data?.pages.flatMap((p) => p.items) ?? []
  return (
    <StudioFrame title="Earnings">
      <QueryState
        query={balances}
        loadingLabel="Loading balances…"
        isEmpty={() => balances.data?.balances.length === 0}
        empty="No earnings yet. Your share of each course sale appears here."
      >
        {() => (
          <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }}>
            {balances.data?.balances.map((b) => (
              <Card key={b.currency} withBorder>
                <Text size="sm" c="dimmed">
                  Available ({b.currency})
                </Text>
                <Text fw={700} size="xl">
                  {formatAmount(b.availableMinor, b.currency)}
                </Text>
                {b.pendingEscrowMinor !== 0 && (
                  <Text size="sm" c="dimmed">
                    {formatAmount(b.pendingEscrowMinor, b.currency)} held in escrow
                  </Text>
                )}
              </Card>
            ))}
          </SimpleGrid>
        )}
      </QueryState>
      <PayoutNow />
      <Title order={2} size="h4">
        Movements
      </Title>
      <DataTable
        caption="Movements"
        query={entries}
        loadingLabel="Loading movements…"
        rows={rows}
        rowKey={(e) => e.id}
        empty="No sales yet."
        pages={entries}
        moreLabel="Older movements"
        minWidth={520}
        striped
        columns={[
          { header: 'Date', cell: (e) => formatDate(e.createdAt) },
          { header: 'What', cell: (e) => movementLabel(e) },
          { header: 'Amount', align: 'right', cell: (e) => formatAmount(e.amountMinor, e.currency) },
        ]}
      />
      <Title order={2} size="h4">
        Payouts
      </Title>
      <QueryState
        query={payouts}
        loadingLabel="Loading payouts…"
        isEmpty={() => payouts.data?.items.length === 0}
        empty="No payouts yet."
      >
        {() => (
          <Stack gap="xs">
            {payouts.data?.items.map((p) => (
              <Card key={p.id} withBorder padding="sm">
                <Text fw={600}>{formatAmount(p.amountMinor, p.currency)}</Text>
                <Text size="sm" c="dimmed">
                  {formatDate(p.periodStart)} – {formatDate(p.periodEnd)} ·{' '}
                  <Badge size="sm" variant="dot">
                    {p.status}
                  </Badge>
                </Text>
              </Card>
            ))}
          </Stack>
        )}
      </QueryState>
    </StudioFrame>
  )
}
