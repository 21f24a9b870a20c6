import { Button, Divider, Group, Stack, Table, Text, VisuallyHidden } from '@mantine/core'
import type { Cart } from '../../api/learner.ts'
import { formatAmount } from '../../lib/money.ts'
import { ToneBadge } from './shared.tsx'

/** What a cart costs: its lines, the coupons, and the totals the server computed (tax included). */
export function CartTotals({ cart }: { cart: Cart }) {
  const currency = cart.currency
  const taxLine =
    cart.tax && cart.tax.rateBasisPoints > 0
      ? `Includes ${cart.tax.label} (${cart.tax.rateBasisPoints / 100} %)`
      : undefined
  return (
    <Stack gap={6} aria-label="Totals" component="section">
      <Group justify="space-between">
        <Text>Subtotal</Text>
        <Text data-testid="cart-subtotal">{formatAmount(cart.subtotalMinor, currency)}</Text>
      </Group>
      {cart.coupons.map((c) => (
        <Group key={c.code} justify="space-between">
          <Text size="sm">
            Coupon {c.code}
            {c.reason && (
              <Text span size="sm" c="red.8">
                {' '}
                — not applied: {c.reason.replaceAll('_', ' ')}
              </Text>
            )}
          </Text>
          <Text size="sm">−{formatAmount(c.discountMinor, currency)}</Text>
        </Group>
      ))}
      {cart.discountMinor > 0 && (
        <Group justify="space-between">
          <Text>Discount</Text>
          <Text data-testid="cart-discount">−{formatAmount(cart.discountMinor, currency)}</Text>
        </Group>
      )}
      {taxLine && (
        <Group justify="space-between">
          <Text size="sm" c="dimmed">
            {taxLine}
          </Text>
          <Text size="sm" c="dimmed" data-testid="cart-tax">
            {formatAmount(cart.tax?.includedMinor ?? 0, currency)}
          </Text>
        </Group>
      )}
      <Divider />
      <Group justify="space-between">
        <Text fw={700}>Total</Text>
        <Text fw={700} data-testid="cart-total">
          {formatAmount(cart.totalMinor, currency)}
        </Text>
      </Group>
    </Stack>
  )
}

/** The cart's lines with a remove button each; lines no longer for sale are marked and not counted. */
export function CartLines({
  cart,
  onRemove,
  removing,
}: {
  cart: Cart
  onRemove: (priceId: string) => void
  removing?: string
}) {
  return (
    <Table.ScrollContainer minWidth={320}>
      <Table verticalSpacing="sm" aria-label="Cart items">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Item</Table.Th>
            <Table.Th ta="right">Price</Table.Th>
            <Table.Th>
              <VisuallyHidden>Actions</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {cart.items.map((line) => (
            <Table.Tr key={`${line.priceId}:${line.reference ?? ''}`}>
              <Table.Td>
                <Text fw={600}>{line.title}</Text>
                <Group gap={6}>
                  <Text size="xs" c="dimmed">
                    {line.productType.replaceAll('_', ' ')}
                    {line.quantity > 1 ? ` × ${line.quantity}` : ''}
                  </Text>
                  {!line.available && (
                    <ToneBadge color="red" variant="light" size="sm">
                      No longer for sale
                    </ToneBadge>
                  )}
                </Group>
              </Table.Td>
              <Table.Td ta="right">
                {line.discountMinor > 0 && (
                  <Text size="xs" c="dimmed" td="line-through">
                    {formatAmount(line.subtotalMinor, cart.currency)}
                  </Text>
                )}
                <Text>{formatAmount(line.totalMinor, cart.currency)}</Text>
              </Table.Td>
              <Table.Td ta="right">
                <Button
                  variant="subtle"
                  color="red"
                  size="xs"
                  loading={removing === line.priceId}
                  onClick={() => onRemove(line.priceId)}
                  aria-label={`Remove ${line.title}`}
                >
                  Remove
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  )
}
