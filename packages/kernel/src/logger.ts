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
    timestamp: pino.stdTimeFunctions.isoTime,
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

/** Removes token-like query parameters from a URL before it is logged. */
export function redactUrl(url: string | undefined): string | undefined {
  if (!url || !url.includes('?')) return url
  return url.replace(/([?&](?:token|code|access_token|refresh_token|state|password)=)[^&]*/gi, '$1[redacted]')
}

/** A standalone logger (for CLIs, relays, workers). */
export function createLogger(service: string, level = envLogLevel()): Logger {
  return pino(loggerOptions(service, level))
}

export type { Logger }
