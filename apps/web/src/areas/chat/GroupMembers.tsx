import { Badge, Button, Group, Paper, Stack, Text, TextInput, Title } from '@mantine/core'
import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { useNavigate } from 'react-router'
import { chat, type Conversation, type Participant } from '../../api/chat.ts'
import { ContactPicker } from './NewConversationPage.tsx'
import { ChatFormError, CONVERSATIONS, conversationKey, roleLabel } from './shared.tsx'

/** The server's cap (services/communication/docs/chat.md): the creator and up to 100 others. */
const GROUP_MAX_PARTICIPANTS = 101

/** What I may do to someone in the group (the server's rules; it checks them again). */
function allowed(myRole: Participant['role'], them: Participant, myId: string | undefined) {
  const self = them.userId === myId
  return {
    remove: !self && (myRole === 'owner' || (myRole === 'admin' && them.role === 'member')),
    promote: !self && myRole === 'owner' && them.role === 'member',
    demote: !self && myRole === 'owner' && them.role === 'admin',
    handOver: !self && myRole === 'owner',
  }
}

/**
 * A group's members panel: everyone with their role; the owner and admins rename the group, add
 * their contacts (the picker of /chat/new) and remove members; the owner makes and unmakes admins
 * and hands the group over ("Make owner", confirmed: they become an admin); anyone leaves (an owner's group passes to the longest-standing admin or member).
 */
