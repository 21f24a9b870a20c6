import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  MultiSelect,
  NumberInput,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  TagsInput,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core'
import { useForm } from '@mantine/form'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useMemo } from 'react'
import { ApiError } from '../../api/problem.ts'
import {
  LESSON_LENGTHS,
  LEVELS,
  tutoringApi,
  type Level,
  type ProfileInput,
  type TutorProfile,
} from '../../api/tutoring.ts'
import { FormError } from '../../components/FormError.tsx'
import { currencyDigits, toMajor, toMinor } from '../../lib/money.ts'
import { browserTimeZone, timeZones } from './time.ts'

interface Values {
  displayName: string
  headline: string
  bio: string
  timeZone: string
  currency: string
  hourlyRate: number | string
  lessonMinutes: string[]
  bufferMinutes: string
  trialMinutes: string
  offersOnline: boolean
  offersInPerson: boolean
  subjects: { subject: string; levels: string[] }[]
  languages: string[]
  packages: { lessons: number | string; discountPercent: number | string }[]
}

function valuesOf(p: TutorProfile | null, fallbackName: string): Values {
  return {
    displayName: p?.displayName ?? fallbackName,
    headline: p?.headline ?? '',
    bio: p?.bio ?? '',
    timeZone: p?.timeZone ?? browserTimeZone(),
    currency: p?.hourlyRate.currency ?? 'EUR',
    hourlyRate: p ? toMajor(p.hourlyRate.amountMinor, p.hourlyRate.currency) : 30,
    lessonMinutes: (p?.lessonMinutes ?? [60]).map(String),
    bufferMinutes: String(p?.bufferMinutes ?? 10),
    trialMinutes: p?.trial ? String(p.trial.minutes) : '',
    offersOnline: p?.offersOnline ?? true,
    offersInPerson: p?.offersInPerson ?? false,
    subjects: p?.subjects.map((s) => ({ subject: s.subject, levels: s.levels })) ?? [
      { subject: '', levels: ['beginner'] },
    ],
    languages: p?.languages ?? ['en'],
    packages: p?.packages ?? [],
  }
}

/** Form values → `PUT /tutors/me` body (rates in minor units). */
export function toInput(v: Values): ProfileInput {
  return {
    displayName: v.displayName.trim(),
    headline: v.headline.trim(),
    bio: v.bio.trim(),
    timeZone: v.timeZone,
    currency: v.currency,
    hourlyRateMinor: toMinor(Number(v.hourlyRate), v.currency),
    lessonMinutes: v.lessonMinutes.map(Number).sort((a, b) => a - b),
    bufferMinutes: Number(v.bufferMinutes),
    trialMinutes: v.trialMinutes ? Number(v.trialMinutes) : null,
    offersOnline: v.offersOnline,
    offersInPerson: v.offersInPerson,
    subjects: v.subjects
      .filter((s) => s.subject.trim())
      .map((s) => ({ subject: s.subject.trim(), levels: s.levels as Level[] })),
    languages: v.languages,
    packages: v.packages.map((p) => ({
      lessons: Number(p.lessons),
      discountPercent: Number(p.discountPercent),
    })),
  }
}

/**
 * The tutor's profile: create or edit it, then list or unlist it and ask for verification. Its
 * "Subjects" and "Packages" headings are h2: the form sits straight under the console's h1.
 */
