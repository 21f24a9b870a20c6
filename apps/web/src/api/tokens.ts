/**
 * Where the session's tokens live. The access token stays in memory only (a page reload gets a new
 * one through the refresh token); the refresh token is kept in localStorage so a session survives a
 * reload, and it is single use: identity rotates it on every refresh and revokes the session when a
 * used one comes back.
 */
export interface TokenPair {
  accessToken: string
  refreshToken: string
  expiresIn: number
}

const REFRESH_KEY = 'learnmesh.refreshToken'

export interface TokenStore {
  access(): string | undefined
  refresh(): string | undefined
  set(pair: TokenPair): void
  clear(): void
  /** Called with true when a session starts, false when it ends. */
  subscribe(listener: (signedIn: boolean) => void): () => void
}

export function createTokenStore(
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | undefined,
): TokenStore {
  let accessToken: string | undefined
  const listeners = new Set<(signedIn: boolean) => void>()
  const read = () => {
    try {
      return storage?.getItem(REFRESH_KEY) ?? undefined
    } catch {
      return undefined
    }
  }
  return {
    access: () => accessToken,
    refresh: read,
    set(pair) {
      accessToken = pair.accessToken
      try {
        storage?.setItem(REFRESH_KEY, pair.refreshToken)
      } catch {
        // storage disabled: the session lasts until the page is closed
      }
      for (const l of listeners) l(true)
    },
    clear() {
      const had = accessToken !== undefined || read() !== undefined
      accessToken = undefined
      try {
        storage?.removeItem(REFRESH_KEY)
      } catch {
        // nothing stored
      }
      if (had) for (const l of listeners) l(false)
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
