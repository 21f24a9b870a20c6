import '@mantine/core/styles.css'
import '@mantine/notifications/styles.css'
import { Anchor, MantineProvider, createTheme, darken, type CSSVariablesResolver } from '@mantine/core'
import { Notifications } from '@mantine/notifications'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { RouterProvider } from 'react-router'
import { ApiError } from './api/problem.ts'
import { SessionProvider } from './api/session.tsx'
import { router } from './routes.tsx'

// WCAG AA contrast (checked by axe in the browser tests): a darker primary shade, darker dimmed text,
// and links underlined so they stand out from text without relying on colour.
const theme = createTheme({
  primaryColor: 'indigo',
  primaryShade: { light: 8, dark: 4 },
  defaultRadius: 'md',
  components: { Anchor: Anchor.extend({ defaultProps: { underline: 'always' } }) },
})
// Mantine's light-scheme text on tinted backgrounds (light, subtle, outline variants) and white text on
// filled ones use shades 8-9, which for bright hues (green, yellow, orange, lime) is under 4.5:1.
// Every colour's variant text is darkened from its shade 9 so that alerts, badges and buttons of any
// colour pass AA.
const cssVariablesResolver: CSSVariablesResolver = (t) => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': 'var(--mantine-color-gray-7)',
    ...Object.fromEntries(
      Object.entries(t.colors).flatMap(([name, shades]) => [
        [`--mantine-color-${name}-light-color`, darken(shades[9], 0.3)],
        [`--mantine-color-${name}-outline`, darken(shades[9], 0.3)],
        [`--mantine-color-${name}-text`, darken(shades[9], 0.3)],
        [`--mantine-color-${name}-filled`, darken(shades[9], 0.15)],
        [`--mantine-color-${name}-filled-hover`, darken(shades[9], 0.3)],
      ]),
    ),
  },
  dark: {},
})

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      // A 4xx will not change on retry; network errors and 5xx get one more try.
      retry: (count, error) => count < 1 && !(error instanceof ApiError && error.status < 500),
    },
  },
})

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver}>
      <Notifications />
      <QueryClientProvider client={queryClient}>
        <SessionProvider>
          <RouterProvider router={router} />
        </SessionProvider>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
)
