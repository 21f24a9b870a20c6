import { appendFileSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { identityEmailRequested, type Envelope, type PayloadOf } from '@learnmesh/contracts'
import type { Transport } from '@learnmesh/kernel'

type EmailRequest = PayloadOf<typeof identityEmailRequested>

const subjects: Record<EmailRequest['template'], string> = {
  verify_email: 'Confirm your email address',
  password_reset: 'Reset your password',
  invitation: 'You are invited to join an organization on learnmesh',
  password_changed: 'Your password was changed',
}

/**
 * Embedded mode has no mail server until the communication service lands: account emails are
 * appended to `<DATA_DIR>/mailbox.jsonl` and their links printed to the terminal (stdout, not the
 * JSON log, so tokens never enter log storage). Delivery is at least once; a repeated event only
 * prints twice.
 */
export function attachDevMailbox(transport: Transport, file: string, print: (line: string) => void): void {
  mkdirSync(dirname(file), { recursive: true })
  transport.subscribe('dev-mailbox', [identityEmailRequested.type], async (envelope: Envelope) => {
    const mail = envelope.payload as EmailRequest
    const subject = subjects[mail.template]
    appendFileSync(
      file,
      `${JSON.stringify({ id: envelope.id, at: envelope.occurredAt, to: mail.to, subject, template: mail.template, link: mail.link })}\n`,
    )
    print(`\n  ✉  ${subject}\n     to: ${mail.to}${mail.link ? `\n     ${mail.link}` : ''}\n`)
  })
}
