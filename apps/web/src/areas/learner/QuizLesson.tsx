import {
  Button,
  Card,
  Checkbox,
  Group,
  NumberInput,
  Radio,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { learn, type Attempt, type QuizQuestion } from '../../api/learner.ts'
import { ApiError } from '../../api/problem.ts'
import { FormError } from '../../components/FormError.tsx'
import { ErrorState, Loading } from '../../components/states.tsx'
import { QuizTimer } from './QuizTimer.tsx'
import { ToneAlert, ToneBadge } from './shared.tsx'

type Answers = Record<string, unknown>

function QuestionField({
  q,
  n,
  value,
  onChange,
  onCommit,
}: {
  q: QuizQuestion
  n: number
  value: unknown
  onChange: (v: unknown) => void
  onCommit: (v: unknown) => void
}) {
  const label = `${n}. ${q.prompt}`
  const points = `${q.points} ${q.points === 1 ? 'point' : 'points'}`
  switch (q.type) {
    case 'single_choice':
      return (
        <Radio.Group
          label={label}
          description={points}
          value={typeof value === 'string' ? value : null}
          onChange={(v) => {
            onChange(v)
            onCommit(v)
          }}
        >
          <Stack gap={6} mt={6}>
            {q.options.map((o) => (
              <Radio key={o.id} value={o.id} label={o.text} />
            ))}
          </Stack>
        </Radio.Group>
      )
    case 'multiple_choice':
      return (
        <Checkbox.Group
          label={label}
          description={`${points} · choose all that apply`}
          value={Array.isArray(value) ? (value as string[]) : []}
          onChange={(v) => {
            onChange(v)
            onCommit(v)
          }}
        >
          <Stack gap={6} mt={6}>
            {q.options.map((o) => (
              <Checkbox key={o.id} value={o.id} label={o.text} />
            ))}
          </Stack>
        </Checkbox.Group>
      )
    case 'true_false':
      return (
        <Radio.Group
          label={label}
          description={points}
          value={value === true ? 'true' : value === false ? 'false' : null}
          onChange={(v) => {
            onChange(v === 'true')
            onCommit(v === 'true')
          }}
        >
          <Group mt={6}>
            <Radio value="true" label="True" />
            <Radio value="false" label="False" />
          </Group>
        </Radio.Group>
      )
    case 'numeric':
      return (
        <NumberInput
          label={label}
          description={points}
          value={typeof value === 'number' ? value : ''}
          onChange={(v) => onChange(typeof v === 'number' ? v : undefined)}
          onBlur={() => onCommit(value)}
          allowDecimal
          maw={240}
        />
      )
    default:
      return (
        <TextInput
          label={label}
          description={points}
          value={typeof value === 'string' ? value : ''}
          onChange={(e) => onChange(e.currentTarget.value)}
          onBlur={() => onCommit(value)}
          maxLength={500}
        />
      )
  }
}

/** Answers a learner gave that the server can take (blank texts and unset numbers are left out). */
function answered(v: unknown): boolean {
  return v !== undefined && v !== null && !(typeof v === 'string' && v.trim() === '')
}

function AttemptForm({ attempt, onDone }: { attempt: Attempt; onDone: (a: Attempt) => void }) {
  const [answers, setAnswers] = useState<Answers>(() => ({ ...attempt.answers }))
  const [saved, setSaved] = useState<Answers>(() => ({ ...attempt.answers }))
  const save = useMutation({
    mutationFn: ({ questionId, answer }: { questionId: string; answer: unknown }) =>
      learn.saveAnswer(attempt.id, questionId, answer),
    onSuccess: (_d, v) => setSaved((s) => ({ ...s, [v.questionId]: v.answer })),
  })
  const submit = useMutation({
    mutationFn: async () => {
      // Anything typed but not yet saved (a field still focused) is saved before grading.
      for (const q of attempt.questions) {
        const a = answers[q.id]
        if (answered(a) && JSON.stringify(a) !== JSON.stringify(saved[q.id])) {
          await learn.saveAnswer(attempt.id, q.id, a)
        }
      }
      return learn.submitAttempt(attempt.id)
    },
    onSuccess: onDone,
    onError: async (error) => {
      // Time ran out on the server: show what it graded.
      if (error instanceof ApiError && (error.status === 410 || error.status === 409))
        onDone(await learn.attempt(attempt.id))
    },
  })
  const commit = (questionId: string, answer: unknown) => {
    if (answered(answer) && JSON.stringify(answer) !== JSON.stringify(saved[questionId]))
      save.mutate({ questionId, answer })
  }
  const count = attempt.questions.filter((q) => answered(answers[q.id])).length
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault()
        submit.mutate()
      }}
      aria-label="Quiz attempt"
    >
      <Stack>
        <Group justify="space-between">
          <Text size="sm" c="dimmed">
            Attempt {attempt.attemptNo} · {count} of {attempt.questions.length} answered
          </Text>
          {attempt.deadlineAt && (
            <QuizTimer
              deadlineAt={attempt.deadlineAt}
              serverTime={attempt.serverTime}
              onExpire={() => {
                if (!submit.isPending) submit.mutate()
              }}
            />
          )}
        </Group>
        {attempt.questions.map((q, i) => (
          <Card key={q.id} withBorder>
            <QuestionField
              q={q}
              n={i + 1}
              value={answers[q.id]}
              onChange={(v) => setAnswers((a) => ({ ...a, [q.id]: v }))}
              onCommit={(v) => commit(q.id, v)}
            />
          </Card>
        ))}
        <FormError error={save.error ?? submit.error} />
        <Group>
          <Button type="submit" loading={submit.isPending}>
            Submit answers
          </Button>
        </Group>
      </Stack>
    </form>
  )
}

