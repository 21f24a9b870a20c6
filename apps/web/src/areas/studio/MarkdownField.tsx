import { Input } from '@mantine/core'
import { useMediaQuery } from '@mantine/hooks'
import MDEditor from '@uiw/react-md-editor/nohighlight'
import { useEffect, useId, useRef } from 'react'
import rehypeSanitize from 'rehype-sanitize'

/**
 * The markdown editor of text lessons (@uiw/react-md-editor, without syntax highlighting to stay
 * small): a toolbar, keyboard shortcuts, and a side-by-side preview on wide screens (the toolbar's
 * eye buttons switch to preview on phones). Its own lazy chunk: it loads only when a text lesson is
 * edited. The preview is sanitized (rehype-sanitize), as learners' pages must render the same text.
 */
export default function MarkdownField({
  label,
  value,
  onChange,
  error,
}: {
  label: string
  value: string
  onChange: (value: string) => void
  error?: string
}) {
  const wide = useMediaQuery('(min-width: 48em)')
  const id = useId()
  const box = useRef<HTMLDivElement>(null)
  // The toolbar's icons are <svg role="img"> without a title inside buttons that have a label: hide
  // them from assistive technology (axe: svg-img-alt), also after the toolbar re-renders.
  useEffect(() => {
    const root = box.current
    if (!root) return
    const hide = () =>
      root
        .querySelectorAll('svg:not([aria-hidden])')
        .forEach((svg) => svg.setAttribute('aria-hidden', 'true'))
    hide()
    const observer = new MutationObserver(hide)
    observer.observe(root, { childList: true, subtree: true })
    return () => observer.disconnect()
  }, [])
  return (
    <Input.Wrapper label={label} error={error} labelProps={{ htmlFor: id }}>
      <div data-color-mode="light" ref={box}>
        <MDEditor
          value={value}
          onChange={(v) => onChange(v ?? '')}
          preview={wide ? 'live' : 'edit'}
          height={360}
          textareaProps={{ id, 'aria-label': label, 'aria-invalid': error ? true : undefined }}
          previewOptions={{
            rehypePlugins: [[rehypeSanitize]],
            // The preview's heading anchors are empty links (no text): drop them.
            rehypeRewrite: (node, _index, parent) => {
              if (
                node.type === 'element' &&
                node.tagName === 'a' &&
                parent?.type === 'element' &&
                /^h[1-6]$/.test(parent.tagName)
              )
                parent.children = parent.children.filter((child) => child !== node)
            },
          }}
        />
      </div>
    </Input.Wrapper>
  )
}
