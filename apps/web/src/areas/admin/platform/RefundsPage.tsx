import { Badge, Button, Group, Modal, NumberInput, Select, Stack, Text, TextInput } from '@mantine/core'
import { useForm } from '@mantine/form'
import { notifications } from '@mantine/notifications'
import { CLOSE } from '../Guard.tsx'
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useRef, useState } from 'react'
import { platformAdmin, type Order } from '../../../api/admin.ts'
import { idempotencyKey } from '../../../lib/ids.ts'
import { formatDateTime } from '../../../lib/dates.ts'
import { DataTable } from '../../../components/DataTable.tsx'
import { FormError } from '../../../components/FormError.tsx'
import { formatAmount, toMajor, toMinor, currencyDigits } from '../../../lib/money.ts'
import { firstTitles } from '../../../lib/text.ts'
import { PlatformShell } from './PlatformShell.tsx'

function RefundForm({ order, onDone }: { order: Order; onDone: () => void }) {
  const queryClient = useQueryClient()
  const refundable = order.totalMinor - order.refundedMinor
  // One key per attempt at this form: a retried request after a network error is not refunded twice.
  const key = useRef(idempotencyKey())
  const detail = useQuery({
    queryKey: ['admin', 'order', order.id],
    queryFn: () => platformAdmin.order(order.id),
  })
  const form = useForm({
    initialValues: { amount: toMajor(refundable, order.currency), reason: '' },
    validate: {
      amount: (v) =>
        typeof v !== 'number' || v <= 0
          ? 'Enter an amount'
          : toMinor(v, order.currency) > refundable
            ? `At most ${formatAmount(refundable, order.currency)}`
            : null,
      reason: (v) => (v.trim() ? null : 'Say why (the buyer sees it on the credit note)'),
    },
  })
  const refund = useMutation({
    mutationFn: (v: { amount: number; reason: string }) => {
      const amountMinor = toMinor(v.amount, order.currency)
      return platformAdmin.refund(
        order.id,
        amountMinor === refundable ? { reason: v.reason.trim() } : { amountMinor, reason: v.reason.trim() },
        key.current,
      )
    },
    onSuccess: async (r) => {
      notifications.show({
        closeButtonProps: CLOSE,
        message: `Refund ${r.refund.status}: ${formatAmount(r.refund.amountMinor, order.currency)}`,
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
          Order {order.id}: paid {formatAmount(order.totalMinor, order.currency)}, refunded so far{' '}
          {formatAmount(order.refundedMinor, order.currency)}.
        </Text>
        {detail.data && detail.data.items.length > 0 && (
          <Text size="sm" c="dimmed">
            {detail.data.items.map((i) => i.title).join(', ')}
          </Text>
        )}
        <FormError error={refund.error} />
        <NumberInput
          label={`Amount (${order.currency})`}
          description={`Up to ${formatAmount(refundable, order.currency)}; the full remainder by default.`}
          min={0}
          decimalScale={currencyDigits(order.currency)}
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
          <DataTable
            caption="Orders"
            query={orders}
            loadingLabel="Loading orders…"
            rows={items}
            rowKey={(o) => o.id}
            empty="No orders with this status."
            pages={orders}
            minWidth={620}
            verticalSpacing="xs"
            striped
            columns={[
              {
                header: 'Order',
                cell: (o) => (
                  <>
                    <Text size="sm" lineClamp={2}>
                      {firstTitles(o.itemTitles, o.itemCount)}
                    </Text>
                    <Text size="xs" ff="monospace" c="dimmed">
                      {o.id}
                    </Text>
                    <Badge size="xs" variant="light">
                      {o.status}
                    </Badge>
                  </>
                ),
              },
              { header: 'Paid', cell: (o) => (o.paidAt ? formatDateTime(o.paidAt) : '—') },
              { header: 'Total', cell: (o) => formatAmount(o.totalMinor, o.currency) },
              { header: 'Refunded', cell: (o) => formatAmount(o.refundedMinor, o.currency) },
              {
                header: 'Actions',
                hideHeader: true,
                cell: (o) =>
                  o.refundedMinor < o.totalMinor &&
                  o.paidAt && (
                    <Button
                      size="xs"
                      variant="default"
                      onClick={() => setRefunding(o)}
                      aria-label={`Refund order ${o.id}`}
                    >
                      Refund
                    </Button>
                  ),
              },
            ]}
          />
          <Modal opened={!!refunding} onClose={() => setRefunding(undefined)} title="Refund an order">
            {refunding && <RefundForm order={refunding} onDone={() => setRefunding(undefined)} />}
          </Modal>
        </Stack>
      )}
    </PlatformShell>
  )
}
