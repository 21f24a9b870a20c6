/** An RFC 9457 problem document as learnmesh services send it (`code` is the stable error code). */
export interface Problem {
  type?: string
  title?: string
  status: number
  detail?: string
  code?: string
  requestId?: string
  /** Field errors of a `validation_failed` problem, when the service lists them. */
  errors?: { path?: string; instancePath?: string; message?: string }[]
  [extra: string]: unknown
}

/** A non-2xx answer of the API, carrying the problem document; forms show `detail`. */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly problem: Problem
  constructor(problem: Problem) {
    super(problem.detail ?? problem.title ?? `Request failed (${problem.status})`)
    this.name = 'ApiError'
    this.status = problem.status
    this.code = problem.code ?? 'error'
    this.problem = problem
  }
}

/** The API could not be reached at all (offline, gateway down). */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super('The server could not be reached. Check your connection and try again.')
    this.name = 'NetworkError'
    this.cause = cause
  }
}

/** Reads a problem document from a failed response, falling back to the status text. */
export async function readProblem(response: Response): Promise<Problem> {
  const type = response.headers.get('content-type') ?? ''
  if (type.includes('json')) {
    try {
      const body = (await response.json()) as Partial<Problem>
      if (body && typeof body === 'object') return { ...body, status: response.status }
    } catch {
      // fall through to the generic problem
    }
  }
  return {
    status: response.status,
    title: response.statusText,
    detail: `Request failed (${response.status})`,
  }
}

/** The message to show a person for any error thrown by the API client or a query. */
/** An error whose message is written for the person (a card decline from Stripe.js), shown as is. */
export class UserFacingError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UserFacingError'
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError || error instanceof NetworkError || error instanceof UserFacingError)
    return error.message
  return 'Something went wrong. Please try again.'
}
