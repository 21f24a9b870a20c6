import { createServer, type Server as HttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { io as connect, type Socket } from 'socket.io-client'
import {
  createTestCommunication,
  useTestKit,
  type TestCommunication,
  type TestCommunicationOptions,
  type TestUser,
} from '../test-helpers.ts'
import type { CommunicationDeps } from '../deps.ts'
import { attachRealtimeServer, type RealtimeServer } from '../realtime/server.ts'

/**
 * Test-only: a Socket.IO server for `t` (built from `deps`, default t's own; with `redisUrl`, on the
 * Redis fan-out) on a real HTTP server at 127.0.0.1:0, and socket.io-client connections as test
 * users. `close()` disconnects them and closes both servers (not `t`).
 */
export async function attachTestSockets(
  t: TestCommunication,
  options: { deps?: CommunicationDeps; redisUrl?: string } = {},
) {
  const http: HttpServer = createServer()
  const socketServer: RealtimeServer = attachRealtimeServer({
    server: http,
    pathPrefix: '',
    deps: options.deps ?? t.deps,
    verifier: t.verifier,
    ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  await socketServer.io.ready
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  const sockets: Socket[] = []

  /** A websocket connection with `token` (default: a fresh one for `u`); resolves once `ready`. */
  async function socketFor(u: TestUser | null, opts: { token?: string } = {}): Promise<Socket> {
    const token = opts.token ?? (u ? await t.token(u) : undefined)
    const s = connect(url, {
      transports: ['websocket'],
      auth: token === undefined ? {} : { token },
      reconnection: false,
      forceNew: true,
    })
    sockets.push(s)
    await new Promise<void>((resolve, reject) => {
      s.once('ready', () => resolve())
      s.once('connect_error', reject)
    })
    return s
  }

  return {
    url,
    socketServer,
    socketFor,
    async close() {
      for (const s of sockets) s.disconnect()
      await socketServer.close()
      await new Promise<void>((resolve) => http.close(() => resolve()))
    },
  }
}

/**
 * Test-only: communication with its Socket.IO server (attachTestSockets; the REST app stays on
 * inject), and small helpers.
 */
export async function createChatTestKit(options: TestCommunicationOptions & { redisUrl?: string } = {}) {
  const { redisUrl, ...communication } = options
  const t = await createTestCommunication(communication)
  const sockets = await attachTestSockets(t, redisUrl ? { redisUrl } : {})

  /** Users known to communication (as identity.user.registered would have made them). */
  async function people(...users: TestUser[]) {
    for (const u of users) await t.person(u)
  }

  return {
    ...t,
    ...sockets,
    people,
    /** Closes the sockets and servers, then communication. */
    async close() {
      await sockets.close()
      await t.close()
    },
  }
}

/** What createChatTestKit returns. */
export type ChatTestKit = Awaited<ReturnType<typeof createChatTestKit>>

/** A chat test kit for the enclosing describe (or file): made in beforeAll, closed in afterAll. */
export function useChatTestKit(options: TestCommunicationOptions & { redisUrl?: string } = {}): ChatTestKit {
  return useTestKit(() => createChatTestKit(options))
}

/** Emits with an acknowledgement and resolves with it. */
export function request(socket: Socket, event: string, data: unknown): Promise<Record<string, unknown>> {
  return socket.timeout(5000).emitWithAck(event, data) as Promise<Record<string, unknown>>
}

/** The next `event` on `socket` (rejects after `ms`). */
export function next<T = Record<string, unknown>>(socket: Socket, event: string, ms = 3000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms`)), ms)
    socket.once(event, (data: T) => {
      clearTimeout(timer)
      resolve(data)
    })
  })
}

/** Resolves true when `event` does NOT arrive within `ms`. */
export function silence(socket: Socket, event: string, ms = 300): Promise<boolean> {
  return new Promise((resolve) => {
    const onEvent = () => {
      clearTimeout(timer)
      resolve(false)
    }
    const timer = setTimeout(() => {
      socket.off(event, onEvent)
      resolve(true)
    }, ms)
    socket.once(event, onEvent)
  })
}

/**
 * A fresh org with a group: Olga (tutor) owns "Study group" with her learners Ann and Ben; Cat is
 * another learner of hers (a contact, not in it), Sam a learner she does not know, Ada an org admin.
 */
export async function groupWorld(t: TestCommunication) {
  const w = await t.cast({
    olga: ['tutor', 'Olga Owner'],
    ann: ['learner', 'Ann Member'],
    ben: ['learner', 'Ben Member'],
    cat: ['learner', 'Cat Contact'],
    sam: ['learner', 'Sam Stranger'],
    ada: ['org_admin', 'Ada Admin'],
  })
  for (const u of [w.ann, w.ben, w.cat]) await t.lesson(w.olga, u)
  const created = await t.call(w.olga, 'POST', '/conversations/group', {
    title: 'Study group',
    memberIds: [w.ann.userId, w.ben.userId],
  })
  if (created.statusCode !== 201) throw new Error(`group not created: ${created.body}`)
  return { ...w, id: created.json().id as string }
}

/** groupWorld with Olga, Ann, Ben and Cat each connected (`so`, `sa`, `sb`, `sc`). */
export async function connectedGroupWorld(t: ChatTestKit) {
  const w = await groupWorld(t)
  return {
    ...w,
    so: await t.socketFor(w.olga),
    sa: await t.socketFor(w.ann),
    sb: await t.socketFor(w.ben),
    sc: await t.socketFor(w.cat),
  }
}
