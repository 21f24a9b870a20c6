/**
 * The pure part of the quiz engine: question and answer shapes, validation, grading and the
 * deterministic per-attempt shuffle. No database, no HTTP: unit-tested on its own.
 */
import { createHash } from 'node:crypto'

/** The question types. */
export const QUESTION_TYPES = [
  'single_choice',
  'multiple_choice',
  'true_false',
  'numeric',
  'short_text',
] as const
/** A question type. */
export type QuestionType = (typeof QUESTION_TYPES)[number]

/** A choice of a choice question. */
export interface QuestionOption {
  id: string
  text: string
}

/** The answer key of a choice question (single_choice: exactly one id). */
export interface ChoiceKey {
  optionIds: string[]
}
/** The answer key of a true/false question. */
export interface TrueFalseKey {
  value: boolean
}
/** The answer key of a numeric question: correct when |answer − value| ≤ tolerance. */
export interface NumericKey {
  value: number
  tolerance: number
}
/** The answer key of a short-text question. */
export interface ShortTextKey {
  accepted: string[]
  /** When true, case and inner whitespace count (outer whitespace is still trimmed). */
  exact: boolean
}
/** Any answer key. */
export type AnswerKey = ChoiceKey | TrueFalseKey | NumericKey | ShortTextKey

/** A question as graded: what the bank stores and an attempt freezes. */
export interface GradableQuestion {
  type: QuestionType
  prompt: string
  options: QuestionOption[]
  answer: AnswerKey
  explanation: string
  points: number
}

/** A learner's answer: option id, option ids, boolean, number or text, by question type. */
export type LearnerAnswer = string | string[] | boolean | number

/** A problem with a question definition or an answer: field path and message. */
export interface ShapeError {
  path: string
  message: string
}

const OPTION_ID = /^[A-Za-z0-9_-]{1,40}$/
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
const onlyKeys = (v: Record<string, unknown>, allowed: string[]) =>
  Object.keys(v).filter((k) => !allowed.includes(k))

/** Limits of question definitions. */
export const QUESTION_LIMITS = {
  minOptions: 2,
  maxOptions: 20,
  minPoints: 1,
  maxPoints: 100,
  maxAccepted: 50,
  maxTextLength: 500,
} as const

/**
 * Checks a full question definition (after merging a partial update) and returns its answer key in
 * canonical form, or the list of problems. Rules: choice questions have 2–20 options with unique
 * ids and non-empty texts, key ids that exist (single_choice exactly one, multiple_choice at least
 * one, no duplicates); other types have no options; numeric value and tolerance are finite with
 * tolerance ≥ 0; short_text has 1–50 non-blank accepted answers; points are an integer 1–100.
 */
