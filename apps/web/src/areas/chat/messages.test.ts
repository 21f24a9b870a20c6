import { describe, expect, it } from 'vitest'
import type { ChatMessage } from '../../api/chat.ts'
import { applyDeleted, mergeMessages, newestId, pendingId, type ViewMessage } from './messages.ts'

const id = (n: number) => `msg_${n.toString(16).padStart(32, '0')}`
const msg = (n: number, over: Partial<ChatMessage> = {}): ChatMessage => ({
  id: id(n),
  conversationId: 'cnv_1',
  senderId: n % 2 ? 'usr_a' : 'usr_b',
  clientMessageId: `c${n}`,
  body: `m${n}`,
  attachments: [],
  createdAt: '2026-01-01T00:00:00.000Z',
  editedAt: null,
  deletedAt: null,
  ...over,
})
const pending = (cid: string, sender = 'usr_a'): ViewMessage => ({
  ...msg(0, { senderId: sender, clientMessageId: cid, body: 'draft' }),
  id: pendingId(cid),
  pending: true,
})

describe('mergeMessages', () => {
  it('orders by id whatever the arrival order (history newest first, live oldest first)', () => {
    const merged = mergeMessages([msg(5), msg(3)], [msg(4), msg(1)])
    expect(merged.map((m) => m.body)).toEqual(['m1', 'm3', 'm4', 'm5'])
  })

  it('keeps one copy of a message replayed after a reconnect (resume + live + history)', () => {
    const shown = mergeMessages([], [msg(1), msg(2)])
    const afterResume = mergeMessages(shown, [msg(2), msg(3)])
    const afterLive = mergeMessages(afterResume, [msg(3)])
    expect(afterLive.map((m) => m.id)).toEqual([id(1), id(2), id(3)])
  })

  it('replaces my pending copy by the stored message with the same client id, keeping other pending ones last', () => {
    const shown = mergeMessages([msg(1)], [pending('x'), pending('y')])
    expect(shown.map((m) => m.id)).toEqual([id(1), pendingId('x'), pendingId('y')])
    const stored = msg(7, { senderId: 'usr_a', clientMessageId: 'x', body: 'draft' })
    const after = mergeMessages(shown, [stored])
    expect(after.map((m) => m.id)).toEqual([id(1), id(7), pendingId('y')])
  })

  it('does not let a message from someone else with the same client id replace my pending one', () => {
    const after = mergeMessages(
      [pending('x', 'usr_a')],
      [msg(2, { senderId: 'usr_b', clientMessageId: 'x' })],
    )
    expect(after.map((m) => m.id)).toEqual([id(2), pendingId('x')])
  })

  it('keeps the newest state: a later edit wins over an older copy, a delete is final', () => {
    const edited = msg(1, { body: 'new', editedAt: '2026-01-01T00:01:00.000Z' })
    expect(mergeMessages([edited], [msg(1)])[0]!.body).toBe('new')
    expect(mergeMessages([msg(1)], [edited])[0]!.body).toBe('new')
    const deleted = msg(1, { body: '', deletedAt: '2026-01-01T00:02:00.000Z' })
    expect(mergeMessages([deleted], [edited])[0]!.deletedAt).not.toBeNull()
  })

  it('applies a delete event and finds the newest stored id', () => {
    const shown = applyDeleted([msg(1), msg(2)], id(2), '2026-01-01T00:03:00.000Z')
    expect(shown[1]).toMatchObject({ body: '', deletedAt: '2026-01-01T00:03:00.000Z' })
    expect(newestId(mergeMessages(shown, [pending('z')]))).toBe(id(2))
    expect(newestId([])).toBeNull()
  })
})
