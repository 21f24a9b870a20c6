import { Anchor, Stack, Text, Title } from '@mantine/core'
import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { Link, useNavigate, useSearchParams } from 'react-router'
import { chat, type Conversation } from '../../api/chat.ts'
import { useSession } from '../../api/session.tsx'
import { ErrorState, Loading } from '../../components/states.tsx'
import { conversationHref } from './links.ts'
import { SignInNeeded } from './shared.tsx'

/** `/chat/new?with=<userId>`: opens (or finds) my direct conversation with that person, then shows it. */
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
        queryClient.setQueryData<{ items: Conversation[] }>(['chat', 'conversations'], (old) =>
          old ? { items: [c, ...old.items.filter((i) => i.id !== c.id)] } : { items: [c] },
        )
        void queryClient.invalidateQueries({ queryKey: ['chat', 'conversations'] })
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
        <Text>
          Open a conversation from someone&apos;s profile (a tutor&apos;s page has a “Message” link), or go to{' '}
          <Anchor component={Link} to="/chat">
            your conversations
          </Anchor>
          .
        </Text>
      ) : withId === me?.user.id ? (
        <Text>You cannot start a conversation with yourself.</Text>
      ) : error ? (
        <>
          <ErrorState
            error={error}
            retry={() => {
              setError(null)
              setAttempt((a) => a + 1)
            }}
          />
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
