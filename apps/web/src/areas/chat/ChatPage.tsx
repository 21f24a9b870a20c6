import {
  Alert,
  Anchor,
  Badge,
  Box,
  Button,
  Grid,
  Group,
  Paper,
  Stack,
  Text,
  Textarea,
  Title,
  UnstyledButton,
  VisuallyHidden,
} from '@mantine/core'
import { useMediaQuery } from '@mantine/hooks'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react'
import { Link, useParams } from 'react-router'
import { chat, type ChatMessage, type Conversation } from '../../api/chat.ts'
import { ApiError, errorMessage } from '../../api/problem.ts'
import { useSession } from '../../api/session.tsx'
import { Empty, ErrorState, Loading } from '../../components/states.tsx'
import { FormError } from '../../components/FormError.tsx'
import { ago } from './HeaderWidgets.tsx'
import { conversationHref } from './links.ts'
import { applyDeleted, mergeMessages, newestId, pendingId, type ViewMessage } from './messages.ts'
import { newer, realtime } from './realtime.ts'
import { GroupMembers } from './GroupMembers.tsx'
import {
  CONVERSATIONS,
  ConversationUnavailable,
  KIND_LABEL,
  SignInNeeded,
  clientId,
  conversationKey,
  conversationName,
  isUnavailable,
  nameOf,
  useRealtimeStatus,
} from './shared.tsx'

/** Live list updates: a new message moves its conversation up and counts as unread elsewhere. */
function useConversationListUpdates(activeId: string | undefined, myId: string | undefined) {
  const queryClient = useQueryClient()
  useEffect(() => {
    const offNew = realtime.on('message:new', (m: ChatMessage) => {
      const data = queryClient.getQueryData<{ items: Conversation[] }>(CONVERSATIONS)
      if (!data?.items.some((c) => c.id === m.conversationId)) {
        void queryClient.invalidateQueries({ queryKey: CONVERSATIONS })
        return
      }
      queryClient.setQueryData<{ items: Conversation[] }>(CONVERSATIONS, (old) => {
        if (!old) return old
        const items = old.items.map((c) => {
          if (c.id !== m.conversationId || !newer(m.id, c.lastMessageId)) return c
          // System messages ("Ann added Bob") are not unread messages (the server does not count them either).
          const counts = m.senderId !== myId && c.id !== activeId && m.kind !== 'system'
          const unread = counts ? c.unreadCount + 1 : c.unreadCount
          return { ...c, lastMessageId: m.id, unreadCount: unread }
        })
        const key = (c: Conversation) => c.lastMessageId ?? c.id
        return { items: [...items].sort((a, b) => (key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : 0)) }
      })
    })
    const invalidate = () => void queryClient.invalidateQueries({ queryKey: CONVERSATIONS })
    const reload = (e: { conversationId?: string } | undefined) => {
      invalidate()
      if (e?.conversationId)
        void queryClient.invalidateQueries({ queryKey: conversationKey(e.conversationId) })
    }
    const offAdded = realtime.on('conversation:added', reload)
    // Left a course channel (enrollment revoked, membership removed) or a group (left, removed): it
    // drops out of the list, and an open one turns into "This conversation is not available".
    const offRemoved = realtime.on('conversation:removed', reload)
    // A group's members, roles or title changed.
    const offUpdated = realtime.on('conversation:updated', reload)
    const offResumed = realtime.on('resumed', invalidate)
    return () => {
      offNew()
      offAdded()
      offRemoved()
      offUpdated()
      offResumed()
    }
  }, [queryClient, activeId, myId])
}

