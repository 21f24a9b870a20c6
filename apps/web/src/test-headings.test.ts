// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest'
import { headingOutline, headingSkips } from './test-headings.ts'

afterEach(() => {
  document.body.innerHTML = ''
})

describe('heading outline', () => {
  it('accepts h1 → h2 → h3 and going back up any number of levels', () => {
    document.body.innerHTML = '<h1>A</h1><h2>B</h2><h3>C</h3><h2>D</h2><h3>E</h3><h1>F</h1>'
    expect(headingSkips()).toEqual([])
  })

  it('reports a heading more than one level below the one before it', () => {
    document.body.innerHTML = '<h1>Catalog</h1><h3>Course 1</h3><h3>Course 2</h3>'
    expect(headingSkips()).toEqual(['h1 Catalog → h3 Course 1'])
  })

  it('reports a page whose first heading is not an h1', () => {
    document.body.innerHTML = '<h2>Alone</h2>'
    expect(headingSkips()).toEqual(['starts at h2 Alone'])
  })

  it('reads role="heading" with aria-level like the tag it stands for', () => {
    document.body.innerHTML = '<h1>A</h1><div role="heading" aria-level="4">Deep</div>'
    expect(headingOutline()).toEqual(['h1 A', 'h4 Deep'])
    expect(headingSkips()).toEqual(['h1 A → h4 Deep'])
  })
})
