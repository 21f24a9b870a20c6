import {
  Alert,
  Anchor,
  Badge,
  Button,
  Divider,
  Grid,
  Group,
  Paper,
  Select,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { Link, useLocation, useNavigate, useParams, useSearchParams } from 'react-router'
import { formatAmount, formatPrice } from '../../lib/money.ts'
import { useSession } from '../../api/session.tsx'
import {
  tutoringApi,
  tutoringCommerce,
  type Booking,
  type Cart,
  type Slot,
  type TutorProfile,
} from '../../api/tutoring.ts'
import { ErrorState, Loading } from '../../components/states.tsx'
import { FormError } from '../../components/FormError.tsx'
import { SlotPicker } from './SlotPicker.tsx'
import { BookingTerms } from './BookingTerms.tsx'
import { reputation } from './TutorCard.tsx'
import { browserTimeZone, formatInZone } from './time.ts'
import { idempotencyKey } from '../../lib/ids.ts'
import { UserFacingError } from '../../api/problem.ts'

interface Held {
  booking: Booking
  priceId: string
  cart: Cart
}

/** Lesson options: each offered length, and the trial when the tutor offers one. */
function lessonOptions(p: TutorProfile) {
  const options = p.lessonPrices.map((lp) => ({
    value: `${lp.minutes}`,
    label: `${lp.minutes}-minute lesson · ${formatPrice({ amountMinor: lp.amountMinor, currency: p.hourlyRate.currency })}`,
  }))
  if (p.trial) {
    const price = p.lessonPrices.find((lp) => lp.minutes === p.trial!.minutes)
    options.unshift({
      value: `trial:${p.trial.minutes}`,
      label: `Trial lesson, ${p.trial.minutes} minutes${price ? ` · ${formatPrice({ amountMinor: price.amountMinor, currency: p.hourlyRate.currency })}` : ''}`,
    })
  }
  return options
}

/**
 * Hold → cart → checkout: the slot is held by tutoring (15 minutes), its lesson price is looked up in
 * commerce and added to the cart with the booking as the line's reference, then the cart is paid
 * (the sandbox provider in development). Paying books the lesson (commerce.order.paid → tutoring).
 */
function BookingPanel({ profile }: { profile: TutorProfile }) {
  const { signedIn, me } = useSession()
  const location = useLocation()
  const navigate = useNavigate()
  const client = useQueryClient()
  const options = lessonOptions(profile)
  const [choice, setChoice] = useState(
    options.find((o) => !o.value.startsWith('trial'))?.value ?? options[0]?.value ?? '60',
  )
  const trial = choice.startsWith('trial:')
  const minutes = Number(choice.replace('trial:', ''))
  const [slot, setSlot] = useState<Slot | null>(null)
  const [held, setHeld] = useState<Held | null>(null)
  const [payKey] = useState(idempotencyKey)

  const hold = useMutation({
    mutationFn: async (): Promise<Held> => {
      const { booking, checkout } = await tutoringApi.hold({
        tutorId: profile.id,
        startsAt: slot!.startsAt,
        minutes,
        ...(trial ? { trial: true } : {}),
        payWith: 'checkout',
      })
      if (!checkout) throw new UserFacingError('The booking needs no payment')
      const lookup = await tutoringCommerce.lessonPrice(checkout.productRef, profile.orgId)
      const price = lookup.prices.find((p) => p.active)
      if (!price) throw new UserFacingError('This lesson has no price yet. Try again in a moment.')
      const cart = await tutoringCommerce.addToCart(price.id, checkout.reference)
      return { booking, priceId: price.id, cart }
    },
    onSuccess: (h) => {
      setHeld(h)
      void client.invalidateQueries({ queryKey: ['cart'] })
    },
  })
  const pay = useMutation({
    mutationFn: () => tutoringCommerce.checkout(payKey),
    onSuccess: async (order) => {
      await client.invalidateQueries({ queryKey: ['my-lessons'] })
      if (order.status === 'paid') await navigate(`/lessons?booked=${held!.booking.id}`)
      else await navigate(`/orders/${order.id}`)
    },
  })
  const release = useMutation({
    mutationFn: async () => {
      await tutoringApi.cancel(held!.booking.id, 'released')
      await tutoringCommerce.removeFromCart(held!.priceId, held!.booking.id)
    },
    onSuccess: () => {
      setHeld(null)
      setSlot(null)
      void client.invalidateQueries({ queryKey: ['tutor-slots'] })
    },
  })

  if (signedIn && me?.user.id === profile.userId) {
    return (
      <Alert variant="default" color="blue.9">
        This is your profile as learners see it.
      </Alert>
    )
  }
  if (held) {
    // The zone My lessons shows the lesson in, named: the picker's zone may have been another one.
    const zone = browserTimeZone()
    const until = held.booking.holdExpiresAt
      ? new Date(held.booking.holdExpiresAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
      : ''
    const others = held.cart.items.length - 1
    return (
      <Stack>
        <Alert variant="default" color="blue.9" title="Slot held for you">
          {formatInZone(held.booking.startsAt, zone, { weekday: 'long', month: 'long' })} ({zone}),{' '}
          {held.booking.minutes} minutes. It stays yours until {until} while you pay.
        </Alert>
        <Text>
          Cart total:{' '}
          <strong>{formatAmount(held.cart.totalMinor, held.cart.currency ?? held.booking.currency)}</strong>
          {others > 0 && ` (this lesson and ${others} other item${others > 1 ? 's' : ''})`}
        </Text>
        <FormError error={pay.error ?? release.error} />
        <Group>
          <Button onClick={() => pay.mutate()} loading={pay.isPending}>
            Pay now
          </Button>
          <Button component={Link} to="/cart" variant="default">
            Review cart
          </Button>
          <Button variant="default" onClick={() => release.mutate()} loading={release.isPending}>
            Release the slot
          </Button>
        </Group>
        <Text size="xs" c="dimmed">
          Development payments use the sandbox provider: no card is charged.
        </Text>
      </Stack>
    )
  }
  return (
    <Stack>
      <Select
        label="Lesson"
        data={options}
        value={choice}
        onChange={(v) => {
          if (v) {
            setChoice(v)
            setSlot(null)
          }
        }}
        allowDeselect={false}
      />
      <SlotPicker
        tutorId={profile.id}
        orgId={profile.orgId}
        minutes={minutes}
        selected={slot}
        onSelect={setSlot}
      />
      <BookingTerms slot={slot} />
      <FormError error={hold.error} />
      {signedIn ? (
        <Button onClick={() => hold.mutate()} disabled={!slot} loading={hold.isPending}>
          {slot ? 'Book this time' : 'Pick a time to book'}
        </Button>
      ) : (
        <Button
          component={Link}
          to={`/signin?returnTo=${encodeURIComponent(location.pathname + location.search)}`}
        >
          Sign in to book
        </Button>
      )}
    </Stack>
  )
}

export default function TutorProfilePage() {
  const { tutorId = '' } = useParams()
  const [params] = useSearchParams()
  const orgId = params.get('org') ?? undefined
  const profile = useQuery({
    queryKey: ['tutor', tutorId, orgId],
    queryFn: () => tutoringApi.tutor(tutorId, orgId),
  })
  if (profile.isPending) return <Loading label="Loading the tutor…" />
  if (profile.isError) return <ErrorState error={profile.error} retry={() => void profile.refetch()} />
  const p = profile.data
  const money = (amountMinor: number) => formatPrice({ amountMinor, currency: p.hourlyRate.currency })
  const lessonPrice = (minutes: number) =>
    p.lessonPrices.find((lp) => lp.minutes === minutes)?.amountMinor ?? 0
  return (
    <Grid gap="xl">
      <Grid.Col span={{ base: 12, md: 5 }}>
        <Stack>
          <Anchor component={Link} to="/tutors" size="sm">
            ← All tutors
          </Anchor>
          <Group gap="xs">
            <Title order={1}>{p.displayName}</Title>
            {p.verified && (
              <Badge variant="dot" color="teal">
                Verified
              </Badge>
            )}
          </Group>
          {p.headline && <Text size="lg">{p.headline}</Text>}
          <Text c="dimmed" size="sm">
            {reputation(p)} · {p.lessonsTaught} lesson{p.lessonsTaught === 1 ? '' : 's'} taught · {p.timeZone}
          </Text>
          {p.bio && <Text style={{ whiteSpace: 'pre-line' }}>{p.bio}</Text>}
          <Divider />
          <Title order={2} size="h4">
            Subjects
          </Title>
          <Stack gap={4}>
            {p.subjects.map((s) => (
              <Text key={s.subject} size="sm">
                <strong>{s.subject}</strong>: {s.levels.join(', ')}
              </Text>
            ))}
          </Stack>
          <Text size="sm">
            Speaks {p.languages.join(', ') || '—'} ·{' '}
            {[p.offersOnline && 'online', p.offersInPerson && 'in person'].filter(Boolean).join(' and ')}{' '}
            lessons
          </Text>
          <Title order={2} size="h4">
            Prices
          </Title>
          <Table>
            <Table.Tbody>
              <Table.Tr>
                <Table.Th scope="row">Hourly rate</Table.Th>
                <Table.Td>{money(p.hourlyRate.amountMinor)}</Table.Td>
              </Table.Tr>
              {p.lessonPrices.map((lp) => (
                <Table.Tr key={lp.minutes}>
                  <Table.Th scope="row">{lp.minutes}-minute lesson</Table.Th>
                  <Table.Td>{money(lp.amountMinor)}</Table.Td>
                </Table.Tr>
              ))}
              {p.trial && (
                <Table.Tr>
                  <Table.Th scope="row">Trial lesson ({p.trial.minutes} min)</Table.Th>
                  <Table.Td>{money(lessonPrice(p.trial.minutes))}, first lesson only</Table.Td>
                </Table.Tr>
              )}
              {p.packages.map((pkg) => (
                <Table.Tr key={pkg.lessons}>
                  <Table.Th scope="row">Package of {pkg.lessons} lessons</Table.Th>
                  <Table.Td>{pkg.discountPercent} % off</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 7 }}>
        <Paper withBorder p="md" component="section" aria-labelledby="book-heading">
          <Stack>
            <Title order={2} size="h3" id="book-heading">
              Book a lesson
            </Title>
            <BookingPanel profile={p} />
          </Stack>
        </Paper>
      </Grid.Col>
    </Grid>
  )
}
