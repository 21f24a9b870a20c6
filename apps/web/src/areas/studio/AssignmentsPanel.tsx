import {
  Accordion,
  ActionIcon,
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
import { useState } from 'react'
import { studio, type Assignment, type AssignmentBody, type RubricCriterion } from '../../api/studio.ts'
import { FormError } from '../../components/FormError.tsx'
import { notify } from './notify.ts'
import { Empty, ErrorState, Loading } from '../../components/states.tsx'

interface Values {
  title: string
  instructions: string
  /** `YYYY-MM-DDTHH:mm` in local time, '' = no deadline. */
  dueAt: string
  latePolicy: 'reject' | 'accept' | 'penalty'
  latePenaltyPercent: number | string
  rubric: RubricCriterion[]
  passPoints: number | string
  maxSubmissions: number | string
}

const pad = (n: number) => String(n).padStart(2, '0')
/** ISO instant → the value of a `datetime-local` input in the browser's time zone. */
export function toLocalInput(iso: string | null): string {
  if (!iso) return ''
  const d = new Date(iso)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

function values(a?: Assignment): Values {
  return {
    title: a?.title ?? '',
    instructions: a?.instructions ?? '',
    dueAt: toLocalInput(a?.dueAt ?? null),
    latePolicy: a?.latePolicy ?? 'accept',
    latePenaltyPercent: a?.latePenaltyPercent ?? 0,
    rubric: a?.rubric ?? [{ id: 'overall', title: 'Overall', description: '', maxPoints: 10 }],
    passPoints: a?.passPoints ?? 6,
    maxSubmissions: a?.maxSubmissions ?? '',
  }
}

function body(v: Values): AssignmentBody {
  return {
    title: v.title.trim(),
    instructions: v.instructions,
    dueAt: v.dueAt ? new Date(v.dueAt).toISOString() : null,
    latePolicy: v.latePolicy,
    latePenaltyPercent: Number(v.latePenaltyPercent) || 0,
    rubric: v.rubric.map((c) => ({ ...c, title: c.title.trim() })),
    passPoints: Number(v.passPoints),
    maxSubmissions: v.maxSubmissions === '' ? null : Number(v.maxSubmissions),
  }
}

function AssignmentForm({
  courseId,
  assignment,
  onDone,
}: {
  courseId: string
  assignment?: Assignment
  onDone?: () => void
}) {
  const queryClient = useQueryClient()
  const form = useForm<Values>({
    initialValues: values(assignment),
    validate: {
      title: (v) => (!v.trim() ? 'Give the assignment a title' : null),
      rubric: {
        title: (v) => (!v.trim() ? 'Name the criterion' : null),
        maxPoints: (v) => (Number.isInteger(v) && v >= 1 && v <= 1000 ? null : '1 to 1000 points'),
      },
      passPoints: (v, all) => {
        const max = all.rubric.reduce((s, c) => s + (Number(c.maxPoints) || 0), 0)
        return Number.isInteger(v) && Number(v) >= 0 && Number(v) <= max
          ? null
          : `0 to ${max} (the rubric's total)`
      },
      latePenaltyPercent: (v) =>
        Number.isInteger(v) && Number(v) >= 0 && Number(v) <= 100 ? null : '0 to 100',
      maxSubmissions: (v) =>
        v === '' || (Number.isInteger(v) && Number(v) >= 1 && Number(v) <= 100) ? null : '1 to 100, or empty',
    },
  })
  const save = useMutation({
    mutationFn: (v: Values) =>
      assignment
        ? studio.updateAssignment(assignment.id, body(v))
        : studio.createAssignment(courseId, body(v)),
    onSuccess: async () => {
      notify('Assignment saved')
      await queryClient.invalidateQueries({ queryKey: ['studio', 'assignments', courseId] })
      onDone?.()
    },
  })
  const total = form.values.rubric.reduce((s, c) => s + (Number(c.maxPoints) || 0), 0)
  return (
    <form noValidate onSubmit={form.onSubmit((v) => save.mutate(v))}>
      <Stack>
        <FormError error={save.error} />
        <TextInput label="Title" required {...form.getInputProps('title')} />
        <Textarea
          label="Instructions (Markdown)"
          autosize
          minRows={3}
          maxRows={12}
          {...form.getInputProps('instructions')}
        />
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput
            label="Due"
            type="datetime-local"
            description="Empty: no deadline"
            {...form.getInputProps('dueAt')}
          />
          <Select
            label="Late submissions"
            allowDeselect={false}
            data={[
              { value: 'accept', label: 'Accept' },
              { value: 'penalty', label: 'Accept with a penalty' },
              { value: 'reject', label: 'Refuse' },
            ]}
            {...form.getInputProps('latePolicy')}
          />
          {form.values.latePolicy === 'penalty' && (
            <NumberInput
              label="Late penalty (%)"
              min={0}
              max={100}
              allowDecimal={false}
              {...form.getInputProps('latePenaltyPercent')}
            />
          )}
        </SimpleGrid>
        <Stack gap={6} role="group" aria-label="Rubric">
          <Text fw={500} size="sm">
            Rubric ({total} points in all)
          </Text>
          {form.values.rubric.map((c, i) => (
            <Group key={c.id} align="flex-start" gap="xs" wrap="nowrap">
              <TextInput
                style={{ flex: 1 }}
                label={`Criterion ${i + 1}`}
                {...form.getInputProps(`rubric.${i}.title`)}
              />
              <NumberInput
                w={110}
                label="Points"
                min={1}
                max={1000}
                allowDecimal={false}
                {...form.getInputProps(`rubric.${i}.maxPoints`)}
              />
              <ActionIcon
                mt={28}
                variant="subtle"
                color="gray"
                disabled={form.values.rubric.length <= 1}
                aria-label={`Remove criterion ${i + 1}`}
                onClick={() => form.removeListItem('rubric', i)}
              >
                <span aria-hidden>×</span>
              </ActionIcon>
            </Group>
          ))}
          <Button
            size="compact-sm"
            variant="subtle"
            w="fit-content"
            disabled={form.values.rubric.length >= 50}
            onClick={() => {
              const used = new Set(form.values.rubric.map((c) => c.id))
              let n = form.values.rubric.length + 1
              while (used.has(`c${n}`)) n++
              form.insertListItem('rubric', { id: `c${n}`, title: '', description: '', maxPoints: 5 })
            }}
          >
            + Add criterion
          </Button>
        </Stack>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <NumberInput
            label="Points to pass"
            min={0}
            allowDecimal={false}
            {...form.getInputProps('passPoints')}
          />
          <NumberInput
            label="Submissions allowed"
            description="Empty: unlimited"
            min={1}
            max={100}
            allowDecimal={false}
            {...form.getInputProps('maxSubmissions')}
          />
        </SimpleGrid>
        <Group>
          <Button type="submit" loading={save.isPending}>
            {assignment ? 'Save assignment' : 'Create assignment'}
          </Button>
        </Group>
      </Stack>
    </form>
  )
}

/** The course's assignments and their settings (due date, late policy, rubric, pass mark). */
export function AssignmentsPanel({ courseId }: { courseId: string }) {
  const [creating, setCreating] = useState(false)
  const list = useQuery({
    queryKey: ['studio', 'assignments', courseId],
    queryFn: () => studio.assignments(courseId),
  })
  if (list.isPending) return <Loading label="Loading assignments…" />
  if (list.isError) return <ErrorState error={list.error} retry={() => void list.refetch()} />
  return (
    <Stack maw={820}>
      {list.data.items.length === 0 && !creating && (
        <Empty>No assignments yet. Add an assignment lesson in the curriculum, or create one here.</Empty>
      )}
      {list.data.items.length > 0 && (
        <Accordion variant="separated">
          {list.data.items.map((a) => (
            <Accordion.Item key={a.id} value={a.id}>
              <Accordion.Control>
                {a.title} · {a.maxPoints} points
              </Accordion.Control>
              <Accordion.Panel>
                <AssignmentForm courseId={courseId} assignment={a} />
              </Accordion.Panel>
            </Accordion.Item>
          ))}
        </Accordion>
      )}
      {creating ? (
        <AssignmentForm courseId={courseId} onDone={() => setCreating(false)} />
      ) : (
        <Button variant="default" w="fit-content" onClick={() => setCreating(true)}>
          New assignment
        </Button>
      )}
    </Stack>
  )
}
