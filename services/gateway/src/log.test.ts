import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { batchedDestination, createGatewayLogger } from './log.ts'

let dir: string
let file: string
let fd: number
const turn = () => new Promise((resolve) => setImmediate(resolve))
const written = () => readFileSync(file, 'utf8')
const lines = () =>
  written()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gateway-log-'))
  file = join(dir, 'out.log')
  fd = openSync(file, 'w')
})
afterEach(async () => {
  await turn() // a pending batch is written before its file descriptor is closed (and reused)
  closeSync(fd)
  rmSync(dir, { recursive: true, force: true })
})

describe('happy', () => {
  it('writes the lines of one event-loop turn together at the end of that turn, in order', async () => {
    const logger = createGatewayLogger('info', batchedDestination(fd))
    logger.info({ reqId: 'a', status: 200 }, 'request completed')
    logger.info({ reqId: 'b', status: 201 }, 'request completed')
    expect(written()).toBe('')
    await turn()
    expect(lines()).toEqual([
      expect.objectContaining({ service: 'gateway', reqId: 'a', status: 200, msg: 'request completed' }),
      expect.objectContaining({ service: 'gateway', reqId: 'b', status: 201, msg: 'request completed' }),
    ])
    logger.warn('later')
    await turn()
    expect(lines().map((l) => l.msg)).toEqual(['request completed', 'request completed', 'later'])
  })

  it('flushes on demand (logger.flush, flushSync)', () => {
    const destination = batchedDestination(fd)
    const logger = createGatewayLogger('info', destination)
    logger.info('one')
    logger.flush()
    expect(lines().map((l) => l.msg)).toEqual(['one'])
    logger.info('two')
    destination.flushSync()
    expect(lines().map((l) => l.msg)).toEqual(['one', 'two'])
  })
})

describe('errors', () => {
  it('does not hold an unbounded number of lines within one turn', () => {
    const logger = createGatewayLogger('info', batchedDestination(fd))
    for (let i = 0; i < 600; i++) logger.info({ i }, 'burst')
    // Written without waiting for the end of the turn once the batch is full.
    expect(lines().length).toBeGreaterThanOrEqual(512)
    expect(lines().length).toBeLessThan(600)
  })

  it('honours the level', async () => {
    const logger = createGatewayLogger('warn', batchedDestination(fd))
    logger.info('hidden')
    logger.warn('shown')
    await turn()
    expect(lines().map((l) => l.msg)).toEqual(['shown'])
  })
})

describe('security', () => {
  it('keeps the kernel redaction of credentials', async () => {
    const logger = createGatewayLogger('info', batchedDestination(fd))
    logger.info({ headers: { authorization: 'Bearer secret-token' }, password: 'hunter2' }, 'with secrets')
    await turn()
    expect(written()).not.toContain('secret-token')
    expect(written()).not.toContain('hunter2')
    expect(written()).toContain('[redacted]')
  })
})
