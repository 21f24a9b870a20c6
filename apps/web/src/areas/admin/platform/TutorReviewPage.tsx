import { Badge, Button, Card, Group, Stack, Text, Textarea } from '@mantine/core'
import { notifications } from '@mantine/notifications'
import { CLOSE } from '../Guard.tsx'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { platformAdmin, type TutorProfile } from '../../../api/admin.ts'
import { formatDateTime } from '../../../lib/dates.ts'
import { formatAmount } from '../../../lib/money.ts'
import { FormError } from '../../../components/FormError.tsx'
import { QueryState } from '../../../components/states.tsx'
import { PlatformShell } from './PlatformShell.tsx'

function Review({ tutor }: { tutor: TutorProfile }) {
  const queryClient = useQueryClient()
  const [note, setNote] = useState('')
  const decide = useMutation({
    mutationFn: (verdict: 'verify' | 'reject') =>
      verdict === 'verify'
        ? platformAdmin.verifyTutor(tutor.id, note.trim() || undefined)
        : platformAdmin.rejectTutor(tutor.id, note.trim() || undefined),
    onSuccess: async (_, verdict) => {
      notifications.show({
        closeButtonProps: CLOSE,
        message: `${tutor.displayName} ${verdict === 'verify' ? 'verified' : 'rejected'}`,
        color: 'green',
      })
      await queryClient.invalidateQueries({ queryKey: ['admin', 'review-queue'] })
    },
  })
  return (
    <Card withBorder component="li" padding="sm">
      <Stack gap="xs">
        <Group justify="space-between" wrap="wrap">
          <Text fw={700}>{tutor.displayName}</Text>
          <Badge variant="light">
            {formatAmount(tutor.hourlyRate.amountMinor, tutor.hourlyRate.currency)} / h
          </Badge>
        </Group>
        <Text size="sm">{tutor.headline}</Text>
        <Text size="xs" c="dimmed">
          {tutor.subjects.map((s) => s.subject).join(', ')} · {tutor.languages.join(', ')} · profile since{' '}
          {formatDateTime(tutor.createdAt)}
        </Text>
        {tutor.bio && (
          <Text size="sm" lineClamp={4}>
            {tutor.bio}
          </Text>
        )}
        <FormError error={decide.error} />
        <Textarea
          label={`Note to ${tutor.displayName} (optional)`}
          value={note}
          onChange={(e) => setNote(e.currentTarget.value)}
          maxLength={1000}
          autosize
          minRows={1}
        />
        <Group>
          <Button
            size="xs"
            onClick={() => decide.mutate('verify')}
            loading={decide.isPending && decide.variables === 'verify'}
          >
            Verify
          </Button>
          <Button
            size="xs"
            variant="default"
            color="red"
            onClick={() => decide.mutate('reject')}
            loading={decide.isPending && decide.variables === 'reject'}
          >
            Reject
          </Button>
        </Group>
      </Stack>
    </Card>
  )
}

/** `/admin/tutors`: tutor profiles waiting for verification, oldest request first. */
export default function TutorReviewPage() {
  const queue = useQuery({ queryKey: ['admin', 'review-queue'], queryFn: platformAdmin.reviewQueue })
  return (
    <PlatformShell
      title="Tutor verification"
      description="Profiles of your current organization waiting for a decision."
    >
      {() => (
        <QueryState
          query={queue}
          loadingLabel="Loading the queue…"
          isEmpty={() => queue.data?.items.length === 0}
          empty="No profile is waiting for verification."
        >
          {() => (
            <Stack component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
              {queue.data?.items.map((t) => (
                <Review key={t.id} tutor={t} />
              ))}
            </Stack>
          )}
        </QueryState>
      )}
    </PlatformShell>
  )
}
