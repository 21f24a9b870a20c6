import { parseArgs } from 'node:util'
import { AppError, createDeadLetterAdmin, type DeadLetter } from '@learnmesh/kernel'
import { loadDlqConfig } from './config.ts'

/** Usage of `learnmesh dlq`. */
export const dlqUsage = `learnmesh dlq <list|show|replay> <service> [options]

  list <service> [--limit N]          dead letters of a consuming service, oldest first (default 50)
  show <service> --id <eventId>       one dead letter with its envelope
  replay <service> [--id <eventId>]…  re-deliver to that service only (all, or the given ids)
  --json                              machine-readable output

Reads BROKER_URL (default amqp://guest:guest@127.0.0.1:5672) and BROKER_PREFIX.
`

/** Where the command writes. */
export interface DlqIo {
  out(text: string): void
  err(text: string): void
}

/** Left-aligned columns; `-` for missing values. */
export function table(header: string[], rows: (string | number | null)[][]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (c === null || c === '' ? '-' : String(c))))]
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)))
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

function oneLine(text: string | null, max = 80): string | null {
  if (text === null) return null
  const flat = text.replace(/\s+/g, ' ')
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
}

function describeLetter(d: DeadLetter): string {
  const lines = [
    `event id          ${d.eventId ?? '-'}`,
    `type              ${d.type ?? '-'}`,
    `reason            ${d.reason}`,
    `attempts          ${d.attempts ?? '-'}`,
    `dead-lettered at  ${d.deadLetteredAt ?? '-'}`,
    `error             ${d.error ?? '-'}`,
  ]
  if (d.envelope) lines.push('envelope', JSON.stringify(d.envelope, null, 2))
  else if (d.raw !== null) lines.push('body (not JSON)', d.raw)
  return lines.join('\n')
}

/**
 * `learnmesh dlq ...`: inspects and re-drives a service's RabbitMQ dead-letter queue through the
 * kernel's dead-letter admin. Returns the exit code: 0 done, 1 failed (not found, broker error),
 * 2 usage error.
 */
export async function runDlq(
  args: string[],
  env: Record<string, string | undefined>,
  io: DlqIo,
): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        id: { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
        limit: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    })
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${dlqUsage}`)
    return 2
  }
  const { values, positionals } = parsed
  const [action, service] = positionals
  if (values.help) {
    io.out(dlqUsage)
    return 0
  }
  if (!action || !['list', 'show', 'replay'].includes(action) || !service || positionals.length > 2) {
    io.err(dlqUsage)
    return 2
  }
  const limit = values.limit === undefined ? 50 : Number(values.limit)
  if (!Number.isInteger(limit) || limit < 1) {
    io.err('--limit must be a positive integer\n')
    return 2
  }
  const ids = values.id ?? []
  if (action === 'show' && ids.length !== 1) {
    io.err('show needs exactly one --id <eventId>\n')
    return 2
  }
  const config = loadDlqConfig(env)
  const admin = createDeadLetterAdmin({ url: config.BROKER_URL, prefix: config.BROKER_PREFIX })
  const print = (value: unknown, text: string) =>
    io.out(values.json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`)
  try {
    if (action === 'list') {
      const total = await admin.countDeadLetters(service)
      const letters = await admin.listDeadLetters(service, limit)
      print(
        { service, total, deadLetters: letters },
        total === 0
          ? `${service}: no dead letters`
          : `${service}: ${total} dead letter${total === 1 ? '' : 's'}${letters.length < total ? ` (showing ${letters.length})` : ''}\n\n` +
              table(
                ['EVENT ID', 'TYPE', 'REASON', 'ATTEMPTS', 'DEAD-LETTERED AT', 'ERROR'],
                letters.map((d) => [
                  d.eventId,
                  d.type,
                  d.reason,
                  d.attempts,
                  d.deadLetteredAt,
                  oneLine(d.error),
                ]),
              ),
      )
      return 0
    }
    if (action === 'show') {
      const letter = await admin.showDeadLetter(service, ids[0]!)
      print(letter, describeLetter(letter))
      return 0
    }
    const { replayed } = await admin.replayDeadLetters(service, ids.length ? { ids } : {})
    const missing = ids.filter((i) => !replayed.includes(i))
    print(
      { service, replayed, missing },
      [
        replayed.length
          ? `${service}: replayed ${replayed.length} to ${service}'s queue:\n${replayed.map((i) => `  ${i}`).join('\n')}`
          : `${service}: nothing replayed`,
        ...(missing.length
          ? [`not in the dead-letter queue:\n${missing.map((i) => `  ${i}`).join('\n')}`]
          : []),
      ].join('\n'),
    )
    return missing.length ? 1 : 0
  } catch (err) {
    if (err instanceof AppError) {
      io.err(`${err.message}\n`)
      return 1
    }
    const message = err instanceof Error ? err.message : String(err)
    io.err(`dlq ${action} failed: ${message}\n`)
    return 1
  } finally {
    await admin.close()
  }
}