export function validateQuestion(input: {
  type: string
  options: unknown
  answer: unknown
  points: number
}): { ok: true; answer: AnswerKey } | { ok: false; errors: ShapeError[] } {
  const errors: ShapeError[] = []
  const err = (path: string, message: string) => errors.push({ path, message })
  const { type, answer, points } = input
  const options = Array.isArray(input.options) ? (input.options as unknown[]) : []
  if (!(QUESTION_TYPES as readonly string[]).includes(type))
    err('/type', `must be one of ${QUESTION_TYPES.join(', ')}`)
  if (!Number.isInteger(points) || points < QUESTION_LIMITS.minPoints || points > QUESTION_LIMITS.maxPoints)
    err('/points', 'must be an integer from 1 to 100')
  if (!isRecord(answer)) {
    err('/answer', 'must be an object')
    return { ok: false, errors }
  }
  const choice = type === 'single_choice' || type === 'multiple_choice'
  if (choice) {
    if (options.length < QUESTION_LIMITS.minOptions || options.length > QUESTION_LIMITS.maxOptions)
      err('/options', 'choice questions need 2 to 20 options')
    const ids = new Set<string>()
    options.forEach((o, i) => {
      if (!isRecord(o) || typeof o.id !== 'string' || typeof o.text !== 'string') {
        err(`/options/${i}`, 'must be { id, text }')
        return
      }
      if (!OPTION_ID.test(o.id)) err(`/options/${i}/id`, 'must be 1–40 letters, digits, _ or -')
      if (o.text.trim() === '') err(`/options/${i}/text`, 'must not be blank')
      if (ids.has(o.id)) err(`/options/${i}/id`, `duplicate option id ${o.id}`)
      ids.add(o.id)
    })
    const extra = onlyKeys(answer, ['optionIds'])
    if (extra.length) err('/answer', `unexpected field(s) ${extra.join(', ')}`)
    const keyIds = answer.optionIds
    if (!Array.isArray(keyIds) || !keyIds.every((x) => typeof x === 'string')) {
      err('/answer/optionIds', 'must be an array of option ids')
    } else {
      if (type === 'single_choice' && keyIds.length !== 1)
        err('/answer/optionIds', 'a single_choice question has exactly one correct option')
      if (type === 'multiple_choice' && keyIds.length < 1)
        err('/answer/optionIds', 'a multiple_choice question has at least one correct option')
      if (new Set(keyIds).size !== keyIds.length) err('/answer/optionIds', 'duplicate option ids')
      for (const id of keyIds) if (!ids.has(id)) err('/answer/optionIds', `unknown option id ${id}`)
    }
    if (errors.length) return { ok: false, errors }
    return { ok: true, answer: { optionIds: [...(keyIds as string[])] } }
  }
  if (options.length > 0) err('/options', `a ${type} question has no options`)
  if (type === 'true_false') {
    const extra = onlyKeys(answer, ['value'])
    if (extra.length) err('/answer', `unexpected field(s) ${extra.join(', ')}`)
    if (typeof answer.value !== 'boolean') err('/answer/value', 'must be true or false')
    if (errors.length) return { ok: false, errors }
    return { ok: true, answer: { value: answer.value as boolean } }
  }
  if (type === 'numeric') {
    const extra = onlyKeys(answer, ['value', 'tolerance'])
    if (extra.length) err('/answer', `unexpected field(s) ${extra.join(', ')}`)
    if (typeof answer.value !== 'number' || !Number.isFinite(answer.value))
      err('/answer/value', 'must be a finite number')
    const tolerance = answer.tolerance ?? 0
    if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0)
      err('/answer/tolerance', 'must be a number ≥ 0')
    if (errors.length) return { ok: false, errors }
    return { ok: true, answer: { value: answer.value as number, tolerance: tolerance as number } }
  }
  if (type === 'short_text') {
    const extra = onlyKeys(answer, ['accepted', 'exact'])
    if (extra.length) err('/answer', `unexpected field(s) ${extra.join(', ')}`)
    const accepted = answer.accepted
    if (
      !Array.isArray(accepted) ||
      accepted.length < 1 ||
      accepted.length > QUESTION_LIMITS.maxAccepted ||
      !accepted.every(
        (a) => typeof a === 'string' && a.trim() !== '' && a.length <= QUESTION_LIMITS.maxTextLength,
      )
    )
      err('/answer/accepted', 'must be 1–50 non-blank texts of at most 500 characters')
    if (answer.exact !== undefined && typeof answer.exact !== 'boolean')
      err('/answer/exact', 'must be a boolean')
    if (errors.length) return { ok: false, errors }
    return { ok: true, answer: { accepted: [...(accepted as string[])], exact: answer.exact === true } }
  }
  return { ok: false, errors }
}

/**
 * Checks that a learner's answer has the shape the question type wants: single_choice → one of the
 * question's option ids; multiple_choice → an array of distinct option ids (empty = no choice);
 * true_false → boolean; numeric → finite number; short_text → text of at most 500 characters.
 */
