import { Anchor, Button, Card, Group, List, Stack, Text, Textarea, Title } from '@mantine/core'
import { useForm } from '@mantine/form'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { learn, type Submission } from '../../api/learner.ts'
import { FormError } from '../../components/FormError.tsx'
import { ErrorState, Loading } from '../../components/states.tsx'
import { ToneAlert, ToneBadge } from './shared.tsx'
import { formatDate } from '../../lib/dates.ts'
import { TextLesson } from './TextLesson.tsx'

/** Links typed one per line (or separated by spaces/commas) → the list the API takes. */
export function parseLinks(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((l) => l.trim())
    .filter(Boolean)
}

function SubmissionCard({ s }: { s: Submission }) {
  return (
    <Card withBorder>
      <Stack gap={4}>
        <Group justify="space-between">
          <Text fw={600}>
            Submission {s.attemptNo} · {formatDate(s.submittedAt)}
            {s.late ? ' · late' : ''}
          </Text>
          {s.status === 'graded' ? (
            <ToneBadge color={s.passed ? 'green' : 'red'} variant="light">
              {s.score}/{s.maxScore} {s.passed ? 'passed' : 'not passed'}
            </ToneBadge>
          ) : (
            <ToneBadge variant="light">Waiting for a grade</ToneBadge>
          )}
        </Group>
        {s.feedback && (
          <Text size="sm">
            <strong>Feedback:</strong> {s.feedback}
          </Text>
        )}
        {s.links.length > 0 && (
          <List size="sm">
            {s.links.map((l) => (
              <List.Item key={l}>
                <Anchor href={l} target="_blank" rel="noreferrer noopener">
                  {l}
                </Anchor>
              </List.Item>
            ))}
          </List>
        )}
      </Stack>
    </Card>
  )
}

/** An assignment lesson: instructions, a text/link submission form, and my submissions with grades. */
export function AssignmentLesson({ assignmentId }: { assignmentId: string }) {
  const queryClient = useQueryClient()
  const assignment = useQuery({
    queryKey: ['assignment', assignmentId],
    queryFn: () => learn.assignment(assignmentId),
  })
  const mine = useQuery({
    queryKey: ['submissions', assignmentId],
    queryFn: () => learn.mySubmissions(assignmentId),
  })
  const form = useForm({
    initialValues: { text: '', links: '' },
    validate: {
      text: (v, values) => (v.trim() || values.links.trim() ? null : 'Write an answer or add a link'),
      links: (v) =>
        parseLinks(v).every((l) => /^https?:\/\/\S+$/.test(l))
          ? null
          : 'Links must start with http:// or https://',
    },
  })
  const submit = useMutation({
    mutationFn: (v: { text: string; links: string }) =>
      learn.submit(assignmentId, {
        ...(v.text.trim() ? { text: v.text.trim() } : {}),
        links: parseLinks(v.links),
      }),
    onSuccess: () => {
      form.reset()
      void queryClient.invalidateQueries({ queryKey: ['submissions', assignmentId] })
    },
  })
  if (assignment.isPending) return <Loading label="Loading the assignment…" />
  if (assignment.isError)
    return <ErrorState error={assignment.error} retry={() => void assignment.refetch()} />
  const a = assignment.data
  const items = mine.data?.items ?? []
  const left = a.maxSubmissions === null ? null : a.maxSubmissions - items.length
  return (
    <Stack>
      <Title order={2} size="h3">
        {a.title}
      </Title>
      <Text size="sm" c="dimmed">
        {a.passPoints} of {a.maxPoints} points pass{a.dueAt ? ` · due ${formatDate(a.dueAt)}` : ''}
      </Text>
      <TextLesson markdown={a.instructions} />
      {items.length > 0 && (
        <Stack gap="xs">
          <Title order={3} size="h4">
            Your submissions
          </Title>
          {[...items].reverse().map((s) => (
            <SubmissionCard key={s.id} s={s} />
          ))}
        </Stack>
      )}
      {mine.isError && <ErrorState error={mine.error} retry={() => void mine.refetch()} />}
      {left === 0 ? (
        <ToneAlert color="gray">No submissions left.</ToneAlert>
      ) : (
        <form onSubmit={form.onSubmit((v) => submit.mutate(v))} aria-label="Submit the assignment">
          <Stack>
            <Textarea label="Your answer" autosize minRows={4} maxRows={16} {...form.getInputProps('text')} />
            <Textarea
              label="Links"
              description="One per line, e.g. a gist or a repository"
              autosize
              minRows={1}
              {...form.getInputProps('links')}
            />
            <FormError error={submit.error} />
            <Group>
              <Button type="submit" loading={submit.isPending}>
                {items.length > 0 ? 'Resubmit' : 'Submit'}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Stack>
  )
}
