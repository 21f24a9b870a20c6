import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useRef } from 'react'
import { useNavigate, useParams, useSearchParams } from 'react-router'
import { studio } from '../../api/studio.ts'
import { ErrorState, Loading } from '../../components/states.tsx'
import { courseKey } from './keys.ts'
import { notify } from './notify.ts'
import { fromQuiz, emptyQuiz, saveQuiz, type QuestionDraft, type QuizDraft } from './quiz.ts'
import { QuizEditor } from './QuizEditor.tsx'
import { BackLink, StudioFrame } from './StudioFrame.tsx'

/**
 * Creates (`/quizzes/new?section=&title=`: the quiz, then its lesson at the end of that section) or
 * edits a quiz of a course.
 */
export default function QuizEditorPage() {
  const { courseId = '', quizId = 'new' } = useParams()
  const [params] = useSearchParams()
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const isNew = quizId === 'new'
  const sectionId = params.get('section')
  const lessonTitle = params.get('title') ?? ''
  const createdQuizId = useRef<string | undefined>(undefined)
  const quiz = useQuery({
    queryKey: ['studio', 'quiz', courseId, quizId],
    queryFn: () => studio.quiz(courseId, quizId),
    enabled: !isNew,
  })
  const save = useMutation({
    mutationFn: async ({
      draft,
      update,
    }: {
      draft: QuizDraft
      update: (fn: (d: QuizDraft) => QuizDraft) => void
    }) => {
      const originals: QuestionDraft[] = quiz.data ? fromQuiz(quiz.data).questions : []
      const writer = {
        createQuestion: (b: Parameters<typeof studio.createQuestion>[1]) =>
          studio.createQuestion(courseId, b),
        updateQuestion: (id: string, b: Parameters<typeof studio.updateQuestion>[2]) =>
          studio.updateQuestion(courseId, id, b),
        createQuiz: (b: Parameters<typeof studio.createQuiz>[1]) => studio.createQuiz(courseId, b),
        updateQuiz: (id: string, b: Parameters<typeof studio.updateQuiz>[2]) =>
          studio.updateQuiz(courseId, id, b),
      }
      const id = await saveQuiz(
        writer,
        draft,
        isNew ? createdQuizId.current : quizId,
        originals,
        (key, newId) =>
          update((d) => ({
            ...d,
            questions: d.questions.map((q) => (q.key === key ? { ...q, id: newId } : q)),
          })),
      )
      createdQuizId.current = id
      if (isNew && sectionId)
        await studio.addLesson(courseId, sectionId, {
          type: 'quiz',
          title: lessonTitle.trim() || draft.title.trim(),
          content: { type: 'quiz', quizId: id },
        })
      return id
    },
    onSuccess: async () => {
      notify('Quiz saved')
      await queryClient.invalidateQueries({ queryKey: ['studio', 'quiz', courseId] })
      await queryClient.invalidateQueries({ queryKey: ['studio', 'quizzes', courseId] })
      await queryClient.invalidateQueries({ queryKey: courseKey(courseId) })
      void navigate(`/studio/courses/${courseId}`)
    },
  })
  const initial = isNew ? { ...emptyQuiz(), title: lessonTitle } : quiz.data ? fromQuiz(quiz.data) : undefined
  return (
    <StudioFrame title={isNew ? 'New quiz' : (quiz.data?.title ?? 'Quiz')}>
      <BackLink to={`/studio/courses/${courseId}`}>Back to the course</BackLink>
      {!isNew && quiz.isPending ? (
        <Loading label="Loading the quiz…" />
      ) : !isNew && quiz.isError ? (
        <ErrorState error={quiz.error} retry={() => void quiz.refetch()} />
      ) : initial ? (
        <QuizEditor
          initial={initial}
          saving={save.isPending}
          error={save.error}
          submitLabel={isNew && sectionId ? 'Save quiz and add the lesson' : 'Save quiz'}
          onSave={(draft, update) => save.mutate({ draft, update })}
        />
      ) : null}
    </StudioFrame>
  )
}