export function checkAnswerShape(
  question: Pick<GradableQuestion, 'type' | 'options'>,
  answer: unknown,
): ShapeError | null {
  const ids = new Set(question.options.map((o) => o.id))
  switch (question.type) {
    case 'single_choice':
      if (typeof answer !== 'string') return { path: '/answer', message: 'must be an option id (string)' }
      if (!ids.has(answer)) return { path: '/answer', message: `unknown option id ${answer}` }
      return null
    case 'multiple_choice': {
      if (!Array.isArray(answer) || !answer.every((a) => typeof a === 'string'))
        return { path: '/answer', message: 'must be an array of option ids' }
      if (new Set(answer).size !== answer.length) return { path: '/answer', message: 'duplicate option ids' }
      const unknown = answer.find((a) => !ids.has(a))
      if (unknown !== undefined) return { path: '/answer', message: `unknown option id ${unknown}` }
      return null
    }
    case 'true_false':
      return typeof answer === 'boolean' ? null : { path: '/answer', message: 'must be true or false' }
    case 'numeric':
      return typeof answer === 'number' && Number.isFinite(answer)
        ? null
        : { path: '/answer', message: 'must be a finite number' }
    case 'short_text':
      return typeof answer === 'string' && answer.length <= QUESTION_LIMITS.maxTextLength
        ? null
        : { path: '/answer', message: 'must be a text of at most 500 characters' }
    default: {
      const never: never = question.type
      return { path: '/answer', message: `unknown question type ${String(never)}` }
    }
  }
}

/**
 * Short-text normalization for non-exact matching: Unicode NFKC, trimmed, inner whitespace runs
 * collapsed to one space, lower-cased (locale-independent). `exact` keeps case and inner spacing
 * (NFC and trimming only).
 */
export function normalizeText(text: string, exact: boolean): string {
  if (exact) return text.normalize('NFC').trim()
  return text.normalize('NFKC').trim().replace(/\s+/gu, ' ').toLowerCase()
}

/** Whether `answer` is within tolerance of the key (with a relative epsilon against float noise). */
export function numericMatches(key: NumericKey, answer: number): boolean {
  const epsilon = 1e-9 * Math.max(1, Math.abs(key.value))
  return Math.abs(answer - key.value) <= key.tolerance + epsilon
}

/** The grading of one question. */
export interface QuestionGrade {
  /** Points earned (integer, 0..points). */
  earned: number
  /** True when every point was earned. */
  correct: boolean
  answered: boolean
}

/**
 * Grades one answer. Unanswered earns 0. Multiple choice gives partial credit:
 * earned = floor(points × max(0, (right picks − wrong picks) / number of correct options)), so
 * ticking every box earns nothing more than its right picks minus its wrong ones; with 1-point
 * questions only a fully right selection scores.
 */
export function gradeAnswer(question: GradableQuestion, answer: LearnerAnswer | undefined): QuestionGrade {
  if (answer === undefined || checkAnswerShape(question, answer) !== null) {
    return { earned: 0, correct: false, answered: answer !== undefined }
  }
  const full = (ok: boolean): QuestionGrade => ({
    earned: ok ? question.points : 0,
    correct: ok,
    answered: true,
  })
  switch (question.type) {
    case 'single_choice':
      return full((question.answer as ChoiceKey).optionIds[0] === answer)
    case 'multiple_choice': {
      const key = new Set((question.answer as ChoiceKey).optionIds)
      const picks = answer as string[]
      const right = picks.filter((p) => key.has(p)).length
      const wrong = picks.length - right
      const fraction = Math.max(0, (right - wrong) / key.size)
      const earned = Math.floor(question.points * fraction + 1e-9)
      return { earned, correct: earned === question.points, answered: true }
    }
    case 'true_false':
      return full((question.answer as TrueFalseKey).value === answer)
    case 'numeric':
      return full(numericMatches(question.answer as NumericKey, answer as number))
    case 'short_text': {
      const key = question.answer as ShortTextKey
      const given = normalizeText(answer as string, key.exact)
      return full(given !== '' && key.accepted.some((a) => normalizeText(a, key.exact) === given))
    }
    default: {
      const never: never = question.type
      throw new Error(`unknown question type ${String(never)}`)
    }
  }
}

