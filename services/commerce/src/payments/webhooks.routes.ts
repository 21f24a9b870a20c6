import { problems, type App } from '@learnmesh/kernel'
import { WebhookAck } from '../orders/orders.schemas.ts'
import type { PaymentsCore } from './payments.service.ts'

/** Largest webhook body accepted. */
const WEBHOOK_BODY_LIMIT = 64 * 1024

/**
 * POST /webhooks/:provider. Registered in its own encapsulated scope whose only content type
 * parser keeps the body as raw bytes: the signature is checked over exactly what was sent
 * (re-serialized JSON would not verify). Other routes keep the JSON parser.
 */
export async function webhooksRoutes(
  app: App,
  s: { payments: PaymentsCore; providerName: string },
): Promise<void> {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT },
      (_req, body, done) => {
        done(null, body)
      },
    )
    scope.post(
      `/webhooks/${s.providerName}`,
      {
        bodyLimit: WEBHOOK_BODY_LIMIT,
        schema: {
          tags: ['webhooks'],
          summary: `Payment provider webhook (${s.providerName}); signature verified over the raw body`,
          response: { 200: WebhookAck, ...problems(400, 413) },
        },
      },
      async (request) => {
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
        return s.payments.handleWebhook(raw, request.headers)
      },
    )
  })
}
