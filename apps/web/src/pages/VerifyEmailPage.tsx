import { Alert, Anchor, Button, Text } from '@mantine/core'
import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useRef, useState } from 'react'
import { Link, useSearchParams } from 'react-router'
import { identity } from '../api/endpoints.ts'
import { ApiError } from '../api/problem.ts'
import { FormError } from '../components/FormError.tsx'
import { Loading } from '../components/states.tsx'
import { AuthCard } from './AuthCard.tsx'

/** The landing page of identity's verification email: `/verify-email?token=…`. */
export default function VerifyEmailPage() {
  const [params] = useSearchParams()
  const token = params.get('token')
  const queryClient = useQueryClient()
  const started = useRef(false)
  const [state, setState] = useState<'pending' | 'done' | unknown>(
    token
      ? 'pending'
      : new ApiError({ status: 400, detail: 'This link has no token. Open the link from the email again.' }),
  )

  useEffect(() => {
    if (!token || started.current) return
    started.current = true
    identity
      .verifyEmail(token)
      .then(() => {
        setState('done')
        void queryClient.invalidateQueries({ queryKey: ['me'] })
      })
      .catch(setState)
  }, [token, queryClient])

  if (state === 'pending') return <Loading label="Verifying your email…" />
  return (
    <AuthCard title={state === 'done' ? 'Email verified' : 'Verification failed'}>
      {state === 'done' ? (
        <Alert color="teal" title="Thank you">
          Your email address is confirmed.
        </Alert>
      ) : (
        <>
          <FormError error={state} />
          <Text size="sm">
            Links work once and expire.{' '}
            <Anchor component={Link} to="/account">
              Ask for a new one
            </Anchor>{' '}
            on your account page (you may be asked to sign in first).
          </Text>
        </>
      )}
      <Button component={Link} to={state === 'done' ? '/signin' : '/'}>
        {state === 'done' ? 'Continue to sign in' : 'Go home'}
      </Button>
    </AuthCard>
  )
}
