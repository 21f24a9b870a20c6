import { Button } from '@mantine/core'
import { useEffect, useRef, useState } from 'react'
import { Link, useNavigate, useSearchParams } from 'react-router'
import { identity } from '../api/endpoints.ts'
import { useSession } from '../api/session.tsx'
import { FormError } from '../components/FormError.tsx'
import { Loading } from '../components/states.tsx'
import { AuthCard } from './AuthCard.tsx'

/**
 * Where identity's OIDC callback lands: `/signin/complete?code=<one-time code>&returnTo=`. The code is
 * traded once for tokens; the returnTo identity answers (validated at the start) is where we go.
 */
export default function SignInCompletePage() {
  const [params] = useSearchParams()
  const code = params.get('code')
  const session = useSession()
  const navigate = useNavigate()
  const started = useRef(false)
  const [error, setError] = useState<unknown>(code ? null : new Error('missing code'))

  useEffect(() => {
    if (!code || started.current) return
    started.current = true
    identity
      .oidcExchange(code)
      .then(async (result) => {
        await session.start(result)
        await navigate(result.returnTo.startsWith('/') ? result.returnTo : '/', { replace: true })
      })
      .catch(setError)
  }, [code, session, navigate])

  if (!error) return <Loading label="Signing you in…" />
  return (
    <AuthCard title="Sign-in failed">
      <FormError error={error} />
      <Button component={Link} to="/signin">
        Back to sign in
      </Button>
    </AuthCard>
  )
}
