import type { SessionRow } from './sessions.repository.ts'

/** A session row as its owner sees it. */
export function presentSession(row: SessionRow, currentSessionId: string) {
  return {
    id: row.id,
    orgId: row.orgId,
    method: row.method,
    userAgent: row.userAgent,
    ip: row.ip,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    current: row.id === currentSessionId,
  }
}
