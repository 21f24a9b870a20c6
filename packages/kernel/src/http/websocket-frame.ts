import * as ws from 'ws'
import type { WebSocket } from 'ws'

// Broadcasts over `ws`: build a frame once, write it on every recipient's socket (what Engine.IO's
// `wsPreEncodedFrame` does). Used by communication's socket server and the gateway's socket mux.

/** `ws`'s frame builder (its export `Sender`, missing from its type definitions). */
interface WsSender {
  frame(
    data: Buffer,
    options: { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean },
  ): Buffer[]
}

/**
 * One unmasked, final WebSocket text frame, header and payload in one Buffer, as `ws` frames what
 * a server sends without compression: build it once for a broadcast, then `writeFrame` it to each
 * recipient (one write each).
 */
export function webSocketTextFrame(text: string): Buffer {
  return Buffer.concat(
    (ws as unknown as { Sender: WsSender }).Sender.frame(Buffer.from(text), {
      fin: true,
      rsv1: false,
      opcode: 1,
      mask: false,
      readOnly: false,
    }),
  )
}

/**
 * Writes a frame from `webSocketTextFrame` on an open server-side socket through its sender, so it
 * is ordered with the socket's other sends (per-message deflate must be off, as it is for every
 * server here). Falls back to a plain `send` of the payload if `ws` ever drops its sender.
 */
export function writeWebSocketFrame(socket: WebSocket, frame: Buffer): void {
  if (socket.readyState !== 1) return
  const sender = (socket as unknown as { _sender?: { sendFrame?(list: Buffer[]): void } })._sender
  if (typeof sender?.sendFrame === 'function') return sender.sendFrame([frame])
  const len = frame[1]! & 0x7f
  socket.send(frame.subarray(len === 126 ? 4 : len === 127 ? 10 : 2), { binary: false })
}
