/** Types for `http_ece` (RFC 8188 encrypted content-encoding; no types are published). Tests decrypt pushes with it. */
declare module 'http_ece' {
  import type { ECDH } from 'node:crypto'
  interface EceParams {
    version: 'aes128gcm' | 'aesgcm'
    /** The receiver's key pair (decrypt) or the sender's (encrypt). */
    privateKey?: ECDH
    /** The 16-byte auth secret (Buffer, or base64url). */
    authSecret?: Buffer | string
    dh?: Buffer | string
    salt?: Buffer | string
    keyid?: string
  }
  const ece: {
    decrypt(buffer: Buffer, params: EceParams): Buffer
    encrypt(buffer: Buffer, params: EceParams): Buffer
  }
  export default ece
}
