import {
  Badge,
  Button,
  Card,
  Group,
  Modal,
  NumberInput,
  Radio,
  SegmentedControl,
  Stack,
  Text,
  Textarea,
} from '@mantine/core'
import { useForm } from '@mantine/form'
import { notifications } from '@mantine/notifications'
import { CLOSE } from '../Guard.tsx'
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { platformAdmin, type Dispute } from '../../../api/admin.ts'
import { formatDateTime } from '../../../lib/dates.ts'
import { FormError } from '../../../components/FormError.tsx'
import { LoadMore, QueryState } from '../../../components/states.tsx'
import { PlatformShell } from './PlatformShell.tsx'

type Resolution = 'refund' | 'release' | 'split'

/** Resolve one dispute: refund the learner, release the payment to the tutor, or split it. */
export function ResolveForm({ dispute, onDone }: { dispute: Dispute; onDone: () => void }) {
  const queryClient = useQueryClient()
  const form = useForm({
    initialValues: { resolution: 'refund' as Resolution, refundPercent: 50 as number | string, note: '' },
    validate: {
      refundPercent: (v, values) =>
        values.resolution !== 'split' || (typeof v === 'number' && v >= 1 && v <= 99)
          ? null
          : 'A split refunds 1–99 %',
    },
  })
  const resolve = useMutation({
    mutationFn: (v: typeof form.values) =>
      platformAdmin.resolveDispute(dispute.id, {
        resolution: v.resolution,
        ...(v.resolution === 'split' ? { refundPercent: Number(v.refundPercent) } : {}),
        ...(v.note.trim() ? { note: v.note.trim() } : {}),
      }),
    onSuccess: async () => {
      notifications.show({
        closeButtonProps: CLOSE,
        message: 'Dispute resolved',
        color: 'green',
      })
      await queryClient.invalidateQueries({ queryKey: ['admin', 'disputes'] })
      onDone()
    },
  })
  return (
    <form noValidate onSubmit={form.onSubmit((v) => resolve.mutate(v))}>
      <Stack>
        <Text size="sm">“{dispute.reason}”</Text>
        <FormError error={resolve.error} />
        <Radio.Group label="Resolution" required {...form.getInputProps('resolution')}>
          <Stack gap={6} mt={4}>
            <Radio value="refund" label="Refund the learner in full" />
            <Radio value="release" label="Release the payment to the tutor" />
            <Radio value="split" label="Split: refund part, release the rest" />
          </Stack>
        </Radio.Group>
        {form.values.resolution === 'split' && (
          <NumberInput
            label="Refund to the learner (%)"
            min={1}
            max={99}
            suffix=" %"
            {...form.getInputProps('refundPercent')}
          />
        )}
        <Textarea
          label="Note (shown to both)"
          maxLength={2000}
          autosize
          minRows={2}
          {...form.getInputProps('note')}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={resolve.isPending}>
            Resolve
          </Button>
        </Group>
      </Stack>
    </form>
  )
}

function describeResolution(d: Dispute): string {
  if (d.resolution === 'refund') return 'Refunded to the learner'
  if (d.resolution === 'release') return 'Released to the tutor'
  if (d.resolution === 'split') return `Split: ${d.refundPercent ?? 0} % refunded`
  return d.resolution ?? ''
}

/** `/admin/disputes`: tutoring disputes of the current organization, oldest first. */
export default function DisputesPage() {
  const [status, setStatus] = useState('open')
  const [resolving, setResolving] = useState<Dispute>()
  const disputes = useInfiniteQuery({
    queryKey: ['admin', 'disputes', status],
    queryFn: ({ pageParam }) => platformAdmin.disputes(status, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  })
  const items = disputes.data?.pages.flatMap((p) => p.items) ?? []
  return (
    <PlatformShell
      title="Tutoring disputes"
      description="Lessons a learner or tutor disputed after they ended."
    >
      {() => (
        <Stack>
          <SegmentedControl
            aria-label="Dispute status"
            value={status}
            onChange={setStatus}
            data={[
              { value: 'open', label: 'Open' },
              { value: 'resolved', label: 'Resolved' },
            ]}
            w="fit-content"
          />
          <QueryState
            query={disputes}
            loadingLabel="Loading disputes…"
            isEmpty={() => items.length === 0}
            empty={status === 'open' ? 'No open disputes.' : 'No resolved disputes yet.'}
          >
            {() => (
              <Stack component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
                {items.map((d) => (
                  <Card withBorder component="li" key={d.id} padding="sm">
                    <Group justify="space-between" align="flex-start" wrap="wrap">
                      <Stack gap={2} style={{ flex: '1 1 260px' }}>
                        <Text fw={600}>{d.reason}</Text>
                        <Text size="xs" c="dimmed">
                          Booking {d.bookingId} · opened {formatDateTime(d.createdAt)}
                        </Text>
                        {d.status === 'resolved' && (
                          <Text size="sm">
                            {describeResolution(d)}
                            {d.resolutionNote ? ` — ${d.resolutionNote}` : ''}
                          </Text>
                        )}
                      </Stack>
                      {d.status === 'open' ? (
                        <Button
                          size="xs"
                          onClick={() => setResolving(d)}
                          aria-label={`Resolve the dispute about booking ${d.bookingId}`}
                        >
                          Resolve
                        </Button>
                      ) : (
                        <Badge variant="filled" color="teal.9">
                          Resolved
                        </Badge>
                      )}
                    </Group>
                  </Card>
                ))}
              </Stack>
            )}
          </QueryState>
          <LoadMore pages={disputes} />
          <Modal opened={!!resolving} onClose={() => setResolving(undefined)} title="Resolve a dispute">
            {resolving && <ResolveForm dispute={resolving} onDone={() => setResolving(undefined)} />}
          </Modal>
        </Stack>
      )}
    </PlatformShell>
  )
}
