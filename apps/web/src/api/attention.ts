import { api } from './client.ts'

/** Typed calls of the "needs attention" page (commerce `GET /admin/attention` and its actions). */

export type AttentionKind = 'refund_failed' | 'refund_unsent' | 'renewal_charge' | 'card_expiry'

/** What each kind means to the person reading the list. */
export const ATTENTION_KINDS: { value: AttentionKind; label: string; help: string }[] = [
  {
    value: 'refund_failed',
    label: 'Refund refused',
    help: 'An automatic refund the payment provider refused: nothing was refunded.',
  },
  {
    value: 'refund_unsent',
    label: 'Refund never answered',
    help: 'A refund without an answer for over 20 hours: it is not sent again (it could refund twice).',
  },
  {
    value: 'renewal_charge',
    label: 'Renewal charge gave up',
    help: 'A subscription renewal payment the provider did not answer after 8 tries.',
  },
  {
    value: 'card_expiry',
    label: 'Card payment not cancelled',
    help: 'An abandoned card payment the provider could not cancel after 8 tries; the order stays open.',
  },
]

export interface AttentionItem {
  kind: AttentionKind
  id: string
  orgId: string
  amountMinor: number
  currency: string
  orderId: string
  subscriptionId: string | null
  attempts: number | null
  lastError: string | null
  reason: string | null
  since: string
  retryable: boolean
}

export interface AttentionAction {
  kind: AttentionKind
  id: string
  action: 'retry' | 'resolve'
  status: 'queued' | 'resolved'
  changed: boolean
  by: string
  at: string
  note: string | null
}

const enc = encodeURIComponent

export const attention = {
  list: (kind: AttentionKind | undefined, after?: string) =>
    api.request<{ items: AttentionItem[]; nextCursor: string | null }>('/commerce/admin/attention', {
      query: { kind, after, limit: 50 },
    }),
  retry: (item: Pick<AttentionItem, 'kind' | 'id'>) =>
    api.request<AttentionAction>(`/commerce/admin/attention/${enc(item.kind)}/${enc(item.id)}/retry`, {
      body: {},
    }),
  resolve: (item: Pick<AttentionItem, 'kind' | 'id'>, note: string) =>
    api.request<AttentionAction>(`/commerce/admin/attention/${enc(item.kind)}/${enc(item.id)}/resolve`, {
      body: { note },
    }),
}

/** A kind's label; an unknown kind as it is. */
export const attentionLabel = (kind: string): string =>
  ATTENTION_KINDS.find((k) => k.value === kind)?.label ?? kind
