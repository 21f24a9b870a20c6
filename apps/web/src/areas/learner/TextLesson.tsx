import { Typography } from '@mantine/core'
import type { ComponentPropsWithoutRef } from 'react'
import Markdown, { type Components } from 'react-markdown'

type HeadingProps = ComponentPropsWithoutRef<'h2'> & { node?: unknown }
const shift =
  (Tag: 'h2' | 'h3' | 'h4' | 'h5' | 'h6') =>
  ({ node: _node, ...props }: HeadingProps) => <Tag {...props} />
/** The page's h1 is the lesson title: the Markdown's headings move one level down. */
const components: Components = {
  h1: shift('h2'),
  h2: shift('h3'),
  h3: shift('h4'),
  h4: shift('h5'),
  h5: shift('h6'),
}

/**
 * A text lesson's Markdown. react-markdown builds React elements from the syntax tree: raw HTML in the
 * source is not rendered (`skipHtml`, no rehype-raw) and link/image URLs with unsafe schemes
 * (javascript:) are dropped by its default URL transform, so an author cannot inject script.
 */
export function TextLesson({ markdown }: { markdown: string }) {
  return (
    <Typography>
      <Markdown skipHtml components={components}>
        {markdown}
      </Markdown>
    </Typography>
  )
}
