import { Alert, Anchor, Button, Divider, PasswordInput, Stack, Text, TextInput } from '@mantine/core'
import { useForm } from '@mantine/form'
import { useMutation, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { Link, useNavigate, useSearchParams } from 'react-router'
import { identity } from '../api/endpoints.ts'
import { ApiError } from '../api/problem.ts'
import { useSession } from '../api/session.tsx'
import { FormError } from '../components/FormError.tsx'
import { AuthCard } from './AuthCard.tsx'

/** Messages for identity's `/signin?error=` codes after an external sign-in. */
const OIDC_ERRORS: Record<string, string> = {
  access_denied: 'Sign-in was cancelled at the provider.',
  provider_unavailable: 'The sign-in provider could not be reached. Try again later.',
  state_expired: 'The sign-in took too long. Please start again.',
  email_required: 'The provider did not share your email address.',
  email_not_verified: 'The provider has not verified your email address.',
  conflict: 'This account cannot be linked. Sign in with your password instead.',
}

function safeReturnTo(value: string | null): string {
  return value && value.startsWith('/') && !value.startsWith('//') ? value : '/'
}

function SecondFactor({ mfaToken, onDone }: { mfaToken: string; onDone: () => void }) {
  const session = useSession()
  const [recovery, setRecovery] = useState(false)
  const form = useForm({
    mode: 'uncontrolled',
    initialValues: { code: '' },
    validate: {
      code: (v) =>
        recovery
          ? v.trim().length >= 10
            ? null
            : 'Enter a recovery code'
          : /^\d{6}$/.test(v.trim())
            ? null
            : 'Enter the 6-digit code',
    },
  })
  const verify = useMutation({
    mutationFn: (code: string) =>
      identity.loginMfa(recovery ? { mfaToken, recoveryCode: code } : { mfaToken, code }),
    onSuccess: async (pair) => {
      await session.start(pair)
      onDone()
    },
  })
  return (
    <form noValidate onSubmit={form.onSubmit((v) => verify.mutate(v.code.trim()))}>
      <Stack>
        <Text size="sm">
          {recovery ? 'Enter one of your recovery codes.' : 'Enter the code from your authenticator app.'}
        </Text>
        <FormError error={verify.error} />
        <TextInput
          label={recovery ? 'Recovery code' : 'Authentication code'}
          autoComplete="one-time-code"
          inputMode={recovery ? 'text' : 'numeric'}
          required
          data-autofocus
          key={form.key('code')}
          {...form.getInputProps('code')}
        />
        <Button type="submit" loading={verify.isPending}>
          Verify
        </Button>
        <Anchor component="button" type="button" size="sm" onClick={() => setRecovery((r) => !r)}>
          {recovery ? 'Use an authenticator code' : 'Use a recovery code instead'}
        </Anchor>
      </Stack>
    </form>
  )
}

export default function SignInPage() {
  const session = useSession()
  const navigate = useNavigate()
  const [params] = useSearchParams()
  const returnTo = safeReturnTo(params.get('returnTo'))
  const oidcError = params.get('error')
  const [mfaToken, setMfaToken] = useState<string>()
  const providers = useQuery({
    queryKey: ['oidc-providers'],
    queryFn: identity.oidcProviders,
    staleTime: 300_000,
  })
  const form = useForm({
    mode: 'uncontrolled',
    initialValues: { email: '', password: '' },
    validate: {
      email: (v) => (/^\S+@\S+\.\S+$/.test(v) ? null : 'Enter a valid email address'),
      password: (v) => (v ? null : 'Enter your password'),
    },
  })
  const login = useMutation({
    mutationFn: identity.login,
    onSuccess: async (pair) => {
      await session.start(pair)
      await navigate(returnTo)
    },
    onError: (error) => {
      if (
        error instanceof ApiError &&
        error.code === 'mfa_required' &&
        typeof error.problem.mfaToken === 'string'
      ) {
        setMfaToken(error.problem.mfaToken)
      }
    },
  })

  if (mfaToken) {
    return (
      <AuthCard title="Two-step verification">
        <SecondFactor mfaToken={mfaToken} onDone={() => void navigate(returnTo)} />
      </AuthCard>
    )
  }
  return (
    <AuthCard title="Sign in">
      {oidcError && (
        <Alert color="red" title="Sign-in failed" role="alert">
          {OIDC_ERRORS[oidcError] ?? 'Signing in with the provider did not work. Please try again.'}
        </Alert>
      )}
      <form noValidate onSubmit={form.onSubmit((values) => login.mutate(values))}>
        <Stack>
          <FormError
            error={
              login.error instanceof ApiError && login.error.code === 'mfa_required' ? null : login.error
            }
          />
          <TextInput
            label="Email"
            type="email"
            autoComplete="email"
            required
            key={form.key('email')}
            {...form.getInputProps('email')}
          />
          <PasswordInput
            label="Password"
            autoComplete="current-password"
            required
            key={form.key('password')}
            {...form.getInputProps('password')}
          />
          <Button type="submit" loading={login.isPending}>
            Sign in
          </Button>
          <Anchor component={Link} to="/forgot-password" size="sm">
            Forgot your password?
          </Anchor>
        </Stack>
      </form>
      {providers.data && providers.data.providers.length > 0 && (
        <Stack gap="xs">
          <Divider label="or" labelPosition="center" />
          {providers.data.providers.map((p) => (
            <Button
              key={p.id}
              component="a"
              variant="default"
              href={`/api/identity/oidc/${encodeURIComponent(p.id)}/start?returnTo=${encodeURIComponent(returnTo)}`}
            >
              Continue with {p.label}
            </Button>
          ))}
        </Stack>
      )}
      <Text size="sm">
        New here?{' '}
        <Anchor component={Link} to="/signup">
          Create an account
        </Anchor>
      </Text>
    </AuthCard>
  )
}
