/**
 * `count(1, 'lesson')` → "1 lesson", `count(6, 'lesson')` → "6 lessons". English only: the plural is the
 * singular plus "s" unless given.
 */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`
}

/**
 * The first titles of a list that may be longer: `firstTitles(['A', 'B'], 2)` → "A, B",
 * `firstTitles(['A', 'B'], 5)` → "A, B and 3 more".
 */
export function firstTitles(titles: string[], total = titles.length): string {
  const more = total - titles.length
  return more > 0 ? `${titles.join(', ')} and ${more} more` : titles.join(', ')
}
