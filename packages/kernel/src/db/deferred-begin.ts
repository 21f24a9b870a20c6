import pg from 'pg'

// `begin` rides with the transaction's first statement (PostgreSQL only).
//
// Every round trip to PostgreSQL costs a system call and a backend wake-up on each side; on the
// 2-core VMs we measure on, that is ~0.15–0.35 ms of CPU per round trip for client and server alike,
// more than most statements themselves. Drizzle opens a transaction with a `begin` round trip of its
// own. Here `begin` is held back on the pooled connection and sent with the next statement when that
// statement can carry it: a simple-protocol query (no parameters, no prepared-statement name) is
// sent as `begin; <statement>` in one round trip. A parameterized statement cannot (node-postgres
// does not pipeline), so `begin` is then sent first, as before. A transaction that ends before any
// statement (`begin` then `commit`/`rollback`) sends nothing at all.
//
// The semantics are unchanged: `begin` always reaches the server before any statement of the
// transaction, on the same connection. The kernel's own hot paths send their first statement as
// simple-protocol text where its values are known to be safe (the inbox insert: see inbox.ts).

const held = Symbol('learnmesh.beginHeld')

type QueryArgs = unknown[]
type Client = pg.PoolClient & { [held]?: boolean }

const BEGIN = /^\s*begin\s*;?\s*$/i
const END = /^\s*(commit|rollback)\s*;?\s*$/i

function textOf(first: unknown): string | undefined {
  if (typeof first === 'string') return first
  if (first && typeof first === 'object' && 'text' in first) {
    const text = (first as { text?: unknown }).text
    return typeof text === 'string' ? text : undefined
  }
  return undefined
}

/** A query call that runs on the simple protocol: text only, no values, no name, no callback. */
function isSimple(args: QueryArgs): boolean {
  const [first, second] = args
  if (args.some((a) => typeof a === 'function')) return false
  if (textOf(first) === undefined) return false
  if (first && typeof first === 'object') {
    const config = first as { name?: unknown; values?: unknown; submit?: unknown; queryMode?: unknown }
    if (config.name || typeof config.submit === 'function' || config.queryMode === 'extended') return false
    if (Array.isArray(config.values) && config.values.length > 0) return false
  }
  return !(Array.isArray(second) && second.length > 0)
}

/** What `client.query('begin')` resolves to (Drizzle ignores it). */
const beginResult = (command: string): pg.QueryResult =>
  ({ command, rowCount: null, oid: 0, rows: [], fields: [] }) as unknown as pg.QueryResult

/**
 * Makes `begin` on this pooled connection ride with the transaction's first statement. Installed on
 * every connection of the kernel's PostgreSQL pool (`pool.on('connect')`).
 */
export function deferBegin(client: pg.PoolClient): void {
  const c = client as Client
  // The prototype's query, looked up on each call (test helpers may wrap it: see testing/statements.ts).
  const send = (args: QueryArgs): unknown =>
    (pg.Client.prototype.query as (...a: QueryArgs) => unknown).apply(c, args)
  c.query = function (this: Client, ...args: QueryArgs): unknown {
    const text = textOf(args[0])
    const simple = isSimple(args)
    if (!c[held]) {
      if (simple && text !== undefined && BEGIN.test(text)) {
        c[held] = true
        return Promise.resolve(beginResult('BEGIN'))
      }
      return send(args)
    }
    if (simple && text !== undefined && BEGIN.test(text)) return Promise.resolve(beginResult('BEGIN'))
    c[held] = false
    if (simple && text !== undefined) {
      // Nothing ran in the transaction: there is nothing to commit or roll back.
      if (END.test(text)) return Promise.resolve(beginResult(text.trim().split(/\s|;/)[0]!.toUpperCase()))
      const first = args[0]
      const combined =
        typeof first === 'string' ? `begin; ${first}` : { ...(first as object), text: `begin; ${text}` }
      const results = send([combined, ...args.slice(1)]) as Promise<pg.QueryResult | pg.QueryResult[]>
      // Two statements or more answer with one result each: the caller asked for what follows `begin`.
      return results.then((r) => {
        if (!Array.isArray(r)) return r
        const rest = r.slice(1)
        return rest.length === 1 ? rest[0] : rest
      })
    }
    // A parameterized first statement (or a callback/submittable): `begin` goes first, on its own.
    const callback = args.find(
      (a): a is (err: Error | null, res?: unknown) => void => typeof a === 'function',
    )
    const begun = send(['begin']) as Promise<unknown>
    if (callback) {
      begun.then(
        () => void send(args),
        (err: Error) => callback(err),
      )
      return undefined
    }
    return begun.then(() => send(args))
  } as typeof c.query
}

/**
 * Forgets a held `begin` when its connection goes back to the pool (`pool.on('release')`): a
 * transaction that never ran a statement left nothing to undo, and the next user must not inherit it.
 */
export function forgetBegin(client: pg.PoolClient): void {
  ;(client as Client)[held] = false
}
