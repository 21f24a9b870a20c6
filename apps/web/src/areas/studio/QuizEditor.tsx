import {
  ActionIcon,
  Alert,
  Button,
  Card,
  Checkbox,
  Group,
  NumberInput,
  Radio,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core'
import { useState } from 'react'
import { FormError } from '../../components/FormError.tsx'
import {
  blankQuestion,
  changeType,
  nextOptionId,
  validateQuiz,
  type EditableType,
  type QuestionDraft,
  type QuizDraft,
  type QuizErrors,
} from './quiz.ts'

const TYPES = [
  { value: 'single_choice', label: 'One correct choice' },
  { value: 'multiple_choice', label: 'Several correct choices' },
  { value: 'true_false', label: 'True or false' },
]

const num = (v: number | string): number | null => (v === '' || v === null ? null : Number(v))

function QuestionCard({
  q,
  index,
  count,
  errors,
  onChange,
  onRemove,
  onShift,
}: {
  q: QuestionDraft
  index: number
  count: number
  errors: QuizErrors
  onChange: (q: QuestionDraft) => void
  onRemove: () => void
  onShift: (delta: -1 | 1) => void
}) {
  const p = `questions.${index}`
  const n = index + 1
  const editable = q.type === 'single_choice' || q.type === 'multiple_choice' || q.type === 'true_false'
  return (
    <Card withBorder padding="sm" component="fieldset" aria-label={`Question ${n}`} style={{ margin: 0 }}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Text fw={600} component="legend" style={{ float: 'left', padding: 0 }}>
            Question {n}
          </Text>
          <Group gap={4}>
            <Button
              size="compact-xs"
              variant="subtle"
              disabled={index === 0}
              onClick={() => onShift(-1)}
              aria-label={`Move question ${n} up`}
            >
              ↑
            </Button>
            <Button
              size="compact-xs"
              variant="subtle"
              disabled={index === count - 1}
              onClick={() => onShift(1)}
              aria-label={`Move question ${n} down`}
            >
              ↓
            </Button>
            <Button
              size="compact-xs"
              variant="subtle"
              color="red"
              onClick={onRemove}
              aria-label={`Remove question ${n}`}
            >
              Remove
            </Button>
          </Group>
        </Group>
        {editable ? (
          <Select
            label="Answer type"
            data={TYPES}
            allowDeselect={false}
            value={q.type}
            onChange={(t) => t && onChange(changeType(q, t as EditableType))}
          />
        ) : (
          <Alert color="gray">
            A {q.type.replace('_', ' ')} question from the bank: its prompt and points can change here, its
            answer key stays as it is.
          </Alert>
        )}
        <Textarea
          label="Question text"
          autosize
          minRows={2}
          required
          value={q.prompt}
          error={errors[`${p}.prompt`]}
          onChange={(e) => onChange({ ...q, prompt: e.currentTarget.value })}
        />
        {(q.type === 'single_choice' || q.type === 'multiple_choice') && (
          <Stack gap={6} role="group" aria-label={`Choices of question ${n}`}>
            <Text size="sm" fw={500}>
              Choices — mark the correct {q.type === 'single_choice' ? 'one' : 'ones'}
            </Text>
            {q.options.map((o, j) => {
              const isCorrect = q.correct.includes(o.id)
              const toggle = () =>
                onChange({
                  ...q,
                  correct:
                    q.type === 'single_choice'
                      ? [o.id]
                      : isCorrect
                        ? q.correct.filter((id) => id !== o.id)
                        : [...q.correct, o.id],
                })
              return (
                <Group key={o.id} gap="xs" wrap="nowrap" align="flex-start">
                  {q.type === 'single_choice' ? (
                    <Radio
                      mt={8}
                      checked={isCorrect}
                      onChange={toggle}
                      name={`correct-${q.key}`}
                      aria-label={`Choice ${j + 1} is correct`}
                    />
                  ) : (
                    <Checkbox
                      mt={8}
                      checked={isCorrect}
                      onChange={toggle}
                      aria-label={`Choice ${j + 1} is correct`}
                    />
                  )}
                  <TextInput
                    style={{ flex: 1 }}
                    aria-label={`Choice ${j + 1}`}
                    placeholder={`Choice ${j + 1}`}
                    value={o.text}
                    error={errors[`${p}.options.${j}`]}
                    onChange={(e) =>
                      onChange({
                        ...q,
                        options: q.options.map((x) =>
                          x.id === o.id ? { ...x, text: e.currentTarget.value } : x,
                        ),
                      })
                    }
                  />
                  <ActionIcon
                    mt={4}
                    variant="subtle"
                    color="gray"
                    disabled={q.options.length <= 2}
                    aria-label={`Remove choice ${j + 1}`}
                    onClick={() =>
                      onChange({
                        ...q,
                        options: q.options.filter((x) => x.id !== o.id),
                        correct: q.correct.filter((id) => id !== o.id),
                      })
                    }
                  >
                    <span aria-hidden>×</span>
                  </ActionIcon>
                </Group>
              )
            })}
            {(errors[`${p}.options`] ?? errors[`${p}.correct`]) && (
              <Text size="sm" c="red" role="alert">
                {errors[`${p}.options`] ?? errors[`${p}.correct`]}
              </Text>
            )}
            <Button
              size="compact-sm"
              variant="subtle"
              w="fit-content"
              disabled={q.options.length >= 20}
              onClick={() =>
                onChange({ ...q, options: [...q.options, { id: nextOptionId(q.options), text: '' }] })
              }
            >
              + Add choice
            </Button>
          </Stack>
        )}
        {q.type === 'true_false' && (
          <Radio.Group
            label="Correct answer"
            value={q.correctValue ? 'true' : 'false'}
            onChange={(v) => onChange({ ...q, correctValue: v === 'true' })}
          >
            <Group mt={4}>
              <Radio value="true" label="True" />
              <Radio value="false" label="False" />
            </Group>
          </Radio.Group>
        )}
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <NumberInput
            label="Points"
            min={1}
            max={100}
            allowDecimal={false}
            value={q.points}
            error={errors[`${p}.points`]}
            onChange={(v) => onChange({ ...q, points: Number(v) })}
          />
        </SimpleGrid>
        <Textarea
          label="Explanation (shown after grading)"
          autosize
          minRows={1}
          value={q.explanation}
          onChange={(e) => onChange({ ...q, explanation: e.currentTarget.value })}
        />
      </Stack>
    </Card>
  )
}

/**
 * The quiz form: rules (title, pass mark, time limit, attempts, shuffling) and questions with their
 * choices and correct answers. Checks everything the server would before saving and shows each
 * problem next to its field; the server's own refusal appears above the form.
 */
export function QuizEditor({
  initial,
  onSave,
  saving,
  error,
  submitLabel = 'Save quiz',
}: {
  initial: QuizDraft
  onSave: (draft: QuizDraft, update: (fn: (d: QuizDraft) => QuizDraft) => void) => void
  saving?: boolean
  error?: unknown
  submitLabel?: string
}) {
  const [draft, setDraft] = useState(initial)
  // Errors show once a save was tried, then follow every change.
  const [tried, setTried] = useState(false)
  const errors: QuizErrors = tried ? validateQuiz(draft) : {}
  const update = (fn: (d: QuizDraft) => QuizDraft) => setDraft(fn)
  const setQuestion = (i: number, q: QuestionDraft) =>
    update((d) => ({ ...d, questions: d.questions.map((x, j) => (j === i ? q : x)) }))
  const shift = (i: number, delta: -1 | 1) =>
    update((d) => {
      const qs = d.questions.slice()
      const [q] = qs.splice(i, 1)
      qs.splice(i + delta, 0, q!)
      return { ...d, questions: qs }
    })
  const count = Object.keys(errors).length
  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault()
        setTried(true)
        if (Object.keys(validateQuiz(draft)).length === 0) onSave(draft, update)
      }}
    >
      <Stack>
        <FormError error={error} />
        {count > 0 && (
          <Alert color="red" title="Check the quiz" role="alert">
            {count === 1 ? 'One field needs attention.' : `${count} fields need attention.`}{' '}
            {errors.questions ?? ''}
          </Alert>
        )}
        <TextInput
          label="Quiz title"
          required
          value={draft.title}
          error={errors.title}
          onChange={(e) => {
            const title = e.currentTarget.value
            update((d) => ({ ...d, title }))
          }}
        />
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <NumberInput
            label="Pass mark (%)"
            min={0}
            max={100}
            allowDecimal={false}
            value={draft.passPercent}
            error={errors.passPercent}
            onChange={(v) => update((d) => ({ ...d, passPercent: Number(v) }))}
          />
          <NumberInput
            label="Time limit (minutes)"
            description="Empty: no limit"
            min={1}
            max={1440}
            allowDecimal={false}
            value={draft.timeLimitMinutes ?? ''}
            error={errors.timeLimitMinutes}
            onChange={(v) => update((d) => ({ ...d, timeLimitMinutes: num(v) }))}
          />
          <NumberInput
            label="Attempts allowed"
            description="Empty: unlimited"
            min={1}
            max={100}
            allowDecimal={false}
            value={draft.maxAttempts ?? ''}
            error={errors.maxAttempts}
            onChange={(v) => update((d) => ({ ...d, maxAttempts: num(v) }))}
          />
        </SimpleGrid>
        <Group>
          <Switch
            label="Shuffle questions"
            checked={draft.shuffleQuestions}
            onChange={(e) => {
              const on = e.currentTarget.checked
              update((d) => ({ ...d, shuffleQuestions: on }))
            }}
          />
          <Switch
            label="Shuffle choices"
            checked={draft.shuffleOptions}
            onChange={(e) => {
              const on = e.currentTarget.checked
              update((d) => ({ ...d, shuffleOptions: on }))
            }}
          />
        </Group>
        {draft.drawCount !== null ? (
          <Alert color="blue">
            This quiz draws {draft.drawCount} random questions from the course&apos;s question bank; its
            questions are not edited here.
          </Alert>
        ) : (
          <>
            {draft.questions.map((q, i) => (
              <QuestionCard
                key={q.key}
                q={q}
                index={i}
                count={draft.questions.length}
                errors={errors}
                onChange={(next) => setQuestion(i, next)}
                onRemove={() => update((d) => ({ ...d, questions: d.questions.filter((_, j) => j !== i) }))}
                onShift={(delta) => shift(i, delta)}
              />
            ))}
            <Button
              variant="default"
              w="fit-content"
              onClick={() => update((d) => ({ ...d, questions: [...d.questions, blankQuestion()] }))}
            >
              + Add question
            </Button>
          </>
        )}
        <Group>
          <Button type="submit" loading={saving}>
            {submitLabel}
          </Button>
        </Group>
      </Stack>
    </form>
  )
}
