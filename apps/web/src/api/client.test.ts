import { describe, expect, it } from 'vitest'
import { apiUrl, createApiClient } from './client.ts'
import { ApiError, NetworkError } from './problem.ts'
import { createTokenStore, type TokenPair } from './tokens.ts'

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

/** A fake gateway: identity rotates refresh tokens; /things needs the current access token. */
function fakeServer() {
  const calls: Call[] = []
  let generation = 1
  let current = { access: 'access-1', refresh: 'refresh-token-0001' }
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
      return json(200, {
        accessToken: current.access,
        refreshToken: current.refresh,
        expiresIn: 900,
        tokenType: 'Bearer',
      })
    }
    if (url.startsWith('/api/things')) {
      if (headers.authorization !== `Bearer ${current.access}`)
        return problem(401, 'unauthorized', 'Token expired')
      return json(200, { ok: true })
    }
    if (url.startsWith('/api/bad')) return problem(422, 'validation_failed', 'displayName must not be empty')
    return problem(404, 'not_found', 'No route')
  }
  return {
    calls,
    fetchImpl,
    expireAccess: () => {
      current = { ...current, access: `${current.access}-rotated-server-side` }
    },
    setRefreshDelay: (ms: number) => (refreshDelay = ms),
    pair: (): TokenPair => ({ accessToken: current.access, refreshToken: current.refresh, expiresIn: 900 }),
  }
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
  })

  describe('security', () => {
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
