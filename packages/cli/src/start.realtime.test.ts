import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { io as connect } from 'socket.io-client'
import { startEmbedded, type EmbeddedPlatform } from './start.ts'

describe('embedded mode: Socket.IO on the gateway', () => {
  let platform: EmbeddedPlatform
  let dataDir: string
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'learnmesh-realtime-'))
    platform = await startEmbedded({
      env: { DATA_DIR: dataDir, PORT: '0', SEED_DEMO: 'false', LOG_LEVEL: 'silent' },
      print: () => {},
    })
  }, 120_000)
  afterAll(async () => {
    await platform?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it("serves communication's Socket.IO at /api/communication/socket.io/, which checks the token", async () => {
    const s = connect(`http://127.0.0.1:${platform.port}`, {
      path: '/api/communication/socket.io/',
      transports: ['websocket'],
      auth: { token: 'not-a-jwt' },
      reconnection: false,
      forceNew: true,
    })
    const err = await new Promise<Error & { data?: unknown }>((resolve) => s.once('connect_error', resolve))
    s.disconnect()
    // Refused by communication's handshake (not by a missing route): the service answered.
    expect(err.message).toBe('invalid_token')
    expect(err.data).toMatchObject({ code: 'invalid_token', status: 401 })
  })

  it('still routes plain API requests through the gateway', async () => {
    const res = await fetch(`http://127.0.0.1:${platform.port}/api/communication/conversations`)
    expect(res.status).toBe(401)
  })
})