function ConversationList({
  items,
  activeId,
  myId,
}: {
  items: Conversation[]
  activeId: string | undefined
  myId: string | undefined
}) {
  if (items.length === 0) {
    return (
      <Empty>
        No conversations yet. Start one with “New conversation” (your tutors, learners and instructors are
        there), or join a course to see its channel.
      </Empty>
    )
  }
  return (
    <Stack
      component="ul"
      gap={4}
      aria-label="Conversations"
      style={{ listStyle: 'none', padding: 0, margin: 0 }}
    >
      {items.map((c) => {
        const active = c.id === activeId
        const name = conversationName(c, myId)
        return (
          <li key={c.id}>
            <UnstyledButton
              component={Link}
              to={conversationHref(c.id)}
              aria-current={active ? 'page' : undefined}
              p="sm"
              w="100%"
              style={{
                borderRadius: 8,
                display: 'block',
                background: active ? 'var(--mantine-color-indigo-0)' : undefined,
                border: '1px solid var(--mantine-color-gray-3)',
              }}
            >
              <Group justify="space-between" wrap="nowrap" gap="xs">
                <Text fw={c.unreadCount ? 700 : 500} size="sm" truncate>
                  {name}
                </Text>
                {c.unreadCount > 0 && (
                  <Badge color="red.9" size="sm" circle={c.unreadCount < 10}>
                    {c.unreadCount}
                    <VisuallyHidden> unread</VisuallyHidden>
                  </Badge>
                )}
              </Group>
              <Text size="xs" c="dimmed">
                {KIND_LABEL[c.kind]}
              </Text>
            </UnstyledButton>
          </li>
        )
      })}
    </Stack>
  )
}

function MessageItem({
  m,
  mine,
  sender,
  receipt,
  onEdit,
  onDelete,
  onRetry,
  onDiscard,
}: {
  m: ViewMessage
  mine: boolean
  sender: string
  receipt: string | null
  onEdit: (m: ViewMessage, body: string) => Promise<void>
  onDelete: (m: ViewMessage) => Promise<void>
  onRetry: (m: ViewMessage) => void
  onDiscard: (m: ViewMessage) => void
}) {
  const [editing, setEditing] = useState(false)
  const [draft, setDraft] = useState(m.body)
  const [confirming, setConfirming] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const stored = !m.pending && !m.failed
  const deleted = m.deletedAt !== null

  return (
    <Box
      component="li"
      data-message-id={m.id}
      style={{ display: 'flex', justifyContent: mine ? 'flex-end' : 'flex-start' }}
    >
      <Paper
        withBorder
        p="xs"
        maw="85%"
        bg={mine ? 'indigo.0' : 'gray.0'}
        aria-label={`${sender}: ${deleted ? 'message deleted' : m.body}`}
      >
        <Group gap="xs" justify="space-between">
          <Text size="xs" fw={700}>
            {sender}
          </Text>
          <Text size="xs" c="dimmed">
            {m.pending ? 'sending…' : ago(m.createdAt)}
            {m.editedAt && !deleted ? ' · edited' : ''}
          </Text>
        </Group>
        {editing ? (
          <form
            onSubmit={(e) => {
              e.preventDefault()
              setBusy(true)
              onEdit(m, draft.trim())
                .then(() => {
                  setEditing(false)
                  setError(null)
                })
                .catch(setError)
                .finally(() => setBusy(false))
            }}
          >
            <Stack gap={4} mt={4}>
              <Textarea
                label="Edit message"
                value={draft}
                onChange={(e) => setDraft(e.currentTarget.value)}
                autosize
                minRows={1}
                autoFocus
                onKeyDown={(e) => {
                  if (e.key === 'Escape') setEditing(false)
                }}
              />
              <FormError error={error} />
              <Group gap={4}>
                <Button size="compact-xs" type="submit" loading={busy} disabled={!draft.trim()}>
                  Save
                </Button>
                <Button size="compact-xs" variant="default" onClick={() => setEditing(false)}>
                  Cancel
                </Button>
              </Group>
            </Stack>
          </form>
        ) : (
          <Text
            size="sm"
            style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}
            fs={deleted ? 'italic' : undefined}
            c={deleted ? 'dimmed' : undefined}
          >
            {deleted ? 'Message deleted' : m.body}
          </Text>
        )}
        {m.failed && (
          <Stack gap={4} mt={4}>
            <Text size="xs" c="red.8" role="alert">
              Not sent: {m.failed}
            </Text>
            <Group gap={4}>
              <Button size="compact-xs" variant="light" onClick={() => onRetry(m)}>
                Retry
              </Button>
              <Button size="compact-xs" variant="default" onClick={() => onDiscard(m)}>
                Discard
              </Button>
            </Group>
          </Stack>
        )}
        {mine && stored && !deleted && !editing && (
          <Group gap={4} mt={4} justify="flex-end">
            {confirming ? (
              <>
                <Text size="xs">Delete this message?</Text>
                <Button
                  size="compact-xs"
                  color="red"
                  loading={busy}
                  onClick={() => {
                    setBusy(true)
                    onDelete(m)
                      .then(() => setConfirming(false))
                      .catch(setError)
                      .finally(() => setBusy(false))
                  }}
                >
                  Delete
                </Button>
                <Button size="compact-xs" variant="default" onClick={() => setConfirming(false)}>
                  Keep
                </Button>
              </>
            ) : (
              <>
                <Button
                  size="compact-xs"
                  variant="subtle"
                  aria-label="Edit message"
                  onClick={() => {
                    setDraft(m.body)
                    setEditing(true)
                  }}
                >
                  Edit
                </Button>
                <Button
                  size="compact-xs"
                  variant="subtle"
                  color="red"
                  c="red.9"
                  aria-label="Delete message"
                  onClick={() => setConfirming(true)}
                >
                  Delete
                </Button>
              </>
            )}
          </Group>
        )}
        {!editing && error !== null && <FormError error={error} />}
        {receipt && (
          <Text size="xs" c="dimmed" ta="right" mt={2}>
            {receipt}
          </Text>
        )}
      </Paper>
    </Box>
  )
}

