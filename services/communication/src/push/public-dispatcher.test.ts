import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fetch } from 'undici'
import { isPublicAddress, PrivateAddressError, publicOnlyDispatcher } from './public-dispatcher.ts'

describe('isPublicAddress', () => {
  it('accepts public IPv4 and IPv6 unicast addresses', () => {
    for (const a of ['8.8.8.8', '142.250.74.10', '2606:4700:4700::1111', '2a00:1450:4007:80e::200a'])
      expect(isPublicAddress(a), a).toBe(true)
  })

  it('refuses private, loopback, link-local (cloud metadata), CGNAT, unique-local, mapped and reserved addresses', () => {
    for (const a of [
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '127.0.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '255.255.255.255',
      '224.0.0.1',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      '::ffff:10.0.0.1',
      '::ffff:127.0.0.1',
      'not-an-address',
    ])
      expect(isPublicAddress(a), a).toBe(false)
  })
})

describe('publicOnlyDispatcher', () => {
  let server: Server
  let port = 0
  let hits = 0
  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits++
      res.writeHead(201).end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as { port: number }).port
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  it('does not connect to a host name that resolves to a loopback address', async () => {
    const dispatcher = publicOnlyDispatcher()
    try {
      const err = await fetch(`http://localhost:${port}/push`, { method: 'POST', dispatcher }).then(
        () => null,
        (e: unknown) => e,
      )
      expect((err as { cause?: unknown }).cause).toBeInstanceOf(PrivateAddressError)
      expect(hits).toBe(0)
      // Without the dispatcher the same request reaches the server: the refusal above is the dispatcher's.
      expect((await fetch(`http://127.0.0.1:${port}/push`, { method: 'POST' })).status).toBe(201)
      expect(hits).toBe(1)
    } finally {
      await dispatcher.close()
    }
  })
})
