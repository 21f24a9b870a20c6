import { AppError, badRequest, traceparentOf, problems, type App } from '@learnmesh/kernel'
import { clientMeta, requireSession } from '../shared/http.ts'
import type { RefreshCookies } from '../shared/refresh-cookie.ts'
import { TokenPairSchema } from '../shared/schemas.ts'
import { presentUser } from '../users/users.presenter.ts'
import type { FullTokenService } from '../sessions/sessions.service.ts'
import type { AuthService } from './auth.service.ts'
import {
  AcceptedResponse,
  ForgotBody,
  LoginBody,
  LoginMfaBody,
  LogoutBody,
  RefreshBody,
  RegisterBody,
  RegisterResponse,
  ResetBody,
  TokenBody,
} from './auth.schemas.ts'

const tags = ['auth']

const cookieNote =
  ' With `X-Token-Transport: cookie` the refresh token is set as the HttpOnly cookie `lm_refresh` instead of returned in the body.'

/**
 * Registration, sign-in, refresh, logout, email verification and password reset. Every route that
 * issues a refresh token honours `X-Token-Transport: cookie` (see shared/refresh-cookie.ts).
 */
export function authRoutes(
  app: App,
  s: { auth: AuthService; tokens: FullTokenService; cookies: RefreshCookies },
): void {
  app.post(
    '/auth/register',
    {
      schema: {
        tags,
        summary: 'Create an account',
        description: `Signs the new account in.${cookieNote}`,
        body: RegisterBody,
        response: { 201: RegisterResponse, ...problems(400, 403, 409, 410, 413, 415) },
      },
    },
    async (request, reply) => {
      const { user, tokens } = await s.auth.register(request.body, clientMeta(request))
      reply.code(201)
      return { user: presentUser(user), tokens: s.cookies.issue(request, reply, tokens) }
    },
  )

  app.post(
    '/auth/login',
    {
      schema: {
        tags,
        summary: 'Sign in with email and password',
        description: `Accounts with 2FA get 401 \`mfa_required\` with an \`mfaToken\` for POST /auth/login/mfa.${cookieNote}`,
        body: LoginBody,
        response: { 200: TokenPairSchema, ...problems(400, 401, 403, 429) },
      },
    },
    async (request, reply) =>
      s.cookies.issue(request, reply, await s.auth.login(request.body, clientMeta(request))),
  )

  app.post(
    '/auth/login/mfa',
    {
      schema: {
        tags,
        summary: 'Finish a 2FA sign-in',
        description: cookieNote.trim(),
        body: LoginMfaBody,
        response: { 200: TokenPairSchema, ...problems(400, 401, 429) },
      },
    },
    async (request, reply) =>
      s.cookies.issue(request, reply, await s.auth.loginMfa(request.body, clientMeta(request))),
  )

  app.post(
    '/auth/refresh',
    {
      schema: {
        tags,
        summary: 'Exchange a refresh token for a new pair',
        description:
          "Each refresh token works once. Presenting a used one ends its whole session (401 `token_reused`), except within REFRESH_REUSE_GRACE_SECONDS of its rotation while that is the session's latest: then the same session gets a new pair and the unreceived successor stops working. " +
          'Browsers send `X-Token-Transport: cookie` and no `refreshToken`: the token is read from the `lm_refresh` cookie (403 from a foreign Origin, 401 when missing or refused) and its successor is set as the new cookie.',
        body: RefreshBody,
        // Optional in cookie transport.
        optionalBody: true,
        response: { 200: TokenPairSchema, ...problems(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const fromBody = request.body.refreshToken
      const token = fromBody ?? s.cookies.read(request)
      if (!token) {
        if (!s.cookies.wanted(request)) throw badRequest('Send the refreshToken to exchange')
        throw new AppError('unauthenticated', 'No refresh cookie: sign in again')
      }
      // A refused cookie is left alone rather than cleared: the answer may arrive after a sign-in in
      // another tab set a newer cookie, which a clearing Set-Cookie would wipe. A dead token is inert.
      return s.cookies.issue(request, reply, await s.tokens.refresh(token, clientMeta(request)))
    },
  )

  app.post(
    '/auth/logout',
    {
      schema: {
        tags,
        summary: 'End the current session',
        description:
          'Ends the session of the access token, else of the `refreshToken` in the body, else (with `X-Token-Transport: cookie`) of the `lm_refresh` cookie, and then clears that cookie.',
        body: LogoutBody,
        // A client holding an access token (or the cookie) may send none.
        optionalBody: true,
        response: { 204: { type: 'null' }, ...problems(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const fromCookie = s.cookies.read(request)
      s.cookies.clear(request, reply)
      const refreshToken = request.body?.refreshToken ?? fromCookie
      if (request.principal) {
        await s.tokens.revokeSession(request.principal.userId, request.principal.sessionId, 'logout')
        // The cookie may belong to another session of this browser (a sign-in in another tab).
        if (fromCookie) await s.tokens.revokeByRefreshToken(fromCookie)
      } else if (refreshToken) {
        await s.tokens.revokeByRefreshToken(refreshToken)
      } else {
        throw new AppError(
          'unauthenticated',
          'Send an access token or the refresh token of the session to end',
        )
      }
      reply.code(204)
    },
  )

  app.post(
    '/auth/verify-email',
    {
      schema: {
        tags,
        summary: 'Confirm an email address',
        body: TokenBody,
        response: { 204: { type: 'null' }, ...problems(400, 410) },
      },
    },
    async (request, reply) => {
      await s.auth.verifyEmail(request.body.token, { traceparent: traceparentOf(request) })
      reply.code(204)
    },
  )

  app.post(
    '/auth/verify-email/resend',
    {
      schema: {
        tags,
        summary: 'Send a new verification email',
        description:
          'At most EMAIL_MAX_PER_ACCOUNT_HOUR verification emails an hour, EMAIL_MIN_INTERVAL_SECONDS apart (the one sent at registration counts): sooner is a 429 with Retry-After.',
        security: [{ bearer: [] }],
        response: { 202: AcceptedResponse, ...problems(401, 409, 429) },
      },
    },
    async (request, reply) => {
      const principal = await requireSession(request, s.tokens.isLive)
      await s.auth.resendVerification(principal.userId, { traceparent: traceparentOf(request) })
      reply.code(202)
      return { status: 'accepted' as const }
    },
  )

  app.post(
    '/auth/password/forgot',
    {
      schema: {
        tags,
        summary: 'Request a password reset email',
        description:
          'Always 202, whether or not the address has an account. An account is sent at most EMAIL_MAX_PER_ACCOUNT_HOUR reset links an hour, EMAIL_MIN_INTERVAL_SECONDS apart; a request beyond that is answered the same and sends nothing (the last link still works).',
        body: ForgotBody,
        response: { 202: AcceptedResponse, ...problems(400) },
      },
    },
    async (request, reply) => {
      await s.auth.forgotPassword(request.body.email, { traceparent: traceparentOf(request) })
      reply.code(202)
      return { status: 'accepted' as const }
    },
  )

  app.post(
    '/auth/password/reset',
    {
      schema: {
        tags,
        summary: 'Set a new password with a reset token',
        body: ResetBody,
        response: { 204: { type: 'null' }, ...problems(400, 410) },
      },
    },
    async (request, reply) => {
      await s.auth.resetPassword(request.body, { traceparent: traceparentOf(request) })
      reply.code(204)
    },
  )
}