export function ProfileEditor({
  profile,
  fallbackName,
}: {
  profile: TutorProfile | null
  fallbackName: string
}) {
  const client = useQueryClient()
  const zones = useMemo(() => timeZones([browserTimeZone()]), [])
  const form = useForm<Values>({
    initialValues: valuesOf(profile, fallbackName),
    validate: {
      displayName: (v) => (v.trim() ? null : 'Enter the name learners see'),
      hourlyRate: (v) => (Number(v) > 0 ? null : 'Enter your hourly rate'),
      lessonMinutes: (v) => (v.length > 0 ? null : 'Offer at least one lesson length'),
      trialMinutes: (v, all) =>
        v && !all.lessonMinutes.includes(v) ? 'The trial must be one of your lesson lengths' : null,
    },
  })
  const refresh = (p: TutorProfile) => {
    client.setQueryData(['my-tutor-profile'], p)
    form.resetDirty()
  }
  const save = useMutation({
    mutationFn: (v: Values) =>
      tutoringApi.saveProfile({
        ...toInput(v),
        ...(profile?.revision ? { revision: profile.revision } : {}),
      }),
    onSuccess: refresh,
  })
  const workflow = useMutation({
    mutationFn: (what: 'list' | 'unlist' | 'verify') =>
      what === 'list'
        ? tutoringApi.list()
        : what === 'unlist'
          ? tutoringApi.unlist()
          : tutoringApi.requestVerification(),
    onSuccess: (p) => client.setQueryData(['my-tutor-profile'], p),
  })
  const conflict = save.error instanceof ApiError && save.error.status === 409
  return (
    <Stack>
      {profile && (
        <Paper withBorder p="sm">
          <Group justify="space-between">
            {/* Each label stays with its badge when a phone wraps the line. */}
            <Group gap="xs">
              <Group gap="xs" wrap="nowrap">
                <Text fw={600}>Listing:</Text>
                <Badge variant="dot" color={profile.status === 'listed' ? 'green' : 'gray'}>
                  {profile.status}
                </Badge>
              </Group>
              <Group gap="xs" wrap="nowrap">
                <Text fw={600}>Verification:</Text>
                <Badge variant="dot" color={profile.verified ? 'teal' : 'gray'}>
                  {profile.verification?.status ?? (profile.verified ? 'verified' : 'unverified')}
                </Badge>
              </Group>
            </Group>
            <Group gap="xs">
              {profile.status === 'listed' ? (
                <Button
                  size="xs"
                  variant="default"
                  onClick={() => workflow.mutate('unlist')}
                  loading={workflow.isPending}
                >
                  Unlist
                </Button>
              ) : (
                <Button size="xs" onClick={() => workflow.mutate('list')} loading={workflow.isPending}>
                  List my profile
                </Button>
              )}
              {!profile.verified && profile.verification?.status !== 'pending' && (
                <Button
                  size="xs"
                  variant="light"
                  onClick={() => workflow.mutate('verify')}
                  loading={workflow.isPending}
                >
                  Ask for verification
                </Button>
              )}
            </Group>
          </Group>
          {profile.verification?.note && (
            <Text size="sm" c="dimmed">
              Note from the admins: {profile.verification.note}
            </Text>
          )}
          <FormError error={workflow.error} />
        </Paper>
      )}
      <form onSubmit={form.onSubmit((v) => save.mutate(v))} noValidate>
        <Stack>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label="Display name" required maxLength={100} {...form.getInputProps('displayName')} />
            <TextInput label="Headline" maxLength={120} {...form.getInputProps('headline')} />
          </SimpleGrid>
          <Textarea label="About you" autosize minRows={3} maxLength={5000} {...form.getInputProps('bio')} />
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <Select
              label="Time zone"
              data={zones}
              searchable
              allowDeselect={false}
              {...form.getInputProps('timeZone')}
            />
            <Select
              label="Currency"
              data={['EUR', 'USD', 'GBP', 'CHF', 'CAD', 'AUD']}
              allowDeselect={false}
              {...form.getInputProps('currency')}
            />
            <NumberInput
              label="Hourly rate"
              min={0.01}
              max={10000}
              decimalScale={currencyDigits(form.values.currency)}
              required
              {...form.getInputProps('hourlyRate')}
            />
          </SimpleGrid>
          <Checkbox.Group label="Lesson lengths (minutes)" required {...form.getInputProps('lessonMinutes')}>
            <Group mt={4}>
              {LESSON_LENGTHS.map((m) => (
                <Checkbox key={m} value={String(m)} label={`${m}`} />
              ))}
            </Group>
          </Checkbox.Group>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <Select
              label="Trial lesson"
              data={[
                { value: '', label: 'No trial lesson' },
                ...form.values.lessonMinutes.map((m) => ({ value: m, label: `${m} minutes` })),
              ]}
              allowDeselect={false}
              {...form.getInputProps('trialMinutes')}
            />
            <Select
              label="Break between lessons (minutes)"
              data={Array.from({ length: 13 }, (_, i) => String(i * 5))}
              allowDeselect={false}
              {...form.getInputProps('bufferMinutes')}
            />
          </SimpleGrid>
          <Group>
            <Checkbox label="I teach online" {...form.getInputProps('offersOnline', { type: 'checkbox' })} />
            <Checkbox
              label="I teach in person"
              {...form.getInputProps('offersInPerson', { type: 'checkbox' })}
            />
          </Group>
          <TagsInput
            label="Languages you teach in"
            description="Language codes such as en, fr, es; press Enter after each"
            maxTags={10}
            {...form.getInputProps('languages')}
          />

          <Title order={2} size="h5">
            Subjects
          </Title>
          {form.values.subjects.map((_, i) => (
            <Group key={i} align="flex-end" wrap="wrap">
              <TextInput
                label={`Subject ${i + 1}`}
                maxLength={60}
                style={{ flex: 1, minWidth: 180 }}
                {...form.getInputProps(`subjects.${i}.subject`)}
              />
              <MultiSelect
                label={`Subject ${i + 1} levels`}
                data={[...LEVELS]}
                style={{ flex: 2, minWidth: 220 }}
                {...form.getInputProps(`subjects.${i}.levels`)}
              />
              <ActionIcon
                variant="default"
                size="lg"
                aria-label={`Remove subject ${i + 1}`}
                onClick={() => form.removeListItem('subjects', i)}
              >
                ×
              </ActionIcon>
            </Group>
          ))}
          <Group>
            <Button
              size="xs"
              variant="light"
              onClick={() => form.insertListItem('subjects', { subject: '', levels: ['beginner'] })}
            >
              Add a subject
            </Button>
          </Group>

          <Title order={2} size="h5">
            Packages
          </Title>
          {form.values.packages.length === 0 && (
            <Text size="sm" c="dimmed">
              No packages: learners buy lessons one at a time.
            </Text>
          )}
          {form.values.packages.map((_, i) => (
            <Group key={i} align="flex-end">
              <NumberInput
                label={`Package ${i + 1}: lessons`}
                min={2}
                max={100}
                w={160}
                {...form.getInputProps(`packages.${i}.lessons`)}
              />
              <NumberInput
                label={`Package ${i + 1}: discount %`}
                min={0}
                max={90}
                w={160}
                {...form.getInputProps(`packages.${i}.discountPercent`)}
              />
              <ActionIcon
                variant="default"
                size="lg"
                aria-label={`Remove package ${i + 1}`}
                onClick={() => form.removeListItem('packages', i)}
              >
                ×
              </ActionIcon>
            </Group>
          ))}
          <Group>
            <Button
              size="xs"
              variant="light"
              disabled={form.values.packages.length >= 5}
              onClick={() => form.insertListItem('packages', { lessons: 5, discountPercent: 5 })}
            >
              Add a package
            </Button>
          </Group>
          {conflict && (
            <Alert variant="default" color="red.9" title="Changed elsewhere">
              Your profile changed in another tab. Reload the page to edit the latest version.
            </Alert>
          )}
          <FormError error={save.error} />
          {save.isSuccess && !form.isDirty() && (
            <Text fw={600} role="status">
              Saved.
            </Text>
          )}
          <Group>
            <Button type="submit" loading={save.isPending}>
              {profile ? 'Save profile' : 'Create my profile'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Stack>
  )
}