/** A system message ("Ann added Bob"): a line across the conversation, not a bubble. */
function SystemLine({ m }: { m: ViewMessage }) {
  return (
    <Box component="li" data-message-id={m.id} style={{ display: 'flex', justifyContent: 'center' }}>
      <Text size="xs" c="dimmed" ta="center">
        {m.body} · {ago(m.createdAt)}
      </Text>
    </Box>
  )
}

/** Sends over the socket when connected (ack), else over REST; an unacknowledged socket send is retried over REST (same client id: stored once). */
async function sendMessage(
  conversationId: string,
  body: string,
  clientMessageId: string,
): Promise<ChatMessage> {
  if (realtime.connected) {
    try {
      const ack = await realtime.emit<{ message: ChatMessage }>('message:send', {
        conversationId,
        body,
        clientMessageId,
      })
      if (ack.ok) return ack.message
      throw new ApiError(ack.error)
    } catch (error) {
      if (error instanceof ApiError) throw error
      // no ack (disconnected, timed out): fall through to REST
    }
  }
  return chat.send(conversationId, body, clientMessageId)
}

async function viaSocketOrRest<T>(
  event: string,
  payload: unknown,
  rest: () => Promise<T>,
  pick: (ack: Record<string, unknown>) => T,
): Promise<T> {
  if (realtime.connected) {
    try {
      const ack = await realtime.emit<Record<string, unknown>>(event, payload)
      if (ack.ok) return pick(ack)
      throw new ApiError(ack.error)
    } catch (error) {
      if (error instanceof ApiError) throw error
    }
  }
  return rest()
}

