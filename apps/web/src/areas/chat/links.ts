/**
 * Where to send someone to chat with a person: `/chat/new?with=<userId>` opens (or finds) the direct
 * conversation with that user of my organization and shows it. For other areas (a tutor's profile):
 * `<Anchor component={Link} to={chatWithHref(tutor.userId)}>Message</Anchor>`.
 */
export function chatWithHref(userId: string): string {
  return `/chat/new?with=${encodeURIComponent(userId)}`
}

/** A conversation's page. */
export function conversationHref(conversationId: string): string {
  return `/chat/${encodeURIComponent(conversationId)}`
}
