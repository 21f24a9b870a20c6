import { Badge, Button, Group, Modal, NativeSelect, Stack, Text, Textarea } from '@mantine/core'
import { useForm } from '@mantine/form'
import { notifications } from '@mantine/notifications'
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query'
import { useState, type ReactNode } from 'react'
import {
  attention,
  attentionLabel,
  ATTENTION_KINDS,
  type AttentionAction,
  type AttentionItem,
  type AttentionKind,
} from '../../api/attention.ts'
import type { Me } from '../../api/endpoints.ts'
import { DataTable } from '../../components/DataTable.tsx'
import { FormError } from '../../components/FormError.tsx'
import { formatDateTime } from '../../lib/dates.ts'
import { formatAmount } from '../../lib/money.ts'
import { CLOSE, Guard, PageTitle } from './Guard.tsx'
import { PlatformShell } from './platform/PlatformShell.tsx'

const QUERY_KEY = ['admin', 'attention']

/** After an action: say what it did (or that it had been done already) and reload the list. */
function useActionDone() {
  const queryClient = useQueryClient()
  return async (r: AttentionAction) => {
    const message =
      r.action === 'retry'
        ? r.changed
          ? 'Queued: the job tries again on its next run'
          : 'It is already queued'
        : r.changed
          ? 'Marked resolved'
          : 'It was already resolved'
    notifications.show({ closeButtonProps: CLOSE, message, color: 'green' })
    await queryClient.invalidateQueries({ queryKey: QUERY_KEY })
  }
}

/** Resolve one item with a note: what a person did about it (kept with who and when). */
function ResolveForm({ item, onDone }: { item: AttentionItem; onDone: () => void }) {
  const done = useActionDone()
  const form = useForm({
    initialValues: { note: '' },
    validate: { note: (v) => (v.trim() ? null : 'Say what was done about it') },
  })
  const resolve = useMutation({
    mutationFn: (note: string) => attention.resolve(item, note),
    onSuccess: async (r) => {
      await done(r)
      onDone()
    },
  })
  return (
    <form noValidate onSubmit={form.onSubmit((v) => resolve.mutate(v.note.trim()))}>
      <Stack>
        <Text size="sm">
          {attentionLabel(item.kind)}: {formatAmount(item.amountMinor, item.currency)}, order{' '}
          <Text span ff="monospace">
            {item.orderId}
          </Text>
          . It leaves the list and is not tried again.
        </Text>
        <FormError error={resolve.error} />
        <Textarea
          label="What was done"
          description="For example: refunded by bank transfer, cancelled in the provider's dashboard."
          required
          maxLength={1000}
          rows={3}
          {...form.getInputProps('note')}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={resolve.isPending}>
            Mark resolved
          </Button>
        </Group>
      </Stack>
    </form>
  )
}

function Ids({ item }: { item: AttentionItem }) {
  const line = (label: string, id: string | null) =>
    id && (
      <Text size="xs" c="dimmed">
        {label}{' '}
        <Text span ff="monospace" size="xs">
          {id}
        </Text>
      </Text>
    )
  return (
    <>
      {line('Order', item.orderId)}
      {line('Subscription', item.subscriptionId)}
      {item.kind.startsWith('refund') && line('Refund', item.id)}
    </>
  )
}

