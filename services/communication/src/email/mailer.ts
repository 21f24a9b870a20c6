import nodemailer from 'nodemailer'
import type { CommunicationConfig } from '../config.ts'

/** One message to send. */
export interface OutgoingEmail {
  from: string
  to: string
  subject: string
  text: string
  html: string
  headers?: Record<string, string>
}

/** Where emails go: an SMTP server, or nowhere (the database row is the dev mailbox). */
export interface Mailer {
  /** `smtp` or `mailbox`. */
  readonly kind: 'smtp' | 'mailbox'
  /** Sends; resolves with the server's message id. Throws when the server refuses or cannot be reached. */
  send(email: OutgoingEmail): Promise<{ messageId: string | null }>
  close(): void
}

/**
 * The mailer SMTP_URL selects: nodemailer's SMTP transport (pooled connections, 10 s connection and
 * 30 s socket timeouts), or the dev mailbox when SMTP_URL is empty.
 */
export function createMailer(config: CommunicationConfig): Mailer {
  if (config.SMTP_URL === '') {
    return { kind: 'mailbox', send: () => Promise.resolve({ messageId: null }), close() {} }
  }
  const url = new URL(config.SMTP_URL)
  const secure = url.protocol === 'smtps:'
  const transport = nodemailer.createTransport({
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    ...(url.username
      ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }
      : {}),
    pool: true,
    maxConnections: 3,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  })
  return {
    kind: 'smtp',
    async send(email) {
      const info = await transport.sendMail(email)
      return { messageId: typeof info.messageId === 'string' ? info.messageId : null }
    },
    close() {
      transport.close()
    },
  }
}
