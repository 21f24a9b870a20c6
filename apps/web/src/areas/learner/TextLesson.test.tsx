// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core'
import { cleanup, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { installDomStubs } from '../../test-setup.ts'
import { TextLesson } from './TextLesson.tsx'

installDomStubs()
afterEach(cleanup)

const renderMd = (markdown: string) =>
  render(
    <MantineProvider>
      <TextLesson markdown={markdown} />
    </MantineProvider>,
  )

describe('TextLesson', () => {
  it('renders Markdown with headings one level below the page title', () => {
    renderMd('# Commits\n\nA **commit** is a snapshot.\n\n## Branches')
    expect(screen.getByRole('heading', { level: 2, name: 'Commits' })).toBeTruthy()
    expect(screen.getByRole('heading', { level: 3, name: 'Branches' })).toBeTruthy()
    expect(screen.queryByRole('heading', { level: 1 })).toBeNull()
    expect(screen.getByText('commit').tagName).toBe('STRONG')
  })

  it('never renders raw HTML or javascript: links from the source', () => {
    const { container } = renderMd(
      'Hi <img src=x onerror="alert(1)"> <script>alert(2)</script>\n\n[click](javascript:alert(3))',
    )
    expect(container.querySelector('img')).toBeNull()
    expect(container.querySelector('script')).toBeNull()
    expect(container.querySelector('a')?.getAttribute('href') ?? '').not.toContain('javascript')
  })
})
