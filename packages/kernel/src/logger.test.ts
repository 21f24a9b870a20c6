import { Writable } from 'node:stream'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { loggerOptions, withFastRedaction } from './logger.ts'

/** A logger writing JSON lines into an array; time left out so two loggers' lines compare equal. */
function capture(fast: boolean) {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString().split('\n').filter(Boolean))
      callback()
    },
  })
  const logger = pino({ ...loggerOptions('test', 'trace'), timestamp: false }, stream)
  return { logger: fast ? withFastRedaction(logger) : logger, lines }
}

const secret = 'hunter2-s3cret'

// Every shape of field the redaction paths care about: whole-value keys, nested keys under any
// top-level key (`*.password`), header paths, arrays, errors, primitives of every type.
const samples: [Record<string, unknown>, string?][] = [
  [{ method: 'GET', url: '/ping', status: 200, ms: 0.4 }, 'request completed'],
  [{ password: secret, token: secret, code: 123456, secret: true, authorization: `Bearer ${secret}` }],
  [{ body: { email: 'a@b.c', password: secret, newPassword: secret, nested: { password: 'deep is kept' } } }],
  [
    {
      req: {
        method: 'POST',
        url: '/x',
        headers: { authorization: secret, cookie: secret, 'x-api-key': secret, host: 'h' },
      },
    },
  ],
  [{ res: { headers: { 'set-cookie': secret, 'content-type': 'json' } } }],
  [{ headers: { authorization: secret, cookie: secret, accept: '*/*' } }],
  [
    {
      list: [{ note: 'kept' }, 'plain', 3],
      user: { id: 'usr_1', accessToken: secret, refreshToken: secret },
    },
  ],
  [{ err: Object.assign(new Error('boom'), { code: 'E_X', token: secret }) }],
  [{ flag: false, count: 0, nothing: null, big: 1e21, weird: 'quote " and \\ and \n newline', emoji: 'ü ✓' }],
  [{}, 'message only'],
]

describe('happy', () => {
  it('writes exactly what pino writes without the fast path', () => {
    const plain = capture(false)
    const fast = capture(true)
    for (const [fields, msg] of samples) {
      for (const { logger } of [plain, fast]) {
        logger.info(fields, msg)
        logger.child({ reqId: 'req-1', token: secret, user: { password: secret } }).warn(fields, msg)
      }
    }
    expect(fast.lines).toHaveLength(samples.length * 2)
    expect(fast.lines).toEqual(plain.lines)
  })
  it('is idempotent and reaches loggers created before it was applied', () => {
    const { logger, lines } = capture(false)
    const child = logger.child({ reqId: 'r' })
    withFastRedaction(withFastRedaction(logger))
    child.info({ status: 200, body: { password: secret } }, 'done')
    expect(JSON.parse(lines[0]!)).toMatchObject({ reqId: 'r', status: 200, body: { password: '[redacted]' } })
  })
})

describe('errors', () => {
  it('never bypasses a whole-value censor, even one missing from the paths it is given', () => {
    const lines: string[] = []
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString())
        callback()
      },
    })
    const logger = pino({ redact: { paths: ['apiKey', '*.pin'], censor: '[x]' } }, stream)
    withFastRedaction(logger, ['*.pin']).info({ apiKey: secret, card: { pin: secret }, ok: 'yes' })
    expect(JSON.parse(lines[0]!)).toMatchObject({ apiKey: '[x]', card: { pin: '[x]' }, ok: 'yes' })
  })
  it('leaves a logger without redaction untouched', () => {
    const logger = pino({ level: 'info' }, new Writable({ write: (_c, _e, cb) => cb() }))
    expect(() => withFastRedaction(logger).info({ a: 1 }, 'x')).not.toThrow()
  })
})

describe('security', () => {
  it('still redacts every secret, including primitives under whole-value keys', () => {
    const { logger, lines } = capture(true)
    for (const [fields, msg] of samples) logger.child({ token: secret }).info(fields, msg)
    logger.info({ password: 42, code: 999999, secret: false })
    for (const line of lines) expect(line).not.toContain(secret)
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({
      password: '[redacted]',
      code: '[redacted]',
      secret: '[redacted]',
    })
    expect(JSON.parse(lines[5]!).headers).toEqual({
      authorization: '[redacted]',
      cookie: '[redacted]',
      accept: '*/*',
    })
    expect(JSON.parse(lines[4]!).res.headers).toEqual({ 'set-cookie': '[redacted]', 'content-type': 'json' })
  })
})
