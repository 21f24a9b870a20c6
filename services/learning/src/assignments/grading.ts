/**
 * Pure rules of assignments: rubric checks, link checks, lateness and the score a grade gives.
 * No database, no HTTP: the service calls these and turns a returned problem into a 400.
 */

/** One rubric criterion: what a grader scores, out of `maxPoints`. */
export interface RubricCriterion {
  id: string
  title: string
  description: string
  maxPoints: number
}

/** A grader's points (and optional comment) for one criterion. */
export interface CriterionScore {
  criterionId: string
  points: number
  comment: string
}

/** reject | accept | penalty */
export type LatePolicy = 'reject' | 'accept' | 'penalty'

/** Most links a submission may carry. */
export const MAX_LINKS = 10
/** Longest submission text, in characters. */
export const MAX_TEXT_CHARS = 50_000

/** The most points a rubric gives. */
export function rubricMaxPoints(rubric: RubricCriterion[]): number {
  return rubric.reduce((sum, c) => sum + c.maxPoints, 0)
}

/**
 * Why an assignment definition is inconsistent, or null: criterion ids must be unique and the
 * pass mark reachable.
 */
export function rubricProblem(rubric: RubricCriterion[], passPoints: number): string | null {
  const seen = new Set<string>()
  for (const c of rubric) {
    if (seen.has(c.id)) return `Rubric criterion id "${c.id}" is used twice`
    seen.add(c.id)
  }
  const max = rubricMaxPoints(rubric)
  if (passPoints > max) return `passPoints (${passPoints}) is more than the rubric's maximum (${max})`
  return null
}

/** Why a list of submitted links is refused (only absolute http/https URLs), or null. */
export function linksProblem(links: string[]): string | null {
  if (links.length > MAX_LINKS) return `At most ${MAX_LINKS} links`
  for (const link of links) {
    let url: URL
    try {
      url = new URL(link)
    } catch {
      return `Not a URL: ${link.slice(0, 200)}`
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      return `Only http and https links are accepted (got ${url.protocol})`
  }
  return null
}

/** True when a submission made at `at` is after the due date. No due date: never late. */
export function isLate(dueAt: Date | null, at: Date): boolean {
  return dueAt !== null && at.getTime() > dueAt.getTime()
}

/**
 * Checks a grader's scores against the rubric: every criterion exactly once, no unknown one,
 * points within 0..maxPoints. Returns the problem, or null.
 */
export function scoresProblem(rubric: RubricCriterion[], scores: CriterionScore[]): string | null {
  const byId = new Map(rubric.map((c) => [c.id, c]))
  const seen = new Set<string>()
  for (const s of scores) {
    const criterion = byId.get(s.criterionId)
    if (!criterion) return `Unknown rubric criterion "${s.criterionId}"`
    if (seen.has(s.criterionId)) return `Criterion "${s.criterionId}" is scored twice`
    seen.add(s.criterionId)
    if (!Number.isInteger(s.points) || s.points < 0 || s.points > criterion.maxPoints)
      return `Points for "${s.criterionId}" must be an integer from 0 to ${criterion.maxPoints}`
  }
  const missing = rubric.filter((c) => !seen.has(c.id)).map((c) => c.id)
  if (missing.length > 0) return `Every criterion must be scored; missing: ${missing.join(', ')}`
  return null
}

/**
 * The score a grade gives: the sum of the criterion points, less the late penalty when the
 * submission was late under the `penalty` policy. The penalty is `percent` of the sum, rounded
 * half up to a whole point (integer arithmetic: no floating-point surprises), so 7 points with a
 * 10% penalty lose 1 (0.7 → 1) and keep 6; 4 points lose 0 (0.4 → 0).
 */
export function finalScore(input: {
  scores: CriterionScore[]
  late: boolean
  latePolicy: LatePolicy
  latePenaltyPercent: number
}): { raw: number; penalty: number; score: number } {
  const raw = input.scores.reduce((sum, s) => sum + s.points, 0)
  const applies = input.late && input.latePolicy === 'penalty'
  const penalty = applies ? Math.floor((raw * input.latePenaltyPercent + 50) / 100) : 0
  return { raw, penalty, score: Math.max(0, raw - penalty) }
}
