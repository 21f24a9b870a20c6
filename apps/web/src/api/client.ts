import { ApiError, NetworkError, readProblem } from './problem.ts'
import { createTokenStore, type TokenPair, type TokenStore } from './tokens.ts'

export interface RequestOptions {
  method?: string
  /** JSON body. */
  body?: unknown
  /** Query parameters; arrays repeat the key, undefined values are left out. */
  query?: Record<string, string | number | boolean | readonly string[] | undefined>
  /** Send no Authorization header even when signed in. */
  anonymous?: boolean
  signal?: AbortSignal
  /** Extra request headers (e.g. `idempotency-key`). */
  headers?: Record<string, string>
}

export interface ApiClient {
  request<T>(path: string, options?: RequestOptions): Promise<T>
  tokens: TokenStore
  /**
   * Exchanges the refresh cookie for a new pair (and a new cookie); concurrent callers share one
   * request, and tabs take turns (Web Locks), so the browser always presents the latest cookie.
   */
  refresh(): Promise<boolean>
  /**
   * Runs `task` while holding the refresh lock: sign-in and sign-out, whose answers set or clear the
   * cookie, so a refresh in another tab cannot overwrite a newer cookie with an older session's.
   * `task` must not wait for `refresh()` (send anonymous requests only).
   */
  exclusive<T>(task: () => Promise<T>): Promise<T>
}

/**
 * Header asking identity to keep the refresh token in its HttpOnly cookie rather than in JSON
 * bodies. Being a custom header it also makes every such request non-simple (a cross-site page
 * cannot send it without a CORS preflight), the CSRF half identity relies on with SameSite=Strict.
 */
export const COOKIE_TRANSPORT = { 'x-token-transport': 'cookie' } as const

/** The part of the Web Locks API (`navigator.locks`) the client uses. */
export interface RefreshLocks {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>
}

/** Name of the Web Lock every tab of the app holds while it refreshes. */
export const REFRESH_LOCK = 'learnmesh-refresh'

/** `navigator.locks` where the browser has it (all current ones; not jsdom or Node). */
function browserLocks(): RefreshLocks | undefined {
  if (typeof navigator === 'undefined' || !('locks' in navigator) || !navigator.locks) return undefined
  const manager = navigator.locks
  return {
    request<T>(name: string, callback: () => Promise<T>): Promise<T> {
      // Resolves with what the callback's promise resolves to (lib.dom types it one level deeper).
      return manager.request(name, callback) as unknown as Promise<T>
    },
  }
}

/** Builds `/api/<path>?<query>`. */
export function apiUrl(base: string, path: string, query?: RequestOptions['query']): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === '') continue
    if (Array.isArray(value)) for (const v of value as readonly string[]) params.append(key, v)
    else params.append(key, String(value))
  }
  const qs = params.toString()
  return `${base}${path}${qs ? `?${qs}` : ''}`
}

/**
 * The fetch wrapper every page uses: base `/api`, the bearer access token from memory, and on a 401
 * one refresh through identity's `POST /identity/auth/refresh` followed by one retry. The refresh
 * token is an HttpOnly cookie the page never sees (`X-Token-Transport: cookie`): the browser sends
 * it, identity rotates it in the answer. A single refresh is in flight at a time: requests that fail
 * together wait for the same one, and across tabs the refresh runs under the Web Lock
 * `learnmesh-refresh` (`locks`, default `navigator.locks`; without it, only the in-tab single flight),
 * so the cookie a tab presents is the one the previous holder's answer just stored, never a rotated
 * one (identity would revoke the session as a reuse). Non-2xx answers become `ApiError`s carrying
 * the problem document.
 */
export function createApiClient(
  options: {
    base?: string
    fetch?: typeof fetch
    tokens?: TokenStore
    /** Cross-tab lock; null: none (in-tab single flight only). Default: `navigator.locks` when present. */
    locks?: RefreshLocks | null
  } = {},
): ApiClient {
  const base = options.base ?? '/api'
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init))
  const tokens = options.tokens ?? createTokenStore(undefined)
  const locks = options.locks === undefined ? browserLocks() : (options.locks ?? undefined)
  let inflight: Promise<boolean> | undefined

  async function send(path: string, opts: RequestOptions, withToken: boolean): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers }
    if (opts.body !== undefined) headers['content-type'] = 'application/json'
    const token = withToken ? tokens.access() : undefined
    if (token) headers.authorization = `Bearer ${token}`
    try {
      return await doFetch(apiUrl(base, path, opts.query), {
        method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: opts.signal,
      })
    } catch (error) {
      if ((error as { name?: string })?.name === 'AbortError') throw error
      throw new NetworkError(error)
    }
  }

  /** One exchange; runs while this tab holds the refresh lock. */
  async function doRefresh(attempt = 0): Promise<boolean> {
    // Read now, not before waiting for the lock: another tab may have signed in or out meanwhile.
    const marker = tokens.marker()
    if (!marker) return false
    // A token an earlier version stored in localStorage is traded once for the cookie.
    const legacy = tokens.takeLegacy()
    const response = await send(
      '/identity/auth/refresh',
      { method: 'POST', body: legacy ? { refreshToken: legacy } : {}, headers: COOKIE_TRANSPORT },
      false,
    )
    const now = tokens.marker()
    if (!response.ok) {
      // 401 (expired, revoked, reused, no cookie): the session is over, unless the marker changed
      // meanwhile (another tab signed in). Anything else (5xx, 429, 403): keep it for later.
      if ((response.status === 401 || response.status === 400) && now === marker) tokens.clear()
      return false
    }
    const pair = (await response.json()) as TokenPair
    // Signed out (here or in another tab) while the refresh was in flight: do not revive the session.
    if (now === undefined) return false
    // Another tab signed in meanwhile without the lock (no Web Locks): refresh with its cookie.
    if (now !== marker) return attempt < 1 ? doRefresh(attempt + 1) : false
    tokens.set(pair)
    return true
  }

  function refresh(): Promise<boolean> {
    inflight ??= (locks ? locks.request(REFRESH_LOCK, () => doRefresh()) : doRefresh()).finally(() => {
      inflight = undefined
    })
    return inflight
  }

  function exclusive<T>(task: () => Promise<T>): Promise<T> {
    return locks ? locks.request(REFRESH_LOCK, task) : task()
  }

  async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    const useToken = !opts.anonymous
    // Signed in but no access token yet (page just loaded): get one first rather than fail once.
    if (useToken && !tokens.access() && tokens.signedIn()) await refresh()
    let response = await send(path, opts, useToken)
    if (response.status === 401 && useToken && tokens.signedIn()) {
      // A refresh that failed for a passing reason (5xx, 429, network) keeps the session: the 401 is
      // reported, and the next request tries again. doRefresh() clears it when the session is over.
      if (await refresh()) response = await send(path, opts, true)
    }
    if (!response.ok) throw new ApiError(await readProblem(response))
    if (response.status === 204) return undefined as T
    const type = response.headers.get('content-type') ?? ''
    return (type.includes('json') ? await response.json() : await response.text()) as T
  }

  return { request, tokens, refresh, exclusive }
}

const storage = typeof window === 'undefined' ? undefined : window.localStorage
/** The app's client. */
export const api = createApiClient({
  tokens: createTokenStore(storage, typeof window === 'undefined' ? undefined : window),
})
