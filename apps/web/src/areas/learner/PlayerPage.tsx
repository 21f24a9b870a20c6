import { Anchor, Button, Collapse, Grid, Group, NavLink, Progress, Stack, Text, Title } from '@mantine/core'
import { useDisclosure, useMediaQuery } from '@mantine/hooks'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Link, Navigate, useParams } from 'react-router'
import { learn, type LearnCourse, type LessonState } from '../../api/learner.ts'
import { ApiError } from '../../api/problem.ts'
import { FormError } from '../../components/FormError.tsx'
import { ErrorState, Loading } from '../../components/states.tsx'
import { AssignmentLesson } from './AssignmentLesson.tsx'
import { QuizLesson } from './QuizLesson.tsx'
import { SignedIn, ToneAlert, ToneBadge } from './shared.tsx'
import { TextLesson } from './TextLesson.tsx'
import { VideoLesson } from './VideoLesson.tsx'

/** The lesson to open: the resume point, else the first unlocked lesson not completed, else the first. */
export function startLesson(course: LearnCourse): string | undefined {
  const lessons = course.sections.flatMap((s) => s.lessons)
  if (course.resume && lessons.some((l) => l.id === course.resume?.lessonId)) return course.resume.lessonId
  return (lessons.find((l) => !l.completed && !l.locked) ?? lessons[0])?.id
}

const TYPE_LABEL: Record<string, string> = {
  video: 'Video',
  text: 'Reading',
  quiz: 'Quiz',
  assignment: 'Assignment',
  resource: 'Resource',
}

function Outline({ course, current, onPick }: { course: LearnCourse; current: string; onPick?: () => void }) {
  return (
    <nav aria-label="Course outline">
      <Stack gap="sm">
        {course.sections.map((s) => (
          <Stack key={s.id} gap={2}>
            <Text fw={700} size="sm">
              {s.title}
            </Text>
            {s.lessons.map((l) => (
              <NavLink
                key={l.id}
                component={Link}
                to={`/learn/${course.courseId}/${l.id}`}
                label={l.title}
                description={`${TYPE_LABEL[l.type] ?? l.type}${l.completed ? ' · completed' : l.locked ? ' · locked' : ''}`}
                active={l.id === current}
                styles={{ description: { color: 'var(--mantine-color-gray-8)' } }}
                aria-current={l.id === current ? 'page' : undefined}
                leftSection={
                  <span aria-hidden style={{ width: 16, display: 'inline-block' }}>
                    {l.completed ? '✓' : l.locked ? <LockIcon /> : '•'}
                  </span>
                }
                onClick={onPick}
              />
            ))}
          </Stack>
        ))}
      </Stack>
    </nav>
  )
}

/** A padlock drawn inline: emoji fonts are not on every machine (a missing one shows a box). */
function LockIcon() {
  return (
    <svg
      width="12"
      height="12"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2.5"
      aria-hidden
      style={{ verticalAlign: '-1px' }}
    >
      <rect x="4" y="11" width="16" height="10" rx="2" />
      <path d="M8 11V7a4 4 0 0 1 8 0v4" />
    </svg>
  )
}

function LessonBody({ course, lesson }: { course: LearnCourse; lesson: LessonState }) {
  const queryClient = useQueryClient()
  const detail = useQuery({
    queryKey: ['lesson', course.courseId, lesson.id],
    queryFn: () => learn.lesson(course.courseId, lesson.id),
    retry: false,
  })
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['learn', course.courseId] })
    void queryClient.invalidateQueries({ queryKey: ['enrollments'] })
    void queryClient.invalidateQueries({ queryKey: ['certificates'] })
  }
  const complete = useMutation({
    mutationFn: () => learn.complete(course.courseId, lesson.id),
    onSuccess: refresh,
  })
  if (detail.isPending) return <Loading label="Loading the lesson…" />
  if (detail.isError) {
    const e = detail.error
    if (e instanceof ApiError && e.status === 403) {
      const missing = (e.problem.missingPrerequisiteIds as string[] | undefined) ?? []
      const titles = course.sections
        .flatMap((s) => s.lessons)
        .filter((l) => missing.includes(l.id))
        .map((l) => l.title)
      return (
        <ToneAlert color="gray" title="This lesson is locked">
          {titles.length ? `Complete ${titles.join(', ')} first.` : e.message}
        </ToneAlert>
      )
    }
    return <ErrorState error={e} retry={() => void detail.refetch()} />
  }
  const d = detail.data
  const c = d.content
  const done = lesson.completed || complete.data?.changed === false || complete.isSuccess
  return (
    <Stack>
      {c.type === 'video' && (
        <VideoLesson
          courseId={course.courseId}
          lessonId={d.id}
          url={c.url}
          durationSeconds={c.durationSeconds}
          positionSeconds={d.positionSeconds}
          title={d.title}
          onProgress={refresh}
        />
      )}
      {c.type === 'text' && <TextLesson markdown={c.markdown} />}
      {c.type === 'resource' && (
        <Text>
          <Anchor href={c.url} target="_blank" rel="noreferrer noopener">
            Open {c.fileName}
          </Anchor>
        </Text>
      )}
      {c.type === 'quiz' && <QuizLesson quizId={c.quizId} onGraded={refresh} />}
      {c.type === 'assignment' && <AssignmentLesson assignmentId={c.assignmentId} />}
      {(c.type === 'text' || c.type === 'resource') && (
        <Group>
          {done ? (
            <ToneBadge color="green" size="lg" variant="light">
              Completed
            </ToneBadge>
          ) : (
            <Button variant="light" onClick={() => complete.mutate()} loading={complete.isPending}>
              Mark as complete
            </Button>
          )}
        </Group>
      )}
      {c.type === 'video' && lesson.completed && (
        <ToneBadge color="green" size="lg" variant="light">
          Completed
        </ToneBadge>
      )}
      <FormError error={complete.error} />
    </Stack>
  )
}

