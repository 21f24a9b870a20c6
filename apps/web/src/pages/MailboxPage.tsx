import { Anchor, Badge, Card, Grid, Group, Stack, Text, Title } from '@mantine/core'
import { useQuery } from '@tanstack/react-query'
import { Fragment } from 'react'
import { Link, useParams } from 'react-router'
import { communication } from '../api/endpoints.ts'
import { ApiError } from '../api/problem.ts'
import { Empty, ErrorState, Loading } from '../components/states.tsx'
import { formatDateTime } from '../lib/dates.ts'

/** Plain text with its URLs as links; links to this site open in the app. */
function LinkedText({ text }: { text: string }) {
  const parts = text.split(/(https?:\/\/[^\s<>"]+)/g)
  return (
    <Text component="pre" style={{ whiteSpace: 'pre-wrap', fontFamily: 'inherit' }}>
      {parts.map((part, i) => {
        if (!/^https?:\/\//.test(part)) return <Fragment key={i}>{part}</Fragment>
        const url = new URL(part)
        return url.origin === window.location.origin ? (
          <Anchor key={i} component={Link} to={`${url.pathname}${url.search}`}>
            {part}
          </Anchor>
        ) : (
          <Anchor key={i} href={part} rel="noreferrer">
            {part}
          </Anchor>
        )
      })}
    </Text>
  )
}

function MailView({ id }: { id: string }) {
  const mail = useQuery({ queryKey: ['mail', id], queryFn: () => communication.mail(id) })
  if (mail.isPending) return <Loading />
  if (mail.isError) return <ErrorState error={mail.error} retry={() => void mail.refetch()} />
  return (
    <Card withBorder component="article" aria-labelledby="mail-subject">
      <Stack gap="xs">
        <Title order={2} size="h4" id="mail-subject">
          {mail.data.subject}
        </Title>
        <Text size="sm" c="dimmed">
          To {mail.data.to} · {formatDateTime(mail.data.createdAt)}
        </Text>
        <LinkedText text={mail.data.text} />
      </Stack>
    </Card>
  )
}

/**
 * The dev mailbox (communication's `/dev/mailbox`, present only without SMTP outside production):
 * every email the platform sent on this machine, so verification and reset links can be opened.
 */
export default function MailboxPage() {
  const { id } = useParams()
  const list = useQuery({ queryKey: ['mailbox'], queryFn: communication.mailbox, refetchInterval: 5_000 })
  if (list.isPending) return <Loading />
  if (list.isError) {
    if (list.error instanceof ApiError && list.error.status === 404) {
      return <Empty>The dev mailbox is off here: emails are sent over SMTP.</Empty>
    }
    return <ErrorState error={list.error} retry={() => void list.refetch()} />
  }
  return (
    <Stack>
      <Title order={1}>Dev mailbox</Title>
      <Grid>
        <Grid.Col span={{ base: 12, md: 5 }}>
          {list.data.items.length === 0 ? (
            <Empty>No emails yet.</Empty>
          ) : (
            <Stack
              gap="xs"
              component="ul"
              style={{ listStyle: 'none', padding: 0, margin: 0 }}
              aria-label="Emails"
            >
              {list.data.items.map((m) => (
                <li key={m.id}>
                  <Card
                    withBorder
                    padding="sm"
                    style={
                      m.id === id
                        ? { borderColor: 'var(--mantine-primary-color-filled)', borderWidth: 2 }
                        : undefined
                    }
                  >
                    <Anchor
                      component={Link}
                      to={`/dev/mailbox/${m.id}`}
                      fw={600}
                      aria-current={m.id === id ? 'page' : undefined}
                    >
                      {m.subject}
                    </Anchor>
                    <Group gap="xs">
                      <Text size="xs">{m.to}</Text>
                      <Badge size="xs" variant="light">
                        {m.template}
                      </Badge>
                      <Text size="xs" c="dimmed">
                        {formatDateTime(m.createdAt)}
                      </Text>
                    </Group>
                  </Card>
                </li>
              ))}
            </Stack>
          )}
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 7 }}>
          {id ? <MailView id={id} /> : <Text c="dimmed">Choose an email to read it.</Text>}
        </Grid.Col>
      </Grid>
    </Stack>
  )
}
