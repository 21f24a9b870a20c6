import { useQuery, useQueryClient } from '@tanstack/react-query'
import { createContext, useContext, useEffect, useMemo, useSyncExternalStore, type ReactNode } from 'react'
import { api } from './client.ts'
import { identity, type Me } from './endpoints.ts'
import type { TokenPair } from './tokens.ts'

interface Session {
  /** The signed-in account, undefined when signed out or still loading. */
  me: Me | undefined
  loading: boolean
  signedIn: boolean
  start(pair: TokenPair): Promise<void>
  signOut(): Promise<void>
}

const SessionContext = createContext<Session | undefined>(undefined)

function subscribe(listener: () => void) {
  return api.tokens.subscribe(listener)
}
const hasSession = () => api.tokens.signedIn() || api.tokens.access() !== undefined

/**
 * Holds who is signed in: `GET /identity/me` while the signed-in marker is set. On a page load with
 * the marker, that first request restores the session through a cookie refresh (the refresh token is
 * an HttpOnly cookie); when the cookie is gone the refresh is refused and the marker cleared.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient()
  const signedIn = useSyncExternalStore(subscribe, hasSession, () => false)
  const me = useQuery({
    queryKey: ['me'],
    queryFn: identity.me,
    enabled: signedIn,
    staleTime: 60_000,
    retry: false,
  })

  // A session ending (sign-out, revoked refresh token) drops every cached answer that depended on it.
  useEffect(
    () =>
      api.tokens.subscribe((now) => {
        if (!now) queryClient.removeQueries()
        else void queryClient.invalidateQueries()
      }),
    [queryClient],
  )

  const value = useMemo<Session>(
    () => ({
      me: signedIn ? me.data : undefined,
      loading: signedIn && me.isPending,
      signedIn,
      async start(pair) {
        api.tokens.set(pair)
        await queryClient.fetchQuery({ queryKey: ['me'], queryFn: identity.me })
      },
      async signOut() {
        try {
          // Revokes the session of the refresh cookie and clears the cookie.
          await identity.logout()
        } catch {
          // the session ends locally either way
        }
        api.tokens.clear()
      },
    }),
    [signedIn, me.data, me.isPending, queryClient],
  )
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>
}

export function useSession(): Session {
  const session = useContext(SessionContext)
  if (!session) throw new Error('useSession outside SessionProvider')
  return session
}
