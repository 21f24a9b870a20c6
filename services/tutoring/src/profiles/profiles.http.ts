import { AppError, type Principal } from '@learnmesh/kernel'

/**
 * The revision a request expects, from `If-Match` (`"7"`, `W/"7"`, `7`, or `*` for any) and/or a
 * `revision` body field; undefined when neither is given (last write wins). A malformed header, or
 * a header and a field that disagree, is a 400.
 */
export function revisionOf(
  request: { headers: Record<string, string | string[] | undefined> },
  body?: { revision?: number } | null,
): number | undefined {
  const ifMatch = request.headers['if-match']
  let fromHeader: number | undefined
  if (Array.isArray(ifMatch)) throw new AppError('bad_request', 'Send one If-Match header')
  if (ifMatch !== undefined && ifMatch.trim() !== '*') {
    const m = /^\s*(?:W\/)?"?([0-9]{1,9})"?\s*$/.exec(ifMatch)
    if (!m) throw new AppError('bad_request', 'If-Match must be the profile revision, e.g. "7"')
    fromHeader = Number(m[1])
  }
  const fromBody = body?.revision
  if (fromHeader !== undefined && fromBody !== undefined && fromHeader !== fromBody)
    throw new AppError('bad_request', 'If-Match and revision disagree')
  return fromHeader ?? fromBody
}

/** Sets the ETag of a revision on the reply. */
export function withEtag(reply: { header(name: string, value: string): unknown }, revision: number): void {
  reply.header('etag', `"${revision}"`)
}

/** True when a JSON value holds a NUL character in any string or key (PostgreSQL text refuses it). */
function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000')
  if (Array.isArray(value)) return value.some(containsNul)
  if (value !== null && typeof value === 'object')
    return Object.entries(value).some(([k, v]) => k.includes('\u0000') || containsNul(v))
  return false
}

/**
 * preValidation hook: a body or query string with a NUL character is a 400 (PostgreSQL would refuse
 * it and the client would get a 500 instead).
 */
export async function rejectNulBytes(request: { body?: unknown; query?: unknown }): Promise<void> {
  if (containsNul(request.body) || containsNul(request.query))
    throw new AppError('validation_failed', 'Text must not contain NUL (\\u0000) characters')
}

/**
 * The organization a public read is about: `orgId` when given (any visitor may look at an
 * organization's listed tutors), else the caller's; anonymous without `orgId` is a 400.
 */
export function readOrg(principal: Principal | undefined, orgId: string | undefined): string {
  if (orgId) return orgId
  if (principal) return principal.orgId
  throw new AppError('bad_request', 'Pass orgId to look at tutors without signing in')
}
