import { AppError, problems, type App } from '@learnmesh/kernel'
import { clientMeta, requireSession } from '../shared/http.ts'
import type { FullTokenService } from '../sessions/sessions.service.ts'
import { CodeBody, DisableBody, EnrolResponse, RecoveryCodesResponse } from './totp.schemas.ts'
import type { TotpService } from './totp.service.ts'

const tags = ['2fa']
const security = [{ bearer: [] }]

/** TOTP enrolment, confirmation, disabling and recovery codes. */
export function totpRoutes(app: App, s: { totp: TotpService; tokens: FullTokenService }): void {
  app.post(
    '/me/2fa/totp',
    {
      schema: {
        tags,
        security,
        summary: 'Start TOTP enrolment',
        response: { 200: EnrolResponse, ...problems(401, 409) },
      },
    },
    async (request) => {
      const principal = await requireSession(request, s.tokens.isLive)
      return s.totp.enrol(principal.userId)
    },
  )

  app.post(
    '/me/2fa/totp/confirm',
    {
      schema: {
        tags,
        security,
        summary: 'Confirm TOTP with a code; returns recovery codes',
        body: CodeBody,
        response: { 200: RecoveryCodesResponse, ...problems(400, 401, 409, 429) },
      },
    },
    async (request) => {
      const principal = await requireSession(request, s.tokens.isLive)
      return s.totp.confirm(principal.userId, request.body.code, clientMeta(request).ip)
    },
  )

  app.delete(
    '/me/2fa/totp',
    {
      schema: {
        tags,
        security,
        summary: 'Turn TOTP off (password and code required)',
        body: DisableBody,
        response: { 204: { type: 'null' }, ...problems(400, 401, 409, 429) },
      },
    },
    async (request, reply) => {
      const principal = await requireSession(request, s.tokens.isLive)
      if (!request.body.code === !request.body.recoveryCode)
        throw new AppError('validation_failed', 'Send exactly one of code or recoveryCode')
      await s.totp.disable(principal.userId, request.body, clientMeta(request).ip)
      reply.code(204)
    },
  )

  app.post(
    '/me/2fa/recovery-codes',
    {
      schema: {
        tags,
        security,
        summary: 'Replace my recovery codes',
        body: CodeBody,
        response: { 200: RecoveryCodesResponse, ...problems(400, 401, 409, 429) },
      },
    },
    async (request) => {
      const principal = await requireSession(request, s.tokens.isLive)
      return s.totp.regenerateRecoveryCodes(principal.userId, request.body.code, clientMeta(request).ip)
    },
  )
}
