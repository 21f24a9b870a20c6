import { area as admin } from './admin/index.tsx'
import { area as chat } from './chat/index.tsx'
import { area as learner } from './learner/index.tsx'
import { area as studio } from './studio/index.tsx'
import { area as tutoring } from './tutoring/index.tsx'
import type { Area } from './types.ts'

/** Every area's pages and links, in header/menu order. */
export const areas: Area[] = [learner, tutoring, chat, studio, admin]
