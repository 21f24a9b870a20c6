import Type from 'typebox'

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/

/**
 * The request's W3C `traceparent` header (version 00, lowercase hex), or null when absent or
 * malformed: a bad header is ignored, never an error. Events the request causes carry it.
 */
export function traceparentOf(request: {
  headers: Record<string, string | string[] | undefined>
}): string | null {
  const value = request.headers.traceparent
  return typeof value === 'string' && TRACEPARENT.test(value) ? value : null
}

/** An RFC 9457 problem document, as route schemas declare it (extra members such as `errors` pass through). */
export const ProblemSchema = Type.Object(
  {
    /** URI naming the problem type. */
    type: Type.String(),
    /** Short summary of the problem type. */
    title: Type.String(),
    /** HTTP status. */
    status: Type.Integer(),
    /** What went wrong, for people. */
    detail: Type.String(),
    /** Stable machine-readable code. */
    code: Type.String(),
    /** The request path. */
    instance: Type.Optional(Type.String()),
    /** Request id for support. */
    requestId: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
)

/** Problem responses for the given statuses, for route schemas: `response: { 200: X, ...problems(401, 404) }`. */
export function problems(...statuses: number[]): Record<number, typeof ProblemSchema> {
  return Object.fromEntries(statuses.map((s) => [s, ProblemSchema]))
}

/** Route schema security requirement for bearer-token routes (the `bearer` scheme `createApp` declares). */
export const bearer = [{ bearer: [] }]

/** An entity id such as `crs_0192...` (prefix, underscore, 32 lowercase hex), for path parameters and bodies. */
export const IdString = (prefix: string, description: string) =>
  Type.String({ pattern: `^${prefix}_[0-9a-f]{32}$`, description })
