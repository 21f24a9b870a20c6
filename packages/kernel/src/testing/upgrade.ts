import { request as httpRequest } from 'node:http'

/**
 * Test-only: sends a WebSocket upgrade request to `url` and resolves with the HTTP answer of a
 * server that refused it (status and body); rejects if the upgrade was accepted.
 */
export function upgradeAnswer(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url.replace(/^ws/, 'http'), {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
    })
    req.on('response', (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += String(c)))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('upgrade', (_res, socket) => {
      socket.destroy()
      reject(new Error('upgraded'))
    })
    req.on('error', reject)
    req.end()
  })
}

/**
 * Test-only: takes the first of `frames` matching `test` out of the list, waiting (polling) up to
 * `ms` for it to arrive.
 */
export async function takeFrame(frames: string[], test: (f: string) => boolean, ms = 2000): Promise<string> {
  const deadline = Date.now() + ms
  for (;;) {
    const i = frames.findIndex(test)
    if (i >= 0) return frames.splice(i, 1)[0]!
    if (Date.now() > deadline) throw new Error(`no matching frame; got ${JSON.stringify(frames)}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
