import pino, { type Logger, type LoggerOptions } from 'pino'
import { envLogLevel } from './config.ts'

/**
 * Paths pino replaces with [redacted]. Anything that can carry a credential: passwords, tokens,
 * codes, secrets and the Authorization/Cookie headers, at any depth we log.
 */
export const redactPaths = [
  'password',
  'newPassword',
  'currentPassword',
  'token',
  'accessToken',
  'refreshToken',
  'code',
  'secret',
  'authorization',
  '*.password',
  '*.newPassword',
  '*.currentPassword',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.secret',
  '*.code',
  '*.authorization',
  '*.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
]

/** Logger options shared by every service: JSON lines, ISO time, secrets redacted. */
export function loggerOptions(service: string, level = 'info'): LoggerOptions {
  return {
    level,
    base: { service },
    timestamp: isoTime,
    redact: { paths: redactPaths, censor: '[redacted]' },
    serializers: {
      req: (req: { method?: string; url?: string; id?: string }) => ({
        method: req.method,
        url: redactUrl(req.url),
        id: req.id,
      }),
    },
  }
}

let lastMs = -1
let lastTime = ''
/** pino's isoTime, formatted once per millisecond instead of once per line. */
function isoTime(): string {
  const now = Date.now()
  if (now !== lastMs) {
    lastMs = now
    lastTime = `,"time":"${new Date(now).toISOString()}"`
  }
  return lastTime
}

/** First segments of redact paths that censor the whole value (`password`, not `req.headers.cookie`). */
function wholeValueKeys(paths: readonly string[]): Set<string | symbol> {
  const keys = new Set<string | symbol>()
  for (const path of paths) {
    // The same split pino uses to build its redactors (lib/redaction.js).
    const rx = /[^.[\]]+|\[([^[\]]*?)\]/g
    const first = rx.exec(path)
    if (!first || rx.exec(path) !== null) continue
    const key = first[1] !== undefined ? first[1].replace(/^(?:"|'|`)(.*)(?:"|'|`)$/, '$1') : first[0]
    keys.add(key === '*' ? pino.symbols.wildcardFirstSym : key)
  }
  return keys
}

const fastRedactionApplied = Symbol('learnmesh.fastRedaction')

/**
 * Makes redaction cheap for values that cannot contain a redacted path. With wildcard paths such
 * as `*.password`, pino runs a nested-path redactor on every field of every line, even a string
 * or a number, where it walks all paths to find nothing (~1 µs a field, most of a request log
 * line's cost). A nested path (`x.password`) cannot exist inside a string, number or boolean, so
 * those are serialized directly; objects still go through pino's redactor, and keys redacted as a
 * whole (`password`) keep theirs. Output is identical. The redactors are shared by a logger's
 * whole family (parent and children), so they all get it. `paths` must be the redact paths the
 * logger was built with (those of `loggerOptions` by default); as a second guard, a redactor that
 * does not leave a probe string untouched (a censor) is never bypassed.
 */
export function withFastRedaction<T extends Logger>(logger: T, paths: readonly string[] = redactPaths): T {
  const stringifiers = (logger as unknown as Record<symbol, unknown>)[pino.symbols.stringifiersSym] as
    Record<string | symbol, (value: unknown) => string | undefined> | undefined
  if (!stringifiers || fastRedactionApplied in stringifiers) return logger
  const whole = wholeValueKeys(paths)
  for (const key of Reflect.ownKeys(stringifiers)) {
    if (whole.has(key) || key === pino.symbols.redactFmtSym) continue
    const redact = stringifiers[key]!
    if (redact('probe') !== '"probe"' || redact(7) !== '7') continue
    stringifiers[key] = (value) => {
      const type = typeof value
      return type === 'string' || type === 'number' || type === 'boolean'
        ? JSON.stringify(value)
        : redact(value)
    }
  }
  Object.defineProperty(stringifiers, fastRedactionApplied, { value: true })
  return logger
}

/** Removes token-like query parameters from a URL before it is logged. */
export function redactUrl(url: string | undefined): string | undefined {
  if (!url || !url.includes('?')) return url
  return url.replace(/([?&](?:token|code|access_token|refresh_token|state|password)=)[^&]*/gi, '$1[redacted]')
}

/** A standalone logger (for CLIs, relays, workers). */
export function createLogger(service: string, level = envLogLevel()): Logger {
  return withFastRedaction(pino(loggerOptions(service, level)))
}

export type { Logger }
