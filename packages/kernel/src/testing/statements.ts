import pg from 'pg'

/**
 * Runs `run` and records the text of every statement a `pg` client sent meanwhile (BEGIN and COMMIT
 * included): how PostgreSQL tests pin a hot path's round trips. Only for tests that run one request
 * at a time (it patches `pg.Client.prototype.query` for the duration).
 */
export async function countStatements<T>(
  run: () => Promise<T>,
): Promise<{ result: T; statements: string[] }> {
  const statements: string[] = []
  const original = pg.Client.prototype.query
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const q = args[0]
    statements.push(typeof q === 'string' ? q : ((q as { text?: string }).text ?? '?'))
    return (original as (...a: unknown[]) => unknown).apply(this, args)
  } as typeof original
  try {
    return { result: await run(), statements }
  } finally {
    pg.Client.prototype.query = original
  }
}

/** The statements' first characters, one per line: an assertion message that shows what ran. */
export const listStatements = (statements: string[], width = 60): string =>
  statements.map((t) => t.trim().slice(0, width)).join('\n')
