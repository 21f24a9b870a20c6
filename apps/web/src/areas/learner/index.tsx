import type { Area } from '../types.ts'

// Pages are lazy chunks: `const XPage = lazy(() => import('./XPage.tsx'))`, then `{ path, element: <XPage /> }`.
export const area: Area = {
  routes: [],
  links: [],
}
