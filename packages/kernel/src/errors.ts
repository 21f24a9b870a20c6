/**
 * One error type for the whole platform. Codes are stable strings that clients may rely on;
 * each maps to exactly one HTTP status here and nowhere else.
 */
export const errorCodes = {
  validation_failed: 400,
  malformed_json: 400,
  bad_request: 400,
  unauthenticated: 401,
  invalid_token: 401,
  invalid_credentials: 401,
  mfa_required: 401,
  forbidden: 403,
  email_not_verified: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  already_exists: 409,
  token_reused: 401,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  rate_limited: 429,
  internal: 500,
  bad_gateway: 502,
  service_unavailable: 503,
  gateway_timeout: 504,
} as const

/** A stable machine-readable error code. */
export type ErrorCode = keyof typeof errorCodes

const titles: Record<ErrorCode, string> = {
  validation_failed: 'Validation failed',
  malformed_json: 'Malformed JSON body',
  bad_request: 'Bad request',
  unauthenticated: 'Authentication required',
  invalid_token: 'Invalid token',
  invalid_credentials: 'Invalid credentials',
  mfa_required: 'Second factor required',
  forbidden: 'Forbidden',
  email_not_verified: 'Email not verified',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  conflict: 'Conflict',
  already_exists: 'Already exists',
  token_reused: 'Token reused',
  gone: 'Gone',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
  unprocessable: 'Unprocessable request',
  rate_limited: 'Too many requests',
  internal: 'Internal error',
  bad_gateway: 'Bad gateway',
  service_unavailable: 'Service unavailable',
  gateway_timeout: 'Gateway timeout',
}

/** Throw this anywhere below the routes; the HTTP layer turns it into problem+json. */
export class AppError extends Error {
  /** HTTP status derived from the code. */
  readonly status: number
  constructor(
    /** Stable code, e.g. `not_found`. */
    readonly code: ErrorCode,
    message: string,
    /** Extra members for the problem document (e.g. `errors`, `retryAfter`). Never secrets. */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message)
    this.name = 'AppError'
    this.status = errorCodes[code]
  }
}

/** An RFC 9457 problem document. */
export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  code: ErrorCode
  instance?: string
  requestId?: string
  [extra: string]: unknown
}

/** Builds the problem document for an error code. */
export function problem(code: ErrorCode, detail: string, extra: Record<string, unknown> = {}): Problem {
  return {
    type: `https://learnmesh.dev/problems/${code.replaceAll('_', '-')}`,
    title: titles[code],
    status: errorCodes[code],
    detail,
    code,
    ...extra,
  }
}

/** Shorthands so services read like prose. */
export const notFound = (what: string) => new AppError('not_found', `${what} not found`)
export const forbidden = (why = 'You are not allowed to do this') => new AppError('forbidden', why)
export const conflict = (why: string) => new AppError('conflict', why)
export const badRequest = (why: string) => new AppError('bad_request', why)
