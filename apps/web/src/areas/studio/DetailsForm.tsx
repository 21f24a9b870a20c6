import {
  Button,
  Group,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core'
import { useForm } from '@mantine/form'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { studio, type StudioCourseDetail } from '../../api/studio.ts'
import { currencyDigits, toMajor, toMinor } from '../../lib/money.ts'
import { FormError } from '../../components/FormError.tsx'
import { notify } from './notify.ts'

const LEVELS = [
  { value: 'all_levels', label: 'All levels' },
  { value: 'beginner', label: 'Beginner' },
  { value: 'intermediate', label: 'Intermediate' },
  { value: 'advanced', label: 'Advanced' },
]
const CURRENCIES = ['USD', 'EUR', 'GBP', 'CAD', 'AUD', 'JPY', 'INR', 'BRL']

interface Values {
  title: string
  subtitle: string
  description: string
  categoryId: string | null
  level: string
  language: string
  price: number | string
  currency: string
}

/** The course's catalog details: title, subtitle, description, category, level, language, price. */
export function DetailsForm({ course }: { course: StudioCourseDetail }) {
  const queryClient = useQueryClient()
  const categories = useQuery({
    queryKey: ['studio', 'categories'],
    queryFn: studio.categories,
    staleTime: 60_000,
  })
  const form = useForm<Values>({
    initialValues: {
      title: course.title,
      subtitle: course.subtitle,
      description: course.description,
      categoryId: course.categoryId,
      level: course.level,
      language: course.language,
      price: toMajor(course.priceMinor, course.currency),
      currency: course.currency,
    },
    validate: {
      title: (v) =>
        !v.trim() ? 'Give the course a title' : v.length > 200 ? 'At most 200 characters' : null,
      subtitle: (v) => (v.length > 300 ? 'At most 300 characters' : null),
      language: (v) =>
        /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(v.trim()) ? null : 'A language tag such as en or pt-BR',
      price: (v) => (typeof v === 'number' && v >= 0 ? null : 'Enter a price (0 for free)'),
    },
  })
  const save = useMutation({
    mutationFn: (v: Values) =>
      studio.updateCourse(course.id, {
        title: v.title.trim(),
        subtitle: v.subtitle.trim(),
        description: v.description,
        categoryId: v.categoryId,
        level: v.level,
        language: v.language.trim(),
        priceMinor: toMinor(Number(v.price), v.currency),
        currency: v.currency,
      }),
    onSuccess: async () => {
      form.resetDirty()
      notify('Details saved')
      await queryClient.invalidateQueries({ queryKey: ['studio'] })
    },
  })
  return (
    <form noValidate onSubmit={form.onSubmit((v) => save.mutate(v))}>
      <Stack maw={720}>
        <FormError error={save.error} />
        <TextInput label="Title" required {...form.getInputProps('title')} />
        <TextInput label="Subtitle" {...form.getInputProps('subtitle')} />
        <Textarea
          label="Description"
          autosize
          minRows={4}
          maxRows={14}
          {...form.getInputProps('description')}
        />
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <Select
            label="Category"
            placeholder={categories.isError ? 'Categories unavailable' : 'None'}
            clearable
            data={(categories.data?.items ?? []).map((c) => ({ value: c.id, label: c.name }))}
            {...form.getInputProps('categoryId')}
          />
          <Select label="Level" data={LEVELS} allowDeselect={false} {...form.getInputProps('level')} />
          <TextInput label="Language" description="e.g. en, fr, pt-BR" {...form.getInputProps('language')} />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <NumberInput
            label="Price"
            min={0}
            decimalScale={currencyDigits(form.values.currency)}
            description="0 makes the course free"
            {...form.getInputProps('price')}
          />
          <Select
            label="Currency"
            data={CURRENCIES.includes(course.currency) ? CURRENCIES : [course.currency, ...CURRENCIES]}
            allowDeselect={false}
            {...form.getInputProps('currency')}
          />
        </SimpleGrid>
        <Text size="xs" c="dimmed">
          The first publication creates the course&apos;s product in the shop with this price. Later price
          changes are made by an organization admin in commerce; this field then stays the catalog&apos;s list
          price.
        </Text>
        <Group>
          <Button type="submit" loading={save.isPending} disabled={!form.isDirty()}>
            Save details
          </Button>
        </Group>
      </Stack>
    </form>
  )
}
