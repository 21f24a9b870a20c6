import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestCommerce, type TestCommerce } from './test-helpers.ts'

describe('commerce service chassis', () => {
  let t: TestCommerce
  beforeAll(async () => {
    t = await createTestCommerce()
  })
  afterAll(async () => t.close())

  it('answers /health and /ready on its migrated database', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200)
    expect((await t.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200)
  })
})
