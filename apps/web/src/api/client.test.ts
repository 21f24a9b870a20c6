import { afterEach, describe, expect, it, vi } from 'vitest'
import { apiUrl, createApiClient, REFRESH_LOCK, type RefreshLocks } from './client.ts'
import { ApiError, NetworkError } from './problem.ts'
import { createTokenStore, type StorageEvents, type TokenPair } from './tokens.ts'

const REFRESH_KEY = 'learnmesh.refreshToken'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

afterEach(() => {
  vi.unstubAllGlobals()
})

function memoryStorage() {
  const map = new Map<string, string>()
  return {
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
  body: unknown
}

/** A fake gateway: identity rotates refresh tokens; /things needs an unexpired access token. */
function fakeServer() {
  const calls: Call[] = []
  let generation = 1
  let current = { access: 'access-1', refresh: 'refresh-token-0001' }
  const validAccess = new Set([current.access])
  const used = new Set<string>()
  let refreshDelay = 0
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input)
    const headers = (init?.headers ?? {}) as Record<string, string>
    const body = init?.body ? (JSON.parse(String(init.body)) as Record<string, string>) : undefined
    calls.push({ url, auth: headers.authorization, body })
    if (url === '/api/identity/auth/refresh') {
      if (refreshDelay) await new Promise((r) => setTimeout(r, refreshDelay))
      const token = body?.refreshToken ?? ''
      if (used.has(token)) return problem(401, 'token_reused', 'This session has ended')
      if (token !== current.refresh) return problem(401, 'unauthorized', 'Unknown refresh token')
      used.add(token)
      generation += 1
      current = { access: `access-${generation}`, refresh: `refresh-token-000${generation}` }
      validAccess.add(current.access)
      return json(200, {
        accessToken: current.access,
        refreshToken: current.refresh,
        expiresIn: 900,
        tokenType: 'Bearer',
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
    /** Refresh tokens presented, in order. */
    presented: () => calls.filter((c) => c.url === '/api/identity/auth/refresh').map((c) => c.body),
    setRefreshDelay: (ms: number) => (refreshDelay = ms),
    pair: (): TokenPair => ({ accessToken: current.access, refreshToken: current.refresh, expiresIn: 900 }),
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

/** Two tabs of the app: one localStorage, one lock manager, each its own access token in memory. */
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
  const tokens = createTokenStore(memoryStorage())
  const client = createApiClient({ fetch: server.fetchImpl as typeof fetch, tokens })
  return { server, tokens, client }
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

    it('refreshes once on a 401, stores the rotated refresh token and retries', async () => {
      const { server, tokens, client } = setup()
      tokens.set(server.pair())
      server.expireAccess()
      // the server rotated the access token only: a refresh gives the new one
      await expect(client.request('/things')).resolves.toEqual({ ok: true })
      expect(server.calls.map((c) => c.url)).toEqual([
        '/api/things',
        '/api/identity/auth/refresh',
        '/api/things',
      ])
      expect(tokens.refresh()).toBe('refresh-token-0002')
    })

    it('gets an access token first after a reload (refresh token only)', async () => {
      const { server, tokens, client } = setup()
      const storage = memoryStorage()
      storage.setItem('learnmesh.refreshToken', server.pair().refreshToken)
      const reloaded = createApiClient({
        fetch: server.fetchImpl as typeof fetch,
        tokens: createTokenStore(storage),
      })
      await expect(reloaded.request('/things')).resolves.toEqual({ ok: true })
      expect(server.calls.map((c) => c.url)).toEqual(['/api/identity/auth/refresh', '/api/things'])
      expect(tokens.access()).toBeUndefined()
      void client
    })

    it('tabs opened together get their access tokens one refresh after another', async () => {
      const { server, storage, lockNames, a, b } = twoTabs()
      storage.setItem(REFRESH_KEY, server.pair().refreshToken)
      server.setRefreshDelay(20)
      const results = await Promise.all([a.client.request('/things'), b.client.request('/things')])
      expect(results).toEqual([{ ok: true }, { ok: true }])
      expect(server.presented()).toEqual([
        { refreshToken: 'refresh-token-0001' },
        { refreshToken: 'refresh-token-0002' },
      ])
      expect(lockNames).toEqual([REFRESH_LOCK, REFRESH_LOCK])
      expect(REFRESH_LOCK).toBe('learnmesh-refresh')
      expect(storage.getItem(REFRESH_KEY)).toBe('refresh-token-0003')
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

    it('hears another tab sign in and rotate the token (storage event)', () => {
      const events = new EventTarget()
      const storage = memoryStorage()
      const tokens = createTokenStore(storage, events as StorageEvents)
      const heard: boolean[] = []
      tokens.subscribe((signedIn) => heard.push(signedIn))
      storage.setItem(REFRESH_KEY, 'r1')
      events.dispatchEvent(storageEvent(REFRESH_KEY, null, 'r1'))
      expect(heard).toEqual([true])
      tokens.set({ accessToken: 'a1', refreshToken: 'r2', expiresIn: 900 })
      storage.setItem(REFRESH_KEY, 'r3')
      events.dispatchEvent(storageEvent(REFRESH_KEY, 'r2', 'r3'))
      events.dispatchEvent(storageEvent('theme', null, 'dark'))
      // A rotation elsewhere keeps this tab's access token; its next refresh presents r3.
      expect(heard).toEqual([true, true])
      expect(tokens.access()).toBe('a1')
      expect(tokens.refresh()).toBe('r3')
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

    it('ends the session when the refresh token is refused', async () => {
      const { server, tokens, client } = setup()
      tokens.set({ ...server.pair(), refreshToken: 'refresh-token-unknown' })
      server.expireAccess()
      let ended = false
      tokens.subscribe((signedIn) => (ended = !signedIn))
      await expect(client.request('/things')).rejects.toMatchObject({ status: 401 })
      expect(tokens.refresh()).toBeUndefined()
      expect(tokens.access()).toBeUndefined()
      expect(ended).toBe(true)
    })

    it('keeps the session when the refresh fails for a passing reason (503, 429, network)', async () => {
      for (const failure of [
        () => problem(503, 'unavailable', 'Try again'),
        () => problem(429, 'rate_limited', 'Slow down'),
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
        expect(tokens.refresh()).toBe('refresh-token-0001')
        down = false
        await expect(client.request('/things')).resolves.toEqual({ ok: true })
      }
    })

    it('keeps the session for the life of the page when storage refuses the refresh token', async () => {
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
      expect(tokens.refresh()).toBe('refresh-token-0002')
      tokens.clear()
      expect(tokens.refresh()).toBeUndefined()
    })

    it('a refused refresh does not sign out a session another tab stored meanwhile', async () => {
      const { server, storage, a, b } = twoTabs()
      storage.setItem(REFRESH_KEY, 'refresh-token-unknown')
      server.setRefreshDelay(20)
      const pending = a.client.request('/things')
      await sleep(5)
      b.tokens.set(server.pair()) // signed in again in the other tab while the refresh was out
      await expect(pending).resolves.toEqual({ ok: true })
      expect(storage.getItem(REFRESH_KEY)).toBe('refresh-token-0002')
    })
  })

  describe('security', () => {
    it('a tab that waited for the lock presents the token the other tab stored, never a rotated one', async () => {
      const { server, storage, a, b } = twoTabs()
      a.tokens.set(server.pair())
      b.tokens.set(server.pair())
      server.expireAccess()
      server.setRefreshDelay(20)
      const results = await Promise.all([a.client.request('/things'), b.client.request('/things')])
      expect(results).toEqual([{ ok: true }, { ok: true }])
      const presented = server.presented().map((body) => (body as { refreshToken: string }).refreshToken)
      expect(presented).toEqual(['refresh-token-0001', 'refresh-token-0002'])
      expect(new Set(presented).size).toBe(presented.length)
      expect(storage.getItem(REFRESH_KEY)).toBe('refresh-token-0003')
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
      storage.removeItem(REFRESH_KEY) // the other tab signed out
      events.dispatchEvent(storageEvent(REFRESH_KEY, 'refresh-token-0001', null))
      expect(ended).toBe(true)
      expect(tokens.access()).toBeUndefined()
      expect(await pending).toMatchObject({ status: 401 })
      expect(tokens.refresh()).toBeUndefined()
      expect(storage.getItem(REFRESH_KEY)).toBeNull()
    })

    it('runs a single refresh for concurrent 401s, so a rotated token is never presented twice', async () => {
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
      const refreshes = server.calls.filter((c) => c.url === '/api/identity/auth/refresh')
      expect(refreshes).toHaveLength(1)
      expect(tokens.refresh()).toBe('refresh-token-0002')
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