function AttemptResult({ attempt, passPercent }: { attempt: Attempt; passPercent: number }) {
  const percent = attempt.maxScore ? Math.floor(((attempt.score ?? 0) * 100) / attempt.maxScore) : 0
  return (
    <Stack>
      <ToneAlert
        color={attempt.passed ? 'green' : 'red'}
        title={attempt.passed ? 'Passed' : 'Not passed'}
        role="status"
      >
        You scored {attempt.score ?? 0} of {attempt.maxScore ?? 0} ({percent} %); {passPercent} % passes.
        {attempt.status === 'expired' ? ' Time ran out: the answers saved in time were graded.' : ''}
      </ToneAlert>
      {attempt.feedback?.map((f, i) => {
        const q = attempt.questions.find((x) => x.id === f.questionId)
        return (
          <Card key={f.questionId} withBorder>
            <Stack gap={4}>
              <Group justify="space-between" wrap="nowrap" align="flex-start">
                <Text fw={600}>
                  {i + 1}. {q?.prompt}
                </Text>
                <ToneBadge color={f.correct ? 'green' : 'red'} variant="light">
                  {f.earned}/{f.points}
                </ToneBadge>
              </Group>
              {!f.answered && (
                <Text size="sm" c="dimmed">
                  Not answered
                </Text>
              )}
              {f.explanation && <Text size="sm">{f.explanation}</Text>}
            </Stack>
          </Card>
        )
      })}
    </Stack>
  )
}

/** A quiz lesson: rules and standing, an attempt with its timer, and the graded result. */
export function QuizLesson({ quizId, onGraded }: { quizId: string; onGraded?: (passed: boolean) => void }) {
  const queryClient = useQueryClient()
  const summary = useQuery({ queryKey: ['quiz', quizId], queryFn: () => learn.quiz(quizId) })
  const [attempt, setAttempt] = useState<Attempt | undefined>()
  const inProgress = summary.data?.inProgressAttemptId
  const resumed = useQuery({
    queryKey: ['attempt', inProgress],
    queryFn: () => learn.attempt(inProgress!),
    enabled: !!inProgress && !attempt,
  })
  const start = useMutation({ mutationFn: () => learn.startAttempt(quizId), onSuccess: setAttempt })

  if (summary.isPending) return <Loading label="Loading the quiz…" />
  if (summary.isError) return <ErrorState error={summary.error} retry={() => void summary.refetch()} />
  const s = summary.data
  const current = attempt ?? (resumed.data?.status === 'in_progress' ? resumed.data : undefined)
  const attemptsLeft = s.maxAttempts === null ? null : s.maxAttempts - s.attemptsUsed

  if (current && current.status === 'in_progress') {
    return (
      <Stack>
        <Title order={2} size="h3">
          {s.title}
        </Title>
        <AttemptForm
          attempt={current}
          onDone={(graded) => {
            setAttempt(graded)
            void queryClient.invalidateQueries({ queryKey: ['quiz', quizId] })
            onGraded?.(graded.passed === true)
          }}
        />
      </Stack>
    )
  }
  return (
    <Stack>
      <Title order={2} size="h3">
        {s.title}
      </Title>
      <Text size="sm">
        {s.questionCount} questions · {s.passPercent} % to pass
        {s.timeLimitSeconds ? ` · ${Math.round(s.timeLimitSeconds / 60)} min time limit` : ' · untimed'}
        {s.maxAttempts !== null ? ` · ${s.attemptsUsed} of ${s.maxAttempts} attempts used` : ''}
      </Text>
      {s.bestPercent !== null && (
        <Text size="sm">
          Best score {s.bestPercent} %{' '}
          {s.passed && (
            <ToneBadge color="green" variant="light">
              Passed
            </ToneBadge>
          )}
        </Text>
      )}
      {current && <AttemptResult attempt={current} passPercent={s.passPercent} />}
      {!s.unlocked ? (
        <ToneAlert color="gray" title="Locked">
          Complete the earlier lessons first.
        </ToneAlert>
      ) : attemptsLeft === 0 ? (
        <Text c="dimmed">No attempts left.</Text>
      ) : (
        <Group>
          <Button onClick={() => start.mutate()} loading={start.isPending}>
            {s.attemptsUsed > 0 ? 'Try again' : 'Start quiz'}
          </Button>
        </Group>
      )}
      <FormError error={start.error} />
    </Stack>
  )
}
