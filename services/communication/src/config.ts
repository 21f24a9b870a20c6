import { ConfigError, loadConfig, Type, type Static } from '@learnmesh/kernel'

/** The communication secret used when none is configured: fine on a laptop, refused in production. */
export const DEV_COMMUNICATION_SECRET = 'learnmesh-dev-communication-secret-do-not-use-in-production'

/** Communication's environment. Every variable has a description: the README's config table is generated from them. */
export const CommunicationConfigSchema = Type.Object({
  NODE_ENV: Type.String({
    default: 'development',
    description: 'Runtime mode; `production` refuses the development secret and the dev mailbox.',
  }),
  PUBLIC_URL: Type.String({
    default: 'http://localhost:3000',
    description: 'Public URL of the web app; links in emails point here.',
  }),
  COMMUNICATION_SECRET: Type.String({
    default: DEV_COMMUNICATION_SECRET,
    minLength: 32,
    description: 'Secret (>= 32 chars) signing unsubscribe links. Required in production.',
  }),
  SMTP_URL: Type.String({
    default: '',
    description:
      'SMTP server for outgoing email (`smtp://user:pass@host:587`, `smtps://…:465`). Empty: emails stay in the local dev mailbox (`GET /api/communication/dev/mailbox`).',
  }),
  EMAIL_FROM: Type.String({
    default: 'learnmesh <no-reply@learnmesh.local>',
    description: 'From address of every email.',
  }),
  EMAIL_MAX_ATTEMPTS: Type.Integer({
    default: 8,
    minimum: 1,
    maximum: 50,
    description: 'Sending attempts (with exponential back-off) before an email is marked failed.',
  }),
  BODY_LIMIT_BYTES: Type.Integer({
    default: 65_536,
    minimum: 1024,
    description: 'Largest request body accepted (413 beyond).',
  }),
  VAPID_PUBLIC_KEY: Type.String({
    default: '',
    description:
      'Web Push VAPID public key (base64url, `npx web-push generate-vapid-keys`). Empty in development: a pair is generated once and kept in the database. Required in production.',
  }),
  VAPID_PRIVATE_KEY: Type.String({
    default: '',
    description:
      'Web Push VAPID private key (base64url), paired with VAPID_PUBLIC_KEY. Required in production.',
  }),
  PUSH_PRIVATE_NETWORKS: Type.Union([Type.Literal(''), Type.Literal('allow'), Type.Literal('deny')], {
    default: '',
    description:
      'Whether web pushes may go to a push service whose address is private, loopback or link-local (`allow` | `deny`). Empty: `deny` in production, `allow` elsewhere (local stand-ins of a push service). Checked on every connection, after DNS, so a public name pointing inside the network is refused too.',
  }),
  VAPID_SUBJECT: Type.String({
    default: 'mailto:no-reply@learnmesh.local',
    description: 'Contact the push services may use about our pushes (`mailto:` or `https:` URL).',
  }),
  LEADS_MAX_PER_IP_HOUR: Type.Integer({
    default: 10,
    minimum: 1,
    description: 'Lead forms accepted per client IP in any rolling hour (429 beyond).',
  }),
  LEADS_MAX_PER_EMAIL_DAY: Type.Integer({
    default: 3,
    minimum: 1,
    description: 'Lead forms accepted per email address in any rolling 24 hours (429 beyond).',
  }),
  TRUST_PROXY: Type.String({
    default: 'loopback',
    description:
      'Proxies whose X-Forwarded-For is trusted (Fastify `trustProxy`): `loopback`, `true`, or a list.',
  }),
  REDIS_URL: Type.String({
    default: '',
    description:
      'Redis for chat across replicas (`redis://127.0.0.1:6379`): pub/sub fans socket events out to every replica and chat rate limits are shared. Empty: one process (embedded mode).',
  }),
  CHAT_MAX_MESSAGE_CHARS: Type.Integer({
    default: 4000,
    minimum: 1,
    maximum: 100_000,
    description: 'Longest chat message (characters); longer ones are refused (`payload_too_large`).',
  }),
  CHAT_RATE_BURST: Type.Integer({
    default: 20,
    minimum: 1,
    description:
      'Chat rate limit: messages (sends, edits, deletes) a user may make at once (token bucket size).',
  }),
  CHAT_RATE_PER_SECOND: Type.Number({
    default: 2,
    exclusiveMinimum: 0,
    description: 'Chat rate limit: tokens refilled per second per user.',
  }),
})

/** Communication's typed, frozen configuration. */
export type CommunicationConfig = Static<typeof CommunicationConfigSchema>

/** Reads and validates communication's config; a wrong value stops the service naming the variable. */
export function loadCommunicationConfig(env: Record<string, string | undefined>): CommunicationConfig {
  const config = loadConfig('communication', CommunicationConfigSchema, env)
  const errors: { variable: string; message: string }[] = []
  if (config.NODE_ENV === 'production' && config.COMMUNICATION_SECRET === DEV_COMMUNICATION_SECRET) {
    errors.push({
      variable: 'COMMUNICATION_SECRET',
      message: 'must be set in production (the development default is public)',
    })
  }
  if (config.NODE_ENV === 'production' && config.SMTP_URL === '') {
    errors.push({
      variable: 'SMTP_URL',
      message: 'must be set in production (the dev mailbox is for laptops)',
    })
  }
  if (config.SMTP_URL !== '' && !/^smtps?:\/\/[^\s]+$/.test(config.SMTP_URL)) {
    errors.push({ variable: 'SMTP_URL', message: 'must be an smtp:// or smtps:// URL' })
  }
  if ((config.VAPID_PUBLIC_KEY === '') !== (config.VAPID_PRIVATE_KEY === '')) {
    errors.push({
      variable: 'VAPID_PRIVATE_KEY',
      message: 'VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY go together',
    })
  }
  if (config.NODE_ENV === 'production' && config.VAPID_PUBLIC_KEY === '') {
    errors.push({
      variable: 'VAPID_PUBLIC_KEY',
      message: 'must be set in production with VAPID_PRIVATE_KEY (generated keys are for laptops)',
    })
  }
  if (!/^(mailto:|https:\/\/)\S+$/.test(config.VAPID_SUBJECT)) {
    errors.push({ variable: 'VAPID_SUBJECT', message: 'must be a mailto: or https:// URL' })
  }
  if (errors.length > 0) throw new ConfigError(errors, 'communication')
  return config
}

/** Fastify's `trustProxy` option from TRUST_PROXY (`true`, `false`, or addresses/CIDRs, comma-separated). */
export function trustProxyOption(value: string): boolean | string {
  if (value === 'true') return true
  if (value === 'false' || value === '') return false
  return value
}
