import { Anchor, Button, Card, Group, Stack, Table, Text, Title } from '@mantine/core'
import { useInfiniteQuery, useMutation, useQuery } from '@tanstack/react-query'
import { Link } from 'react-router'
import { downloadFile, orders, type Invoice } from '../../api/learner.ts'
import { errorMessage } from '../../api/problem.ts'
import { Empty, ErrorState, Loading } from '../../components/states.tsx'
import { OrderStatus } from './OrderPage.tsx'
import { formatAmount } from '../../lib/money.ts'
import { firstTitles } from '../../lib/text.ts'
import { SignedIn, ToneAlert } from './shared.tsx'
import { formatDate } from '../../lib/dates.ts'

function InvoiceButton({ invoice }: { invoice: Invoice }) {
  const download = useMutation({
    mutationFn: () =>
      downloadFile(`/commerce/invoices/${encodeURIComponent(invoice.id)}/pdf`, `${invoice.number}.pdf`),
  })
  return (
    <Stack gap={2} align="flex-end">
      <Button
        size="xs"
        variant="light"
        loading={download.isPending}
        onClick={() => download.mutate()}
        aria-label={`Download ${invoice.kind === 'credit_note' ? 'credit note' : 'invoice'} ${invoice.number} (PDF)`}
      >
        {invoice.kind === 'credit_note' ? 'Credit note' : 'Invoice'} {invoice.number}
      </Button>
      {download.isError && (
        <Text size="xs" c="red.8" role="alert">
          {errorMessage(download.error)}
        </Text>
      )}
    </Stack>
  )
}

function OrdersView() {
  const list = useInfiniteQuery({
    queryKey: ['orders', 'mine'],
    queryFn: ({ pageParam }) => orders.mine(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  })
  // Invoices are issued from commerce.order.paid: an order paid a moment ago may not have one yet.
  const invoices = useQuery({ queryKey: ['invoices', 'mine'], queryFn: orders.invoices })
  if (list.isPending) return <Loading label="Loading your orders…" />
  if (list.isError) return <ErrorState error={list.error} retry={() => void list.refetch()} />
  const items = list.data.pages.flatMap((p) => p.items)
  const byOrder = new Map<string, Invoice[]>()
  for (const inv of invoices.data?.items ?? [])
    byOrder.set(inv.orderId, [...(byOrder.get(inv.orderId) ?? []), inv])
  return (
    <Stack>
      <Title order={1}>Orders & receipts</Title>
      {invoices.isError && (
        <ToneAlert color="yellow" title="Invoices could not be loaded">
          {errorMessage(invoices.error)}
        </ToneAlert>
      )}
      {items.length === 0 ? (
        <Stack align="center">
          <Empty>No orders yet.</Empty>
          <Button component={Link} to="/catalog">
            Browse the catalog
          </Button>
        </Stack>
      ) : (
        <Card withBorder padding={0}>
          <Table.ScrollContainer minWidth={340}>
            <Table verticalSpacing="sm" horizontalSpacing="md" aria-label="Orders">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Order</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th ta="right">Total</Table.Th>
                  <Table.Th ta="right">Documents</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((o) => (
                  <Table.Tr key={o.id}>
                    <Table.Td>
                      <Anchor component={Link} to={`/orders/${o.id}`} lineClamp={2}>
                        {o.itemTitles.length > 0
                          ? firstTitles(o.itemTitles, o.itemCount)
                          : formatDate(o.createdAt)}
                      </Anchor>
                      {o.itemTitles.length > 0 && (
                        <Text size="xs" c="dimmed">
                          {formatDate(o.createdAt)}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <OrderStatus status={o.status} />
                    </Table.Td>
                    <Table.Td ta="right">{formatAmount(o.totalMinor, o.currency)}</Table.Td>
                    <Table.Td ta="right">
                      <Group gap={6} justify="flex-end">
                        {(byOrder.get(o.id) ?? []).map((inv) => (
                          <InvoiceButton key={inv.id} invoice={inv} />
                        ))}
                        {invoices.isPending && (
                          <Text size="xs" c="dimmed">
                            Loading…
                          </Text>
                        )}
                        {!invoices.isPending && !byOrder.has(o.id) && (
                          <Text size="xs" c="dimmed">
                            {o.status === 'paid' && o.totalMinor > 0 ? 'Invoice being issued' : '—'}
                          </Text>
                        )}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
      )}
      {list.hasNextPage && (
        <Group justify="center">
          <Button variant="light" loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
            Load more
          </Button>
        </Group>
      )}
    </Stack>
  )
}

export default function OrdersPage() {
  return (
    <SignedIn title="Orders & receipts">
      <OrdersView />
    </SignedIn>
  )
}
