import { describe, expect, it, vi } from 'vitest'
import type { QuestionBody, Quiz, QuizSettings } from '../../api/studio.ts'
import {
  blankQuestion,
  changeType,
  emptyQuiz,
  fromQuiz,
  nextOptionId,
  questionBody,
  saveQuiz,
  validateQuiz,
  type QuizDraft,
} from './quiz.ts'

const validQuiz = (): QuizDraft => ({
  ...emptyQuiz(),
  title: 'Checkpoint',
  questions: [
    {
      ...blankQuestion('single_choice'),
      prompt: 'Which keyword declares a constant?',
      options: [
        { id: 'a', text: 'let' },
        { id: 'b', text: 'const' },
      ],
      correct: ['b'],
    },
  ],
})

describe('validateQuiz', () => {
  it('accepts a complete quiz', () => {
    expect(validateQuiz(validQuiz())).toEqual({})
  })
  it('asks for a title, a pass mark in 0–100 and a sensible time limit', () => {
    const errors = validateQuiz({
      ...validQuiz(),
      title: '  ',
      passPercent: 101,
      timeLimitMinutes: 0,
      maxAttempts: 0,
    })
    expect(Object.keys(errors).sort()).toEqual(['maxAttempts', 'passPercent', 'timeLimitMinutes', 'title'])
  })
  it('needs at least one question', () => {
    expect(validateQuiz({ ...validQuiz(), questions: [] })).toEqual({
      questions: 'Add at least one question',
    })
  })
  it('needs exactly one correct choice for a single-choice question', () => {
    const q = validQuiz()
    q.questions[0]!.correct = []
    expect(validateQuiz(q)['questions.0.correct']).toMatch(/one correct/)
    q.questions[0]!.correct = ['a', 'b']
    expect(validateQuiz(q)['questions.0.correct']).toMatch(/one correct/)
  })
  it('needs at least one correct choice for a multiple-choice question', () => {
    const q = validQuiz()
    q.questions[0] = { ...changeType(q.questions[0]!, 'multiple_choice'), correct: [] }
    expect(validateQuiz(q)['questions.0.correct']).toMatch(/at least one/)
  })
  it('ignores correct marks on choices that were removed', () => {
    const q = validQuiz()
    q.questions[0]!.correct = ['zz']
    expect(validateQuiz(q)['questions.0.correct']).toBeDefined()
  })
  it('flags blank prompts, blank and duplicate choices, too few choices and bad points', () => {
    const q = validQuiz()
    q.questions[0] = {
      ...q.questions[0]!,
      prompt: '',
      points: 0,
      options: [
        { id: 'a', text: 'Same' },
        { id: 'b', text: ' same ' },
        { id: 'c', text: '' },
      ],
      correct: ['a'],
    }
    const errors = validateQuiz(q)
    expect(errors['questions.0.prompt']).toBeDefined()
    expect(errors['questions.0.points']).toBeDefined()
    expect(errors['questions.0.options.2']).toBeDefined()
    expect(errors['questions.0.options']).toMatch(/same/)
    q.questions[0] = { ...validQuiz().questions[0]!, options: [{ id: 'a', text: 'only' }], correct: ['a'] }
    expect(validateQuiz(q)['questions.0.options']).toMatch(/two/)
  })
  it('true/false questions need no choices', () => {
    const q = validQuiz()
    q.questions[0] = { ...changeType(q.questions[0]!, 'true_false'), correctValue: false }
    expect(validateQuiz(q)).toEqual({})
    expect(questionBody(q.questions[0])).toMatchObject({ type: 'true_false', answer: { value: false } })
  })
  it('does not check the questions of a random-draw quiz', () => {
    expect(validateQuiz({ ...validQuiz(), drawCount: 5, questions: [] })).toEqual({})
  })
})

