import { AppError, requireRole, type Principal } from '@learnmesh/kernel'
import { etag, expectedRevision } from './normalize.ts'

/** The request as requireRole takes it. */
type Request = Parameters<typeof requireRole>[0]

/** The caller if they may author (instructor or org admin; learners get a 403). */
export function requireAuthor(request: Request): Principal {
  return requireRole(request, 'instructor', 'org_admin')
}

/** The revision the request expects (If-Match header and/or `revision` body field). */
export function revisionOf(
  request: { headers: Record<string, string | string[] | undefined> },
  body?: { revision?: number } | null,
): number | undefined {
  return expectedRevision(request.headers['if-match'], body?.revision)
}

/** Sets the ETag of the course revision on the reply. */
export function withEtag(reply: { header(name: string, value: string): unknown }, revision: number): void {
  reply.header('etag', etag(revision))
}

/** True when a JSON value holds a NUL character in any string (PostgreSQL text and jsonb refuse it). */
export function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000')
  if (Array.isArray(value)) return value.some(containsNul)
  if (value !== null && typeof value === 'object')
    return Object.entries(value).some(([k, v]) => k.includes('\u0000') || containsNul(v))
  return false
}

/**
 * preValidation hook: a body with a NUL character is a 400 (PostgreSQL would refuse to store it and
 * the client would get a 500 instead).
 */
export async function rejectNulBytes(request: { body?: unknown }): Promise<void> {
  if (containsNul(request.body))
    throw new AppError('validation_failed', 'Text must not contain NUL (\\u0000) characters')
}
