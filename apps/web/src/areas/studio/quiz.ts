import type { Question, QuestionBody, Quiz, QuizSettings } from '../../api/studio.ts'

/**
 * The quiz editor's model: a quiz's rules and its questions as the form edits them, the checks the
 * server would make (so an instructor sees them next to the field, before saving), and the request
 * bodies. The editor handles choice and true/false questions; other types in the bank keep their key
 * and are shown read-only.
 */

export type EditableType = 'single_choice' | 'multiple_choice' | 'true_false'

export interface QuestionDraft {
  /** Stable key for React lists (the server id once saved). */
  key: string
  /** Server id; undefined for a question not saved yet. */
  id?: string
  type: EditableType | 'numeric' | 'short_text'
  prompt: string
  options: { id: string; text: string }[]
  /** Correct option ids (choice questions). */
  correct: string[]
  /** The key of a true/false question. */
  correctValue: boolean
  points: number
  explanation: string
  /** The original key of a type the editor does not edit (numeric, short text): sent back unchanged. */
  rawAnswer?: unknown
}

export interface QuizDraft {
  title: string
  passPercent: number
  /** Minutes; null = untimed. */
  timeLimitMinutes: number | null
  maxAttempts: number | null
  shuffleQuestions: boolean
  shuffleOptions: boolean
  questions: QuestionDraft[]
  /** A random-draw quiz: its questions come from the bank and are not edited here. */
  drawCount: number | null
}

let counter = 0
const newKey = () => `new-${++counter}`

/** The next free option id (`a`, `b`, …, then `o27`…). */
export function nextOptionId(options: { id: string }[]): string {
  const used = new Set(options.map((o) => o.id))
  for (let i = 0; i < 26; i++) {
    const id = String.fromCharCode(97 + i)
    if (!used.has(id)) return id
  }
  let n = options.length + 1
  while (used.has(`o${n}`)) n++
  return `o${n}`
}

/** A blank question of the given type. */
export function blankQuestion(type: EditableType = 'single_choice'): QuestionDraft {
  return {
    key: newKey(),
    type,
    prompt: '',
    options:
      type === 'true_false'
        ? []
        : [
            { id: 'a', text: '' },
            { id: 'b', text: '' },
          ],
    correct: [],
    correctValue: true,
    points: 1,
    explanation: '',
  }
}

/** Changes a question's type, keeping what still fits (prompt, options, one correct choice). */
export function changeType(q: QuestionDraft, type: EditableType): QuestionDraft {
  if (type === 'true_false') return { ...q, type, options: [], correct: [] }
  const options = q.options.length >= 2 ? q.options : blankQuestion().options
  const correct = type === 'single_choice' ? q.correct.slice(0, 1) : q.correct
  return { ...q, type, options, correct }
}

export function emptyQuiz(): QuizDraft {
  return {
    title: '',
    passPercent: 70,
    timeLimitMinutes: null,
    maxAttempts: null,
    shuffleQuestions: false,
    shuffleOptions: false,
    questions: [blankQuestion()],
    drawCount: null,
  }
}

/** A bank question → the form's draft. */
export function fromQuestion(q: Question): QuestionDraft {
  const answer = (q.answer ?? {}) as { optionIds?: string[]; value?: unknown }
  const base = {
    key: q.id,
    id: q.id,
    prompt: q.prompt,
    options: q.options,
    correct: [] as string[],
    correctValue: true,
    points: q.points,
    explanation: q.explanation,
  }
  if (q.type === 'single_choice' || q.type === 'multiple_choice')
    return { ...base, type: q.type, correct: answer.optionIds ?? [] }
  if (q.type === 'true_false') return { ...base, type: q.type, correctValue: answer.value === true }
  return { ...base, type: q.type, rawAnswer: q.answer }
}

/** A quiz from the server → the form's draft. */
export function fromQuiz(quiz: Quiz): QuizDraft {
  return {
    title: quiz.title,
    passPercent: quiz.passPercent,
    timeLimitMinutes:
      quiz.timeLimitSeconds === null ? null : Math.max(1, Math.round(quiz.timeLimitSeconds / 60)),
    maxAttempts: quiz.maxAttempts,
    shuffleQuestions: quiz.shuffleQuestions,
    shuffleOptions: quiz.shuffleOptions,
    questions: quiz.questions.map(fromQuestion),
    drawCount: quiz.drawCount,
  }
}

/** Field errors keyed by path (`title`, `questions.0.prompt`, `questions.1.correct`, …); empty when valid. */
export type QuizErrors = Record<string, string>

const isInt = (n: unknown, min: number, max: number) =>
  typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max

