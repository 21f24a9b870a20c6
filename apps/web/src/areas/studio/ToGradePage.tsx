import { Badge, Button, Group, Modal, Text } from '@mantine/core'
import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { studio, type QueuedSubmission } from '../../api/studio.ts'
import { DataTable, type Column } from '../../components/DataTable.tsx'
import { QueryState } from '../../components/states.tsx'
import { formatDateTime } from '../../lib/dates.ts'
import { gradingQueueKey } from './keys.ts'
import { StudioFrame } from './StudioFrame.tsx'
import { SubmissionCard } from './SubmissionGrader.tsx'

const learner = (s: QueuedSubmission) => s.learnerName ?? 'Unknown learner'

/** The grading form of one queued submission: loads its assignment (the rubric), then the shared card. */
function GradeDialog({ submission, onClose }: { submission: QueuedSubmission; onClose: () => void }) {
  const assignment = useQuery({
    queryKey: ['studio', 'assignment', submission.assignmentId],
    queryFn: () => studio.assignment(submission.assignmentId),
  })
  return (
    <QueryState query={assignment} loadingLabel="Loading the rubric…">
      {() => <SubmissionCard assignment={assignment.data!} submission={submission} onGraded={onClose} />}
    </QueryState>
  )
}

/**
 * To grade: the submissions waiting for a grade in every course I own or co-teach, oldest first
 * (whoever waited longest on top). "Grade" opens the same rubric form as the per-course grading page.
 */
export default function ToGradePage() {
  const [grading, setGrading] = useState<QueuedSubmission | null>(null)
  const queue = useInfiniteQuery({
    queryKey: [...gradingQueueKey, 'submitted'],
    queryFn: ({ pageParam }) => studio.gradingQueue({ cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  })
  const rows = queue.data?.pages.flatMap((p) => p.items) ?? []
  const columns: Column<QueuedSubmission>[] = [
    { header: 'Course', cell: (s) => s.courseTitle },
    { header: 'Assignment', cell: (s) => s.assignmentTitle },
    { header: 'Learner', cell: learner },
    {
      header: 'Submitted',
      cell: (s) => (
        <Group gap={6} wrap="nowrap">
          <Text size="sm">{formatDateTime(s.submittedAt)}</Text>
          {s.late && (
            <Badge variant="dot" color="orange">
              Late
            </Badge>
          )}
        </Group>
      ),
    },
    {
      header: 'Action',
      hideHeader: true,
      align: 'right',
      cell: (s) => (
        <Button
          size="compact-sm"
          onClick={() => setGrading(s)}
          aria-label={`Grade ${learner(s)}'s submission`}
        >
          Grade
        </Button>
      ),
    },
  ]
  return (
    <StudioFrame title="To grade">
      <DataTable
        caption="Submissions to grade, oldest first"
        columns={columns}
        rows={rows}
        rowKey={(s) => s.id}
        query={queue}
        pages={queue}
        loadingLabel="Loading submissions…"
        empty="Nothing to grade. New submissions of your courses will appear here."
        moreLabel="More submissions"
        minWidth={720}
      />
      <Modal
        opened={grading !== null}
        onClose={() => setGrading(null)}
        size="lg"
        title={grading ? `${grading.courseTitle} · ${grading.assignmentTitle}` : ''}
        closeButtonProps={{ 'aria-label': 'Close' }}
      >
        {grading && <GradeDialog submission={grading} onClose={() => setGrading(null)} />}
      </Modal>
    </StudioFrame>
  )
}
