import { Button, Card, Group, Stack, Table, Text, Title } from '@mantine/core'
import { useQuery } from '@tanstack/react-query'
import { Link, useParams, useSearchParams } from 'react-router'
import { learn, orders, type Order } from '../../api/learner.ts'
import { ApiError } from '../../api/problem.ts'
import { ErrorState, Loading } from '../../components/states.tsx'
import NotFoundPage from '../../pages/NotFoundPage.tsx'
import { formatAmount } from '../../lib/money.ts'
import { SignedIn, ToneAlert, ToneBadge } from './shared.tsx'
import { formatDate } from '../../lib/dates.ts'

const STATUS_COLORS: Record<string, string> = {
  paid: 'green',
  partially_refunded: 'yellow',
  refunded: 'gray',
  failed: 'red',
  cancelled: 'gray',
  pending_payment: 'blue',
  requires_action: 'orange',
}

export function OrderStatus({ status }: { status: string }) {
  return (
    <ToneBadge color={STATUS_COLORS[status] ?? 'gray'} variant="light">
      {status.replaceAll('_', ' ')}
    </ToneBadge>
  )
}

/** Payments still settling (a webhook to come) are polled briefly. */
const settling = (o: Order | undefined) => o?.status === 'pending_payment' || o?.status === 'requires_action'

function OrderView() {
  const { orderId = '' } = useParams()
  const [params] = useSearchParams()
  const placed = params.get('placed') === '1'
  const order = useQuery({
    queryKey: ['orders', orderId],
    queryFn: () => orders.get(orderId),
    refetchInterval: (q) => (settling(q.state.data) ? 2000 : false),
  })
  if (order.isPending) return <Loading label="Loading your order…" />
  if (order.isError) {
    if (order.error instanceof ApiError && (order.error.status === 404 || order.error.status === 400))
      return <NotFoundPage />
    return <ErrorState error={order.error} retry={() => void order.refetch()} />
  }
  const o = order.data
  const courses = o.items.filter((i) => i.productType === 'course')
  return <OrderDetails o={o} placed={placed} courses={courses} />
}

/** Enrollment follows payment through an event: the first course's "Start learning" waits for it. */
function OrderDetails({ o, placed, courses }: { o: Order; placed: boolean; courses: Order['items'] }) {
  const first = o.status === 'paid' ? courses[0] : undefined
  const enrollments = useQuery({
    queryKey: ['enrollments'],
    queryFn: learn.enrollments,
    enabled: !!first,
    refetchInterval: (q) =>
      first && !q.state.data?.items.some((e) => e.courseId === first.productRef) ? 1500 : false,
  })
  const enrolled = !!first && !!enrollments.data?.items.some((e) => e.courseId === first.productRef)
  return (
    <Stack maw={720}>
      <Title order={1}>{placed && o.status === 'paid' ? 'Thank you for your order' : 'Order'}</Title>
      {placed && o.status === 'paid' && (
        <ToneAlert color="green" title="Payment received">
          {courses.length > 0
            ? 'Your courses are being added to My learning; it takes a moment.'
            : 'A receipt is available under Orders & receipts.'}
        </ToneAlert>
      )}
      {settling(o) && (
        <ToneAlert color="blue" title="Waiting for the payment">
          The payment provider has not confirmed the payment yet. This page updates by itself.
        </ToneAlert>
      )}
      <Card withBorder>
        <Stack gap="sm">
          <Group justify="space-between">
            <Text size="sm" c="dimmed">
              Placed {formatDate(o.createdAt)}
            </Text>
            <OrderStatus status={o.status} />
          </Group>
          <Table.ScrollContainer minWidth={300}>
            <Table aria-label="Order items">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Item</Table.Th>
                  <Table.Th ta="right">Amount</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {o.items.map((i) => (
                  <Table.Tr key={i.id}>
                    <Table.Td>
                      {i.title}
                      {i.quantity > 1 ? ` × ${i.quantity}` : ''}
                    </Table.Td>
                    <Table.Td ta="right">{formatAmount(i.amountMinor, o.currency)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {o.discountMinor > 0 && (
            <Group justify="space-between">
              <Text size="sm">Discount {o.couponCodes.join(', ')}</Text>
              <Text size="sm">−{formatAmount(o.discountMinor, o.currency)}</Text>
            </Group>
          )}
          {o.taxMinor > 0 && (
            <Group justify="space-between">
              <Text size="sm" c="dimmed">
                Tax included
              </Text>
              <Text size="sm" c="dimmed">
                {formatAmount(o.taxMinor, o.currency)}
              </Text>
            </Group>
          )}
          <Group justify="space-between">
            <Text fw={700}>Total</Text>
            <Text fw={700}>{formatAmount(o.totalMinor, o.currency)}</Text>
          </Group>
          {o.refundedMinor > 0 && (
            <Group justify="space-between">
              <Text size="sm">Refunded</Text>
              <Text size="sm">{formatAmount(o.refundedMinor, o.currency)}</Text>
            </Group>
          )}
        </Stack>
      </Card>
      <Group>
        {first &&
          (enrolled ? (
            <Button component={Link} to={`/learn/${first.productRef}`}>
              Start learning
            </Button>
          ) : (
            <Button loading loaderProps={{ type: 'dots' }} aria-label="Preparing your course">
              Preparing your course
            </Button>
          ))}
        <Button component={Link} to="/learning" variant="default">
          My learning
        </Button>
        <Button component={Link} to="/orders" variant="default">
          Orders & receipts
        </Button>
      </Group>
    </Stack>
  )
}

export default function OrderPage() {
  return (
    <SignedIn title="Order">
      <OrderView />
    </SignedIn>
  )
}
