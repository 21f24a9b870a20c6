import { afterEach, describe, expect, it, vi } from 'vitest'
import { apiUrl, createApiClient, REFRESH_LOCK, type RefreshLocks } from './client.ts'
import { ApiError, NetworkError } from './problem.ts'
import {
  createTokenStore,
  LEGACY_REFRESH_KEY,
  SIGNED_IN_KEY,
  type StorageEvents,
  type TokenPair,
} from './tokens.ts'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

afterEach(() => {
  vi.unstubAllGlobals()
})

function memoryStorage() {
  const map = new Map<string, string>()
  return {
    map,
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
  }
}

const json = (status: number, body: unknown, type = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': type } })
const problem = (status: number, code: string, detail: string, extra: object = {}) =>
  json(
    status,
    { type: `https://learnmesh.dev/problems/${code}`, title: 'Problem', status, code, detail, ...extra },
    'application/problem+json',
  )

interface Call {
  url: string
  auth: string | undefined
  body: Record<string, string> | undefined
  /** The refresh cookie the browser sent with the call. */
  cookie: string | undefined
  transport: string | undefined
}

/**
 * A fake gateway and the browser's cookie jar: identity keeps the refresh token in an HttpOnly
 * cookie (read and rotated with `x-token-transport: cookie`), /things needs an unexpired access token.
 */
function fakeServer() {
  const calls: Call[] = []
  let generation = 1
  let session = 'ses_1'
  let current = { access: 'access-1', refresh: 'refresh-token-0001' }
  /** The browser's lm_refresh cookie, shared by every tab. */
  let jar: string | undefined = current.refresh
  const validAccess = new Set([current.access])
  const used = new Set<string>()
  let refreshDelay = 0
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input)
    const headers = (init?.headers ?? {}) as Record<string, string>
    const body = init?.body ? (JSON.parse(String(init.body)) as Record<string, string>) : undefined
    const cookie = jar
    const transport = headers['x-token-transport']
    calls.push({ url, auth: headers.authorization, body, cookie, transport })
    if (url === '/api/identity/auth/refresh') {
      if (refreshDelay) await new Promise((r) => setTimeout(r, refreshDelay))
      const token = body?.refreshToken ?? (transport === 'cookie' ? cookie : undefined) ?? ''
      if (used.has(token) || token !== current.refresh) {
        return problem(401, used.has(token) ? 'token_reused' : 'invalid_token', 'Refresh refused')
      }
      used.add(token)
      generation += 1
      current = { access: `access-${generation}`, refresh: `refresh-token-000${generation}` }
      validAccess.add(current.access)
      if (transport === 'cookie') jar = current.refresh
      return json(200, {
        accessToken: current.access,
        ...(transport === 'cookie' ? {} : { refreshToken: current.refresh }),
        expiresIn: 900,
        tokenType: 'Bearer',
        sessionId: session,
      })
    }
    if (url.startsWith('/api/things')) {
      if (!validAccess.has(headers.authorization?.replace(/^Bearer /, '') ?? ''))
        return problem(401, 'unauthorized', 'Token expired')
      return json(200, { ok: true })
    }
    if (url.startsWith('/api/bad')) return problem(422, 'validation_failed', 'displayName must not be empty')
    return problem(404, 'not_found', 'No route')
  }
  return {
    calls,
    fetchImpl,
    /** Every access token issued so far expires. */
    expireAccess: () => validAccess.clear(),
    /** What each refresh presented: the cookie, and any token in the body. */
    presented: () =>
      calls
        .filter((c) => c.url === '/api/identity/auth/refresh')
        .map((c) => ({ cookie: c.cookie, body: c.body, transport: c.transport })),
    setRefreshDelay: (ms: number) => (refreshDelay = ms),
    /** The browser's cookie jar. */
    jar: () => jar,
    setJar: (value: string | undefined) => (jar = value),
    /** A sign-in answer in cookie transport: the cookie is set, the body has no refresh token. */
    pair: (): TokenPair => ({ accessToken: current.access, expiresIn: 900, sessionId: session }),
    /** Another sign-in (a new session) as a tab's sign-in page would get it. */
    signInAgain(): TokenPair {
      generation += 1
      session = `ses_${generation}`
      current = { access: `access-${generation}`, refresh: `refresh-token-000${generation}` }
      validAccess.add(current.access)
      jar = current.refresh
      return { accessToken: current.access, expiresIn: 900, sessionId: session }
    },
  }
}

