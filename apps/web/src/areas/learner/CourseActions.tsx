import { Anchor, Button, Stack, Text } from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Link, useNavigate } from 'react-router'
import type { CourseDetail } from '../../api/endpoints.ts'
import { cart as cartApi, learn } from '../../api/learner.ts'
import { useSession } from '../../api/session.tsx'
import { covers, isLive, subscriptions } from '../../api/subscriptions.ts'
import { FormError } from '../../components/FormError.tsx'

/**
 * The course page's call to action: "Go to course" when enrolled, "Enroll for free" for a free course,
 * "Add to cart" / "Buy now" (or "Go to cart") for a paid one, "Start learning" for a paid one my running
 * subscription includes (with a link to the plans that include it otherwise), and sign-in first for visitors.
 */
export function CourseActions({ course, priceId }: { course: CourseDetail; priceId: string | undefined }) {
  const { signedIn } = useSession()
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const enrollments = useQuery({ queryKey: ['enrollments'], queryFn: learn.enrollments, enabled: signedIn })
  const free = !priceId && course.price.amountMinor === 0
  const cart = useQuery({ queryKey: ['cart'], queryFn: cartApi.get, enabled: signedIn && !free })
  // A paid course may come with a subscription plan: the learner's running subscription opens it
  // (learning enrolls with source "subscription"), and a plan on sale that includes it is pointed to.
  const paid = signedIn && !free
  const plans = useQuery({ queryKey: ['plans'], queryFn: subscriptions.plans, enabled: paid })
  const mine = useQuery({
    queryKey: ['subscriptions', 'mine'],
    queryFn: () => subscriptions.mine(),
    enabled: paid,
  })
  const including = (plans.data?.items ?? []).filter((p) => covers(p.entitlement, course.id))
  const subscribed = including.find((p) =>
    mine.data?.items.some((s) => s.productId === p.product.id && isLive(s)),
  )
  const enroll = useMutation({
    mutationFn: () => learn.enroll(course.id),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['enrollments'] })
      void navigate(`/learn/${course.id}`)
    },
  })
  const add = useMutation({
    mutationFn: (_then: 'stay' | 'cart') => cartApi.add(priceId!),
    onSuccess: (c, then) => {
      queryClient.setQueryData(['cart'], c)
      if (then === 'cart') void navigate('/cart')
    },
  })

  if (!signedIn) {
    return (
      <Button
        component={Link}
        to={`/signin?returnTo=${encodeURIComponent(`/courses/${course.slug}`)}`}
        fullWidth
      >
        {free ? 'Sign in to enroll' : 'Sign in to buy'}
      </Button>
    )
  }
  const enrollment = enrollments.data?.items.find((e) => e.courseId === course.id)
  if (enrollment && (enrollment.status === 'active' || enrollment.status === 'completed')) {
    return (
      <Button component={Link} to={`/learn/${course.id}`} fullWidth>
        Go to course
      </Button>
    )
  }
  if (enrollments.isPending) return <Button loading fullWidth aria-label="Checking your enrollment" />
  if (free) {
    return (
      <Stack gap="xs">
        <Button onClick={() => enroll.mutate()} loading={enroll.isPending} fullWidth>
          Enroll for free
        </Button>
        <FormError error={enroll.error} />
      </Stack>
    )
  }
  if (subscribed) {
    return (
      <Stack gap="xs">
        <Button onClick={() => enroll.mutate()} loading={enroll.isPending} fullWidth>
          Start learning
        </Button>
        <Text size="sm" c="dimmed" ta="center">
          Included in your {subscribed.product.title} subscription
        </Text>
        <FormError error={enroll.error} />
      </Stack>
    )
  }
  const planLink = including.length > 0 && (
    <Text size="sm" ta="center">
      Or get it with a subscription:{' '}
      <Anchor component={Link} to="/plans">
        {including.length === 1 ? `the ${including[0]!.product.title} plan` : 'see the plans'}
      </Anchor>
    </Text>
  )
  if (!priceId)
    return including.length > 0 ? (
      <Stack gap="xs">
        <Button disabled fullWidth>
          Not for sale on its own
        </Button>
        {planLink}
      </Stack>
    ) : (
      <Button disabled fullWidth>
        Not for sale yet
      </Button>
    )
  const inCart = cart.data?.items.some((l) => l.productRef === course.id)
  return (
    <Stack gap="xs">
      {inCart ? (
        <Button component={Link} to="/cart" fullWidth>
          Go to cart
        </Button>
      ) : (
        <>
          <Button
            onClick={() => add.mutate('cart')}
            loading={add.isPending && add.variables === 'cart'}
            fullWidth
          >
            Buy now
          </Button>
          <Button
            variant="default"
            onClick={() => add.mutate('stay')}
            loading={add.isPending && add.variables === 'stay'}
            fullWidth
          >
            Add to cart
          </Button>
        </>
      )}
      <FormError error={add.error} />
      {planLink}
    </Stack>
  )
}
