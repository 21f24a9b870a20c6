import { Anchor, Badge, Button, Group, Stack, Text, TextInput, Title } from '@mantine/core'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useId, useState, type FormEvent } from 'react'
import { Link, useNavigate } from 'react-router'
import { chat, type Contact, type Conversation } from '../../api/chat.ts'
import { ApiError } from '../../api/problem.ts'
import { useSession } from '../../api/session.tsx'
import { ContactPicker } from './NewConversationPage.tsx'
import { conversationHref } from './links.ts'
import { ChatFormError, CONVERSATIONS, SignInNeeded } from './shared.tsx'

/** The server's cap (services/communication/docs/chat.md): the creator and up to 100 others. */
const MAX_OTHERS = 100
/** The server's limit on a group's name. */
const MAX_TITLE = 120

/** The people the server refused (not, or no longer, my contacts): `missing` of its 404. */
function refusedIds(error: unknown): string[] {
  if (!(error instanceof ApiError)) return []
  const missing = error.problem.missing
  return Array.isArray(missing) ? missing.filter((m): m is string => typeof m === 'string') : []
}

/**
 * `/chat/new/group`: a new group. A name and some of the people I may message (the picker of
 * /chat/new); I become its owner. Once created, the group opens.
 */
export default function NewGroupPage() {
  const { signedIn } = useSession()
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const [title, setTitle] = useState('')
  const [chosen, setChosen] = useState<Contact[]>([])
  const [problems, setProblems] = useState<{ title?: string; people?: string }>({})
  const chosenId = useId()

  const create = useMutation({
    mutationFn: (v: { title: string; memberIds: string[] }) => chat.createGroup(v.title, v.memberIds),
    onSuccess: async (c) => {
      queryClient.setQueryData<{ items: Conversation[] }>(CONVERSATIONS, (old) =>
        old ? { items: [c, ...old.items.filter((i) => i.id !== c.id)] } : { items: [c] },
      )
      void queryClient.invalidateQueries({ queryKey: CONVERSATIONS })
      await navigate(conversationHref(c.id))
    },
  })
  const refused = new Set(refusedIds(create.error))

  function submit(e: FormEvent) {
    e.preventDefault()
    const name = title.trim()
    const found = {
      ...(name ? {} : { title: 'Give the group a name' }),
      ...(chosen.length > 0 ? {} : { people: 'Choose at least one person' }),
    }
    setProblems(found)
    if (found.title || found.people) return
    create.mutate({ title: name, memberIds: chosen.map((c) => c.userId) })
  }

  function choose(c: Contact) {
    setChosen((now) => (now.some((p) => p.userId === c.userId) ? now : [...now, c]))
    setProblems((p) => ({ ...p, people: undefined }))
  }

  if (!signedIn) return <SignInNeeded what="messages" />
  return (
    <Stack maw={560}>
      <Title order={1}>New group</Title>
      <form noValidate onSubmit={submit} aria-label="New group">
        <Stack>
          <TextInput
            label="Group name"
            required
            maxLength={MAX_TITLE}
            value={title}
            error={problems.title}
            onChange={(e) => {
              setTitle(e.currentTarget.value)
              if (problems.title) setProblems((p) => ({ ...p, title: undefined }))
            }}
          />
          <Stack gap={4}>
            <Title order={2} size="h5" id={chosenId}>
              Members ({chosen.length})
            </Title>
            {chosen.length === 0 ? (
              <Text
                size="sm"
                c={problems.people ? 'red.8' : 'dimmed'}
                role={problems.people ? 'alert' : undefined}
              >
                {problems.people ?? 'No one yet: add people below. You will be the group’s owner.'}
              </Text>
            ) : (
              <Stack
                component="ul"
                gap={4}
                aria-labelledby={chosenId}
                style={{ listStyle: 'none', padding: 0, margin: 0 }}
              >
                {chosen.map((c) => (
                  <Group component="li" key={c.userId} justify="space-between" wrap="nowrap" gap="xs">
                    <Group gap={6} wrap="nowrap">
                      <Text size="sm">{c.displayName}</Text>
                      {refused.has(c.userId) && (
                        <Badge size="xs" color="red" variant="light">
                          Cannot be added
                        </Badge>
                      )}
                    </Group>
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      color="red"
                      c="red.9"
                      aria-label={`Take out ${c.displayName}`}
                      onClick={() => setChosen((now) => now.filter((p) => p.userId !== c.userId))}
                    >
                      Take out
                    </Button>
                  </Group>
                ))}
              </Stack>
            )}
          </Stack>
          <ChatFormError error={create.error} group />
          <Group>
            <Button type="submit" loading={create.isPending}>
              Create group
            </Button>
            <Anchor component={Link} to="/chat/new" size="sm">
              Message one person instead
            </Anchor>
          </Group>
        </Stack>
      </form>
      <ContactPicker
        action={{
          verb: 'Add',
          picked: (userId) =>
            chosen.some((p) => p.userId === userId)
              ? 'Added'
              : chosen.length >= MAX_OTHERS
                ? `A group has at most ${MAX_OTHERS + 1} people`
                : null,
          onPick: choose,
        }}
      />
    </Stack>
  )
}
