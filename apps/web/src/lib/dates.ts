/** `2026-03-01T…` → a short local date ("Mar 1, 2026"); '' for none. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return ''
  return new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' })
}

/** `2026-03-01T…` → a short local date and time, without seconds ("Mar 1, 2026, 2:05 PM"). */
export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}
