import {
  Badge,
  Button,
  Group,
  Modal,
  NumberInput,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core'
import { useForm } from '@mantine/form'
import { notifications } from '@mantine/notifications'
import { CLOSE } from '../Guard.tsx'
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useRef, useState } from 'react'
import {
  formatAmount,
  formatDateTime,
  idempotencyKey,
  minorPerMajor,
  platformAdmin,
  type Order,
} from '../../../api/admin.ts'
import { FormError } from '../../../components/FormError.tsx'
import { Empty, ErrorState, Loading } from '../../../components/states.tsx'
import { visuallyHidden } from '../SessionsCard.tsx'
import { PlatformShell } from './PlatformShell.tsx'

const money = formatAmount

function RefundForm({ order, onDone }: { order: Order; onDone: () => void }) {
  const queryClient = useQueryClient()
  const refundable = order.totalMinor - order.refundedMinor
  const scale = minorPerMajor(order.currency)
  // One key per attempt at this form: a retried request after a network error is not refunded twice.
  const key = useRef(idempotencyKey())
  const detail = useQuery({
    queryKey: ['admin', 'order', order.id],
    queryFn: () => platformAdmin.order(order.id),
  })
  const form = useForm({
    initialValues: { amount: refundable / scale, reason: '' },
    validate: {
      amount: (v) =>
        typeof v !== 'number' || v <= 0
          ? 'Enter an amount'
          : Math.round(v * scale) > refundable
            ? `At most ${money(refundable, order.currency)}`
            : null,
      reason: (v) => (v.trim() ? null : 'Say why (the buyer sees it on the credit note)'),
    },
  })
  const refund = useMutation({
    mutationFn: (v: { amount: number; reason: string }) => {
      const amountMinor = Math.round(v.amount * scale)
      return platformAdmin.refund(
        order.id,
        amountMinor === refundable ? { reason: v.reason.trim() } : { amountMinor, reason: v.reason.trim() },
        key.current,
      )
    },
    onSuccess: async (r) => {
      notifications.show({
        closeButtonProps: CLOSE,
        message: `Refund ${r.refund.status}: ${money(r.refund.amountMinor, order.currency)}`,
        color: 'green',
      })
      await queryClient.invalidateQueries({ queryKey: ['admin', 'orders'] })
      onDone()
    },
    onError: () => {
      key.current = idempotencyKey()
    },
  })
  return (
    <form noValidate onSubmit={form.onSubmit((v) => refund.mutate(v))}>
      <Stack>
        <Text size="sm">
          Order {order.id}: paid {money(order.totalMinor, order.currency)}, refunded so far{' '}
          {money(order.refundedMinor, order.currency)}.
        </Text>
        {detail.data && detail.data.items.length > 0 && (
          <Text size="sm" c="dimmed">
            {detail.data.items.map((i) => i.title).join(', ')}
          </Text>
        )}
        <FormError error={refund.error} />
        <NumberInput
          label={`Amount (${order.currency})`}
          description={`Up to ${money(refundable, order.currency)}; the full remainder by default.`}
          min={0}
          decimalScale={Math.log10(scale)}
          required
          {...form.getInputProps('amount')}
        />
        <TextInput label="Reason" required maxLength={200} {...form.getInputProps('reason')} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" color="red" loading={refund.isPending}>
            Issue refund
          </Button>
        </Group>
      </Stack>
    </form>
  )
}

const STATUSES = [
  { value: 'paid', label: 'Paid' },
  { value: 'partially_refunded', label: 'Partially refunded' },
  { value: 'refunded', label: 'Refunded' },
]

/** `/admin/refunds`: the organization's paid orders; refund one in full or in part (commerce). */
export default function RefundsPage() {
  const [status, setStatus] = useState<string | null>('paid')
  const [refunding, setRefunding] = useState<Order>()
  const orders = useInfiniteQuery({
    queryKey: ['admin', 'orders', status],
    queryFn: ({ pageParam }) => platformAdmin.orders(status ?? undefined, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  })
  const items = orders.data?.pages.flatMap((p) => p.items) ?? []
  return (
    <PlatformShell
      title="Refunds"
      description="Orders of your current organization. Refunds go back to the buyer's payment method."
    >
      {() => (
        <Stack>
          <Select
            label="Order status"
            data={STATUSES}
            value={status}
            onChange={setStatus}
            maw={240}
            allowDeselect={false}
          />
          {orders.isPending ? (
            <Loading label="Loading orders…" />
          ) : orders.isError ? (
            <ErrorState error={orders.error} retry={() => void orders.refetch()} />
          ) : items.length === 0 ? (
            <Empty>No orders with this status.</Empty>
          ) : (
            <Table.ScrollContainer minWidth={620}>
              <Table verticalSpacing="xs" striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Order</Table.Th>
                    <Table.Th>Paid</Table.Th>
                    <Table.Th>Total</Table.Th>
                    <Table.Th>Refunded</Table.Th>
                    <Table.Th>
                      <span style={visuallyHidden}>Actions</span>
                    </Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {items.map((o) => (
                    <Table.Tr key={o.id}>
                      <Table.Td>
                        <Text size="xs" ff="monospace">
                          {o.id}
                        </Text>
                        <Badge size="xs" variant="light">
                          {o.status}
                        </Badge>
                      </Table.Td>
                      <Table.Td>{o.paidAt ? formatDateTime(o.paidAt) : '—'}</Table.Td>
                      <Table.Td>{money(o.totalMinor, o.currency)}</Table.Td>
                      <Table.Td>{money(o.refundedMinor, o.currency)}</Table.Td>
                      <Table.Td>
                        {o.refundedMinor < o.totalMinor && o.paidAt && (
                          <Button
                            size="xs"
                            variant="default"
                            onClick={() => setRefunding(o)}
                            aria-label={`Refund order ${o.id}`}
                          >
                            Refund
                          </Button>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
          {orders.hasNextPage && (
            <Button
              variant="default"
              onClick={() => void orders.fetchNextPage()}
              loading={orders.isFetchingNextPage}
              w="fit-content"
            >
              Load more
            </Button>
          )}
          <Modal opened={!!refunding} onClose={() => setRefunding(undefined)} title="Refund an order">
            {refunding && <RefundForm order={refunding} onDone={() => setRefunding(undefined)} />}
          </Modal>
        </Stack>
      )}
    </PlatformShell>
  )
}
