import { describe, expect, it } from 'vitest'
import type { AppNotification } from '../../api/chat.ts'
import { LATEST, loaded, markedAllRead, markedRead, received, type BellState } from './unread.ts'

const n = (i: number, read = false): AppNotification => ({
  id: `ntf_${i}`,
  type: 'learning.enrolled',
  title: `N${i}`,
  body: '',
  link: null,
  priority: 'normal',
  read,
  createdAt: '2026-01-01T00:00:00.000Z',
})
const empty: BellState = { count: null, latest: [] }

describe('bell unread counter', () => {
  it('takes the server count, then counts each live notification once', () => {
    let s = loaded(empty, { unreadCount: 2, items: [n(2), n(1)] })
    s = received(s, n(3))
    s = received(s, n(3)) // the same event again (reconnect, second delivery)
    expect(s.count).toBe(3)
    expect(s.latest.map((x) => x.id)).toEqual(['ntf_3', 'ntf_2', 'ntf_1'])
  })

  it('does not count before the first load, nor a notification already read', () => {
    expect(received(empty, n(1)).count).toBeNull()
    const s = loaded(empty, { unreadCount: 0, items: [] })
    expect(received(s, n(1, true)).count).toBe(0)
  })

  it('keeps only the latest few', () => {
    let s = loaded(empty, { unreadCount: 0, items: [] })
    for (let i = 0; i < LATEST + 3; i++) s = received(s, n(i))
    expect(s.latest).toHaveLength(LATEST)
    expect(s.count).toBe(LATEST + 3)
  })

  it('lowers the count on mark read only for an unread one, never below zero; mark all read → 0', () => {
    let s = loaded(empty, { unreadCount: 1, items: [n(1)] })
    s = markedRead(s, 'ntf_1', true)
    expect(s.count).toBe(0)
    s = markedRead(s, 'ntf_1', true) // already read in the bell's list: no change
    expect(s.count).toBe(0)
    s = markedRead(loaded(empty, { unreadCount: 1, items: [] }), 'ntf_9', false)
    expect(s.count).toBe(1)
    s = markedAllRead(loaded(empty, { unreadCount: 4, items: [n(1), n(2)] }))
    expect(s).toMatchObject({ count: 0, latest: [{ read: true }, { read: true }] })
  })
})