describe('question bodies', () => {
  it('sends the key as option ids and drops marks of removed choices', () => {
    const q = { ...validQuiz().questions[0]!, correct: ['b', 'gone'] }
    expect(questionBody(q)).toEqual({
      type: 'single_choice',
      prompt: 'Which keyword declares a constant?',
      options: [
        { id: 'a', text: 'let' },
        { id: 'b', text: 'const' },
      ],
      answer: { optionIds: ['b'] },
      points: 1,
      explanation: '',
    })
  })
  it('picks option ids not in use', () => {
    expect(nextOptionId([{ id: 'a' }, { id: 'c' }])).toBe('b')
  })
  it('round-trips a quiz from the server, keeping keys of types the editor does not edit', () => {
    const quiz = {
      id: 'quz_1',
      courseId: 'crs_1',
      title: 'Q',
      questionIds: ['q1', 'q2'],
      drawCount: null,
      drawTags: [],
      shuffleQuestions: true,
      shuffleOptions: false,
      timeLimitSeconds: 600,
      maxAttempts: 3,
      passPercent: 80,
      questions: [
        {
          id: 'q1',
          courseId: 'crs_1',
          type: 'multiple_choice',
          prompt: 'P',
          options: [
            { id: 'x', text: 'X' },
            { id: 'y', text: 'Y' },
          ],
          answer: { optionIds: ['x', 'y'] },
          explanation: '',
          points: 2,
          tags: [],
          archivedAt: null,
        },
        {
          id: 'q2',
          courseId: 'crs_1',
          type: 'numeric',
          prompt: 'N',
          options: [],
          answer: { value: 4, tolerance: 0.5 },
          explanation: '',
          points: 1,
          tags: [],
          archivedAt: null,
        },
      ],
    } satisfies Quiz
    const draft = fromQuiz(quiz)
    expect(draft).toMatchObject({ timeLimitMinutes: 10, maxAttempts: 3, passPercent: 80 })
    expect(draft.questions[0]!.correct).toEqual(['x', 'y'])
    expect(questionBody(draft.questions[1]!).answer).toEqual({ value: 4, tolerance: 0.5 })
  })
})

describe('saveQuiz', () => {
  const writer = () => ({
    createQuestion: vi.fn(async (_body: QuestionBody) => ({ id: `qst_${Math.random()}` })),
    updateQuestion: vi.fn(async (_id: string, _body: QuestionBody) => ({})),
    createQuiz: vi.fn(async (_body: QuizSettings) => ({ id: 'quz_new' })),
    updateQuiz: vi.fn(async (_id: string, _body: Partial<QuizSettings>) => ({})),
  })
  it('adds new questions to the bank, then creates the quiz with them in order', async () => {
    const w = writer()
    const created: string[] = []
    const draft = validQuiz()
    draft.questions.push({ ...blankQuestion('true_false'), prompt: 'TS is typed' })
    const id = await saveQuiz(w, draft, undefined, [], (key) => created.push(key))
    expect(id).toBe('quz_new')
    expect(w.createQuestion).toHaveBeenCalledTimes(2)
    expect(created).toEqual(draft.questions.map((q) => q.key))
    const body = w.createQuiz.mock.calls[0]![0]
    expect(body.questionIds).toHaveLength(2)
    expect(body.timeLimitSeconds).toBeNull()
  })
  it('updates only changed questions of an existing quiz', async () => {
    const w = writer()
    const original = { ...validQuiz().questions[0]!, id: 'q1', key: 'q1' }
    const unchanged = { ...original, id: 'q2', key: 'q2' }
    const draft = {
      ...validQuiz(),
      timeLimitMinutes: 5,
      questions: [{ ...original, prompt: 'Changed?' }, unchanged],
    }
    await saveQuiz(w, draft, 'quz_1', [original, unchanged])
    expect(w.updateQuestion).toHaveBeenCalledTimes(1)
    expect(w.updateQuestion.mock.calls[0]![0]).toBe('q1')
    expect(w.createQuestion).not.toHaveBeenCalled()
    expect(w.updateQuiz).toHaveBeenCalledWith(
      'quz_1',
      expect.objectContaining({ questionIds: ['q1', 'q2'], timeLimitSeconds: 300 }),
    )
  })
})
