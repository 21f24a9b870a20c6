import type { RouteObject } from 'react-router'
import type { Me } from '../api/endpoints.ts'

/** A link an area adds to the header ("main") or to the signed-in account menu ("account"). */
export interface AreaLink {
  to: string
  label: string
  place: 'main' | 'account'
  /** Shown only when this returns true; `me` is undefined when signed out. Default: always. */
  show?: (me: Me | undefined) => boolean
}

/** One area of the web app (learner, tutoring, chat, studio, admin): its pages and its links. */
export interface Area {
  routes: RouteObject[]
  links: AreaLink[]
}

export const signedIn = (me: Me | undefined): boolean => me !== undefined
export const hasRole =
  (...roles: string[]) =>
  (me: Me | undefined): boolean =>
    me !== undefined && (me.user.platformAdmin || me.roles.some((r) => roles.includes(r)))