/** What the learner may see of a key after submission (the key itself: it is revealed then). */
export function revealKey(question: GradableQuestion): AnswerKey {
  return question.answer
}

/** The result of grading a whole attempt. */
export interface AttemptGrade {
  score: number
  maxScore: number
  passed: boolean
  items: (QuestionGrade & { questionId: string; points: number })[]
}

/**
 * Grades an attempt's frozen questions against its saved answers. `passed` is
 * score ≥ passPercent% of maxScore (computed in integers: score × 100 ≥ passPercent × maxScore).
 */
export function gradeAttempt(
  questions: { questionId: string; question: GradableQuestion }[],
  answers: Map<string, LearnerAnswer>,
  passPercent: number,
): AttemptGrade {
  const items = questions.map((q) => ({
    questionId: q.questionId,
    points: q.question.points,
    ...gradeAnswer(q.question, answers.get(q.questionId)),
  }))
  const score = items.reduce((s, i) => s + i.earned, 0)
  const maxScore = items.reduce((s, i) => s + i.points, 0)
  return { score, maxScore, passed: score * 100 >= passPercent * maxScore, items }
}

/**
 * A deterministic pseudo-random generator seeded by a string (SHA-256 → xoshiro128**): the same
 * attempt id always yields the same draw and order; different attempts differ.
 */
export function seededRandom(seed: string): () => number {
  const h = createHash('sha256').update(seed).digest()
  let a = h.readUInt32LE(0)
  let b = h.readUInt32LE(4)
  let c = h.readUInt32LE(8)
  let d = h.readUInt32LE(12)
  if ((a | b | c | d) === 0) a = 1
  return () => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0
    const t = b << 9
    c ^= a
    d ^= b
    b ^= c
    a ^= d
    c ^= t
    d = rotl(d, 11)
    return result / 4294967296
  }
}
const rotl = (x: number, k: number) => (x << k) | (x >>> (32 - k))

/** A Fisher–Yates shuffle of a copy of `items` driven by `random`. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

/**
 * Picks an attempt's questions by id: draws `drawCount` of the candidates (kept in bank order unless
 * shuffled) or takes them all in order (shuffled when asked). Seeded by the attempt id.
 */
export function drawQuestionIds(
  attemptId: string,
  candidateIds: readonly string[],
  rules: { drawCount: number | null; shuffleQuestions: boolean },
): string[] {
  const random = seededRandom(`quiz-draw:${attemptId}`)
  if (rules.drawCount === null)
    return rules.shuffleQuestions ? shuffled(candidateIds, random) : [...candidateIds]
  const picked = shuffled(candidateIds, random).slice(0, rules.drawCount)
  if (rules.shuffleQuestions) return picked
  const rank = new Map(candidateIds.map((id, i) => [id, i]))
  return picked.sort((x, y) => rank.get(x)! - rank.get(y)!)
}

/** A question's option order in an attempt (shuffled when asked), seeded by attempt and question. */
export function optionOrderFor(
  attemptId: string,
  questionId: string,
  optionIds: readonly string[],
  shuffle: boolean,
): string[] {
  return shuffle
    ? shuffled(optionIds, seededRandom(`quiz-options:${attemptId}:${questionId}`))
    : [...optionIds]
}

/** Both steps at once over in-memory candidates: the attempt's questions with their option order. */
export function freezeDraw<Q extends { id: string; options: QuestionOption[] }>(
  attemptId: string,
  candidates: Q[],
  rules: { drawCount: number | null; shuffleQuestions: boolean; shuffleOptions: boolean },
): { question: Q; optionOrder: string[] }[] {
  const byId = new Map(candidates.map((c) => [c.id, c]))
  return drawQuestionIds(
    attemptId,
    candidates.map((c) => c.id),
    rules,
  ).map((id) => {
    const question = byId.get(id)!
    const order = optionOrderFor(
      attemptId,
      id,
      question.options.map((o) => o.id),
      rules.shuffleOptions,
    )
    return { question, optionOrder: order }
  })
}
