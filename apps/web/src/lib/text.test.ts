import { describe, expect, it } from 'vitest'
import { count, firstTitles } from './text.ts'

describe('count', () => {
  it('uses the singular for exactly one and the plural otherwise', () => {
    expect(count(1, 'lesson')).toBe('1 lesson')
    expect(count(0, 'lesson')).toBe('0 lessons')
    expect(count(6, 'learner')).toBe('6 learners')
  })

  it('takes an irregular plural', () => {
    expect(count(1, 'person', 'people')).toBe('1 person')
    expect(count(2, 'person', 'people')).toBe('2 people')
  })
})

describe('firstTitles', () => {
  it('joins the titles and says how many more there are', () => {
    expect(firstTitles(['Pottery', 'Glazing'])).toBe('Pottery, Glazing')
    expect(firstTitles(['Pottery', 'Glazing'], 2)).toBe('Pottery, Glazing')
    expect(firstTitles(['Pottery', 'Glazing'], 5)).toBe('Pottery, Glazing and 3 more')
  })
})
