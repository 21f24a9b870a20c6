import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestLearning, type TestLearning } from './test-helpers.ts'

describe('learning service chassis', () => {
  let t: TestLearning
  beforeAll(async () => {
    t = await createTestLearning()
  })
  afterAll(async () => t.close())

  it('answers /health and /ready on its migrated database', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200)
    expect((await t.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200)
  })

  it('test factories publish a course and enroll a learner', async () => {
    const owner = t.user(['instructor'])
    const { courseId, lessonIds } = await t.publishedCourse(owner)
    expect(lessonIds).toHaveLength(2)
    const learner = t.user()
    const enrollment = await t.enroll(learner, courseId)
    expect(enrollment.version).toBe(1)
  })
})
