import { Anchor, Button, Card, Group, List, SimpleGrid, Stack, Text, Title } from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Link, useNavigate } from 'react-router'
import { cart as cartApi, learn, type Enrollment } from '../../api/learner.ts'
import {
  isLive,
  planCourses,
  subscriptions,
  type Plan,
  type PlanPrice,
  type Subscription,
} from '../../api/subscriptions.ts'
import { FormError } from '../../components/FormError.tsx'
import { Empty, ErrorState, Loading } from '../../components/states.tsx'
import { count } from '../../lib/text.ts'
import { SignedIn, ToneAlert, ToneBadge } from './shared.tsx'
import { intervalLabel, priceText, STATUS_COLOR, STATUS_LABEL, trialText } from './subscription-text.ts'

/** A plan description: line breaks as written, long words wrapped instead of widening the card. */
const DESCRIPTION_STYLE = { whiteSpace: 'pre-line', overflowWrap: 'anywhere' } as const

/** At most this many of a plan's courses are looked up and listed; the rest are counted. */
const SHOWN_COURSES = 24

const enrolledIn = (enrollments: Enrollment[] | undefined, courseId: string) =>
  enrollments?.find((e) => e.courseId === courseId && (e.status === 'active' || e.status === 'completed'))

/** A course of a plan: a link to its page, and for a subscriber the way in (start or go to it). */
function IncludedCourse({
  course,
  subscribed,
  enrollments,
}: {
  course: { id: string; slug: string; title: string }
  subscribed: boolean
  enrollments: Enrollment[] | undefined
}) {
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const enroll = useMutation({
    mutationFn: () => learn.enroll(course.id),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['enrollments'] })
      void navigate(`/learn/${course.id}`)
    },
  })
  const enrolled = enrolledIn(enrollments, course.id)
  return (
    <List.Item>
      <Group gap="xs" wrap="wrap">
        <Anchor component={Link} to={`/courses/${course.slug}`}>
          {course.title}
        </Anchor>
        {subscribed &&
          (enrolled ? (
            <Button
              component={Link}
              to={`/learn/${course.id}`}
              size="compact-xs"
              variant="light"
              aria-label={`Go to course: ${course.title}`}
            >
              Go to course
            </Button>
          ) : (
            <Button
              size="compact-xs"
              onClick={() => enroll.mutate()}
              loading={enroll.isPending}
              aria-label={`Start learning ${course.title}`}
            >
              Start learning
            </Button>
          ))}
      </Group>
      <FormError error={enroll.error} />
    </List.Item>
  )
}

/** What a plan includes: every course of the organization, or its list of courses (looked up in the catalog). */
function Included({
  plan,
  subscribed,
  enrollments,
}: {
  plan: Plan
  subscribed: boolean
  enrollments: Enrollment[] | undefined
}) {
  const ids = plan.entitlement.scope === 'courses' ? plan.entitlement.courseIds : []
  const shown = ids.slice(0, SHOWN_COURSES)
  const courses = useQuery({
    queryKey: ['plan-courses', plan.product.id, shown],
    queryFn: () => planCourses(shown),
    enabled: shown.length > 0,
  })
  const headingId = `included-${plan.product.id}`
  return (
    <Stack gap={6} component="section" aria-labelledby={headingId}>
      <Title order={3} size="h5" id={headingId}>
        What’s included
      </Title>
      {plan.entitlement.scope === 'all_courses' ? (
        <Text size="sm">
          Every course of your organization, paid ones included.{' '}
          <Anchor component={Link} to="/catalog">
            Browse the catalog
          </Anchor>
          {subscribed ? ' and choose “Start learning” on any course.' : '.'}
        </Text>
      ) : courses.isPending ? (
        <Loading label="Loading the plan’s courses…" />
      ) : courses.isError ? (
        <ErrorState error={courses.error} retry={() => void courses.refetch()} />
      ) : (
        <>
          <Text size="sm" c="dimmed">
            {count(ids.length, 'course')}
          </Text>
          <List size="sm" spacing={6} aria-label={`Courses in ${plan.product.title}`}>
            {courses.data.courses.map((c) => (
              <IncludedCourse key={c.id} course={c} subscribed={subscribed} enrollments={enrollments} />
            ))}
          </List>
          {courses.data.hidden + (ids.length - shown.length) > 0 && (
            <Text size="xs" c="dimmed">
              {courses.data.courses.length === 0 ? '' : 'And '}
              {count(courses.data.hidden + (ids.length - shown.length), 'more course')} not listed here (not
              in the catalog yet, or too many to list).
            </Text>
          )}
        </>
      )}
    </Stack>
  )
}

/** Subscribe buttons, one per price: the plan price goes to the cart, whose checkout saves the payment method. */
function Subscribe({ plan, inCart }: { plan: Plan; inCart: boolean }) {
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const add = useMutation({
    mutationFn: (price: PlanPrice) => cartApi.add(price.id),
    onSuccess: (c) => {
      queryClient.setQueryData(['cart'], c)
      void navigate('/cart')
    },
  })
  if (inCart)
    return (
      <Button component={Link} to="/cart" fullWidth>
        Go to cart to finish subscribing
      </Button>
    )
  const many = plan.prices.length > 1
  const buttonText = (p: PlanPrice) =>
    `${p.trialDays > 0 ? 'Start free trial' : 'Subscribe'}${many ? ` · ${intervalLabel(p.interval)}` : ''}`
  return (
    <Stack gap="xs">
      {plan.prices.map((p) => (
        <Button
          key={p.id}
          fullWidth
          variant={p === plan.prices[0] ? 'filled' : 'default'}
          onClick={() => add.mutate(p)}
          loading={add.isPending && add.variables.id === p.id}
          // The visible words come first (axe: label-content-name-mismatch), then which plan and price.
          aria-label={`${buttonText(p)}: ${plan.product.title}, ${priceText(p)}${p.trialDays > 0 ? `, ${trialText(p)}` : ''}`}
        >
          {buttonText(p)}
        </Button>
      ))}
      <FormError error={add.error} />
    </Stack>
  )
}

