import { Alert, Text } from '@mantine/core'
import { useQuery } from '@tanstack/react-query'
import { tutoringApi, type BookingPolicy, type Slot } from '../../api/tutoring.ts'

const hours = (n: number) => `${n} hour${n === 1 ? '' : 's'}`

/** The cancellation rule in one sentence, as the policy says it. */
export function cancellationRule(p: BookingPolicy): string {
  if (p.lateCancelRefundPercent >= 100) return 'You can cancel for a full refund until the lesson starts.'
  const later =
    p.lateCancelRefundPercent === 0
      ? 'later cancellations are not refunded'
      : `later, ${p.lateCancelRefundPercent} % is refunded`
  return p.freeCancelHours === 0
    ? `Cancelling refunds ${p.lateCancelRefundPercent} % of the price.`
    : `Free cancellation up to ${hours(p.freeCancelHours)} before the lesson; ${later}.`
}

/**
 * What a learner agrees to when booking: the cancellation rule, and a warning when the chosen time is
 * already inside the late-cancellation window (booking it means cancelling refunds only part of it).
 */
export function BookingTerms({ slot, now = Date.now() }: { slot: Slot | null; now?: number }) {
  const policy = useQuery({ queryKey: ['booking-policy'], queryFn: tutoringApi.policy, staleTime: Infinity })
  const p = policy.data
  if (!p) return null
  const late =
    slot !== null &&
    p.lateCancelRefundPercent < 100 &&
    new Date(slot.startsAt).getTime() - now < p.freeCancelHours * 3_600_000
  return (
    <>
      <Text size="sm" c="dimmed">
        {cancellationRule(p)} If the tutor cancels or does not come, you get everything back.
      </Text>
      {late && (
        <Alert variant="default" color="blue.9" title="Inside the cancellation window">
          This lesson starts in less than {hours(p.freeCancelHours)}: if you cancel it,{' '}
          {p.lateCancelRefundPercent === 0
            ? 'nothing is refunded'
            : `${p.lateCancelRefundPercent} % of the price is refunded`}
          .
        </Alert>
      )}
    </>
  )
}
