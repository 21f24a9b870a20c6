import { Button, Group, Modal, NumberInput, Select, Stack, Text, TextInput } from '@mantine/core'
import { useForm } from '@mantine/form'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useNavigate } from 'react-router'
import {
  studio,
  type LessonContent,
  type LessonType,
  type StudioLesson,
  type StudioSection,
} from '../../api/studio.ts'
import { FormError } from '../../components/FormError.tsx'
import { courseKey } from './keys.ts'

const TYPES = [
  { value: 'text', label: 'Text (Markdown)' },
  { value: 'video', label: 'Video' },
  { value: 'quiz', label: 'Quiz' },
  { value: 'assignment', label: 'Assignment' },
  { value: 'resource', label: 'Downloadable resource' },
]
const NEW = '__new__'
const HTTP_URL = /^https?:\/\/\S+$/

interface Values {
  type: LessonType
  title: string
  url: string
  minutes: number | string
  fileName: string
  quizId: string
  assignmentId: string
}

/**
 * Adds a lesson at the end of a section. A quiz lesson with a new quiz opens the quiz editor, which
 * creates the lesson when the quiz is saved; a new assignment starts with a one-criterion rubric that
 * the Assignments tab refines.
 */
export function AddLesson({
  courseId,
  section,
  onClose,
  onCreated,
}: {
  courseId: string
  section: StudioSection
  onClose: () => void
  onCreated: (lesson: StudioLesson) => void
}) {
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const form = useForm<Values>({
    initialValues: {
      type: 'text',
      title: '',
      url: '',
      minutes: 0,
      fileName: '',
      quizId: NEW,
      assignmentId: NEW,
    },
    validate: {
      title: (v) =>
        !v.trim() ? 'Give the lesson a title' : v.length > 200 ? 'At most 200 characters' : null,
      url: (v, all) =>
        (all.type === 'video' || all.type === 'resource') && !HTTP_URL.test(v.trim())
          ? 'An http:// or https:// address'
          : null,
      fileName: (v, all) => (all.type === 'resource' && !v.trim() ? 'The file name learners download' : null),
      minutes: (v) => (typeof v === 'number' && v >= 0 && v <= 16_000 ? null : 'Minutes from 0 to 16000'),
    },
  })
  const type = form.values.type
  const quizzes = useQuery({
    queryKey: ['studio', 'quizzes', courseId],
    queryFn: () => studio.quizzes(courseId),
    enabled: type === 'quiz',
  })
  const assignments = useQuery({
    queryKey: ['studio', 'assignments', courseId],
    queryFn: () => studio.assignments(courseId),
    enabled: type === 'assignment',
  })
  const create = useMutation({
    mutationFn: async (v: Values) => {
      const title = v.title.trim()
      const seconds = Math.round(Number(v.minutes) * 60)
      let content: LessonContent
      switch (v.type) {
        case 'text':
          content = { type: 'text', markdown: '' }
          break
        case 'video':
          content = { type: 'video', url: v.url.trim(), durationSeconds: seconds }
          break
        case 'resource':
          content = { type: 'resource', url: v.url.trim(), fileName: v.fileName.trim() }
          break
        case 'quiz':
          content = { type: 'quiz', quizId: v.quizId }
          break
        case 'assignment': {
          const assignmentId =
            v.assignmentId !== NEW
              ? v.assignmentId
              : (
                  await studio.createAssignment(courseId, {
                    title,
                    rubric: [{ id: 'overall', title: 'Overall', description: '', maxPoints: 10 }],
                    passPoints: 6,
                  })
                ).id
          content = { type: 'assignment', assignmentId }
          break
        }
      }
      return studio.addLesson(courseId, section.id, {
        type: v.type,
        title,
        content,
        durationSeconds: seconds,
      })
    },
    onSuccess: async (lesson) => {
      await queryClient.invalidateQueries({ queryKey: ['studio'] })
      await queryClient.invalidateQueries({ queryKey: courseKey(courseId) })
      onCreated(lesson)
    },
  })
  const submit = (v: Values) => {
    if (v.type === 'quiz' && v.quizId === NEW) {
      const params = new URLSearchParams({ section: section.id, title: v.title.trim() })
      void navigate(`/studio/courses/${courseId}/quizzes/new?${params.toString()}`)
      return
    }
    create.mutate(v)
  }
  return (
    <Modal
      opened
      onClose={onClose}
      title={`New lesson in “${section.title}”`}
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      <form noValidate onSubmit={form.onSubmit(submit)}>
        <Stack>
          <FormError error={create.error} />
          <Select label="Type" data={TYPES} allowDeselect={false} {...form.getInputProps('type')} />
          <TextInput label="Lesson title" required data-autofocus {...form.getInputProps('title')} />
          {(type === 'video' || type === 'resource') && (
            <TextInput
              label={type === 'video' ? 'Video source URL' : 'File URL'}
              required
              inputMode="url"
              {...form.getInputProps('url')}
            />
          )}
          {type === 'resource' && (
            <TextInput label="File name" required {...form.getInputProps('fileName')} />
          )}
          {type !== 'quiz' && type !== 'assignment' && (
            <NumberInput
              label={type === 'video' ? 'Video length (minutes)' : 'Duration (minutes)'}
              min={0}
              allowDecimal={false}
              {...form.getInputProps('minutes')}
            />
          )}
          {type === 'quiz' && (
            <Select
              label="Quiz"
              allowDeselect={false}
              data={[
                { value: NEW, label: 'Create a new quiz…' },
                ...(quizzes.data?.items ?? []).map((q) => ({ value: q.id, label: q.title })),
              ]}
              {...form.getInputProps('quizId')}
            />
          )}
          {type === 'assignment' && (
            <>
              <Select
                label="Assignment"
                allowDeselect={false}
                data={[
                  { value: NEW, label: 'Create a new assignment' },
                  ...(assignments.data?.items ?? []).map((a) => ({ value: a.id, label: a.title })),
                ]}
                {...form.getInputProps('assignmentId')}
              />
              <Text size="xs" c="dimmed">
                A new assignment starts with one 10-point criterion; refine it in the Assignments tab.
              </Text>
            </>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              {type === 'quiz' && form.values.quizId === NEW ? 'Continue to the quiz editor' : 'Add lesson'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  )
}