/** navigator.locks stand-in: callbacks under one name run one at a time, in request order. */
function fakeLocks() {
  const names: string[] = []
  let tail: Promise<unknown> = Promise.resolve()
  const locks: RefreshLocks = {
    request<T>(name: string, callback: () => Promise<T>): Promise<T> {
      names.push(name)
      const run = tail.then(callback)
      tail = run.catch(() => undefined)
      return run
    },
  }
  return { locks, names }
}

/** A `storage` event as another tab's write delivers it. */
function storageEvent(key: string | null, oldValue: string | null, newValue: string | null) {
  return Object.assign(new Event('storage'), { key, oldValue, newValue, storageArea: null })
}

/** Two tabs of the app: one localStorage, one cookie jar, one lock manager, each its own access token. */
function twoTabs(options: { locks?: boolean } = {}) {
  const server = fakeServer()
  const storage = memoryStorage()
  const { locks, names } = fakeLocks()
  const tab = () => {
    const tokens = createTokenStore(storage)
    const client = createApiClient({
      fetch: server.fetchImpl as typeof fetch,
      tokens,
      locks: options.locks === false ? null : locks,
    })
    return { tokens, client }
  }
  return { server, storage, lockNames: names, a: tab(), b: tab() }
}

function setup() {
  const server = fakeServer()
  const storage = memoryStorage()
  const tokens = createTokenStore(storage)
  const client = createApiClient({ fetch: server.fetchImpl as typeof fetch, tokens })
  return { server, storage, tokens, client }
}

