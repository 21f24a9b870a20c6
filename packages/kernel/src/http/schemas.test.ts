import { describe, expect, it } from 'vitest'
import { Value } from 'typebox/value'
import { IdString, ProblemSchema, problems, traceparentOf } from './schemas.ts'

const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'

describe('traceparentOf', () => {
  it('returns a well-formed version-00 header', () => {
    expect(traceparentOf({ headers: { traceparent: VALID } })).toBe(VALID)
  })
  it('ignores an absent, malformed or repeated header', () => {
    expect(traceparentOf({ headers: {} })).toBeNull()
    expect(traceparentOf({ headers: { traceparent: VALID.toUpperCase() } })).toBeNull()
    expect(traceparentOf({ headers: { traceparent: `${VALID}-extra` } })).toBeNull()
    expect(
      traceparentOf({ headers: { traceparent: '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } }),
    ).toBeNull()
    expect(traceparentOf({ headers: { traceparent: [VALID, VALID] } })).toBeNull()
  })
})

describe('IdString', () => {
  const courseId = IdString('crs', 'Course id')
  it('accepts the prefix and 32 lowercase hex digits', () => {
    expect(Value.Check(courseId, `crs_${'0a'.repeat(16)}`)).toBe(true)
    expect(courseId).toMatchObject({ description: 'Course id' })
  })
  it('rejects another prefix, the wrong length, uppercase and surrounding text', () => {
    for (const id of [
      `enr_${'0a'.repeat(16)}`,
      `crs_${'0a'.repeat(15)}`,
      `crs_${'0A'.repeat(16)}`,
      `xcrs_${'0a'.repeat(16)}`,
      `crs_${'0a'.repeat(16)}0`,
      'crs_',
    ])
      expect(Value.Check(courseId, id), id).toBe(false)
  })
})

describe('problems', () => {
  it('maps each status to the problem schema', () => {
    const responses = problems(401, 404)
    expect(Object.keys(responses)).toEqual(['401', '404'])
    expect(responses[401]).toBe(ProblemSchema)
    expect(responses[404]).toBe(ProblemSchema)
  })
  it('describes a problem document and lets extra members through', () => {
    const doc = {
      type: 'https://learnmesh.dev/problems/not-found',
      title: 'Not Found',
      status: 404,
      detail: 'x',
      code: 'not_found',
    }
    expect(Value.Check(ProblemSchema, { ...doc, requestId: 'r1', errors: [] })).toBe(true)
    expect(Value.Check(ProblemSchema, { ...doc, code: undefined })).toBe(false)
  })
})
