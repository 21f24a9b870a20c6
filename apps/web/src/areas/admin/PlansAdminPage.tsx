import {
  Button,
  Card,
  Checkbox,
  Group,
  NumberInput,
  Radio,
  ScrollArea,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core'
import { useForm } from '@mantine/form'
import { notifications } from '@mantine/notifications'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import {
  descriptionLength,
  planAdmin,
  PLAN_DESCRIPTION_MAX,
  type Entitlement,
  type PlanPrice,
  type PlanProduct,
} from '../../api/subscriptions.ts'
import type { StudioCourse } from '../../api/studio.ts'
import { FormError } from '../../components/FormError.tsx'
import { Empty, ErrorState, Loading, QueryState, visuallyHidden } from '../../components/states.tsx'
import { toMinor } from '../../lib/money.ts'
import { count } from '../../lib/text.ts'
import { ToneBadge } from '../learner/shared.tsx'
import { priceText } from '../learner/subscription-text.ts'
import { CLOSE, Guard, PageTitle } from './Guard.tsx'

const INTERVALS = [
  { value: 'month', label: 'Monthly' },
  { value: 'year', label: 'Yearly' },
]

interface PriceValues {
  amount: number | string
  currency: string
  interval: string
  trialDays: number | string
}

const priceDefaults: PriceValues = { amount: '', currency: 'EUR', interval: 'month', trialDays: 0 }

/** The browser's checks of a plan price, as commerce makes them (docs/checkout.md, price rules). */
const priceRules = {
  amount: (v: number | string) =>
    v === '' || Number(v) < 0 || !Number.isFinite(Number(v)) ? 'Enter a price (0 or more)' : null,
  currency: (v: string) => (/^[A-Z]{3}$/.test(v) ? null : 'Three capital letters, e.g. EUR'),
  interval: (v: string) => (v === 'month' || v === 'year' ? null : 'Choose monthly or yearly'),
  trialDays: (v: number | string) =>
    Number.isInteger(Number(v)) && Number(v) >= 0 && Number(v) <= 365 ? null : 'From 0 to 365 days',
}

const priceBody = (v: PriceValues) => ({
  currency: v.currency,
  unitAmountMinor: toMinor(Number(v.amount), v.currency),
  interval: v.interval as 'month' | 'year',
  trialDays: Number(v.trialDays),
})

/** What PriceFields needs of a form holding PriceValues (the new-plan form holds a title too). */
interface PriceForm {
  getInputProps: (path: keyof PriceValues) => object
  setFieldValue: (path: 'currency', value: string) => void
}

function PriceFields({ form }: { form: PriceForm }) {
  return (
    <Group align="flex-start" grow wrap="wrap">
      <NumberInput label="Price" min={0} decimalScale={2} withAsterisk {...form.getInputProps('amount')} />
      <TextInput
        label="Currency"
        maxLength={3}
        withAsterisk
        {...form.getInputProps('currency')}
        onChange={(e) => form.setFieldValue('currency', e.currentTarget.value.toUpperCase())}
      />
      <Select
        label="Billed"
        data={INTERVALS}
        allowDeselect={false}
        withAsterisk
        {...form.getInputProps('interval')}
      />
      <NumberInput
        label="Free trial (days)"
        min={0}
        max={365}
        allowDecimal={false}
        {...form.getInputProps('trialDays')}
      />
    </Group>
  )
}

/** The browser's length check of a description (commerce refuses control characters; its message is shown). */
const descriptionRule = (v: string) =>
  descriptionLength(v) > PLAN_DESCRIPTION_MAX
    ? `At most ${PLAN_DESCRIPTION_MAX.toLocaleString('en')} characters`
    : null

/**
 * A plan description: plain text (learners see it as written, line breaks kept) with a character count
 * under it, counted as commerce counts (code points). No maxLength: a paste that is too long stays
 * visible with the count over the limit and the message, instead of being cut silently.
 */
function DescriptionField(props: {
  label: string
  /** The accessible name when several plans' fields are on the page ("Description of Pro"). */
  name?: string
  value: string
  onChange: (value: string) => void
  error?: string | null | undefined
}) {
  const used = descriptionLength(props.value)
  return (
    <Textarea
      label={props.label}
      aria-label={props.name}
      autosize
      minRows={3}
      maxRows={10}
      value={props.value}
      onChange={(e) => props.onChange(e.currentTarget.value)}
      error={props.error}
      description={`${used.toLocaleString('en')} / ${PLAN_DESCRIPTION_MAX.toLocaleString('en')} characters · plain text, line breaks kept`}
      inputWrapperOrder={['label', 'input', 'description', 'error']}
    />
  )
}

/** A product ref for a new plan: its title as a slug plus a random tail (unique per org and type). */
function planRef(title: string): string {
  const slug = title
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
  return `plan-${slug || 'new'}-${Math.random().toString(36).slice(2, 8)}`
}

function NewPlan() {
  const queryClient = useQueryClient()
  const form = useForm<{ title: string; description: string } & PriceValues>({
    initialValues: { title: '', description: '', ...priceDefaults },
    validate: {
      title: (v) => (v.trim() ? null : 'Name the plan'),
      description: descriptionRule,
      ...priceRules,
    },
  })
  const create = useMutation({
    mutationFn: async (v: typeof form.values) => {
      const product = await planAdmin.create({
        ref: planRef(v.title),
        title: v.title.trim(),
        description: v.description,
      })
      // A plan without a price is listed below with "Add price": the admin can finish it there.
      await queryClient.invalidateQueries({ queryKey: ['admin-plans'] })
      await planAdmin.addPrice(product.id, priceBody(v))
      return product
    },
    onSuccess: async (product) => {
      notifications.show({
        closeButtonProps: CLOSE,
        message: `Plan ${product.title} created`,
        color: 'green',
      })
      form.reset()
      await queryClient.invalidateQueries({ queryKey: ['admin-plans'] })
    },
  })
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="new-plan-title">
      <form onSubmit={form.onSubmit((v) => create.mutate(v))} aria-labelledby="new-plan-title" noValidate>
        <Stack>
          <Title order={2} size="h4" id="new-plan-title">
            New plan
          </Title>
          <TextInput label="Plan name" withAsterisk maxLength={200} {...form.getInputProps('title')} />
          <DescriptionField
            label="Description (optional)"
            value={form.values.description}
            onChange={(v) => form.setFieldValue('description', v)}
            error={form.errors.description as string | undefined}
          />
          <PriceFields form={form} />
          <Text size="xs" c="dimmed">
            A new plan includes every course of the organization until you choose its courses below. Prices
            include tax and never change once created: add a new price and deactivate the old one.
          </Text>
          <FormError error={create.error} />
          <Group justify="flex-end">
            <Button type="submit" loading={create.isPending}>
              Create plan
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  )
}

