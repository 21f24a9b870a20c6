/**
 * Where the session's tokens live. The access token stays in memory only. The refresh token never
 * reaches page scripts: identity keeps it in an HttpOnly cookie (`X-Token-Transport: cookie`, see
 * services/identity/README.md), so an injected script cannot read a long-lived session. What the
 * page stores in localStorage is a non-secret marker, the session id, meaning "this browser has a
 * session cookie": a reload with the marker restores the session with a cookie refresh, and the
 * `storage` event tells the other tabs when a session starts, changes or ends.
 */
export interface TokenPair {
  accessToken: string
  /** Only in body transport (API clients); the web app gets it as a cookie. */
  refreshToken?: string
  expiresIn: number
  /** The session the tokens belong to (identity always sends it). */
  sessionId?: string
}

/** localStorage key of the signed-in marker (the session id, never a token). */
export const SIGNED_IN_KEY = 'learnmesh.signedIn'
/** Where earlier versions kept the refresh token itself; read once to move it into the cookie. */
export const LEGACY_REFRESH_KEY = 'learnmesh.refreshToken'

export interface TokenStore {
  access(): string | undefined
  /** True while this browser has a session (the marker is set): a cookie refresh can restore it. */
  signedIn(): boolean
  /** The signed-in marker (the session id, not a credential), undefined when signed out. */
  marker(): string | undefined
  /**
   * A refresh token an earlier version left in localStorage, handed out once (it is already
   * deleted from storage) so the first refresh trades it for the cookie.
   */
  takeLegacy(): string | undefined
  set(pair: TokenPair): void
  clear(): void
  /** Called with true when a session starts (or another one replaces it), false when it ends. */
  subscribe(listener: (signedIn: boolean) => void): () => void
}

/** What the store needs of `window` to hear other tabs: `storage` events. */
export interface StorageEvents {
  addEventListener(type: 'storage', listener: (event: StorageEvent) => void): void
}

/**
 * `events` (the app passes `window`) delivers other tabs' writes: the marker removed elsewhere
 * (sign-out, a refused refresh) ends the session here too (the access token in memory is dropped and
 * subscribers hear `false`); one appearing (sign-in) is announced with `true`; one replaced by
 * another session id (a sign-in as someone else) drops this tab's access token, which belongs to
 * the old session, and is announced with `true`.
 */
export function createTokenStore(
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | undefined,
  events?: StorageEvents,
): TokenStore {
  let accessToken: string | undefined
  /** The marker when storage refuses it (disabled, private mode quota): lives with the page. */
  let unstored: string | undefined
  let legacy: string | undefined
  const listeners = new Set<(signedIn: boolean) => void>()
  const read = () => {
    if (unstored !== undefined) return unstored
    try {
      return storage?.getItem(SIGNED_IN_KEY) ?? undefined
    } catch {
      return undefined
    }
  }
  const write = (marker: string) => {
    try {
      storage?.setItem(SIGNED_IN_KEY, marker)
      unstored = undefined
    } catch {
      // storage disabled: the session lasts until the page is closed
      unstored = marker
    }
  }
  const notify = (signedIn: boolean) => {
    for (const l of listeners) l(signedIn)
  }
  try {
    legacy = storage?.getItem(LEGACY_REFRESH_KEY) ?? undefined
    if (legacy !== undefined) {
      storage?.removeItem(LEGACY_REFRESH_KEY)
      if (read() === undefined) write('migrating')
    }
  } catch {
    legacy = undefined
  }
  events?.addEventListener('storage', (event) => {
    // key null: another tab cleared the whole storage.
    if (event.key !== SIGNED_IN_KEY && event.key !== null) return
    if (event.storageArea && storage && event.storageArea !== storage) return
    if (read() === undefined) {
      const had = accessToken !== undefined || (event.oldValue ?? null) !== null
      accessToken = undefined
      if (had) notify(false)
    } else if (event.key === SIGNED_IN_KEY && event.oldValue === null) {
      notify(true)
    } else if (event.key === SIGNED_IN_KEY && event.oldValue !== event.newValue) {
      // Another session took over the browser's cookie: this tab's access token is the old one's.
      accessToken = undefined
      notify(true)
    }
  })
  return {
    access: () => accessToken,
    signedIn: () => read() !== undefined,
    marker: read,
    takeLegacy() {
      const token = legacy
      legacy = undefined
      return token
    },
    set(pair) {
      accessToken = pair.accessToken
      write(pair.sessionId ?? read() ?? 'session')
      notify(true)
    },
    clear() {
      const had = accessToken !== undefined || read() !== undefined
      accessToken = undefined
      unstored = undefined
      legacy = undefined
      try {
        storage?.removeItem(SIGNED_IN_KEY)
        storage?.removeItem(LEGACY_REFRESH_KEY)
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