describe('api client', () => {
  describe('happy', () => {
    it('builds /api URLs with repeated array keys and without empty values', () => {
      expect(
        apiUrl('/api', '/learning/catalog', {
          q: 'go',
          level: ['beginner', 'advanced'],
          sort: undefined,
          cursor: '',
        }),
      ).toBe('/api/learning/catalog?q=go&level=beginner&level=advanced')
    })

    it('sends the access token from memory', async () => {
      const { server, tokens, client } = setup()
      tokens.set(server.pair())
      await expect(client.request('/things')).resolves.toEqual({ ok: true })
      expect(server.calls.at(-1)?.auth).toBe('Bearer access-1')
    })

    it('refreshes once on a 401 through the cookie (cookie transport, empty body) and retries', async () => {
      const { server, storage, tokens, client } = setup()
      tokens.set(server.pair())
      server.expireAccess()
      await expect(client.request('/things')).resolves.toEqual({ ok: true })
      expect(server.calls.map((c) => c.url)).toEqual([
        '/api/things',
        '/api/identity/auth/refresh',
        '/api/things',
      ])
      expect(server.presented()).toEqual([{ cookie: 'refresh-token-0001', body: {}, transport: 'cookie' }])
      expect(server.jar()).toBe('refresh-token-0002')
      expect(tokens.signedIn()).toBe(true)
      expect(storage.getItem(SIGNED_IN_KEY)).toBe('ses_1')
    })

    it('restores the session after a reload with a cookie refresh (marker only)', async () => {
      const server = fakeServer()
      const storage = memoryStorage()
      storage.setItem(SIGNED_IN_KEY, 'ses_1')
      const tokens = createTokenStore(storage)
      const reloaded = createApiClient({ fetch: server.fetchImpl as typeof fetch, tokens })
      await expect(reloaded.request('/things')).resolves.toEqual({ ok: true })
      expect(server.calls.map((c) => c.url)).toEqual(['/api/identity/auth/refresh', '/api/things'])
      expect(tokens.access()).toBe('access-2')
    })

    it('does not try a refresh when this browser has no session marker', async () => {
      const { server, client } = setup()
      await expect(client.request('/things')).rejects.toMatchObject({ status: 401 })
      expect(server.presented()).toEqual([])
    })

    it('moves a refresh token an earlier version left in localStorage into the cookie, once', async () => {
      const server = fakeServer()
      server.setJar(undefined) // the earlier version never had a cookie
      const storage = memoryStorage()
      storage.setItem(LEGACY_REFRESH_KEY, 'refresh-token-0001')
      const tokens = createTokenStore(storage)
      expect(storage.getItem(LEGACY_REFRESH_KEY)).toBeNull() // deleted before any request
      expect(tokens.signedIn()).toBe(true)
      const client = createApiClient({ fetch: server.fetchImpl as typeof fetch, tokens, locks: null })
      await expect(client.request('/things')).resolves.toEqual({ ok: true })
      expect(server.presented()).toEqual([
        { cookie: undefined, body: { refreshToken: 'refresh-token-0001' }, transport: 'cookie' },
      ])
      expect(server.jar()).toBe('refresh-token-0002')
      expect(storage.getItem(SIGNED_IN_KEY)).toBe('ses_1')
      expect(tokens.takeLegacy()).toBeUndefined()
    })

    it('tabs opened together get their access tokens one refresh after another', async () => {
      const { server, storage, lockNames, a, b } = twoTabs()
      storage.setItem(SIGNED_IN_KEY, 'ses_1')
      server.setRefreshDelay(20)
      const results = await Promise.all([a.client.request('/things'), b.client.request('/things')])
      expect(results).toEqual([{ ok: true }, { ok: true }])
      expect(server.presented().map((p) => p.cookie)).toEqual(['refresh-token-0001', 'refresh-token-0002'])
      expect(lockNames).toEqual([REFRESH_LOCK, REFRESH_LOCK])
      expect(REFRESH_LOCK).toBe('learnmesh-refresh')
      expect(server.jar()).toBe('refresh-token-0003')
    })

    it('uses navigator.locks when the browser has it', async () => {
      const { locks, names } = fakeLocks()
      vi.stubGlobal('navigator', { locks })
      const server = fakeServer()
      const tokens = createTokenStore(memoryStorage())
      const client = createApiClient({ fetch: server.fetchImpl as typeof fetch, tokens })
      tokens.set(server.pair())
      server.expireAccess()
      await expect(client.request('/things')).resolves.toEqual({ ok: true })
      expect(names).toEqual(['learnmesh-refresh'])
    })

    it('hears another tab sign in, and drops its access token when another session takes over', () => {
      const events = new EventTarget()
      const storage = memoryStorage()
      const tokens = createTokenStore(storage, events as StorageEvents)
      const heard: boolean[] = []
      tokens.subscribe((signedIn) => heard.push(signedIn))
      storage.setItem(SIGNED_IN_KEY, 'ses_1')
      events.dispatchEvent(storageEvent(SIGNED_IN_KEY, null, 'ses_1'))
      expect(heard).toEqual([true])
      tokens.set({ accessToken: 'a1', expiresIn: 900, sessionId: 'ses_1' })
      events.dispatchEvent(storageEvent('theme', null, 'dark'))
      expect(tokens.access()).toBe('a1')
      // Someone signed in in another tab: the cookie is now another session's.
      storage.setItem(SIGNED_IN_KEY, 'ses_9')
      events.dispatchEvent(storageEvent(SIGNED_IN_KEY, 'ses_1', 'ses_9'))
      expect(heard).toEqual([true, true, true])
      expect(tokens.access()).toBeUndefined()
      expect(tokens.signedIn()).toBe(true)
    })

    it('exclusive() runs sign-in and sign-out under the refresh lock, between refreshes', async () => {
      const { server, storage, lockNames, a, b } = twoTabs()
      storage.setItem(SIGNED_IN_KEY, 'ses_1')
      server.setRefreshDelay(20)
      let jarAtSignIn: string | undefined
      const refreshing = a.client.refresh()
      const signIn = b.client.exclusive(async () => {
        jarAtSignIn = server.jar()
        return server.signInAgain()
      })
      b.tokens.set(await signIn)
      await refreshing
      // The sign-in started only once the refresh had its answer (and its rotated cookie).
      expect(jarAtSignIn).toBe('refresh-token-0002')
      expect(lockNames).toEqual([REFRESH_LOCK, REFRESH_LOCK])
      expect(server.jar()).toBe('refresh-token-0003') // the sign-in's cookie, not overwritten
    })
  })

  describe('errors', () => {
    it('turns problem+json into an ApiError whose message is the detail', async () => {
      const { client } = setup()
      const error = await client.request('/bad').catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ApiError)
      expect((error as ApiError).status).toBe(422)
      expect((error as ApiError).code).toBe('validation_failed')
      expect((error as ApiError).message).toBe('displayName must not be empty')
    })

    it('keeps extra problem members (mfaToken of mfa_required)', async () => {
      const client = createApiClient({
        fetch: (async () =>
          problem(401, 'mfa_required', 'Enter the code', { mfaToken: 'abc' })) as typeof fetch,
        tokens: createTokenStore(memoryStorage()),
      })
      const error = (await client
        .request('/identity/auth/login', { body: {}, anonymous: true })
        .catch((e: unknown) => e)) as ApiError
      expect(error.code).toBe('mfa_required')
      expect(error.problem.mfaToken).toBe('abc')
    })

    it('reports an unreachable server as a NetworkError', async () => {
      const client = createApiClient({
        fetch: (async () => {
          throw new TypeError('fetch failed')
        }) as typeof fetch,
      })
      await expect(client.request('/things')).rejects.toBeInstanceOf(NetworkError)
    })

    it('ends the session when the refresh cookie is refused (or gone)', async () => {
      for (const cookie of ['refresh-token-unknown', undefined]) {
        const { server, storage, tokens, client } = setup()
        tokens.set(server.pair())
        server.setJar(cookie)
        server.expireAccess()
        let ended = false
        tokens.subscribe((signedIn) => (ended = !signedIn))
        await expect(client.request('/things')).rejects.toMatchObject({ status: 401 })
        expect(tokens.signedIn()).toBe(false)
        expect(tokens.access()).toBeUndefined()
        expect(storage.getItem(SIGNED_IN_KEY)).toBeNull()
        expect(ended).toBe(true)
      }
    })

    it('keeps the session when the refresh fails for a passing reason (503, 429, 403, network)', async () => {
      for (const failure of [
        () => problem(503, 'unavailable', 'Try again'),
        () => problem(429, 'rate_limited', 'Slow down'),
        () => problem(403, 'forbidden', 'Not from here'),
        () => Promise.reject(new TypeError('fetch failed')),
      ]) {
        const server = fakeServer()
        const tokens = createTokenStore(memoryStorage())
        let down = true
        const fetchImpl = (input: RequestInfo | URL, init?: RequestInit) =>
          down && String(input) === '/api/identity/auth/refresh' ? failure() : server.fetchImpl(input, init)
        const client = createApiClient({ fetch: fetchImpl as typeof fetch, tokens, locks: null })
        tokens.set(server.pair())
        server.expireAccess()
        await expect(client.request('/things')).rejects.toBeInstanceOf(Error)
        expect(tokens.signedIn()).toBe(true)
        down = false
        await expect(client.request('/things')).resolves.toEqual({ ok: true })
      }
    })

    it('keeps the session for the life of the page when storage refuses the marker', async () => {
      const server = fakeServer()
      const refusing = {
        getItem: () => null,
        setItem: () => {
          throw new DOMException('quota', 'QuotaExceededError')
        },
        removeItem: () => undefined,
      }
      const tokens = createTokenStore(refusing)
      const client = createApiClient({ fetch: server.fetchImpl as typeof fetch, tokens, locks: null })
      tokens.set(server.pair())
      server.expireAccess()
      await expect(client.request('/things')).resolves.toEqual({ ok: true })
      expect(tokens.signedIn()).toBe(true)
      tokens.clear()
      expect(tokens.signedIn()).toBe(false)
    })

    it('a refused refresh does not sign out a session another tab started meanwhile', async () => {
      const { server, storage, a, b } = twoTabs({ locks: false })
      storage.setItem(SIGNED_IN_KEY, 'ses_1')
      server.setJar('refresh-token-unknown')
      server.setRefreshDelay(20)
      const pending = a.client.request('/things')
      await sleep(5)
      b.tokens.set(server.signInAgain()) // signed in again in the other tab while the refresh was out
      await expect(pending).resolves.toEqual({ ok: true })
      expect(storage.getItem(SIGNED_IN_KEY)).toBe('ses_2')
    })
  })

  describe('security', () => {
    it('never writes a refresh token to localStorage, even when handed one', () => {
      const storage = memoryStorage()
      const tokens = createTokenStore(storage)
      tokens.set({
        accessToken: 'access-x',
        refreshToken: 'refresh-secret-123',
        expiresIn: 900,
        sessionId: 'ses_1',
      })
      const stored = [...storage.map.entries()].flat().join(' ')
      expect(stored).not.toContain('refresh-secret-123')
      expect(stored).not.toContain('access-x')
      expect(storage.map.has(LEGACY_REFRESH_KEY)).toBe(false)
    })

    it('a tab that waited for the lock presents the cookie the other tab got, never a rotated one', async () => {
      const { server, a, b } = twoTabs()
      a.tokens.set(server.pair())
      b.tokens.set(server.pair())
      server.expireAccess()
      server.setRefreshDelay(20)
      const results = await Promise.all([a.client.request('/things'), b.client.request('/things')])
      expect(results).toEqual([{ ok: true }, { ok: true }])
      const presented = server.presented().map((p) => p.cookie)
      expect(presented).toEqual(['refresh-token-0001', 'refresh-token-0002'])
      expect(new Set(presented).size).toBe(presented.length)
      expect(server.presented().every((p) => p.transport === 'cookie' && !p.body?.refreshToken)).toBe(true)
    })

    it('a sign-out in another tab ends the session here and is not undone by a refresh in flight', async () => {
      const events = new EventTarget()
      const server = fakeServer()
      const storage = memoryStorage()
      const tokens = createTokenStore(storage, events as StorageEvents)
      const client = createApiClient({ fetch: server.fetchImpl as typeof fetch, tokens, locks: null })
      tokens.set(server.pair())
      let ended = false
      tokens.subscribe((signedIn) => (ended = !signedIn))
      server.expireAccess()
      server.setRefreshDelay(20)
      const pending = client.request('/things').catch((e: unknown) => e)
      await sleep(5)
      storage.removeItem(SIGNED_IN_KEY) // the other tab signed out
      events.dispatchEvent(storageEvent(SIGNED_IN_KEY, 'ses_1', null))
      expect(ended).toBe(true)
      expect(tokens.access()).toBeUndefined()
      expect(await pending).toMatchObject({ status: 401 })
      expect(tokens.signedIn()).toBe(false)
      expect(storage.getItem(SIGNED_IN_KEY)).toBeNull()
    })

    it('runs a single refresh for concurrent 401s, so a rotated cookie is never presented twice', async () => {
      const { server, tokens, client } = setup()
      tokens.set(server.pair())
      server.expireAccess()
      server.setRefreshDelay(20)
      const results = await Promise.all([
        client.request('/things'),
        client.request('/things'),
        client.request('/things'),
      ])
      expect(results).toEqual([{ ok: true }, { ok: true }, { ok: true }])
      expect(server.presented()).toHaveLength(1)
      expect(server.jar()).toBe('refresh-token-0002')
    })

    it('sends no token on anonymous requests (sign-in, sign-up)', async () => {
      const { server, tokens, client } = setup()
      tokens.set(server.pair())
      await client
        .request('/identity/auth/login', { body: { email: 'a@b.c', password: 'x' }, anonymous: true })
        .catch(() => undefined)
      expect(server.calls.at(-1)?.auth).toBeUndefined()
    })
  })
})
