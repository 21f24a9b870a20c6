import { Anchor, Button, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core'
import { useMutation, useQuery } from '@tanstack/react-query'
import { Link } from 'react-router'
import { downloadFile, learn, type Certificate } from '../../api/learner.ts'
import { errorMessage } from '../../api/problem.ts'
import { Empty, ErrorState, Loading } from '../../components/states.tsx'
import { SignedIn, ToneBadge } from './shared.tsx'
import { formatDate } from '../../lib/dates.ts'

function CertificateCard({ c }: { c: Certificate }) {
  const pdf = useMutation({
    mutationFn: () =>
      downloadFile(`/learning/certificates/${encodeURIComponent(c.id)}/pdf`, `certificate-${c.code}.pdf`),
  })
  return (
    <Card withBorder padding="lg" component="article" aria-label={c.courseTitle}>
      <Stack gap="xs">
        <Group justify="space-between" align="flex-start" wrap="nowrap">
          <Title order={2} size="h4">
            {c.courseTitle}
          </Title>
          {c.revoked && <ToneBadge color="red">Revoked</ToneBadge>}
        </Group>
        <Text size="sm">
          Awarded to {c.learnerName} on {formatDate(c.issuedAt)}
        </Text>
        <Text size="sm" c="dimmed">
          Verification code <code>{c.code}</code>
        </Text>
        <Group gap="sm">
          <Button
            onClick={() => pdf.mutate()}
            loading={pdf.isPending}
            aria-label={`Download PDF of ${c.courseTitle}`}
          >
            Download PDF
          </Button>
          <Anchor component={Link} to={`/certificates/${encodeURIComponent(c.code)}/verify`}>
            Verification page
          </Anchor>
        </Group>
        {pdf.isError && (
          <Text size="sm" c="red.8" role="alert">
            {errorMessage(pdf.error)}
          </Text>
        )}
      </Stack>
    </Card>
  )
}

function Certificates() {
  const list = useQuery({ queryKey: ['certificates'], queryFn: learn.certificates })
  if (list.isPending) return <Loading label="Loading your certificates…" />
  if (list.isError) return <ErrorState error={list.error} retry={() => void list.refetch()} />
  return (
    <Stack>
      <Title order={1}>Certificates</Title>
      {list.data.items.length === 0 ? (
        <Stack align="center">
          <Empty>No certificates yet: finish every lesson of a course to earn one.</Empty>
          <Button component={Link} to="/learning">
            My learning
          </Button>
        </Stack>
      ) : (
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          {list.data.items.map((c) => (
            <CertificateCard key={c.id} c={c} />
          ))}
        </SimpleGrid>
      )}
    </Stack>
  )
}

export default function CertificatesPage() {
  return (
    <SignedIn title="Certificates">
      <Certificates />
    </SignedIn>
  )
}
