import {
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  NumberInput,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core'
import { useForm } from '@mantine/form'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { studio, type Assignment, type Submission } from '../../api/studio.ts'
import { FormError } from '../../components/FormError.tsx'
import { formatDateTime } from '../../lib/dates.ts'
import { gradingQueueKey } from './keys.ts'
import { notify } from './notify.ts'

// Grading one submission with its assignment's rubric: used by the per-course grading page and the
// to-grade queue across courses.

interface GradeValues {
  scores: { criterionId: string; points: number | string; comment: string }[]
  feedback: string
}

/** Score before any late penalty (the server applies it). */
export const rawTotal = (scores: GradeValues['scores']) =>
  scores.reduce((s, x) => s + (Number(x.points) || 0), 0)

/** A submission, the assignment whose rubric grades it, and what to do once a grade is saved. */
interface GraderProps {
  assignment: Assignment
  submission: Submission
  onGraded?: () => void
}

function GradeForm({ assignment, submission, onGraded }: GraderProps) {
  const queryClient = useQueryClient()
  const form = useForm<GradeValues>({
    initialValues: {
      scores: assignment.rubric.map((c) => {
        const given = submission.rubricScores?.find((s) => s.criterionId === c.id)
        return { criterionId: c.id, points: given?.points ?? '', comment: given?.comment ?? '' }
      }),
      feedback: submission.feedback ?? '',
    },
    validate: {
      scores: {
        points: (v, _all, path) => {
          const i = Number(path.split('.')[1])
          const max = assignment.rubric[i]?.maxPoints ?? 0
          return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max ? null : `0 to ${max}`
        },
      },
    },
  })
  const grade = useMutation({
    mutationFn: (v: GradeValues) =>
      studio.grade(submission.id, {
        scores: v.scores.map((s) => ({
          criterionId: s.criterionId,
          points: Number(s.points),
          ...(s.comment.trim() ? { comment: s.comment.trim() } : {}),
        })),
        ...(v.feedback.trim() ? { feedback: v.feedback.trim() } : {}),
      }),
    onSuccess: async (graded) => {
      notify(`Graded ${graded.learnerName ?? 'the submission'}: ${graded.score}/${graded.maxScore}`)
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: ['studio', 'submissions', assignment.id] }),
        queryClient.invalidateQueries({ queryKey: gradingQueueKey }),
      ])
      onGraded?.()
    },
  })
  return (
    <form noValidate onSubmit={form.onSubmit((v) => grade.mutate(v))}>
      <Stack gap="xs">
        <FormError error={grade.error} />
        {assignment.rubric.map((c, i) => (
          <SimpleGrid key={c.id} cols={{ base: 1, sm: 2 }} spacing="xs">
            <NumberInput
              label={`${c.title} (of ${c.maxPoints})`}
              min={0}
              max={c.maxPoints}
              allowDecimal={false}
              {...form.getInputProps(`scores.${i}.points`)}
            />
            <TextInput label={`Comment on ${c.title}`} {...form.getInputProps(`scores.${i}.comment`)} />
          </SimpleGrid>
        ))}
        <Textarea label="Feedback to the learner" autosize minRows={2} {...form.getInputProps('feedback')} />
        <Group>
          <Button type="submit" loading={grade.isPending}>
            {submission.status === 'graded' ? 'Regrade' : 'Save grade'}
          </Button>
          <Text size="sm" c="dimmed">
            {rawTotal(form.values.scores)} / {assignment.maxPoints}
            {submission.late && assignment.latePolicy === 'penalty'
              ? ` before the ${assignment.latePenaltyPercent}% late penalty`
              : ''}
          </Text>
        </Group>
      </Stack>
    </form>
  )
}

/**
 * One submission as a grader sees it (learner, attempt, late, text, links) with the rubric form that
 * grades it; `onGraded` runs after a grade is saved (the to-grade queue closes its dialog).
 */
export function SubmissionCard({ assignment, submission, onGraded }: GraderProps) {
  return (
    <Card
      withBorder
      padding="sm"
      component="article"
      aria-label={`Submission by ${submission.learnerName ?? 'a learner'}`}
    >
      <Stack gap="xs">
        <Group justify="space-between" wrap="wrap">
          <Text fw={600}>{submission.learnerName ?? 'Unknown learner'}</Text>
          <Group gap={6}>
            <Badge variant="dot" color="blue">
              Attempt {submission.attemptNo}
            </Badge>
            {submission.late && (
              <Badge variant="dot" color="orange">
                Late
              </Badge>
            )}
            {submission.status === 'graded' && (
              <Badge variant="dot" color={submission.passed ? 'green' : 'red'}>
                {submission.score}/{submission.maxScore}
              </Badge>
            )}
          </Group>
        </Group>
        <Text size="xs" c="dimmed">
          Submitted {formatDateTime(submission.submittedAt)}
        </Text>
        {submission.text && (
          <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
            {submission.text}
          </Text>
        )}
        {submission.links.map((href) => (
          <Anchor key={href} href={href} target="_blank" rel="noopener noreferrer" size="sm">
            {href}
          </Anchor>
        ))}
        <GradeForm assignment={assignment} submission={submission} onGraded={onGraded} />
      </Stack>
    </Card>
  )
}
