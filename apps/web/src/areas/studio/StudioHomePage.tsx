import {
  Anchor,
  Button,
  Card,
  Group,
  Modal,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from '@mantine/core'
import { useForm } from '@mantine/form'
import { useDisclosure } from '@mantine/hooks'
import { useInfiniteQuery, useMutation, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { Link, useNavigate } from 'react-router'
import { useSession } from '../../api/session.tsx'
import { studio, type StudioCourse } from '../../api/studio.ts'
import { FormError } from '../../components/FormError.tsx'
import { formatDateTime } from '../../lib/dates.ts'
import { Empty, ErrorState, Loading } from '../../components/states.tsx'
import { CourseStatus } from './CourseStatus.tsx'
import { gradingQueueKey } from './keys.ts'
import { StudioFrame } from './StudioFrame.tsx'

function CreateCourse({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const navigate = useNavigate()
  const form = useForm({
    initialValues: { title: '', subtitle: '' },
    validate: {
      title: (v) =>
        !v.trim() ? 'Give the course a title' : v.length > 200 ? 'At most 200 characters' : null,
      subtitle: (v) => (v.length > 300 ? 'At most 300 characters' : null),
    },
  })
  const create = useMutation({
    mutationFn: (v: { title: string; subtitle: string }) =>
      studio.createCourse({
        title: v.title.trim(),
        ...(v.subtitle.trim() ? { subtitle: v.subtitle.trim() } : {}),
      }),
    onSuccess: (course) => void navigate(`/studio/courses/${course.id}`),
  })
  return (
    <Modal opened={opened} onClose={onClose} title="New course" closeButtonProps={{ 'aria-label': 'Close' }}>
      <form noValidate onSubmit={form.onSubmit((v) => create.mutate(v))}>
        <Stack>
          <FormError error={create.error} />
          <TextInput label="Title" required data-autofocus {...form.getInputProps('title')} />
          <TextInput
            label="Subtitle"
            description="One line under the title in the catalog"
            {...form.getInputProps('subtitle')}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create draft
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  )
}

function CourseItem({ course }: { course: StudioCourse }) {
  return (
    <Card withBorder padding="md" component="li">
      <Stack gap={6}>
        <Anchor component={Link} to={`/studio/courses/${course.id}`} fw={600}>
          {course.title}
        </Anchor>
        {course.subtitle && (
          <Text size="sm" c="dimmed" lineClamp={2}>
            {course.subtitle}
          </Text>
        )}
        <CourseStatus course={course} />
        <Text size="xs" c="dimmed">
          Updated {formatDateTime(course.updatedAt)}
          {course.myRole !== 'owner' ? ` · ${course.myRole.replace('_', '-')}` : ''}
        </Text>
      </Stack>
    </Card>
  )
}

// The home page asks for one page of this size: past it, the count reads "50+".
const COUNT_UP_TO = 50

/** "3 submissions to grade", linking to the queue; nothing while loading, on error or at zero. */
function ToGradeCount() {
  const queue = useQuery({
    queryKey: [...gradingQueueKey, 'count'],
    queryFn: () => studio.gradingQueue({ limit: COUNT_UP_TO }),
  })
  const n = queue.data?.items.length ?? 0
  if (n === 0) return null
  const count = queue.data?.nextCursor ? `${COUNT_UP_TO}+` : String(n)
  return (
    <Anchor component={Link} to="/studio/to-grade" fw={600} w="fit-content">
      {count} {n === 1 && !queue.data?.nextCursor ? 'submission' : 'submissions'} to grade
    </Anchor>
  )
}

/** Studio home: the courses I own or co-teach (org admins: the organization's, and the review queue). */
export default function StudioHomePage() {
  const { me } = useSession()
  const isAdmin = !!me && (me.user.platformAdmin || me.roles.includes('org_admin'))
  const [view, setView] = useState<'mine' | 'review'>('mine')
  const [opened, { open, close }] = useDisclosure(false)
  const courses = useInfiniteQuery({
    queryKey: ['studio', 'courses', view],
    queryFn: ({ pageParam }) =>
      studio.courses({ after: pageParam, ...(view === 'review' ? { review: 'pending' as const } : {}) }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: !!me,
  })
  const items = courses.data?.pages.flatMap((p) => p.items) ?? []
  return (
    <StudioFrame title="Your courses" actions={<Button onClick={open}>New course</Button>}>
      <CreateCourse opened={opened} onClose={close} />
      {me && <ToGradeCount />}
      {isAdmin && (
        <SegmentedControl
          aria-label="Which courses"
          w="fit-content"
          value={view}
          onChange={(v) => setView(v as 'mine' | 'review')}
          data={[
            { value: 'mine', label: 'All courses' },
            { value: 'review', label: 'Awaiting review' },
          ]}
        />
      )}
      {courses.isPending ? (
        <Loading label="Loading your courses…" />
      ) : courses.isError ? (
        <ErrorState error={courses.error} retry={() => void courses.refetch()} />
      ) : items.length === 0 ? (
        <Empty>
          {view === 'review' ? 'No course is waiting for review.' : 'No courses yet. Create your first one.'}
        </Empty>
      ) : (
        <>
          <SimpleGrid
            component="ul"
            cols={{ base: 1, sm: 2, md: 3 }}
            p={0}
            m={0}
            style={{ listStyle: 'none' }}
          >
            {items.map((c) => (
              <CourseItem key={c.id} course={c} />
            ))}
          </SimpleGrid>
          {courses.hasNextPage && (
            <Button
              variant="default"
              onClick={() => void courses.fetchNextPage()}
              loading={courses.isFetchingNextPage}
            >
              Load more
            </Button>
          )}
        </>
      )}
    </StudioFrame>
  )
}