function ConversationPane({ conversation, myId }: { conversation: Conversation; myId: string | undefined }) {
  const id = conversation.id
  const queryClient = useQueryClient()
  const [messages, setMessages] = useState<ViewMessage[]>([])
  const [cursor, setCursor] = useState<string | null>(null)
  const [loadState, setLoadState] = useState<'loading' | 'ready' | { error: unknown }>('loading')
  const [olderLoading, setOlderLoading] = useState(false)
  const [olderError, setOlderError] = useState<unknown>(null)
  const [draft, setDraft] = useState('')
  const [sendError, setSendError] = useState<unknown>(null)
  const [readMarks, setReadMarks] = useState<Record<string, string | null>>(() =>
    Object.fromEntries((conversation.participants ?? []).map((p) => [p.userId, p.lastReadMessageId])),
  )
  const [typers, setTypers] = useState<Record<string, number>>({})
  const [attempt, setAttempt] = useState(0)
  const [membersOpen, setMembersOpen] = useState(false)
  const scroller = useRef<HTMLDivElement>(null)
  const stickToBottom = useRef(true)
  const lastRead = useRef<string | null>(conversation.lastReadMessageId)
  const lastTyping = useRef(0)
  const status = useRealtimeStatus()

  const merge = useCallback(
    (incoming: ViewMessage[]) => setMessages((cur) => mergeMessages(cur, incoming)),
    [],
  )

  // First page of history (newest), then live events.
  useEffect(() => {
    const ac = new AbortController()
    setLoadState('loading')
    chat
      .history(id, undefined, 30, ac.signal)
      .then((page) => {
        setMessages((cur) => mergeMessages(cur, page.items))
        setCursor(page.nextCursor)
        setLoadState('ready')
        if (page.items[0]) realtime.noteSeen(id, page.items[0].id)
      })
      .catch((error: unknown) => {
        if (!ac.signal.aborted) setLoadState({ error })
      })
    if (realtime.connected)
      void realtime.emit('conversation:join', { conversationId: id }).catch(() => undefined)
    return () => ac.abort()
  }, [id, attempt])

  useEffect(() => {
    const offs = [
      realtime.on('message:new', (m: ChatMessage) => {
        if (m.conversationId !== id) return
        merge([m])
        setTypers(({ [m.senderId]: _gone, ...rest }) => rest)
      }),
      realtime.on('message:edited', (m: ChatMessage) => {
        if (m.conversationId === id) merge([m])
      }),
      realtime.on('message:deleted', (d: { id: string; conversationId: string; deletedAt: string }) => {
        if (d.conversationId === id) setMessages((cur) => applyDeleted(cur, d.id, d.deletedAt))
      }),
      realtime.on('read', (r: { conversationId: string; userId: string; messageId: string }) => {
        if (r.conversationId !== id) return
        setReadMarks((cur) => (newer(r.messageId, cur[r.userId]) ? { ...cur, [r.userId]: r.messageId } : cur))
      }),
      realtime.on('typing', (t: { conversationId: string; userId: string; typing: boolean }) => {
        if (t.conversationId !== id || t.userId === myId) return
        setTypers((cur) => {
          const { [t.userId]: _old, ...rest } = cur
          return t.typing === false ? rest : { ...rest, [t.userId]: Date.now() + 6000 }
        })
      }),
      // More was missed than `resume` replays: reload the newest page (older gaps page in with "load older").
      realtime.on('resume:gap', (g: { conversationId: string }) => {
        if (g.conversationId === id)
          void chat
            .history(id)
            .then((p) => merge(p.items))
            .catch(() => undefined)
      }),
    ]
    return () => {
      for (const off of offs) off()
    }
  }, [id, myId, merge])

  // Typing indicators expire if the "stopped" event never comes.
  useEffect(() => {
    if (Object.keys(typers).length === 0) return
    const timer = setInterval(() => {
      const now = Date.now()
      setTypers((cur) => {
        const kept = Object.fromEntries(Object.entries(cur).filter(([, until]) => until > now))
        return Object.keys(kept).length === Object.keys(cur).length ? cur : kept
      })
    }, 1000)
    return () => clearInterval(timer)
  }, [typers])

  // Read receipt: the newest message is read while this page is visible.
  const newest = newestId(messages)
  useEffect(() => {
    if (!newest || !newer(newest, lastRead.current)) return
    const mark = () => {
      if (document.visibilityState !== 'visible' || !newer(newest, lastRead.current)) return
      lastRead.current = newest
      void viaSocketOrRest(
        'read',
        { conversationId: id, messageId: newest },
        () => chat.read(id, newest),
        (a) => a,
      )
        .then(() => {
          queryClient.setQueryData<{ items: Conversation[] }>(CONVERSATIONS, (old) =>
            old
              ? {
                  items: old.items.map((c) =>
                    c.id === id ? { ...c, unreadCount: 0, lastReadMessageId: newest } : c,
                  ),
                }
              : old,
          )
        })
        .catch(() => {
          lastRead.current = null
        })
    }
    mark()
    document.addEventListener('visibilitychange', mark)
    return () => document.removeEventListener('visibilitychange', mark)
  }, [newest, id, queryClient])

  // Keep the newest message in view when already at the bottom.
  useLayoutEffect(() => {
    const el = scroller.current
    if (el && stickToBottom.current) el.scrollTop = el.scrollHeight
  }, [messages, typers])

  async function loadOlder() {
    if (!cursor) return
    const el = scroller.current
    const before = el ? el.scrollHeight - el.scrollTop : 0
    setOlderLoading(true)
    try {
      const page = await chat.history(id, cursor, 30)
      stickToBottom.current = false
      merge(page.items)
      setCursor(page.nextCursor)
      setOlderError(null)
      requestAnimationFrame(() => {
        if (el) el.scrollTop = el.scrollHeight - before
      })
    } catch (error) {
      setOlderError(error)
    } finally {
      setOlderLoading(false)
    }
  }

  async function deliver(body: string, clientMessageId: string) {
    try {
      const stored = await sendMessage(id, body, clientMessageId)
      merge([stored])
      setSendError(null)
    } catch (error) {
      setSendError(error)
      setMessages((cur) =>
        cur.map((m) =>
          m.id === pendingId(clientMessageId) ? { ...m, pending: false, failed: errorMessage(error) } : m,
        ),
      )
    }
  }

  function submit() {
    const body = draft.trim()
    if (!body || !myId) return
    const clientMessageId = clientId()
    stickToBottom.current = true
    merge([
      {
        id: pendingId(clientMessageId),
        conversationId: id,
        senderId: myId,
        clientMessageId,
        body,
        attachments: [],
        createdAt: new Date().toISOString(),
        editedAt: null,
        deletedAt: null,
        pending: true,
      },
    ])
    setDraft('')
    lastTyping.current = 0
    if (realtime.connected)
      void realtime.emit('typing', { conversationId: id, typing: false }).catch(() => undefined)
    void deliver(body, clientMessageId)
  }

  function onDraftChange(value: string) {
    setDraft(value)
    const now = Date.now()
    if (value && realtime.connected && now - lastTyping.current > 2500) {
      lastTyping.current = now
      void realtime.emit('typing', { conversationId: id, typing: true }).catch(() => undefined)
    }
  }

  // The receipt under my newest stored message: who of the others has read it.
  const myNewest = [...messages].reverse().find((m) => m.senderId === myId && !m.pending && !m.failed)
  const readers = myNewest
    ? Object.entries(readMarks)
        .filter(([userId, mark]) => userId !== myId && mark && mark >= myNewest.id)
        .map(([userId]) => nameOf(conversation, userId, myId))
    : []
  const receipt =
    readers.length === 0 ? null : conversation.kind === 'direct' ? 'Seen' : `Seen by ${readers.join(', ')}`
  const typingNames = Object.keys(typers).map((u) => nameOf(conversation, u, myId))

  const name = conversationName(conversation, myId)
  // Removed from it (or left in another tab) while it was open: the server now refuses it.
  if (typeof loadState === 'object' && isUnavailable(loadState.error)) return <ConversationUnavailable />
  return (
    <Stack gap="xs">
      <Group justify="space-between" wrap="nowrap">
        <Box>
          <Title order={2} size="h3">
            {name}
          </Title>
          <Text size="xs" c="dimmed">
            {KIND_LABEL[conversation.kind]} · {conversation.participantIds.length} people
          </Text>
        </Box>
        <Group gap="xs" wrap="nowrap">
          {status !== 'connected' && (
            <Badge color={status === 'offline' ? 'orange' : 'gray'} variant="light" role="status">
              {status === 'offline' ? 'Reconnecting…' : 'Connecting…'}
            </Badge>
          )}
          {conversation.kind === 'group' && (
            <Button
              variant="default"
              size="xs"
              aria-expanded={membersOpen}
              onClick={() => setMembersOpen((o) => !o)}
            >
              Members
            </Button>
          )}
        </Group>
      </Group>
      {conversation.kind === 'group' && membersOpen && (
        <GroupMembers conversation={conversation} myId={myId} />
      )}
      <Box
        ref={scroller}
        tabIndex={0}
        role="region"
        aria-label={`Messages with ${name}`}
        onScroll={(e) => {
          const el = e.currentTarget
          stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40
        }}
        style={{
          height: 'min(60vh, calc(100dvh - 320px))',
          minHeight: 240,
          overflowY: 'auto',
          border: '1px solid var(--mantine-color-gray-3)',
          borderRadius: 8,
          padding: 8,
        }}
      >
        {loadState === 'loading' ? (
          <Loading label="Loading messages…" />
        ) : typeof loadState === 'object' ? (
          <ErrorState error={loadState.error} retry={() => setAttempt((a) => a + 1)} />
        ) : (
          <Stack gap="xs">
            {cursor && (
              <Button
                variant="subtle"
                size="xs"
                onClick={() => void loadOlder()}
                loading={olderLoading}
                style={{ alignSelf: 'center' }}
              >
                Load older messages
              </Button>
            )}
            {olderError !== null && <ErrorState error={olderError} retry={() => void loadOlder()} />}
            {messages.length === 0 ? (
              <Empty>No messages yet. Say hello!</Empty>
            ) : (
              <Stack
                component="ol"
                gap="xs"
                style={{ listStyle: 'none', padding: 0, margin: 0 }}
                aria-live="polite"
                aria-relevant="additions"
              >
                {messages.map((m) =>
                  m.kind === 'system' ? (
                    <SystemLine key={m.id} m={m} />
                  ) : (
                    <MessageItem
                      key={m.id}
                      m={m}
                      mine={m.senderId === myId}
                      sender={nameOf(conversation, m.senderId, myId)}
                      receipt={m.id === myNewest?.id ? receipt : null}
                      onEdit={async (msg, body) => {
                        const updated = await viaSocketOrRest(
                          'message:edit',
                          { conversationId: id, messageId: msg.id, body },
                          () => chat.edit(id, msg.id, body),
                          (a) => a.message as ChatMessage,
                        )
                        merge([updated])
                      }}
                      onDelete={async (msg) => {
                        const updated = await viaSocketOrRest(
                          'message:delete',
                          { conversationId: id, messageId: msg.id },
                          () => chat.remove(id, msg.id),
                          (a) => a.message as ChatMessage,
                        )
                        setMessages((cur) =>
                          applyDeleted(cur, updated.id, updated.deletedAt ?? new Date().toISOString()),
                        )
                      }}
                      onRetry={(msg) => {
                        merge([{ ...msg, failed: undefined, pending: true }])
                        void deliver(msg.body, msg.clientMessageId)
                      }}
                      onDiscard={(msg) => setMessages((cur) => cur.filter((x) => x.id !== msg.id))}
                    />
                  ),
                )}
              </Stack>
            )}
          </Stack>
        )}
      </Box>
      <Text size="xs" c="dimmed" aria-live="polite" mih={18}>
        {typingNames.length
          ? `${typingNames.join(', ')} ${typingNames.length > 1 ? 'are' : 'is'} typing…`
          : ''}
      </Text>
      {sendError !== null && (
        <Alert
          color="red"
          role="alert"
          title={sendError instanceof ApiError && sendError.status === 429 ? 'Slow down' : 'Not sent'}
          withCloseButton
          onClose={() => setSendError(null)}
          closeButtonLabel="Dismiss"
        >
          {errorMessage(sendError)}
        </Alert>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault()
          submit()
        }}
      >
        <Group align="flex-end" wrap="nowrap" gap="xs">
          <Textarea
            label="Message"
            placeholder="Write a message (Enter sends, Shift+Enter for a new line)"
            value={draft}
            onChange={(e) => onDraftChange(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
                e.preventDefault()
                submit()
              }
            }}
            autosize
            minRows={1}
            maxRows={6}
            style={{ flex: 1 }}
          />
          <Button type="submit" disabled={!draft.trim()}>
            Send
          </Button>
        </Group>
      </form>
    </Stack>
  )
}