function PlanCard({
  plan,
  subscription,
  inCart,
  enrollments,
}: {
  plan: Plan
  subscription: Subscription | undefined
  inCart: boolean
  enrollments: Enrollment[] | undefined
}) {
  const live = subscription !== undefined && isLive(subscription)
  const titleId = `plan-${plan.product.id}`
  const descriptionId = `plan-description-${plan.product.id}`
  return (
    <Card
      withBorder
      padding="lg"
      component="article"
      aria-labelledby={titleId}
      aria-describedby={plan.product.description ? descriptionId : undefined}
    >
      <Stack gap="md">
        <Group justify="space-between" align="flex-start" wrap="nowrap">
          <Title order={2} size="h3" id={titleId}>
            {plan.product.title}
          </Title>
          {subscription && (
            <ToneBadge color={STATUS_COLOR[subscription.status] ?? 'gray'}>
              {STATUS_LABEL[subscription.status] ?? subscription.status}
            </ToneBadge>
          )}
        </Group>
        {plan.product.description && (
          // The seller's plain text as React text (escaped, never HTML); pre-line keeps their line breaks.
          <Text size="sm" id={descriptionId} style={DESCRIPTION_STYLE}>
            {plan.product.description}
          </Text>
        )}
        <Stack gap={4}>
          {plan.prices.map((p) => (
            <Group key={p.id} gap="xs">
              <Text fw={600}>{priceText(p)}</Text>
              {p.trialDays > 0 && <ToneBadge color="blue">{trialText(p)}</ToneBadge>}
            </Group>
          ))}
        </Stack>
        <Included plan={plan} subscribed={live} enrollments={enrollments} />
        {subscription ? (
          <Stack gap="xs">
            {subscription.status === 'past_due' && (
              <ToneAlert color="red" role="alert" title="Payment failed">
                Update your payment method to keep access.
              </ToneAlert>
            )}
            <Button component={Link} to="/subscriptions" variant="default" fullWidth>
              {subscription.status === 'incomplete' ? 'See the payment' : 'Manage subscription'}
            </Button>
          </Stack>
        ) : (
          <Stack gap="xs">
            <Subscribe plan={plan} inCart={inCart} />
            {plan.prices.some((p) => p.trialDays > 0) && (
              <Text size="xs" c="dimmed">
                The trial is free; checkout saves a payment method, first charged when the trial ends. One
                trial per plan and person: if you had one before, the first period is charged at checkout.
              </Text>
            )}
          </Stack>
        )}
      </Stack>
    </Card>
  )
}

function Plans() {
  const plans = useQuery({ queryKey: ['plans'], queryFn: subscriptions.plans })
  const mine = useQuery({ queryKey: ['subscriptions', 'mine'], queryFn: () => subscriptions.mine() })
  const enrollments = useQuery({ queryKey: ['enrollments'], queryFn: learn.enrollments })
  const cart = useQuery({ queryKey: ['cart'], queryFn: cartApi.get })

  if (plans.isPending) return <Loading label="Loading plans…" />
  if (plans.isError) return <ErrorState error={plans.error} retry={() => void plans.refetch()} />
  // The subscription that matters for a plan: a live one, else one still being paid.
  const current = (productId: string) =>
    mine.data?.items.find((s) => s.productId === productId && isLive(s)) ??
    mine.data?.items.find((s) => s.productId === productId && s.status === 'incomplete')
  const items = plans.data.items
  return (
    <Stack>
      <Stack gap={4}>
        <Title order={1}>Subscription plans</Title>
        <Text c="dimmed">
          One subscription opens every course of its plan for as long as it runs. Cancel any time: access
          continues to the end of the period you paid for.{' '}
          <Anchor component={Link} to="/subscriptions">
            My subscriptions
          </Anchor>
        </Text>
      </Stack>
      {mine.isError && (
        <ToneAlert color="yellow" title="Your subscriptions could not be loaded">
          Plans you already subscribe to may show a Subscribe button.
        </ToneAlert>
      )}
      {items.length === 0 ? (
        <Stack align="center">
          <Empty>Your organization offers no subscription plans.</Empty>
          <Button component={Link} to="/catalog">
            Browse the catalog
          </Button>
        </Stack>
      ) : (
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          {items.map((plan) => (
            <PlanCard
              key={plan.product.id}
              plan={plan}
              subscription={current(plan.product.id)}
              inCart={!!cart.data?.items.some((l) => l.productId === plan.product.id)}
              enrollments={enrollments.data?.items}
            />
          ))}
        </SimpleGrid>
      )}
    </Stack>
  )
}

export default function PlansPage() {
  return (
    <SignedIn title="Subscription plans">
      <Plans />
    </SignedIn>
  )
}
