import { AppError } from '@learnmesh/kernel'

// Latin letters NFKD does not decompose into ASCII.
const FOLD: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', đ: 'd', ł: 'l', þ: 'th' }

/** Most tags a course may carry (after normalization). */
export const MAX_TAGS = 20
/** Longest slug we derive or accept. */
export const MAX_SLUG = 80

/**
 * A URL-safe slug from a title: accents folded (`Café` → `cafe`), anything not a letter or digit
 * becomes one dash, trimmed to MAX_SLUG. A title with no usable character gives `course`.
 */
export function slugify(title: string, fallback = 'course'): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[ßæœøđłþ]/g, (ch) => FOLD[ch] ?? '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SLUG)
    .replace(/-+$/g, '')
  return slug || fallback
}

/**
 * Tags as stored: trimmed, lower-case, inner whitespace collapsed to one space, duplicates and
 * empty tags dropped, first occurrence order kept. More than MAX_TAGS distinct tags is a 400.
 */
export function normalizeTags(tags: string[]): string[] {
  const out: string[] = []
  for (const raw of tags) {
    const tag = raw.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, ' ')
    if (tag && !out.includes(tag)) out.push(tag)
  }
  if (out.length > MAX_TAGS) throw new AppError('validation_failed', `A course has at most ${MAX_TAGS} tags`)
  return out
}

/**
 * A BCP 47 language tag in canonical form (`pt-br` → `pt-BR`); anything Intl does not accept as a
 * well-formed tag is a 400.
 */
export function normalizeLanguage(tag: string): string {
  try {
    const [canonical] = Intl.getCanonicalLocales(tag)
    if (canonical) return canonical
  } catch {
    // RangeError: not a well-formed BCP 47 tag.
  }
  throw new AppError('validation_failed', `'${tag}' is not a BCP 47 language tag (e.g. en, pt-BR)`)
}

const currencies = new Set(Intl.supportedValuesOf('currency'))

/** An ISO 4217 currency code (upper case, known to the runtime), or a 400. */
export function normalizeCurrency(code: string): string {
  const upper = code.toUpperCase()
  if (!/^[A-Z]{3}$/.test(upper) || !currencies.has(upper))
    throw new AppError('validation_failed', `'${code}' is not an ISO 4217 currency code`)
  return upper
}

/**
 * The revision a request expects, from `If-Match` (`"7"`, `W/"7"`, `7`, or `*` for any) and/or a
 * `revision` body field; undefined when neither is given (last write wins). A malformed header, or
 * a header and a field that disagree, is a 400.
 */
export function expectedRevision(
  ifMatch: string | string[] | undefined,
  bodyRevision: number | undefined,
): number | undefined {
  let fromHeader: number | undefined
  if (Array.isArray(ifMatch)) throw new AppError('bad_request', 'Send one If-Match header')
  if (ifMatch !== undefined && ifMatch.trim() !== '*') {
    const m = /^\s*(?:W\/)?"?([0-9]{1,9})"?\s*$/.exec(ifMatch)
    if (!m) throw new AppError('bad_request', 'If-Match must be the course revision, e.g. "7"')
    fromHeader = Number(m[1])
  }
  if (fromHeader !== undefined && bodyRevision !== undefined && fromHeader !== bodyRevision)
    throw new AppError('bad_request', 'If-Match and revision disagree')
  return fromHeader ?? bodyRevision
}

/** The ETag of a course revision. */
export function etag(revision: number): string {
  return `"${revision}"`
}

/**
 * True when the prerequisite graph (lesson id → ids it requires) has a cycle reachable from
 * `start`. Ids missing from the map have no prerequisites.
 */
export function hasCycleFrom(graph: Map<string, readonly string[]>, start: string): boolean {
  const onPath = new Set<string>()
  const done = new Set<string>()
  // Iterative DFS: prerequisite chains may be long; no recursion depth to worry about.
  const stack: { id: string; next: number }[] = [{ id: start, next: 0 }]
  onPath.add(start)
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!
    const edges = graph.get(top.id) ?? []
    if (top.next >= edges.length) {
      stack.pop()
      onPath.delete(top.id)
      done.add(top.id)
      continue
    }
    const next = edges[top.next++]!
    if (onPath.has(next)) return true
    if (done.has(next)) continue
    onPath.add(next)
    stack.push({ id: next, next: 0 })
  }
  return false
}

/**
 * True when `ids` is exactly a permutation of `current` (same members, no duplicates, nothing
 * missing): what a reorder request must send.
 */
export function isPermutation(ids: readonly string[], current: readonly string[]): boolean {
  if (ids.length !== current.length) return false
  const set = new Set(ids)
  if (set.size !== ids.length) return false
  return current.every((id) => set.has(id))
}
