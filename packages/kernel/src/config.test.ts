import { describe, expect, it } from 'vitest'
import Type from 'typebox'
import { ConfigError, describeConfig, loadConfig } from './config.ts'

const schema = Type.Object({
  PORT: Type.Integer({ default: 3000, minimum: 1, maximum: 65535, description: 'HTTP port' }),
  DEBUG: Type.Boolean({ default: false }),
  NAME: Type.String({ minLength: 1, description: 'Display name' }),
  MODE: Type.Union([Type.Literal('a'), Type.Literal('b')], { default: 'a' }),
})

describe('happy', () => {
  it('converts strings, fills defaults and freezes the result', () => {
    const c = loadConfig('svc', schema, { PORT: '8080', DEBUG: 'true', NAME: 'x', UNRELATED: 'y' })
    expect(c).toEqual({ PORT: 8080, DEBUG: true, NAME: 'x', MODE: 'a' })
    expect(Object.isFrozen(c)).toBe(true)
  })
  it('describes variables for the README table', () => {
    expect(describeConfig(schema)[0]).toEqual({ variable: 'PORT', default: '3000', description: 'HTTP port' })
  })
})

describe('errors', () => {
  it('names the variable holding a wrong value', () => {
    expect(() => loadConfig('svc', schema, { PORT: 'eighty', NAME: 'x' })).toThrow(/PORT/)
    try {
      loadConfig('svc', schema, { PORT: '70000', NAME: 'x' })
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError)
      expect((e as ConfigError).problems[0]!.variable).toBe('PORT')
      expect((e as Error).message).toContain('svc: invalid configuration')
    }
  })
  it('names a missing required variable', () => {
    expect(() => loadConfig('svc', schema, {})).toThrow(/NAME/)
  })
  it('rejects a value outside an enumeration', () => {
    expect(() => loadConfig('svc', schema, { NAME: 'x', MODE: 'c' })).toThrow(/MODE/)
  })
})
