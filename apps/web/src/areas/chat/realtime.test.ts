import { afterEach, describe, expect, it, vi } from 'vitest'
import type { ChatMessage } from '../../api/chat.ts'
import { api } from '../../api/client.ts'
import { Realtime, newer } from './realtime.ts'

type Listener = (...args: unknown[]) => void

/** A stand-in for socket.io-client's socket: records emits, lets the test fire server events. */
function fakeSocketModule() {
  const listeners = new Map<string, Listener[]>()
  const any: Listener[] = []
  const emitted: { event: string; payload: unknown }[] = []
  let ackFor: (event: string, payload: unknown) => unknown = () => ({ ok: true })
  const socket = {
    connected: false,
    active: true,
    on(event: string, l: Listener) {
      listeners.set(event, [...(listeners.get(event) ?? []), l])
      return socket
    },
    onAny(l: Listener) {
      any.push(l)
    },
    timeout() {
      return {
        emitWithAck: async (event: string, payload: unknown) => {
          emitted.push({ event, payload })
          return ackFor(event, payload)
        },
      }
    },
    connect: vi.fn(),
    disconnect: vi.fn(),
    removeAllListeners: vi.fn(),
  }
  const fire = (event: string, payload?: unknown) => {
    for (const l of any) l(event, payload)
    for (const l of listeners.get(event) ?? []) l(payload)
  }
  const io = vi.fn((_options?: unknown) => socket)
  return {
    module: { io } as unknown as typeof import('socket.io-client'),
    socket,
    io,
    fire,
    emitted,
    setAck: (f: typeof ackFor) => (ackFor = f),
  }
}

const mid = (n: number) => `msg_${n.toString(16).padStart(32, '0')}`
const message = (n: number, conversationId = 'cnv_1'): ChatMessage => ({
  id: mid(n),
  conversationId,
  senderId: 'usr_b',
  clientMessageId: `c${n}`,
  body: `m${n}`,
  attachments: [],
  createdAt: '2026-01-01T00:00:00.000Z',
  editedAt: null,
  deletedAt: null,
})

afterEach(() => {
  api.tokens.clear()
})

describe('Realtime', () => {
  it('loads socket.io-client only on start, with the gateway path and the current access token', async () => {
    const fake = fakeSocketModule()
    const load = vi.fn(async () => fake.module)
    const rt = new Realtime(load)
    expect(load).not.toHaveBeenCalled()
    api.tokens.set({ accessToken: 'tok-1', refreshToken: 'r', expiresIn: 900 })
    await rt.start()
    await rt.start()
    expect(load).toHaveBeenCalledTimes(1)
    const options = fake.io.mock.calls[0]![0] as { path: string; auth: (cb: (a: unknown) => void) => void }
    expect(options.path).toBe('/api/communication/socket.io/')
    let auth: unknown
    options.auth((a) => (auth = a))
    expect(auth).toEqual({ token: 'tok-1' })
    rt.stop()
  })

  it('after a reconnect, resumes from the last message id seen and replays what was missed', async () => {
    const fake = fakeSocketModule()
    const rt = new Realtime(async () => fake.module)
    api.tokens.set({ accessToken: 'tok', refreshToken: 'r', expiresIn: 900 })
    await rt.start()
    fake.socket.connected = true
    const seen: string[] = []
    rt.on('message:new', (m: ChatMessage) => seen.push(m.id))
    const resumed = vi.fn()
    rt.on('resumed', resumed)

    fake.fire('message:new', message(1))
    fake.fire('message:new', message(2))
    expect(rt.lastSeen.get('cnv_1')).toBe(mid(2))

    fake.setAck((event) =>
      event === 'resume'
        ? {
            ok: true,
            conversations: [{ conversationId: 'cnv_1', messages: [message(3), message(4)], more: false }],
          }
        : { ok: true },
    )
    fake.fire('disconnect', 'transport close')
    expect(rt.status).toBe('offline')
    fake.fire('ready', { conversationIds: ['cnv_1'] })
    await vi.waitFor(() => expect(resumed).toHaveBeenCalled())
    expect(fake.emitted.find((e) => e.event === 'resume')?.payload).toEqual({
      conversations: [{ conversationId: 'cnv_1', lastMessageId: mid(2) }],
    })
    expect(seen).toEqual([mid(1), mid(2), mid(3), mid(4)])
    expect(rt.lastSeen.get('cnv_1')).toBe(mid(4))
    expect(rt.status).toBe('connected')
    rt.stop()
    expect(rt.lastSeen.size).toBe(0)
  })

  it('never moves the last seen id backwards', () => {
    const rt = new Realtime(async () => fakeSocketModule().module)
    rt.noteSeen('cnv_1', mid(5))
    rt.noteSeen('cnv_1', mid(3))
    expect(rt.lastSeen.get('cnv_1')).toBe(mid(5))
    expect(newer(mid(2), null)).toBe(true)
    expect(newer(null, mid(2))).toBe(false)
  })
})
