import { Button, Group, SegmentedControl, Select, Stack, Text, Title } from '@mantine/core'
import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import { useSearchParams } from 'react-router'
import { studio, type Assignment } from '../../api/studio.ts'
import { Empty, ErrorState, Loading } from '../../components/states.tsx'
import { StudioFrame } from './StudioFrame.tsx'
import { SubmissionCard } from './SubmissionGrader.tsx'

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
