import { describe, expect, it } from 'vitest'
import {
  checkAnswerShape,
  freezeDraw,
  gradeAnswer,
  gradeAttempt,
  normalizeText,
  validateQuestion,
  type GradableQuestion,
} from './quizzes.grading.ts'

const opts = (...ids: string[]) => ids.map((id) => ({ id, text: `Option ${id}` }))
const q = (over: Partial<GradableQuestion>): GradableQuestion => ({
  type: 'single_choice',
  prompt: 'P',
  options: opts('a', 'b', 'c'),
  answer: { optionIds: ['a'] },
  explanation: '',
  points: 1,
  ...over,
})

describe('happy', () => {
  it('validates each type and returns the canonical key', () => {
    expect(
      validateQuestion({
        type: 'single_choice',
        options: opts('a', 'b'),
        answer: { optionIds: ['b'] },
        points: 1,
      }),
    ).toEqual({
      ok: true,
      answer: { optionIds: ['b'] },
    })
    expect(validateQuestion({ type: 'numeric', options: [], answer: { value: 3.5 }, points: 2 })).toEqual({
      ok: true,
      answer: { value: 3.5, tolerance: 0 },
    })
    expect(
      validateQuestion({ type: 'short_text', options: [], answer: { accepted: ['Paris'] }, points: 1 }),
    ).toEqual({
      ok: true,
      answer: { accepted: ['Paris'], exact: false },
    })
    expect(
      validateQuestion({ type: 'true_false', options: [], answer: { value: false }, points: 100 }).ok,
    ).toBe(true)
  })

  it('grades single choice, true/false and unanswered questions', () => {
    expect(gradeAnswer(q({ points: 3 }), 'a')).toEqual({ earned: 3, correct: true, answered: true })
    expect(gradeAnswer(q({ points: 3 }), 'b')).toEqual({ earned: 0, correct: false, answered: true })
    expect(gradeAnswer(q({}), undefined)).toEqual({ earned: 0, correct: false, answered: false })
    const tf = q({ type: 'true_false', options: [], answer: { value: false } })
    expect(gradeAnswer(tf, false).correct).toBe(true)
    expect(gradeAnswer(tf, true).correct).toBe(false)
  })

  it('gives multiple-choice partial credit: floor(points × (right − wrong) / correct options), never below 0', () => {
    const mc = q({
      type: 'multiple_choice',
      options: opts('a', 'b', 'c', 'd', 'e', 'f'),
      answer: { optionIds: ['a', 'b', 'c', 'd'] },
      points: 4,
    })
    expect(gradeAnswer(mc, ['a', 'b', 'c', 'd']).earned).toBe(4)
    expect(gradeAnswer(mc, ['d', 'c', 'b', 'a']).correct).toBe(true)
    expect(gradeAnswer(mc, ['a', 'b', 'c']).earned).toBe(3)
    expect(gradeAnswer(mc, ['a', 'b', 'e']).earned).toBe(1)
    expect(gradeAnswer(mc, ['a', 'b', 'c', 'd', 'e', 'f']).earned).toBe(2) // ticking everything
    expect(gradeAnswer(mc, ['e', 'f']).earned).toBe(0)
    expect(gradeAnswer(mc, []).earned).toBe(0)
    const one = q({ type: 'multiple_choice', answer: { optionIds: ['a', 'b'] }, points: 1 })
    expect(gradeAnswer(one, ['a']).earned).toBe(0) // 1-point questions: all or nothing
    const three = q({ type: 'multiple_choice', answer: { optionIds: ['a', 'b', 'c'] }, points: 3 })
    expect(gradeAnswer(three, ['a', 'b']).earned).toBe(2) // 3 × 2/3 is exactly 2, not 1.999…
  })

  it('grades numeric answers within tolerance, edges included', () => {
    const n = q({ type: 'numeric', options: [], answer: { value: 10, tolerance: 0.5 } })
    expect(gradeAnswer(n, 10).correct).toBe(true)
    expect(gradeAnswer(n, 10.5).correct).toBe(true)
    expect(gradeAnswer(n, 9.5).correct).toBe(true)
    expect(gradeAnswer(n, 10.5001).correct).toBe(false)
    expect(gradeAnswer(n, 9.4999).correct).toBe(false)
    const exact = q({ type: 'numeric', options: [], answer: { value: 0.3, tolerance: 0 } })
    expect(gradeAnswer(exact, 0.1 + 0.2).correct).toBe(true) // float noise is not a wrong answer
    expect(gradeAnswer(exact, 0.31).correct).toBe(false)
    const neg = q({ type: 'numeric', options: [], answer: { value: -2, tolerance: 0.1 } })
    expect(gradeAnswer(neg, -2.1).correct).toBe(true)
    expect(gradeAnswer(neg, 2).correct).toBe(false)
  })

  it('normalizes short text unless exact', () => {
    const t = q({ type: 'short_text', options: [], answer: { accepted: ['New  York', 'NYC'], exact: false } })
    expect(gradeAnswer(t, '  new york ').correct).toBe(true)
    expect(gradeAnswer(t, 'NEW\tYORK').correct).toBe(true)
    expect(gradeAnswer(t, 'nyc').correct).toBe(true)
    expect(gradeAnswer(t, 'New Yorkk').correct).toBe(false)
    expect(gradeAnswer(t, '   ').correct).toBe(false)
    const exact = q({ type: 'short_text', options: [], answer: { accepted: ['H2O'], exact: true } })
    expect(gradeAnswer(exact, ' H2O ').correct).toBe(true)
    expect(gradeAnswer(exact, 'h2o').correct).toBe(false)
    expect(normalizeText('Ｆｕｌｌ width', false)).toBe('full width')
  })

  it('totals an attempt and passes at exactly passPercent', () => {
    const items = [
      { questionId: 'q1', question: q({ points: 1 }) },
      { questionId: 'q2', question: q({ points: 1, answer: { optionIds: ['b'] } }) },
    ]
    const half = gradeAttempt(items, new Map([['q1', 'a']]), 50)
    expect(half).toMatchObject({ score: 1, maxScore: 2, passed: true })
    expect(gradeAttempt(items, new Map([['q1', 'a']]), 51).passed).toBe(false)
  })

  it('freezes the same draw and option order for the same attempt id, and different ones otherwise', () => {
    const bank = Array.from({ length: 30 }, (_, i) => ({
      id: `q${String(i).padStart(2, '0')}`,
      options: opts('a', 'b', 'c', 'd', 'e'),
    }))
    const rules = { drawCount: 10, shuffleQuestions: true, shuffleOptions: true }
    const a1 = freezeDraw('qat_1', bank, rules).map((x) => [x.question.id, x.optionOrder.join('')])
    const a2 = freezeDraw('qat_1', bank, rules).map((x) => [x.question.id, x.optionOrder.join('')])
    const b = freezeDraw('qat_2', bank, rules).map((x) => [x.question.id, x.optionOrder.join('')])
    expect(a1).toEqual(a2)
    expect(a1).toHaveLength(10)
    expect(new Set(a1.map((x) => x[0])).size).toBe(10)
    expect(b).not.toEqual(a1)
    // Without shuffling, a fixed list keeps its order and options theirs.
    const fixed = freezeDraw('qat_3', bank.slice(0, 3), {
      drawCount: null,
      shuffleQuestions: false,
      shuffleOptions: false,
    })
    expect(fixed.map((x) => x.question.id)).toEqual(['q00', 'q01', 'q02'])
    expect(fixed[0]!.optionOrder).toEqual(['a', 'b', 'c', 'd', 'e'])
    // A draw without shuffleQuestions keeps the bank's order.
    const drawn = freezeDraw('qat_4', bank, {
      drawCount: 5,
      shuffleQuestions: false,
      shuffleOptions: false,
    }).map((x) => x.question.id)
    expect(drawn).toEqual([...drawn].sort())
  })
})

