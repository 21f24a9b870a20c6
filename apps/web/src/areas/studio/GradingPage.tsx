import {
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  NumberInput,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core'
import { useForm } from '@mantine/form'
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useSearchParams } from 'react-router'
import { studio, type Assignment, type Submission } from '../../api/studio.ts'
import { FormError } from '../../components/FormError.tsx'
import { Empty, ErrorState, Loading } from '../../components/states.tsx'
import { formatDateTime } from '../../lib/dates.ts'
import { notify } from './notify.ts'
import { StudioFrame } from './StudioFrame.tsx'

interface GradeValues {
  scores: { criterionId: string; points: number | string; comment: string }[]
  feedback: string
}

/** Score before any late penalty (the server applies it). */
export const rawTotal = (scores: GradeValues['scores']) =>
  scores.reduce((s, x) => s + (Number(x.points) || 0), 0)

function GradeForm({ assignment, submission }: { assignment: Assignment; submission: Submission }) {
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
      await queryClient.invalidateQueries({ queryKey: ['studio', 'submissions', assignment.id] })
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

function SubmissionCard({ assignment, submission }: { assignment: Assignment; submission: Submission }) {
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
        <GradeForm assignment={assignment} submission={submission} />
      </Stack>
    </Card>
  )
}

function AssignmentQueue({ assignment, status }: { assignment: Assignment; status: 'submitted' | 'graded' }) {
  const subs = useInfiniteQuery({
    queryKey: ['studio', 'submissions', assignment.id, status],
    queryFn: ({ pageParam }) => studio.submissions(assignment.id, { status, cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  })
  const items = subs.data?.pages.flatMap((p) => p.items) ?? []
  return (
    <Stack gap="xs" component="section" aria-label={assignment.title}>
      <Title order={2} size="h4">
        {assignment.title}
      </Title>
      {subs.isPending ? (
        <Loading label="Loading submissions…" />
      ) : subs.isError ? (
        <ErrorState error={subs.error} retry={() => void subs.refetch()} />
      ) : items.length === 0 ? (
        <Text size="sm" c="dimmed">
          {status === 'submitted' ? 'Nothing to grade.' : 'Nothing graded yet.'}
        </Text>
      ) : (
        <>
          {items.map((s) => (
            <SubmissionCard key={s.id} assignment={assignment} submission={s} />
          ))}
          {subs.hasNextPage && (
            <Button
              variant="default"
              w="fit-content"
              onClick={() => void subs.fetchNextPage()}
              loading={subs.isFetchingNextPage}
            >
              More submissions
            </Button>
          )}
        </>
      )}
    </Stack>
  )
}

/** The grading queue: a course's submitted assignments, oldest first, graded with the rubric. */
export default function GradingPage() {
  const [params, setParams] = useSearchParams()
  const courseId = params.get('course')
  const status = params.get('status') === 'graded' ? 'graded' : 'submitted'
  const courses = useQuery({ queryKey: ['studio', 'courses', 'grading'], queryFn: () => studio.courses({}) })
  const assignments = useQuery({
    queryKey: ['studio', 'assignments', courseId],
    queryFn: () => studio.assignments(courseId!),
    enabled: !!courseId,
  })
  const set = (key: string, value: string | null) => {
    const next = new URLSearchParams(params)
    if (value) next.set(key, value)
    else next.delete(key)
    setParams(next, { replace: true })
  }
  return (
    <StudioFrame title="Grading">
      {courses.isPending ? (
        <Loading label="Loading your courses…" />
      ) : courses.isError ? (
        <ErrorState error={courses.error} retry={() => void courses.refetch()} />
      ) : courses.data.items.length === 0 ? (
        <Empty>You have no courses yet, so nothing to grade.</Empty>
      ) : (
        <Stack>
          <Group align="flex-end" wrap="wrap">
            <Select
              label="Course"
              placeholder="Choose a course"
              w={{ base: '100%', sm: 360 }}
              data={courses.data.items.map((c) => ({ value: c.id, label: c.title }))}
              value={courseId}
              onChange={(v) => set('course', v)}
              searchable
            />
            <SegmentedControl
              aria-label="Which submissions"
              value={status}
              onChange={(v) => set('status', v === 'graded' ? 'graded' : null)}
              data={[
                { value: 'submitted', label: 'To grade' },
                { value: 'graded', label: 'Graded' },
              ]}
            />
          </Group>
          {!courseId ? (
            <Empty>Choose a course to see its submissions.</Empty>
          ) : assignments.isPending ? (
            <Loading label="Loading assignments…" />
          ) : assignments.isError ? (
            <ErrorState error={assignments.error} retry={() => void assignments.refetch()} />
          ) : assignments.data.items.length === 0 ? (
            <Empty>This course has no assignments.</Empty>
          ) : (
            assignments.data.items.map((a) => <AssignmentQueue key={a.id} assignment={a} status={status} />)
          )}
        </Stack>
      )}
    </StudioFrame>
  )
}
