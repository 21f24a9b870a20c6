import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestTutoring, type TestTutoring } from './test-helpers.ts'

describe('tutoring service chassis', () => {
  let t: TestTutoring
  beforeAll(async () => {
    t = await createTestTutoring()
  })
  afterAll(async () => t.close())

  it('answers /health and /ready on its migrated database', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200)
    expect((await t.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200)
  })

  it('a test tutor lands in the tables', async () => {
    const { tutorId } = await t.tutor()
    expect(tutorId).toMatch(/^tut_/)
  })
})
