import { requireAuth, Type, bearer, problems, type App } from '@learnmesh/kernel'
import type { LearningDeps } from '../deps.ts'
import { OB3_CONTEXT } from './credential.ts'
import {
  presentCertificate,
  presentCertificateDetail,
  presentVerification,
} from './certificates.presenter.ts'
import {
  CertificateDetailSchema,
  CertificateParams,
  CertificateSchema,
  CodeParams,
  IssuerSchema,
  JwksSchema,
  MyCertificatesSchema,
  VerificationSchema,
} from './certificates.schemas.ts'
import { createCertificatesService } from './certificates.service.ts'

const tags = ['certificates']

/** Certificates (mine, PDF, credential, revocation), public verification and the issuer's keys. */
export function certificatesRoutes(app: App, deps: LearningDeps): void {
  const s = createCertificatesService(deps)
  const issuer = { id: s.urls.issuerId, name: deps.config.PLATFORM_NAME }

  app.get(
    '/certificates/mine',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'My certificates',
        response: { 200: MyCertificatesSchema, ...problems(401) },
      },
    },
    async (request) => {
      const principal = requireAuth(request)
      return { items: (await s.listMine(principal)).map(presentCertificate) }
    },
  )

  app.get(
    '/certificates/verify/:code',
    {
      schema: {
        tags,
        summary: 'Verify a certificate by its code (public)',
        params: CodeParams,
        response: { 200: VerificationSchema, ...problems(404) },
      },
    },
    async (request) => presentVerification(await s.verify(request.params.code), issuer),
  )

  app.get(
    '/certificates/:certificateId',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'A certificate with its Open Badges 3.0 credential (its learner, or org admins)',
        params: CertificateParams,
        response: { 200: CertificateDetailSchema, ...problems(401, 404) },
      },
    },
    async (request) => {
      const principal = requireAuth(request)
      return presentCertificateDetail(await s.get(principal, request.params.certificateId))
    },
  )

  app.get(
    '/certificates/:certificateId/credential',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'The Open Badges 3.0 credential alone, as a file to import into a wallet',
        params: CertificateParams,
        response: { 200: Type.Object({}, { additionalProperties: true }), ...problems(401, 404) },
      },
    },
    async (request, reply) => {
      const principal = requireAuth(request)
      const c = await s.get(principal, request.params.certificateId)
      reply.header('content-disposition', `attachment; filename="certificate-${c.code}.json"`)
      return c.credential as Record<string, unknown>
    },
  )

  app.get(
    '/certificates/:certificateId/pdf',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'The certificate as a PDF (its learner, or org admins)',
        params: CertificateParams,
        response: {
          200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'application/pdf' }),
          ...problems(401, 404),
        },
      },
    },
    async (request, reply) => {
      const principal = requireAuth(request)
      const { pdf, code } = await s.pdf(principal, request.params.certificateId)
      reply.type('application/pdf')
      reply.header('content-disposition', `inline; filename="certificate-${code}.pdf"`)
      return reply.send(pdf)
    },
  )

  app.post(
    '/certificates/:certificateId/revoke',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Revoke a certificate (org admins; idempotent)',
        params: CertificateParams,
        response: { 200: CertificateSchema, ...problems(401, 403, 404) },
      },
    },
    async (request) => {
      const principal = requireAuth(request)
      return presentCertificate(await s.revoke(principal, request.params.certificateId))
    },
  )

  app.get(
    '/issuer',
    {
      schema: {
        tags,
        summary: 'The Open Badges issuer Profile of this platform (public)',
        response: { 200: IssuerSchema },
      },
    },
    async () => ({
      '@context': [...OB3_CONTEXT],
      id: s.urls.issuerId,
      type: ['Profile'],
      name: deps.config.PLATFORM_NAME,
      url: s.urls.publicUrl,
      jwksUri: s.urls.jwksUrl,
    }),
  )

  app.get(
    '/issuer/jwks.json',
    {
      schema: {
        tags,
        summary: 'Public keys that verify certificate credentials (public)',
        response: { 200: JwksSchema },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300')
      return s.jwks()
    },
  )
}