export function GroupMembers({
  conversation,
  myId,
}: {
  conversation: Conversation
  myId: string | undefined
}) {
  const id = conversation.id
  const queryClient = useQueryClient()
  const navigate = useNavigate()
  const people = conversation.participants ?? []
  const myRole = people.find((p) => p.userId === myId)?.role
  const manager = myRole === 'owner' || myRole === 'admin'
  const [title, setTitle] = useState(conversation.title ?? '')
  const [adding, setAdding] = useState(false)
  const [busy, setBusy] = useState<string | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [confirmLeave, setConfirmLeave] = useState(false)
  const [removing, setRemoving] = useState<string | null>(null)
  const [handingOver, setHandingOver] = useState<string | null>(null)
  // Renamed by someone else meanwhile (conversation:updated): show the new name.
  useEffect(() => setTitle(conversation.title ?? ''), [conversation.title])

  /** Runs one change; shows the updated group (the socket's `conversation:updated` also reloads it). */
  async function run(key: string, change: () => Promise<Conversation | undefined>) {
    setBusy(key)
    setError(null)
    try {
      const updated = await change()
      if (updated) queryClient.setQueryData(conversationKey(id), updated)
      void queryClient.invalidateQueries({ queryKey: conversationKey(id) })
      void queryClient.invalidateQueries({ queryKey: CONVERSATIONS })
      return true
    } catch (e) {
      setError(e)
      return false
    } finally {
      setBusy(null)
    }
  }

  const full = people.length >= GROUP_MAX_PARTICIPANTS

  return (
    <Paper withBorder p="sm" component="section" aria-label="Group members">
      <Stack gap="sm">
        {manager && (
          <form
            onSubmit={(e) => {
              e.preventDefault()
              void run('rename', () => chat.rename(id, title.trim()))
            }}
          >
            <Group align="flex-end" gap="xs" wrap="nowrap">
              <TextInput
                label="Group name"
                value={title}
                maxLength={120}
                onChange={(e) => setTitle(e.currentTarget.value)}
                style={{ flex: 1 }}
              />
              <Button
                type="submit"
                variant="default"
                loading={busy === 'rename'}
                disabled={!title.trim() || title.trim() === conversation.title}
              >
                Rename
              </Button>
            </Group>
          </form>
        )}
        <Title order={3} size="h5">
          Members ({people.length})
        </Title>
        <Stack
          component="ul"
          gap={4}
          aria-label="Members"
          style={{ listStyle: 'none', padding: 0, margin: 0 }}
        >
          {people.map((p) => {
            const name = p.displayName ?? 'Someone'
            const can = allowed(myRole, p, myId)
            const label = roleLabel(p.role)
            return (
              <Group component="li" key={p.userId} justify="space-between" wrap="nowrap" gap="xs">
                <Group gap={6} wrap="nowrap">
                  <Text size="sm">
                    {name}
                    {p.userId === myId ? ' (you)' : ''}
                  </Text>
                  {label && (
                    <Badge size="xs" variant="light" color={p.role === 'owner' ? 'indigo' : 'gray'}>
                      {label}
                    </Badge>
                  )}
                </Group>
                <Group gap={4} wrap="nowrap">
                  {(can.promote || can.demote) && (
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      loading={busy === `role:${p.userId}`}
                      aria-label={can.promote ? `Make admin: ${name}` : `Remove admin: ${name}`}
                      onClick={() =>
                        void run(`role:${p.userId}`, () =>
                          chat.setRole(id, p.userId, can.promote ? 'admin' : 'member'),
                        )
                      }
                    >
                      {can.promote ? 'Make admin' : 'Remove admin'}
                    </Button>
                  )}
                  {can.handOver && handingOver !== p.userId && (
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      aria-label={`Make owner: ${name}`}
                      onClick={() => {
                        setRemoving(null)
                        setHandingOver(p.userId)
                      }}
                    >
                      Make owner
                    </Button>
                  )}
                  {can.remove &&
                    (removing === p.userId ? (
                      <>
                        <Button
                          size="compact-xs"
                          color="red"
                          loading={busy === `remove:${p.userId}`}
                          aria-label={`Remove ${name} (confirm)`}
                          onClick={() =>
                            void run(`remove:${p.userId}`, () => chat.removeParticipant(id, p.userId)).then(
                              () => setRemoving(null),
                            )
                          }
                        >
                          Remove
                        </Button>
                        <Button size="compact-xs" variant="default" onClick={() => setRemoving(null)}>
                          Cancel
                        </Button>
                      </>
                    ) : (
                      <Button
                        size="compact-xs"
                        variant="subtle"
                        color="red"
                        c="red.9"
                        aria-label={`Remove ${name} from the group`}
                        onClick={() => {
                          setHandingOver(null)
                          setRemoving(p.userId)
                        }}
                      >
                        Remove
                      </Button>
                    ))}
                </Group>
              </Group>
            )
          })}
        </Stack>
        {handingOver && (
          <HandOver
            name={people.find((p) => p.userId === handingOver)?.displayName ?? 'Someone'}
            busy={busy === `owner:${handingOver}`}
            onConfirm={() =>
              void run(`owner:${handingOver}`, () => chat.setRole(id, handingOver, 'owner')).then((ok) => {
                if (ok) setHandingOver(null)
              })
            }
            onCancel={() => setHandingOver(null)}
          />
        )}
        <ChatFormError error={error} group />
        {manager &&
          (adding ? (
            <Stack gap="xs">
              {full && (
                <Text size="sm" c="dimmed">
                  This group is full ({GROUP_MAX_PARTICIPANTS} people).
                </Text>
              )}
              <ContactPicker
                action={{
                  verb: 'Add',
                  busy: busy?.startsWith('add:') ? busy.slice(4) : null,
                  picked: (userId) =>
                    conversation.participantIds.includes(userId) ? 'Already in the group' : null,
                  onPick: (c) => void run(`add:${c.userId}`, () => chat.addParticipants(id, [c.userId])),
                }}
              />
              <Button variant="default" onClick={() => setAdding(false)} style={{ alignSelf: 'flex-start' }}>
                Done adding
              </Button>
            </Stack>
          ) : (
            <Button variant="light" onClick={() => setAdding(true)} style={{ alignSelf: 'flex-start' }}>
              Add people
            </Button>
          ))}
        {confirmLeave ? (
          <Group gap="xs">
            <Text size="sm">
              Leave this group?{' '}
              {myRole === 'owner' && people.length > 1 ? 'Someone else becomes its owner. ' : ''}
              You will no longer see its messages.
            </Text>
            <Button
              size="xs"
              color="red"
              loading={busy === 'leave'}
              onClick={() =>
                void run('leave', () => chat.leave(id)).then((ok) => {
                  if (ok) void navigate('/chat')
                })
              }
            >
              Leave
            </Button>
            <Button size="xs" variant="default" onClick={() => setConfirmLeave(false)}>
              Stay
            </Button>
          </Group>
        ) : (
          <Button
            variant="subtle"
            color="red"
            c="red.9"
            onClick={() => setConfirmLeave(true)}
            style={{ alignSelf: 'flex-start' }}
          >
            Leave group
          </Button>
        )}
      </Stack>
    </Paper>
  )
}

/** The owner's confirmation before handing the group over (it cannot be taken back by them). */
function HandOver(props: { name: string; busy: boolean; onConfirm: () => void; onCancel: () => void }) {
  return (
    <Group gap="xs" role="group" aria-label="Hand the group over">
      <Text size="sm">
        Make {props.name} the owner? You become an admin and can no longer change roles or remove admins.
      </Text>
      <Button
        size="xs"
        loading={props.busy}
        aria-label={`Make owner: ${props.name} (confirm)`}
        onClick={props.onConfirm}
      >
        Make owner
      </Button>
      <Button size="xs" variant="default" onClick={props.onCancel}>
        Cancel
      </Button>
    </Group>
  )
}
