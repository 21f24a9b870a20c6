import { Badge, Button, Card, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core'
import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import { currencyDigits, studio } from '../../api/studio.ts'
import { Empty, ErrorState, Loading } from '../../components/states.tsx'
import { StudioFrame } from './StudioFrame.tsx'

/** Minor units → `$12.50`, `-$3.00` (zero stays an amount, not "Free"). */
export const money = (amountMinor: number, currency: string) =>
  new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(
    amountMinor / 10 ** currencyDigits(currency),
  )

/**
 * Earnings from commerce's ledger (`/commerce/earnings/me…`): the available balance and money held
 * in escrow per currency, the movements (course sales credit the instructor's share, refunds claw it
 * back) and payouts.
 */
export default function EarningsPage() {
  const balances = useQuery({ queryKey: ['studio', 'earnings'], queryFn: studio.earnings })
  const entries = useInfiniteQuery({
    queryKey: ['studio', 'earnings', 'entries'],
    queryFn: ({ pageParam }) => studio.earningEntries(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  })
  const payouts = useQuery({ queryKey: ['studio', 'earnings', 'payouts'], queryFn: studio.payouts })
  const rows = entries.data?.pages.flatMap((p) => p.items) ?? []
  return (
    <StudioFrame title="Earnings">
      {balances.isPending ? (
        <Loading label="Loading balances…" />
      ) : balances.isError ? (
        <ErrorState error={balances.error} retry={() => void balances.refetch()} />
      ) : balances.data.balances.length === 0 ? (
        <Empty>No earnings yet. Your share of each course sale appears here.</Empty>
      ) : (
        <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }}>
          {balances.data.balances.map((b) => (
            <Card key={b.currency} withBorder>
              <Text size="sm" c="dimmed">
                Available ({b.currency})
              </Text>
              <Text fw={700} size="xl">
                {money(b.availableMinor, b.currency)}
              </Text>
              {b.pendingEscrowMinor !== 0 && (
                <Text size="sm" c="dimmed">
                  {money(b.pendingEscrowMinor, b.currency)} held in escrow
                </Text>
              )}
            </Card>
          ))}
        </SimpleGrid>
      )}
      <Title order={2} size="h4">
        Movements
      </Title>
      {entries.isPending ? (
        <Loading label="Loading movements…" />
      ) : entries.isError ? (
        <ErrorState error={entries.error} retry={() => void entries.refetch()} />
      ) : rows.length === 0 ? (
        <Empty>No sales yet.</Empty>
      ) : (
        <Stack gap="xs">
          <Table.ScrollContainer minWidth={520}>
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Date</Table.Th>
                  <Table.Th>What</Table.Th>
                  <Table.Th ta="right">Amount</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((e) => (
                  <Table.Tr key={e.id}>
                    <Table.Td>{new Date(e.createdAt).toLocaleDateString()}</Table.Td>
                    <Table.Td>
                      {e.transactionDescription || e.description || e.transactionKind.replace(/_/g, ' ')}
                    </Table.Td>
                    <Table.Td ta="right">{money(e.amountMinor, e.currency)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {entries.hasNextPage && (
            <Button
              variant="default"
              w="fit-content"
              onClick={() => void entries.fetchNextPage()}
              loading={entries.isFetchingNextPage}
            >
              Older movements
            </Button>
          )}
        </Stack>
      )}
      <Title order={2} size="h4">
        Payouts
      </Title>
      {payouts.isPending ? (
        <Loading label="Loading payouts…" />
      ) : payouts.isError ? (
        <ErrorState error={payouts.error} retry={() => void payouts.refetch()} />
      ) : payouts.data.items.length === 0 ? (
        <Empty>No payouts yet.</Empty>
      ) : (
        <Stack gap="xs">
          {payouts.data.items.map((p) => (
            <Card key={p.id} withBorder padding="sm">
              <Text fw={600}>{money(p.amountMinor, p.currency)}</Text>
              <Text size="sm" c="dimmed">
                {new Date(p.periodStart).toLocaleDateString()} – {new Date(p.periodEnd).toLocaleDateString()}{' '}
                ·{' '}
                <Badge size="sm" variant="dot">
                  {p.status}
                </Badge>
              </Text>
            </Card>
          ))}
        </Stack>
      )}
    </StudioFrame>
  )
}
