import { Anchor, Stack, Text, TextInput, Title, UnstyledButton, VisuallyHidden } from '@mantine/core'
import { useDebouncedValue } from '@mantine/hooks'
import { keepPreviousData, useInfiniteQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { Link, useNavigate, useSearchParams } from 'react-router'
import { chat, type Contact, type Conversation } from '../../api/chat.ts'
import { useSession } from '../../api/session.tsx'
import { ErrorState, Loading, LoadMore, QueryState } from '../../components/states.tsx'
import { chatWithHref, conversationHref } from './links.ts'
import { CONTACT_KINDS, CONVERSATIONS, isNotAContact, NotAContact, SignInNeeded } from './shared.tsx'

const PERSON_STYLE = {
  borderRadius: 8,
  display: 'block',
  border: '1px solid var(--mantine-color-gray-3)',
} as const

/** Who appears in the picker (the server's rule, services/communication/docs/chat.md). */
const WHO = `People you can message: ${CONTACT_KINDS}. Organization admins can find everyone in their organization.`

/** What the picker does with a person: open a conversation (default), or something else (add to a group). */
export interface PickAction {
  /** The button's accessible verb: `Add` → "Add Tom Tutor (Your tutor)". */
  verb: string
  onPick: (c: Contact) => void
  /** Already chosen (in the group): shown, not choosable, with this note. */
  picked?: (userId: string) => string | null
  /** A pick in progress. */
  busy?: string | null
}

/**
 * The people I may message, searched by name; choosing one opens the conversation with them (the
 * `?with=` flow below), or, with `action`, does that instead (the group members panel adds them).
 */
export function ContactPicker({ action }: { action?: PickAction } = {}) {
  const [search, setSearch] = useState('')
  const [q] = useDebouncedValue(search.trim(), 250)
  const contacts = useInfiniteQuery({
    queryKey: ['chat', 'contacts', q],
    queryFn: ({ pageParam, signal }) =>
      chat.contacts({ q, ...(pageParam ? { cursor: pageParam } : {}) }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    // Typing keeps the previous results on screen until the new ones arrive.
    placeholderData: keepPreviousData,
  })
  const items = contacts.data?.pages.flatMap((p) => p.items) ?? []
  return (
    <Stack>
      <TextInput
        label="Find a person"
        description={WHO}
        placeholder="Type part of a name"
        type="search"
        maxLength={100}
        value={search}
        onChange={(e) => setSearch(e.currentTarget.value)}
      />
      <QueryState
        query={contacts}
        loadingLabel="Looking for people…"
        isEmpty={() => items.length === 0}
        empty={
          q
            ? `No one whose name contains “${q}” among the people you can message.`
            : 'No one yet. Once you book a lesson, join a course or someone messages you, they appear here.'
        }
      >
        {() => (
          <Stack
            component="ul"
            gap={4}
            aria-label="People you can message"
            style={{ listStyle: 'none', padding: 0, margin: 0 }}
          >
            {items.map((c) => {
              const why = c.reasons.map((r) => r.label)
              // The button's name is its visible text with the verb in front (for screen readers; speech
              // input users say what they see), so no aria-label that could drift from it.
              const content = (verb: string) => (
                <>
                  <Text fw={500} size="sm">
                    <VisuallyHidden>{verb}</VisuallyHidden> {c.displayName}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {why.join(', ')}
                  </Text>
                </>
              )
              if (!action) {
                return (
                  <li key={c.userId}>
                    <UnstyledButton
                      component={Link}
                      to={chatWithHref(c.userId)}
                      p="sm"
                      w="100%"
                      style={PERSON_STYLE}
                    >
                      {content('Message')}
                    </UnstyledButton>
                  </li>
                )
              }
              const note = action.picked?.(c.userId) ?? null
              return (
                <li key={c.userId}>
                  <UnstyledButton
                    p="sm"
                    w="100%"
                    disabled={note !== null || action.busy === c.userId}
                    onClick={() => action.onPick(c)}
                    style={{ ...PERSON_STYLE, opacity: note !== null ? 0.6 : 1 }}
                  >
                    {content(action.verb)}
                    {(note ?? action.busy === c.userId) && (
                      <Text size="xs" fw={500}>
                        {note ?? 'Adding…'}
                      </Text>
                    )}
                  </UnstyledButton>
                </li>
              )
            })}
          </Stack>
        )}
      </QueryState>
      <LoadMore pages={contacts} label="More people" />
    </Stack>
  )
}

/**
 * `/chat/new`: find someone to message (or start a group: NewGroupPage). `/chat/new?with=<userId>`: opens (or finds) my direct
 * conversation with that person, then shows it.
 */
export default function NewConversationPage() {
  const [params] = useSearchParams()
  const withId = params.get('with')?.trim() ?? ''
  const { signedIn, me } = useSession()
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const [error, setError] = useState<unknown>(null)
  const [attempt, setAttempt] = useState(0)

  useEffect(() => {
    if (!signedIn || !withId || withId === me?.user.id) return
    let cancelled = false
    chat
      .openDirect(withId)
      .then((c) => {
        if (cancelled) return
        queryClient.setQueryData<{ items: Conversation[] }>(CONVERSATIONS, (old) =>
          old ? { items: [c, ...old.items.filter((i) => i.id !== c.id)] } : { items: [c] },
        )
        void queryClient.invalidateQueries({ queryKey: CONVERSATIONS })
        void navigate(conversationHref(c.id), { replace: true })
      })
      .catch((e: unknown) => {
        if (!cancelled) setError(e)
      })
    return () => {
      cancelled = true
    }
  }, [signedIn, withId, me?.user.id, navigate, queryClient, attempt])

  if (!signedIn) return <SignInNeeded what="messages" />
  return (
    <Stack maw={560}>
      <Title order={1}>New conversation</Title>
      {!withId ? (
        <>
          <Text size="sm">
            Talking to several people at once?{' '}
            <Anchor component={Link} to="/chat/new/group">
              Start a group
            </Anchor>
          </Text>
          <ContactPicker />
        </>
      ) : withId === me?.user.id ? (
        <Text>You cannot start a conversation with yourself.</Text>
      ) : error ? (
        <>
          {isNotAContact(error) ? (
            <NotAContact />
          ) : (
            <ErrorState
              error={error}
              retry={() => {
                setError(null)
                setAttempt((a) => a + 1)
              }}
            />
          )}
          <Anchor component={Link} to="/chat">
            Back to your conversations
          </Anchor>
        </>
      ) : (
        <Loading label="Opening the conversation…" />
      )}
    </Stack>
  )
}