/** The server's rules for a quiz and its questions, checked in the browser. */
export function validateQuiz(draft: QuizDraft): QuizErrors {
  const errors: QuizErrors = {}
  if (!draft.title.trim()) errors.title = 'Give the quiz a title'
  else if (draft.title.length > 200) errors.title = 'At most 200 characters'
  if (!isInt(draft.passPercent, 0, 100)) errors.passPercent = 'A whole number from 0 to 100'
  if (draft.timeLimitMinutes !== null && !isInt(draft.timeLimitMinutes, 1, 1440))
    errors.timeLimitMinutes = 'From 1 to 1440 minutes, or empty for no limit'
  if (draft.maxAttempts !== null && !isInt(draft.maxAttempts, 1, 100))
    errors.maxAttempts = 'From 1 to 100, or empty for unlimited'
  if (draft.drawCount !== null) return errors
  if (draft.questions.length === 0) errors.questions = 'Add at least one question'
  if (draft.questions.length > 200) errors.questions = 'At most 200 questions'
  draft.questions.forEach((q, i) => {
    const p = `questions.${i}`
    if (!q.prompt.trim()) errors[`${p}.prompt`] = 'Write the question'
    else if (q.prompt.length > 5000) errors[`${p}.prompt`] = 'At most 5000 characters'
    if (!isInt(q.points, 1, 100)) errors[`${p}.points`] = 'Points: a whole number from 1 to 100'
    if (q.type !== 'single_choice' && q.type !== 'multiple_choice') return
    if (q.options.length < 2) errors[`${p}.options`] = 'At least two choices'
    else if (q.options.length > 20) errors[`${p}.options`] = 'At most 20 choices'
    q.options.forEach((o, j) => {
      if (!o.text.trim()) errors[`${p}.options.${j}`] = 'Write this choice or remove it'
    })
    const texts = q.options.map((o) => o.text.trim().toLowerCase()).filter(Boolean)
    if (new Set(texts).size !== texts.length) errors[`${p}.options`] = 'Two choices say the same thing'
    const correct = q.correct.filter((id) => q.options.some((o) => o.id === id))
    if (q.type === 'single_choice' && correct.length !== 1)
      errors[`${p}.correct`] = 'Mark the one correct choice'
    if (q.type === 'multiple_choice' && correct.length === 0)
      errors[`${p}.correct`] = 'Mark at least one correct choice'
  })
  return errors
}

/** The bank request body of a question draft. */
export function questionBody(q: QuestionDraft): QuestionBody {
  const common = { prompt: q.prompt.trim(), points: q.points, explanation: q.explanation }
  switch (q.type) {
    case 'single_choice':
    case 'multiple_choice':
      return {
        ...common,
        type: q.type,
        options: q.options.map((o) => ({ id: o.id, text: o.text.trim() })),
        answer: { optionIds: q.correct.filter((id) => q.options.some((o) => o.id === id)) },
      }
    case 'true_false':
      return { ...common, type: q.type, answer: { value: q.correctValue } }
    case 'numeric':
    case 'short_text':
      return { ...common, type: q.type, answer: q.rawAnswer }
  }
}

/** The quiz's settings body (questions attached separately, once they have ids). */
export function quizSettings(draft: QuizDraft): QuizSettings {
  return {
    title: draft.title.trim(),
    passPercent: draft.passPercent,
    timeLimitSeconds: draft.timeLimitMinutes === null ? null : draft.timeLimitMinutes * 60,
    maxAttempts: draft.maxAttempts,
    shuffleQuestions: draft.shuffleQuestions,
    shuffleOptions: draft.shuffleOptions,
  }
}

/** Whether a question changed since it was loaded (only changed questions are sent). */
export function questionChanged(q: QuestionDraft, original: QuestionDraft | undefined): boolean {
  if (!original) return true
  return JSON.stringify(questionBody(q)) !== JSON.stringify(questionBody(original))
}

export interface QuizWriter {
  createQuestion(body: QuestionBody): Promise<{ id: string }>
  updateQuestion(id: string, body: QuestionBody): Promise<unknown>
  createQuiz(body: QuizSettings): Promise<{ id: string }>
  updateQuiz(id: string, body: Partial<QuizSettings>): Promise<unknown>
}

/**
 * Saves a quiz: new questions are added to the course bank, changed ones updated, then the quiz is
 * created or updated with the questions in the editor's order. Removed questions stay in the bank
 * (another quiz may use them). Returns the quiz id.
 */
export async function saveQuiz(
  writer: QuizWriter,
  draft: QuizDraft,
  quizId: string | undefined,
  originals: QuestionDraft[],
  /** Told each new question's id as soon as it exists, so a retry after a failure does not add it twice. */
  onCreated: (key: string, id: string) => void = () => undefined,
): Promise<string> {
  const settings = quizSettings(draft)
  if (draft.drawCount !== null && quizId) {
    await writer.updateQuiz(quizId, settings)
    return quizId
  }
  const ids: string[] = []
  for (const q of draft.questions) {
    if (!q.id) {
      const { id } = await writer.createQuestion(questionBody(q))
      onCreated(q.key, id)
      ids.push(id)
    } else {
      if (
        questionChanged(
          q,
          originals.find((o) => o.id === q.id),
        )
      )
        await writer.updateQuestion(q.id, questionBody(q))
      ids.push(q.id)
    }
  }
  if (quizId) {
    await writer.updateQuiz(quizId, { ...settings, questionIds: ids })
    return quizId
  }
  return (await writer.createQuiz({ ...settings, questionIds: ids })).id
}