describe('errors', () => {
  const bad = (def: { type: string; options?: unknown; answer: unknown; points?: number }) => {
    const r = validateQuestion({ options: [], points: 1, ...def })
    return r.ok ? [] : r.errors.map((e) => e.path)
  }

  it('rejects malformed choice questions', () => {
    expect(bad({ type: 'single_choice', options: opts('a'), answer: { optionIds: ['a'] } })).toContain(
      '/options',
    )
    expect(
      bad({
        type: 'single_choice',
        options: opts(...Array.from({ length: 21 }, (_, i) => `o${i}`)),
        answer: { optionIds: ['o1'] },
      }),
    ).toContain('/options')
    expect(
      bad({
        type: 'single_choice',
        options: [...opts('a', 'b'), { id: 'a', text: 'dup' }],
        answer: { optionIds: ['a'] },
      }),
    ).toContain('/options/2/id')
    expect(
      bad({ type: 'single_choice', options: opts('a', 'b'), answer: { optionIds: ['a', 'b'] } }),
    ).toContain('/answer/optionIds')
    expect(bad({ type: 'single_choice', options: opts('a', 'b'), answer: { optionIds: ['z'] } })).toContain(
      '/answer/optionIds',
    )
    expect(bad({ type: 'multiple_choice', options: opts('a', 'b'), answer: { optionIds: [] } })).toContain(
      '/answer/optionIds',
    )
    expect(
      bad({ type: 'multiple_choice', options: opts('a', 'b'), answer: { optionIds: ['a', 'a'] } }),
    ).toContain('/answer/optionIds')
    expect(
      bad({
        type: 'single_choice',
        options: [
          { id: 'a b', text: 'x' },
          { id: 'c', text: ' ' },
        ],
        answer: { optionIds: ['c'] },
      }),
    ).toEqual(expect.arrayContaining(['/options/0/id', '/options/1/text']))
    expect(
      bad({ type: 'single_choice', options: opts('a', 'b'), answer: { optionIds: ['a'], extra: 1 } }),
    ).toContain('/answer')
  })

  it('rejects malformed keys of the other types and bad points', () => {
    expect(bad({ type: 'numeric', answer: { value: 1, tolerance: -0.1 } })).toContain('/answer/tolerance')
    expect(bad({ type: 'numeric', answer: { value: '1' } })).toContain('/answer/value')
    expect(bad({ type: 'numeric', options: opts('a', 'b'), answer: { value: 1 } })).toContain('/options')
    expect(bad({ type: 'true_false', answer: { value: 1 } })).toContain('/answer/value')
    expect(bad({ type: 'short_text', answer: { accepted: [] } })).toContain('/answer/accepted')
    expect(bad({ type: 'short_text', answer: { accepted: ['  '] } })).toContain('/answer/accepted')
    expect(bad({ type: 'short_text', answer: 'Paris' })).toContain('/answer')
    expect(bad({ type: 'essay', answer: {} })).toContain('/type')
    expect(bad({ type: 'true_false', answer: { value: true }, points: 0 })).toContain('/points')
    expect(bad({ type: 'true_false', answer: { value: true }, points: 101 })).toContain('/points')
  })

  it('rejects answers of the wrong shape and grades them as wrong', () => {
    const sc = q({})
    expect(checkAnswerShape(sc, ['a'])).not.toBeNull()
    expect(checkAnswerShape(sc, 'zz')).not.toBeNull()
    const mc = q({ type: 'multiple_choice', answer: { optionIds: ['a'] } })
    expect(checkAnswerShape(mc, 'a')).not.toBeNull()
    expect(checkAnswerShape(mc, ['a', 'a'])).not.toBeNull()
    expect(checkAnswerShape(q({ type: 'numeric', options: [] }), '5')).not.toBeNull()
    expect(checkAnswerShape(q({ type: 'true_false', options: [] }), 'true')).not.toBeNull()
    expect(checkAnswerShape(q({ type: 'short_text', options: [] }), 'x'.repeat(501))).not.toBeNull()
    expect(gradeAnswer(sc, ['a'] as never)).toEqual({ earned: 0, correct: false, answered: true })
  })
})

describe('security', () => {
  it('cannot be gamed by answers outside the question: unknown option ids never earn points', () => {
    const mc = q({ type: 'multiple_choice', answer: { optionIds: ['a'] }, points: 2 })
    expect(gradeAnswer(mc, ['a', 'zz']).earned).toBe(0)
  })
})
