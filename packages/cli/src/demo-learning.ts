import type { App } from '@learnmesh/kernel'
import { seedLearning, type SeedActor, type SeedRequest } from '@learnmesh/learning'
import { demo } from './services.ts'

const actors: Record<SeedActor, (typeof demo.users)[number]['email']> = {
  admin: 'admin@demo.learnmesh.dev',
  instructor: 'instructor@demo.learnmesh.dev',
  learner: 'learner@demo.learnmesh.dev',
}

/** How the demo seed reaches the services: in-process apps, or the gateway's URL. */
export type DemoTarget = { identity: App; learning: App; tutoring?: App } | { gatewayUrl: string }

/** Sends one request to a service, in process or through the gateway. */
export async function send(
  target: DemoTarget,
  service: 'identity' | 'learning' | 'tutoring',
  method: string,
  path: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {}
  if ('gatewayUrl' in target) {
    const res = await fetch(`${target.gatewayUrl}/api/${service}${path}`, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await res.text()
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null }
  }
  const app = target[service]
  if (!app) throw new Error(`demo seed: ${service} is not running`)
  const res = await app.inject({
    method: method as 'GET',
    url: path,
    headers,
    ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
  })
  return { status: res.statusCode, body: res.body ? (res.json() as unknown) : null }
}

/**
 * Seeds the demo courses through learning's API as the demo people (signing in with their demo
 * passwords), so the data is exactly what the product itself makes. Returns what the seed did.
 */
export async function seedDemoLearning(
  target: DemoTarget,
): Promise<{ created: boolean; courseIds: string[] }> {
  const tokens = new Map<SeedActor, string>()
  const tokenOf = async (as: SeedActor) => {
    const cached = tokens.get(as)
    if (cached) return cached
    const user = demo.users.find((u) => u.email === actors[as])!
    const res = await send(target, 'identity', 'POST', '/auth/login', {
      email: user.email,
      password: user.password,
    })
    if (res.status !== 200) throw new Error(`demo seed: ${user.email} cannot sign in (${res.status})`)
    const token = (res.body as { accessToken: string }).accessToken
    tokens.set(as, token)
    return token
  }
  const request: SeedRequest = async (as, method, path, body) =>
    send(target, 'learning', method, path, body, await tokenOf(as))
  return seedLearning(request)
}
