import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import Provider, { type ClientMetadata } from 'oidc-provider'

/** A person known to the test provider; the login name is the `sub`. */
export interface TestAccount {
  email?: string
  email_verified?: boolean
  name?: string
}

/** A real OpenID provider (oidc-provider) on 127.0.0.1 with an ephemeral port, for tests only. */
export interface TestOidcProvider {
  issuer: string
  provider: Provider
  /**
   * Plays the browser from the authorization URL to the redirect back to the client: signs in as
   * `login` on the provider's development login form, consents, and returns the final redirect URL.
   * `abort` declines instead of signing in.
   */
  authorize(authorizationUrl: string, login: string, options?: { abort?: boolean }): Promise<URL>
  close(): Promise<void>
}

/**
 * Starts oidc-provider v9 with PKCE required, the given clients and accounts, and its development
 * interactions (login form accepting any login, consent form) that `authorize` drives over HTTP.
 */
export async function startTestOidcProvider(options: {
  clients: ClientMetadata[]
  accounts: Record<string, TestAccount>
  /** When true (the spec default) the ID token carries only `sub`: email comes from userinfo. */
  conformIdTokenClaims?: boolean
}): Promise<TestOidcProvider> {
  const server: Server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const provider = new Provider(issuer, {
    clients: options.clients,
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    conformIdTokenClaims: options.conformIdTokenClaims ?? true,
    cookies: { keys: ['learnmesh-test-provider-cookie-key'] },
    features: { devInteractions: { enabled: true } },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      IdToken: 600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
    async findAccount(_ctx, sub) {
      const account = options.accounts[sub]
      if (!account) return undefined
      return { accountId: sub, claims: async () => ({ sub, ...account }) }
    },
  })
  const handle = provider.callback()
  server.on('request', (req, res) => {
    void handle(req, res)
  })

  async function authorize(
    authorizationUrl: string,
    login: string,
    opts: { abort?: boolean } = {},
  ): Promise<URL> {
    const jar = new Map<string, string>()
    const redirectUris = new Set(options.clients.flatMap((c) => c.redirect_uris ?? []))
    const send = async (url: string, init: RequestInit = {}): Promise<Response> => {
      const headers = new Headers(init.headers)
      if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '))
      const response = await fetch(url, { ...init, headers, redirect: 'manual' })
      for (const line of response.headers.getSetCookie()) {
        const [pair = ''] = line.split(';')
        const eq = pair.indexOf('=')
        const name = pair.slice(0, eq).trim()
        const value = pair.slice(eq + 1).trim()
        if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(name)
        else jar.set(name, value)
      }
      return response
    }
    let url = authorizationUrl
    for (let step = 0; step < 12; step++) {
      const target = new URL(url)
      if (redirectUris.has(`${target.origin}${target.pathname}`)) return target
      const response = await send(url)
      if (response.status >= 300 && response.status < 400) {
        url = new URL(response.headers.get('location')!, url).href
        continue
      }
      const html = await response.text()
      const prompt = /name="prompt" value="(login|consent)"/.exec(html)?.[1]
      if (response.status !== 200 || !prompt)
        throw new Error(
          `test provider: unexpected ${response.status} at ${target.pathname}: ${html.slice(0, 300)}`,
        )
      if (opts.abort) {
        url = `${url.replace(/\/$/, '')}/abort`
        continue
      }
      const body = new URLSearchParams(prompt === 'login' ? { prompt, login, password: 'any' } : { prompt })
      const submitted = await send(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      })
      if (submitted.status < 300 || submitted.status >= 400) {
        throw new Error(
          `test provider: ${prompt} submit answered ${submitted.status}: ${(await submitted.text()).slice(0, 300)}`,
        )
      }
      url = new URL(submitted.headers.get('location')!, url).href
    }
    throw new Error('test provider: too many redirects')
  }

  return {
    issuer,
    provider,
    authorize,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}

/** What the fake provider's token endpoint puts in the next ID token. */
export interface FakeIdTokenPlan {
  /** Claims merged over the defaults (iss, aud = `clientId`, sub, email, email_verified, iat, exp). */
  claims?: Record<string, unknown>
  /** Sign with a key that is not in the provider's JWKS. */
  foreignKey?: boolean
}

/**
 * A hand-rolled OpenID provider (discovery, JWKS, token endpoint) whose ID tokens the test shapes:
 * wrong audience, wrong issuer, foreign signature, and slow or failing endpoints. It has no
 * authorization endpoint logic: tests call the client's callback with any code.
 */
export interface FakeOidcProvider {
  issuer: string
  /** The next token response's ID token. */
  plan: FakeIdTokenPlan
  /** Discovery requests answered with 503 before it works again. */
  failDiscovery: number
  /** Milliseconds the token endpoint waits before answering. */
  tokenDelayMs: number
  /** Requests received, by path. */
  hits: Record<string, number>
  close(): Promise<void>
}

/** Starts the fake provider on 127.0.0.1 with an ephemeral port; ID tokens are for `clientId`. */
export async function startFakeOidcProvider(clientId: string): Promise<FakeOidcProvider> {
  const key = await generateKeyPair('ES256', { extractable: true })
  const foreign = await generateKeyPair('ES256')
  const jwk = { ...(await exportJWK(key.publicKey)), kid: 'fake-1', alg: 'ES256', use: 'sig' }
  const server: Server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const fake: FakeOidcProvider = {
    issuer,
    plan: {},
    failDiscovery: 0,
    tokenDelayMs: 0,
    hits: {},
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
  server.on('request', (req, res) => {
    const path = new URL(req.url ?? '/', issuer).pathname
    fake.hits[path] = (fake.hits[path] ?? 0) + 1
    const json = (status: number, body: unknown) => {
      res
        .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify(body))
    }
    if (path === '/.well-known/openid-configuration') {
      if (fake.failDiscovery > 0) {
        fake.failDiscovery--
        return json(503, { error: 'temporarily_unavailable' })
      }
      return json(200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        userinfo_endpoint: `${issuer}/userinfo`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['ES256'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
      })
    }
    if (path === '/jwks') return json(200, { keys: [jwk] })
    if (path === '/userinfo') {
      return json(200, {
        sub: fake.plan.claims?.sub ?? 'fake-subject',
        email: 'from-userinfo@example.test',
        email_verified: true,
        name: 'From Userinfo',
      })
    }
    if (path === '/token' && req.method === 'POST') {
      req.resume()
      req.on('end', () => {
        const plan = fake.plan
        const now = Math.floor(Date.now() / 1000)
        const claims = {
          iss: issuer,
          aud: clientId,
          sub: 'fake-subject',
          email: 'fake@example.test',
          email_verified: true,
          iat: now,
          exp: now + 300,
          ...plan.claims,
        }
        void new SignJWT(claims)
          .setProtectedHeader({ alg: 'ES256', kid: 'fake-1' })
          .sign(plan.foreignKey ? foreign.privateKey : key.privateKey)
          .then((idToken) => {
            setTimeout(() => {
              if (!res.destroyed)
                json(200, {
                  access_token: 'fake-access-token',
                  token_type: 'Bearer',
                  expires_in: 300,
                  id_token: idToken,
                })
            }, fake.tokenDelayMs)
          })
      })
      return
    }
    json(404, { error: 'not_found' })
  })
  return fake
}