export default function ChatPage() {
  const { conversationId } = useParams()
  const { signedIn, me } = useSession()
  const myId = me?.user.id
  const phone = useMediaQuery('(max-width: 48em)')
  useConversationListUpdates(conversationId, myId)
  const list = useQuery({
    queryKey: CONVERSATIONS,
    queryFn: ({ signal }) => chat.conversations(signal),
    enabled: signedIn,
  })

  // The open conversation itself: fresh participants and roles, and the server's word on whether I
  // may see it (a group I was removed from, a wrong id in the URL: "not available", not a bare 404).
  const detail = useQuery({
    queryKey: conversationKey(conversationId ?? ''),
    queryFn: ({ signal }) => chat.conversation(conversationId!, signal),
    enabled: signedIn && !!conversationId,
    retry: (count, error) => !isUnavailable(error) && count < 2,
  })

  if (!signedIn) return <SignInNeeded what="messages" />
  const items = list.data?.items ?? []
  const listed = items.find((c) => c.id === conversationId)
  const refused = detail.isError && isUnavailable(detail.error)
  const active = refused ? undefined : (detail.data ?? listed)
  const showList = !phone || !conversationId
  const showPane = !phone || !!conversationId

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>Messages</Title>
        <Group gap="xs">
          <Button component={Link} to="/chat/new/group" variant="default">
            New group
          </Button>
          <Button component={Link} to="/chat/new">
            New conversation
          </Button>
        </Group>
      </Group>
      {list.isPending ? (
        <Loading label="Loading conversations…" />
      ) : list.isError ? (
        <ErrorState error={list.error} retry={() => void list.refetch()} />
      ) : (
        <Grid>
          {showList && (
            <Grid.Col span={{ base: 12, sm: 4 }}>
              <nav aria-label="Conversations">
                <ConversationList items={items} activeId={conversationId} myId={myId} />
              </nav>
            </Grid.Col>
          )}
          {showPane && (
            <Grid.Col span={{ base: 12, sm: 8 }}>
              {phone && conversationId && (
                <Anchor component={Link} to="/chat" size="sm" mb="xs" display="inline-block">
                  ← All conversations
                </Anchor>
              )}
              {!conversationId ? (
                <Empty>Choose a conversation.</Empty>
              ) : active ? (
                <ConversationPane key={active.id} conversation={active} myId={myId} />
              ) : refused ? (
                <ConversationUnavailable />
              ) : detail.isError ? (
                <ErrorState error={detail.error} retry={() => void detail.refetch()} />
              ) : (
                <Loading label="Opening the conversation…" />
              )}
            </Grid.Col>
          )}
        </Grid>
      )}
    </Stack>
  )
}