function AddPrice({ product, onDone }: { product: PlanProduct; onDone: () => void }) {
  const queryClient = useQueryClient()
  const form = useForm<PriceValues>({ initialValues: priceDefaults, validate: priceRules })
  const add = useMutation({
    mutationFn: (v: PriceValues) => planAdmin.addPrice(product.id, priceBody(v)),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['admin-plan', product.id] })
      onDone()
    },
  })
  return (
    <form
      onSubmit={form.onSubmit((v) => add.mutate(v))}
      aria-label={`New price for ${product.title}`}
      noValidate
    >
      <Stack gap="xs">
        <PriceFields form={form} />
        <FormError error={add.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={add.isPending}>
            Add price
          </Button>
        </Group>
      </Stack>
    </form>
  )
}

function Prices({ product, prices }: { product: PlanProduct; prices: PlanPrice[] }) {
  const queryClient = useQueryClient()
  const [adding, setAdding] = useState(false)
  const toggle = useMutation({
    mutationFn: (p: PlanPrice) => planAdmin.setPriceActive(p.id, !p.active),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['admin-plan', product.id] }),
  })
  const planPrices = prices.filter((p) => p.interval)
  return (
    <Stack gap="xs">
      {planPrices.length === 0 ? (
        <Text size="sm" c="red.8">
          No price yet: nobody can subscribe to this plan until it has one.
        </Text>
      ) : (
        <Table aria-label={`Prices of ${product.title}`} verticalSpacing={6}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Price</Table.Th>
              <Table.Th>Free trial</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>
                <span style={visuallyHidden}>Actions</span>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {planPrices.map((p) => (
              <Table.Tr key={p.id}>
                <Table.Td>{priceText(p)}</Table.Td>
                <Table.Td>{p.trialDays > 0 ? count(p.trialDays, 'day') : 'None'}</Table.Td>
                <Table.Td>
                  <ToneBadge color={p.active ? 'green' : 'gray'}>
                    {p.active ? 'On sale' : 'Inactive'}
                  </ToneBadge>
                </Table.Td>
                <Table.Td ta="right">
                  <Button
                    size="compact-xs"
                    variant="default"
                    onClick={() => toggle.mutate(p)}
                    loading={toggle.isPending && toggle.variables.id === p.id}
                    aria-label={`${p.active ? 'Deactivate' : 'Activate'} price ${priceText(p)}`}
                  >
                    {p.active ? 'Deactivate' : 'Activate'}
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <FormError error={toggle.error} />
      <Text size="xs" c="dimmed">
        Existing subscribers keep renewing at the price they subscribed to, even a deactivated one.
      </Text>
      {adding ? (
        <AddPrice product={product} onDone={() => setAdding(false)} />
      ) : (
        <Button size="xs" variant="light" w="fit-content" onClick={() => setAdding(true)}>
          Add price
        </Button>
      )}
    </Stack>
  )
}

/** What the plan grants: every course, or the courses ticked (the org's published courses). */
function Included({
  product,
  entitlement,
  courses,
}: {
  product: PlanProduct
  entitlement: Entitlement
  courses: StudioCourse[]
}) {
  const queryClient = useQueryClient()
  const [scope, setScope] = useState(entitlement.scope)
  const [chosen, setChosen] = useState<string[]>(entitlement.scope === 'courses' ? entitlement.courseIds : [])
  const [search, setSearch] = useState('')
  const [touched, setTouched] = useState(false)
  const save = useMutation({
    mutationFn: () =>
      planAdmin.setEntitlement(
        product.id,
        scope === 'all_courses' ? { scope: 'all_courses' } : { scope: 'courses', courseIds: chosen },
      ),
    onSuccess: (saved) => {
      queryClient.setQueryData(['admin-plan-entitlement', product.id], saved)
      notifications.show({
        closeButtonProps: CLOSE,
        message: `What ${product.title} includes was saved`,
        color: 'green',
      })
    },
  })
  const known = new Set(courses.map((c) => c.id))
  const unpublished = chosen.filter((id) => !known.has(id))
  const needle = search.trim().toLowerCase()
  const shown = needle ? courses.filter((c) => c.title.toLowerCase().includes(needle)) : courses
  const invalid = scope === 'courses' && chosen.length === 0
  const headingId = `included-${product.id}`
  return (
    <Stack gap="xs" component="section" aria-labelledby={headingId}>
      <Title order={3} size="h5" id={headingId}>
        What’s included
      </Title>
      <Radio.Group
        value={scope}
        onChange={(v) => setScope(v as Entitlement['scope'])}
        aria-labelledby={headingId}
      >
        <Stack gap={6}>
          <Radio value="all_courses" label="Every course of the organization, paid ones included" />
          <Radio value="courses" label="Only the courses chosen below" />
        </Stack>
      </Radio.Group>
      {scope === 'courses' && (
        <Stack gap={6}>
          <TextInput
            label="Find a course"
            size="xs"
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
          />
          {courses.length === 0 ? (
            <Text size="sm" c="dimmed">
              The organization has no published course yet.
            </Text>
          ) : (
            <ScrollArea.Autosize mah={240} type="auto">
              <Checkbox.Group
                value={chosen}
                onChange={(v) => {
                  setChosen([...v, ...unpublished.filter((id) => !v.includes(id))])
                  setTouched(true)
                }}
                label={`Courses in ${product.title}`}
              >
                <Stack gap={4} mt={4}>
                  {shown.map((c) => (
                    <Checkbox key={c.id} value={c.id} label={c.title} />
                  ))}
                  {shown.length === 0 && (
                    <Text size="sm" c="dimmed">
                      No course matches “{search.trim()}”.
                    </Text>
                  )}
                </Stack>
              </Checkbox.Group>
            </ScrollArea.Autosize>
          )}
          <Text size="xs" c="dimmed">
            {count(chosen.length, 'course')} chosen
            {unpublished.length > 0 && ` (${count(unpublished.length, 'course')} not published now, kept)`}
          </Text>
          {unpublished.length > 0 && (
            <Button
              size="compact-xs"
              variant="subtle"
              w="fit-content"
              onClick={() => setChosen(chosen.filter((id) => known.has(id)))}
            >
              Remove the unpublished courses
            </Button>
          )}
          {invalid && touched && (
            <Text size="sm" c="red.8" role="alert">
              Choose at least one course, or include every course.
            </Text>
          )}
        </Stack>
      )}
      <Text size="xs" c="dimmed">
        Current subscribers get the change at their next renewal.
      </Text>
      <FormError error={save.error} />
      <Button
        size="xs"
        w="fit-content"
        onClick={() => {
          setTouched(true)
          if (!invalid) save.mutate()
        }}
        loading={save.isPending}
      >
        Save what’s included
      </Button>
    </Stack>
  )
}

/** What the plan says it is for, edited in place; learners read it on /plans. */
function Description({ product }: { product: PlanProduct }) {
  const queryClient = useQueryClient()
  const [value, setValue] = useState(product.description)
  const [tooLong, setTooLong] = useState<string | null>(null)
  const save = useMutation({
    mutationFn: () => planAdmin.setDescription(product.id, value),
    onSuccess: async (saved) => {
      // What commerce stored (trimmed, line breaks normalized) is what the field shows from now on.
      setValue(saved.description)
      notifications.show({
        closeButtonProps: CLOSE,
        message: `The description of ${product.title} was saved`,
        color: 'green',
      })
      await queryClient.invalidateQueries({ queryKey: ['admin-plans'] })
    },
  })
  return (
    <Stack gap="xs">
      <DescriptionField
        label="Description"
        name={`Description of ${product.title}`}
        value={value}
        onChange={(v) => {
          setValue(v)
          if (tooLong) setTooLong(descriptionRule(v))
        }}
        error={tooLong}
      />
      <FormError error={save.error} />
      <Button
        size="xs"
        w="fit-content"
        onClick={() => {
          const problem = descriptionRule(value)
          setTooLong(problem)
          if (!problem) save.mutate()
        }}
        loading={save.isPending}
        aria-label={`Save description: ${product.title}`}
      >
        Save description
      </Button>
    </Stack>
  )
}

function PlanCard({ product, courses }: { product: PlanProduct; courses: StudioCourse[] }) {
  const queryClient = useQueryClient()
  const detail = useQuery({ queryKey: ['admin-plan', product.id], queryFn: () => planAdmin.get(product.id) })
  const entitlement = useQuery({
    queryKey: ['admin-plan-entitlement', product.id],
    queryFn: () => planAdmin.entitlement(product.id),
  })
  const toggle = useMutation({
    mutationFn: () => planAdmin.setProductActive(product.id, !product.active),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['admin-plans'] }),
  })
  const titleId = `admin-plan-${product.id}`
  return (
    <Card withBorder padding="lg" component="article" aria-labelledby={titleId}>
      <Stack>
        <Group justify="space-between" align="flex-start">
          <Title order={2} size="h4" id={titleId}>
            {product.title}
          </Title>
          <Group gap="xs">
            <ToneBadge color={product.active ? 'green' : 'gray'}>
              {product.active ? 'On sale' : 'Off sale'}
            </ToneBadge>
            <Button
              size="compact-xs"
              variant="default"
              onClick={() => toggle.mutate()}
              loading={toggle.isPending}
              aria-label={`${product.active ? 'Take off sale' : 'Put on sale'}: ${product.title}`}
            >
              {product.active ? 'Take off sale' : 'Put on sale'}
            </Button>
          </Group>
        </Group>
        <FormError error={toggle.error} />
        <Description product={product} />
        <QueryState query={detail} loadingLabel="Loading prices…">
          {() => <Prices product={product} prices={detail.data!.prices} />}
        </QueryState>
        <QueryState query={entitlement} loadingLabel="Loading what the plan includes…">
          {() => <Included product={product} entitlement={entitlement.data!} courses={courses} />}
        </QueryState>
      </Stack>
    </Card>
  )
}

function Plans() {
  const plans = useQuery({ queryKey: ['admin-plans'], queryFn: planAdmin.list })
  const courses = useQuery({ queryKey: ['admin-published-courses'], queryFn: planAdmin.publishedCourses })
  return (
    <Stack maw={960} mx="auto">
      <PageTitle
        title="Subscription plans"
        description="Plans learners subscribe to: prices, free trials and the courses each plan opens."
      />
      <NewPlan />
      {plans.isPending || courses.isPending ? (
        <Loading label="Loading plans…" />
      ) : plans.isError ? (
        <ErrorState error={plans.error} retry={() => void plans.refetch()} />
      ) : courses.isError ? (
        <ErrorState error={courses.error} retry={() => void courses.refetch()} />
      ) : plans.data.items.length === 0 ? (
        <Empty>No plans yet: create the first one above.</Empty>
      ) : (
        plans.data.items.map((p) => <PlanCard key={p.id} product={p} courses={courses.data} />)
      )}
    </Stack>
  )
}

export default function PlansAdminPage() {
  return (
    <Guard
      allowed={(me) => me.user.platformAdmin || me.roles.includes('org_admin')}
      deniedText="Only organization admins can manage subscription plans."
    >
      {() => <Plans />}
    </Guard>
  )
}
