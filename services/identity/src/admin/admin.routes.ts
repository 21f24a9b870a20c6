import { KpiQuery, problems, requirePlatformAdmin, type App } from '@learnmesh/kernel'
import { requireSession } from '../shared/http.ts'
import { presentUser } from '../users/users.presenter.ts'
import { AdminUserDetail, AdminUserParams, IdentityKpis } from './admin.schemas.ts'
import type { AdminService } from './admin.service.ts'

const security = [{ bearer: [] }]
const tags = ['admin']

/** Platform administration: one account's detail, disable/enable, sign-up KPIs (platform admins only). */
export function adminRoutes(
  app: App,
  s: { admin: AdminService; isLive: (sessionId: string, userId: string) => Promise<boolean> },
): void {
  const guard = async (request: Parameters<typeof requirePlatformAdmin>[0]) => {
    requirePlatformAdmin(request)
    return requireSession(request, s.isLive)
  }
  const present = (d: Awaited<ReturnType<AdminService['detail']>>) => ({ ...d, user: presentUser(d.user) })

  app.get(
    '/admin/users/:userId',
    {
      schema: {
        tags,
        security,
        summary: 'One account with its status, live sessions and memberships (platform admin)',
        params: AdminUserParams,
        response: { 200: AdminUserDetail, ...problems(401, 403, 404) },
      },
    },
    async (request) => {
      await guard(request)
      return present(await s.admin.detail(request.params.userId))
    },
  )

  for (const [action, status] of [
    ['disable', 'disabled'],
    ['enable', 'active'],
  ] as const) {
    app.post(
      `/admin/users/:userId/${action}`,
      {
        schema: {
          tags,
          security,
          summary:
            action === 'disable'
              ? 'Disable an account: no sign-in, every session ended (platform admin; never oneself)'
              : 'Re-enable a disabled account (platform admin)',
          params: AdminUserParams,
          response: { 200: AdminUserDetail, ...problems(401, 403, 404, 409) },
        },
      },
      async (request) => {
        const principal = await guard(request)
        return present(await s.admin.setStatus(principal.userId, request.params.userId, status))
      },
    )
  }

  app.get(
    '/admin/kpis',
    {
      schema: {
        tags,
        security,
        summary: 'Sign-ups per day (platform admin)',
        querystring: KpiQuery,
        response: { 200: IdentityKpis, ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      await guard(request)
      return s.admin.kpis(request.query.days)
    },
  )
}