function AttentionList({ me }: { me: Me }) {
  const [kind, setKind] = useState('')
  const [resolving, setResolving] = useState<AttentionItem>()
  const items = useInfiniteQuery({
    queryKey: [...QUERY_KEY, kind],
    queryFn: ({ pageParam }) => attention.list((kind || undefined) as AttentionKind | undefined, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  })
  const retry = useMutation({
    mutationFn: (item: AttentionItem) => attention.retry(item),
    onSuccess: useActionDone(),
  })
  const rows = items.data?.pages.flatMap((p) => p.items) ?? []
  const allOrgs = me.user.platformAdmin
  return (
    <Stack>
      <NativeSelect
        label="Kind"
        data={[
          { value: '', label: 'All kinds' },
          ...ATTENTION_KINDS.map((k) => ({ value: k.value, label: k.label })),
        ]}
        value={kind}
        onChange={(e) => setKind(e.currentTarget.value)}
        description={ATTENTION_KINDS.find((k) => k.value === kind)?.help}
        maw={320}
      />
      <FormError error={retry.error} />
      <DataTable
        caption="Items that need attention"
        query={items}
        loadingLabel="Loading items…"
        rows={rows}
        rowKey={(i) => `${i.kind}/${i.id}`}
        empty="Nothing needs attention."
        pages={items}
        minWidth={860}
        verticalSpacing="xs"
        striped
        columns={[
          {
            header: 'What',
            cell: (i) => (
              <>
                <Badge size="sm" variant="light" color={i.retryable ? 'orange' : 'red'}>
                  {attentionLabel(i.kind)}
                </Badge>
                {i.reason && (
                  <Text size="xs" c="dimmed">
                    Reason: {i.reason}
                  </Text>
                )}
                <Ids item={i} />
              </>
            ),
          },
          ...(allOrgs
            ? [
                {
                  header: 'Organization',
                  cell: (i: AttentionItem) => (
                    <Text size="xs" ff="monospace">
                      {i.orgId}
                    </Text>
                  ),
                },
              ]
            : []),
          { header: 'Amount', align: 'right', cell: (i) => formatAmount(i.amountMinor, i.currency) },
          { header: 'Tries', align: 'right', cell: (i) => (i.attempts === null ? '—' : String(i.attempts)) },
          {
            header: 'Last error',
            cell: (i) =>
              i.lastError ? (
                <Text size="xs" ff="monospace">
                  {i.lastError}
                </Text>
              ) : (
                '—'
              ),
          },
          { header: 'Since', cell: (i) => formatDateTime(i.since) },
          {
            header: 'Actions',
            hideHeader: true,
            cell: (i) => (
              <Group gap="xs" wrap="nowrap">
                {i.retryable && (
                  <Button
                    size="xs"
                    variant="default"
                    loading={retry.isPending && retry.variables?.id === i.id}
                    onClick={() => retry.mutate(i)}
                    aria-label={`Retry ${attentionLabel(i.kind)} ${i.id}`}
                  >
                    Retry
                  </Button>
                )}
                <Button
                  size="xs"
                  variant="light"
                  onClick={() => setResolving(i)}
                  aria-label={`Resolve ${attentionLabel(i.kind)} ${i.id}`}
                >
                  Resolve
                </Button>
              </Group>
            ),
          },
        ]}
      />
      <Modal opened={!!resolving} onClose={() => setResolving(undefined)} title="Mark resolved">
        {resolving && <ResolveForm item={resolving} onDone={() => setResolving(undefined)} />}
      </Modal>
    </Stack>
  )
}

const TITLE = 'Needs attention'
const DESCRIPTION =
  'Payments work the jobs gave up on: refunds the provider refused or never answered, renewal charges and card payment cancellations that failed 8 times. Retry puts a charge or cancellation back in its queue; resolve records what you did.'

/**
 * `/admin/attention`: commerce items waiting for a person (org admins: their organization's;
 * platform admins: every organization's, inside the platform admin sections).
 */
export default function AttentionPage() {
  const page = (me: Me): ReactNode => <AttentionList me={me} />
  return (
    <Guard
      allowed={(me) => me.user.platformAdmin || me.roles.includes('org_admin')}
      deniedText="Only organization and platform administrators can open this page."
    >
      {(me) =>
        me.user.platformAdmin ? (
          <PlatformShell title={TITLE} description={DESCRIPTION}>
            {page}
          </PlatformShell>
        ) : (
          <Stack maw={1100} mx="auto" gap="md">
            <PageTitle title={TITLE} description={DESCRIPTION} />
            {page(me)}
          </Stack>
        )
      }
    </Guard>
  )
}