function Player() {
  const { courseId = '', lessonId } = useParams()
  const phone = useMediaQuery('(max-width: 48em)')
  const [outlineOpen, outline] = useDisclosure(false)
  const course = useQuery({
    queryKey: ['learn', courseId],
    queryFn: () => learn.course(courseId),
    retry: false,
  })
  if (course.isPending) return <Loading label="Loading the course…" />
  if (course.isError) {
    const e = course.error
    if (e instanceof ApiError && (e.status === 404 || e.status === 400 || e.status === 403)) {
      return (
        <Stack maw={640}>
          <Title order={1}>{e.status === 403 ? 'No access right now' : 'Not enrolled'}</Title>
          <ToneAlert color="gray" role="alert">
            {e.status === 403 ? e.message : 'You are not enrolled in this course.'}
          </ToneAlert>
          <Group>
            <Button component={Link} to="/learning">
              My learning
            </Button>
            <Button component={Link} to="/catalog" variant="default">
              Catalog
            </Button>
          </Group>
        </Stack>
      )
    }
    return <ErrorState error={e} retry={() => void course.refetch()} />
  }
  const c = course.data
  const lessons = c.sections.flatMap((s) => s.lessons)
  if (!lessonId) {
    const first = startLesson(c)
    return first ? (
      <Navigate to={`/learn/${courseId}/${first}`} replace />
    ) : (
      <Text>This course has no lessons yet.</Text>
    )
  }
  const index = lessons.findIndex((l) => l.id === lessonId)
  const lesson = lessons[index]
  const prev = index > 0 ? lessons[index - 1] : undefined
  const next = index >= 0 && index < lessons.length - 1 ? lessons[index + 1] : undefined

  return (
    <Stack>
      <Stack gap={4}>
        <Text size="sm" c="dimmed">
          <Anchor component={Link} to="/learning">
            My learning
          </Anchor>{' '}
          / {c.title}
        </Text>
        <Group gap="sm" wrap="nowrap">
          <Progress
            value={c.progressPercent}
            style={{ flex: 1 }}
            aria-label={`Course progress ${c.progressPercent}%`}
          />
          <Text size="sm">{c.progressPercent}%</Text>
        </Group>
        {c.completedAt && (
          <ToneAlert color="green" title="Course completed">
            Well done! Your certificate is under{' '}
            <Anchor component={Link} to="/certificates" c="inherit" fw={700}>
              Certificates
            </Anchor>
            .
          </ToneAlert>
        )}
      </Stack>
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 4, lg: 3 }}>
          {phone && (
            <Button
              variant="default"
              fullWidth
              onClick={outline.toggle}
              aria-expanded={outlineOpen}
              aria-controls="course-outline"
              mb="sm"
            >
              {outlineOpen ? 'Hide outline' : 'Course outline'}
            </Button>
          )}
          <Collapse expanded={!phone || outlineOpen} id="course-outline">
            <Outline course={c} current={lessonId} onPick={phone ? outline.close : undefined} />
          </Collapse>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 8, lg: 9 }}>
          {!lesson ? (
            <ToneAlert color="gray" title="Lesson not found">
              This lesson is not part of your version of the course.
            </ToneAlert>
          ) : (
            <Stack component="article" aria-labelledby="lesson-title">
              <Title order={1} id="lesson-title" size="h2">
                {lesson.title}
              </Title>
              <LessonBody key={lesson.id} course={c} lesson={lesson} />
              <Group justify="space-between" mt="md">
                {prev ? (
                  <Button component={Link} to={`/learn/${courseId}/${prev.id}`} variant="default">
                    ← Previous
                  </Button>
                ) : (
                  <span />
                )}
                {next && (
                  <Button component={Link} to={`/learn/${courseId}/${next.id}`} variant="default">
                    Next →
                  </Button>
                )}
              </Group>
            </Stack>
          )}
        </Grid.Col>
      </Grid>
    </Stack>
  )
}

export default function PlayerPage() {
  return (
    <SignedIn title="Course player">
      <Player />
    </SignedIn>
  )
}
