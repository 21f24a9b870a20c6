/**
 * The socket link between the gateway and communication (cluster mode). The gateway accepts the
 * clients' Socket.IO WebSockets at `/api/communication/socket.io/` and carries them to a replica over
 * one WebSocket per replica at `SOCKET_LINK_PATH` on the replica's own port, so a room emit costs the
 * service one frame per gateway and the gateway writes each member's copy. Text frames, one operation
 * each, `<op><id>[|<data>]`, ids chosen by the gateway (positive integers):
 *
 * - gateway → service: `o<id>` a client connected; `m<id>|<text>` one Engine.IO packet from it;
 *   `c<id>` it is gone.
 * - service → gateway: `s<id>|<text>` one Engine.IO packet to it; `b<id>,<id>,…|<text>` the same
 *   packet to each of them; `x<id>|<code>|<reason>` close its socket (code 0: at once).
 *
 * When a link closes, both ends drop its connections (the gateway closes their sockets with 1012;
 * clients reconnect). The link path is never reachable from outside: the gateway refuses it.
 */
export const SOCKET_LINK_PATH = '/socket.io-link'

/** Where communication's Socket.IO answers, below the service's base path. */
export const SOCKET_IO_PATH = '/socket.io/'
