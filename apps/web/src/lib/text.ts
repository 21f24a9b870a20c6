/**
 * `count(1, 'lesson')` → "1 lesson", `count(6, 'lesson')` → "6 lessons". English only: the plural is the
 * singular plus "s" unless given.
 */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`
}
