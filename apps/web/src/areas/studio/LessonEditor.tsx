import {
  Anchor,
  Button,
  Checkbox,
  Group,
  Modal,
  NumberInput,
  Select,
  Stack,
  Text,
  TextInput,
} from '@mantine/core'
import { useForm } from '@mantine/form'
import { useMediaQuery } from '@mantine/hooks'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { lazy, Suspense } from 'react'
import { Link } from 'react-router'
import { studio, type LessonContent, type StudioLesson } from '../../api/studio.ts'
import { FormError } from '../../components/FormError.tsx'
import { Loading } from '../../components/states.tsx'
import { courseKey } from './keys.ts'

const MarkdownField = lazy(() => import('./MarkdownField.tsx'))

const HTTP_URL = /^https?:\/\/\S+$/

interface Values {
  title: string
  minutes: number | string
  isPreview: boolean
  markdown: string
  url: string
  fileName: string
  quizId: string | null
  assignmentId: string | null
}

function initial(lesson: StudioLesson): Values {
  const c = lesson.content as Partial<Record<string, unknown>>
  return {
    title: lesson.title,
    minutes: Math.round(lesson.durationSeconds / 60),
    isPreview: lesson.isPreview,
    markdown: typeof c.markdown === 'string' ? c.markdown : '',
    url: typeof c.url === 'string' ? c.url : '',
    fileName: typeof c.fileName === 'string' ? c.fileName : '',
    quizId: typeof c.quizId === 'string' ? c.quizId : null,
    assignmentId: typeof c.assignmentId === 'string' ? c.assignmentId : null,
  }
}

/** The lesson's content as the API wants it, from the form. */
export function contentOf(type: StudioLesson['type'], v: Values, previous: LessonContent): LessonContent {
  const seconds = Math.max(0, Math.round(Number(v.minutes) * 60))
  switch (type) {
    case 'text':
      return { type, markdown: v.markdown }
    case 'video':
      return { ...(previous as object), type, url: v.url.trim(), durationSeconds: seconds }
    case 'resource':
      return { ...(previous as object), type, url: v.url.trim(), fileName: v.fileName.trim() }
    case 'quiz':
      return { type, quizId: v.quizId ?? '' }
    case 'assignment':
      return { type, assignmentId: v.assignmentId ?? '' }
  }
}

/** Edits one lesson: title, duration, free preview, and its content (markdown, video URL, quiz, …). */
export function LessonEditor({
  courseId,
  lesson,
  onClose,
}: {
  courseId: string
  lesson: StudioLesson
  onClose: () => void
}) {
  const queryClient = useQueryClient()
  const phone = useMediaQuery('(max-width: 48em)')
  const form = useForm<Values>({
    initialValues: initial(lesson),
    validate: {
      title: (v) =>
        !v.trim() ? 'Give the lesson a title' : v.length > 200 ? 'At most 200 characters' : null,
      minutes: (v) => (typeof v === 'number' && v >= 0 && v <= 16_000 ? null : 'Minutes from 0 to 16000'),
      url: (v) =>
        (lesson.type === 'video' || lesson.type === 'resource') && !HTTP_URL.test(v.trim())
          ? 'An http:// or https:// address'
          : null,
      fileName: (v) => (lesson.type === 'resource' && !v.trim() ? 'The file name learners download' : null),
      markdown: (v) => (v.length > 200_000 ? 'At most 200,000 characters' : null),
      quizId: (v) => (lesson.type === 'quiz' && !v ? 'Choose a quiz' : null),
      assignmentId: (v) => (lesson.type === 'assignment' && !v ? 'Choose an assignment' : null),
    },
  })
  const quizzes = useQuery({
    queryKey: ['studio', 'quizzes', courseId],
    queryFn: () => studio.quizzes(courseId),
    enabled: lesson.type === 'quiz',
  })
  const assignments = useQuery({
    queryKey: ['studio', 'assignments', courseId],
    queryFn: () => studio.assignments(courseId),
    enabled: lesson.type === 'assignment',
  })
  const save = useMutation({
    mutationFn: (v: Values) =>
      studio.updateLesson(courseId, lesson.id, {
        title: v.title.trim(),
        durationSeconds: Math.round(Number(v.minutes) * 60),
        isPreview: v.isPreview,
        content: contentOf(lesson.type, v, lesson.content),
      }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: courseKey(courseId) })
      onClose()
    },
  })
  return (
    <Modal
      opened
      onClose={onClose}
      title={`Edit ${lesson.type} lesson`}
      size="xl"
      fullScreen={phone}
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      <form noValidate onSubmit={form.onSubmit((v) => save.mutate(v))}>
        <Stack>
          <FormError error={save.error} />
          <TextInput label="Title" required data-autofocus {...form.getInputProps('title')} />
          {lesson.type === 'text' && (
            <Suspense fallback={<Loading label="Loading the editor…" />}>
              <MarkdownField
                label="Lesson text (Markdown)"
                value={form.values.markdown}
                onChange={(v) => form.setFieldValue('markdown', v)}
                error={form.errors.markdown as string | undefined}
              />
            </Suspense>
          )}
          {(lesson.type === 'video' || lesson.type === 'resource') && (
            <TextInput
              label={lesson.type === 'video' ? 'Video source URL' : 'File URL'}
              description={lesson.type === 'video' ? 'An MP4, WebM or HLS (.m3u8) address' : undefined}
              required
              inputMode="url"
              {...form.getInputProps('url')}
            />
          )}
          {lesson.type === 'resource' && (
            <TextInput label="File name" required {...form.getInputProps('fileName')} />
          )}
          {lesson.type === 'quiz' && (
            <>
              <Select
                label="Quiz"
                required
                data={(quizzes.data?.items ?? []).map((q) => ({ value: q.id, label: q.title }))}
                placeholder={quizzes.isPending ? 'Loading…' : undefined}
                {...form.getInputProps('quizId')}
              />
              {form.values.quizId && (
                <Anchor
                  component={Link}
                  to={`/studio/courses/${courseId}/quizzes/${form.values.quizId}`}
                  size="sm"
                >
                  Edit this quiz&apos;s questions and rules
                </Anchor>
              )}
            </>
          )}
          {lesson.type === 'assignment' && (
            <>
              <Select
                label="Assignment"
                required
                data={(assignments.data?.items ?? []).map((a) => ({ value: a.id, label: a.title }))}
                placeholder={assignments.isPending ? 'Loading…' : undefined}
                {...form.getInputProps('assignmentId')}
              />
              <Text size="sm" c="dimmed">
                Instructions, due date and rubric are set in the Assignments tab.
              </Text>
            </>
          )}
          <Group align="flex-end">
            <NumberInput
              label={lesson.type === 'video' ? 'Video length (minutes)' : 'Duration (minutes)'}
              min={0}
              allowDecimal={false}
              w={200}
              {...form.getInputProps('minutes')}
            />
            <Checkbox
              label="Free preview (visible in the catalog without enrolling)"
              {...form.getInputProps('isPreview', { type: 'checkbox' })}
            />
          </Group>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              Save lesson
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  )
}
