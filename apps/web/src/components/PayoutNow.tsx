import { useState } from 'react'
import { Alert, Button, Group, Paper, Stack, Text, Title } from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { earnings, earningsKeys, type EarningsBalance } from '../api/earnings.ts'
import { idempotencyKey } from '../lib/ids.ts'
import { formatAmount } from '../lib/money.ts'
import { FormError } from './FormError.tsx'

/** Payouts the control looks at for a pending one (the studio's page size: one cache entry). */
const RECENT_PAYOUTS = 10

const list = (balances: EarningsBalance[]) =>
  balances.map((b) => formatAmount(b.availableMinor, b.currency)).join(' and ')

/**
 * "Pay out now", shared by the instructor studio and the tutor console: the amount that would be
 * paid, disabled with the reason below the payout minimum or while a payout is pending; asks for
 * confirmation, then calls `POST /commerce/earnings/me/payouts` with a fresh Idempotency-Key and
 * refreshes the balances, movements and payouts. A refusal shows the server's explanation. Its title is an
 * h2: a section of an earnings page, under the page's h1 (studio) or beside the tab's sections (console).
 */
export function PayoutNow() {
  const queryClient = useQueryClient()
  const balances = useQuery({ queryKey: earningsKeys.balances, queryFn: earnings.balances })
  const payouts = useQuery({
    queryKey: earningsKeys.payouts(RECENT_PAYOUTS),
    queryFn: () => earnings.payouts({ limit: RECENT_PAYOUTS }),
  })
  const [confirming, setConfirming] = useState(false)
  const pay = useMutation({
    mutationFn: earnings.requestPayout,
    onSettled: () => queryClient.invalidateQueries({ queryKey: earningsKeys.all }),
    onSuccess: () => setConfirming(false),
  })
  if (!balances.data) return null
  const minimum = balances.data.payoutMinimumMinor
  const payable = balances.data.balances.filter((b) => b.availableMinor > 0 && b.availableMinor >= minimum)
  const pending = payouts.data?.items.some((p) => p.status === 'pending') ?? false
  const why = pending
    ? 'A payout is on its way. You can ask for another once it is confirmed.'
    : payable.length > 0
      ? null
      : balances.data.balances.length === 0
        ? 'Nothing to pay out yet.'
        : `Payouts start at ${balances.data.balances
            .map((b) => formatAmount(minimum, b.currency))
            .join(' / ')}; your balance is paid out once it reaches that.`
  const made = pay.data?.payouts ?? []
  return (
    <Paper withBorder p="md" aria-label="Pay out now">
      <Stack gap="xs">
        <Title order={2} size="h5">
          Pay out now
        </Title>
        <Text size="sm" c="dimmed">
          Payouts also run on the organization&apos;s schedule; ask here to be paid without waiting.
        </Text>
        {payable.length > 0 && !pending && <Text fw={600}>Available to pay out: {list(payable)}</Text>}
        {why && <Text size="sm">{why}</Text>}
        {confirming ? (
          <Group>
            <Text size="sm">Pay {list(payable)} to your payout account now?</Text>
            <Button loading={pay.isPending} onClick={() => pay.mutate(idempotencyKey())}>
              Confirm payout
            </Button>
            <Button variant="default" disabled={pay.isPending} onClick={() => setConfirming(false)}>
              Cancel
            </Button>
          </Group>
        ) : (
          <Group>
            <Button
              disabled={why !== null}
              onClick={() => {
                pay.reset()
                setConfirming(true)
              }}
            >
              Pay out now
            </Button>
          </Group>
        )}
        <FormError error={pay.error} />
        {made.length > 0 && (
          <Alert color="green" role="status">
            {made
              .map(
                (p) =>
                  `${formatAmount(p.amountMinor, p.currency)}: ${
                    p.status === 'paid'
                      ? 'paid'
                      : p.status === 'failed'
                        ? 'refused, back on your balance'
                        : 'on its way'
                  }`,
              )
              .join('; ')}
          </Alert>
        )}
      </Stack>
    </Paper>
  )
}
