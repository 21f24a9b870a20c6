/**
 * Where the session's tokens live. The access token stays in memory only (a page reload gets a new
 * one through the refresh token); the refresh token is kept in localStorage so a session survives a
 * reload, and it is single use: identity rotates it on every refresh and revokes the session when a
 * used one comes back. localStorage is shared by the tabs of the app: `refresh()` always reads it
 * (never a cached copy), and the `storage` event tells this tab when another one signed in or out.
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

/** What the store needs of `window` to hear other tabs: `storage` events. */
export interface StorageEvents {
  addEventListener(type: 'storage', listener: (event: StorageEvent) => void): void
}

/**
 * `events` (the app passes `window`) delivers other tabs' writes: a refresh token removed elsewhere
 * (sign-out, a refused refresh) ends the session here too (the access token in memory is dropped and
 * subscribers hear `false`); one appearing (sign-in) is announced with `true`; a rotation needs
 * nothing, the next refresh reads the new token.
 */
export function createTokenStore(
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | undefined,
  events?: StorageEvents,
): TokenStore {
  let accessToken: string | undefined
  /** The refresh token when storage refuses it (disabled, private mode quota): lives with the page. */
  let unstored: string | undefined
  const listeners = new Set<(signedIn: boolean) => void>()
  const read = () => {
    if (unstored !== undefined) return unstored
    try {
      return storage?.getItem(REFRESH_KEY) ?? undefined
    } catch {
      return undefined
    }
  }
  const notify = (signedIn: boolean) => {
    for (const l of listeners) l(signedIn)
  }
  events?.addEventListener('storage', (event) => {
    // key null: another tab cleared the whole storage.
    if (event.key !== REFRESH_KEY && event.key !== null) return
    if (event.storageArea && storage && event.storageArea !== storage) return
    if (read() === undefined) {
      const had = accessToken !== undefined || (event.oldValue ?? null) !== null
      accessToken = undefined
      if (had) notify(false)
    } else if (event.key === REFRESH_KEY && event.oldValue === null) {
      notify(true)
    }
  })
  return {
    access: () => accessToken,
    refresh: read,
    set(pair) {
      accessToken = pair.accessToken
      try {
        storage?.setItem(REFRESH_KEY, pair.refreshToken)
        unstored = undefined
      } catch {
        // storage disabled: the session lasts until the page is closed
        unstored = pair.refreshToken
      }
      notify(true)
    },
    clear() {
      const had = accessToken !== undefined || read() !== undefined
      accessToken = undefined
      unstored = undefined
      try {
        storage?.removeItem(REFRESH_KEY)
      } catch {
        // nothing stored
      }
      if (had) notify(false)
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
