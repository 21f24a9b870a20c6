import { Card, Stack, Text, Title } from '@mantine/core'
import { useQuery } from '@tanstack/react-query'
import { useParams } from 'react-router'
import { learn } from '../../api/learner.ts'
import { ApiError } from '../../api/problem.ts'
import { ErrorState, Loading } from '../../components/states.tsx'
import { ToneAlert } from './shared.tsx'
import { formatDate } from '../../lib/dates.ts'

/** The public verification page (no sign-in): what learning's `GET /certificates/verify/:code` says. */
export default function VerifyCertificatePage() {
  const { code = '' } = useParams()
  const check = useQuery({ queryKey: ['verify', code], queryFn: () => learn.verify(code), retry: false })
  if (check.isPending) return <Loading label="Checking the certificate…" />
  if (check.isError) {
    if (check.error instanceof ApiError && (check.error.status === 404 || check.error.status === 400)) {
      return (
        <Stack maw={640} mx="auto">
          <Title order={1}>Certificate not found</Title>
          <ToneAlert color="red" title="No certificate has this code" role="alert">
            Check the code <code>{code}</code> for typing mistakes. Codes are not case-sensitive.
          </ToneAlert>
        </Stack>
      )
    }
    return <ErrorState error={check.error} retry={() => void check.refetch()} />
  }
  const c = check.data
  return (
    <Stack maw={640} mx="auto">
      <Title order={1}>Certificate verification</Title>
      {c.revoked ? (
        <ToneAlert color="red" title="This certificate was revoked" role="status">
          It was revoked on {formatDate(c.revokedAt)} and is no longer valid.
        </ToneAlert>
      ) : (
        <ToneAlert color="green" title="This certificate is valid" role="status">
          Issued by {c.issuer.name}.
        </ToneAlert>
      )}
      <Card withBorder padding="lg">
        <Stack gap={6}>
          <Text size="sm" c="dimmed">
            Awarded to
          </Text>
          <Text size="xl" fw={700}>
            {c.learnerName}
          </Text>
          <Text size="sm" c="dimmed">
            for completing
          </Text>
          <Text size="lg" fw={600}>
            {c.courseTitle}
          </Text>
          <Text size="sm">Issued on {formatDate(c.issuedAt)}</Text>
          <Text size="sm" c="dimmed">
            Code <code>{c.code}</code>
          </Text>
        </Stack>
      </Card>
    </Stack>
  )
}
