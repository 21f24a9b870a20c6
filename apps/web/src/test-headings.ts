/**
 * The page's heading outline as axe's `heading-order` rule reads it: every h1–h6 (and element with
 * `role="heading"` and `aria-level`) in document order, as `h2 Popular courses`.
 */
export function headingOutline(root: ParentNode = document.body): string[] {
  return [...root.querySelectorAll<HTMLElement>('h1, h2, h3, h4, h5, h6, [role="heading"][aria-level]')].map(
    (h) => `h${level(h)} ${h.textContent?.trim() ?? ''}`,
  )
}

function level(h: HTMLElement): number {
  const aria = Number(h.getAttribute('aria-level'))
  return aria >= 1 ? aria : Number(h.tagName.slice(1))
}

/**
 * Where the outline skips a level (`h1 Catalog → h3 Course 1`): a heading more than one level below
 * the one before it, or a first heading that is not an h1. An empty list is a page axe's
 * `heading-order` and `page-has-heading-one` accept.
 */
export function headingSkips(root: ParentNode = document.body): string[] {
  const outline = headingOutline(root)
  const skips: string[] = []
  if (outline[0] !== undefined && !outline[0].startsWith('h1 ')) skips.push(`starts at ${outline[0]}`)
  outline.forEach((h, i) => {
    const before = outline[i - 1]
    if (before !== undefined && Number(h[1]) > Number(before[1]) + 1) skips.push(`${before} → ${h}`)
  })
  return skips
}
