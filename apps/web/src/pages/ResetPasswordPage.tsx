import { Alert, Button, PasswordInput, Stack } from '@mantine/core'
import { useForm } from '@mantine/form'
import { useMutation } from '@tanstack/react-query'
import { Link, useSearchParams } from 'react-router'
import { identity } from '../api/endpoints.ts'
import { FormError } from '../components/FormError.tsx'
import { AuthCard } from './AuthCard.tsx'

/** The landing page of the reset email: `/reset-password?token=…`. */
export default function ResetPasswordPage() {
  const [params] = useSearchParams()
  const token = params.get('token') ?? ''
  const form = useForm({
    mode: 'uncontrolled',
    initialValues: { password: '', confirm: '' },
    validate: {
      password: (v) => ([...v].length >= 12 ? null : 'Use at least 12 characters'),
      confirm: (v, values) => (v === values.password ? null : 'The passwords differ'),
    },
  })
  const reset = useMutation({ mutationFn: (password: string) => identity.resetPassword(token, password) })
  if (!token) {
    return (
      <AuthCard title="Choose a new password">
        <Alert color="red" title="This link is incomplete">
          Open the link from the email again, or ask for a new one.
        </Alert>
        <Button component={Link} to="/forgot-password">
          Ask for a new link
        </Button>
      </AuthCard>
    )
  }
  return (
    <AuthCard title="Choose a new password">
      {reset.isSuccess ? (
        <>
          <Alert color="teal" title="Password changed">
            Your other sessions were signed out. Sign in with your new password.
          </Alert>
          <Button component={Link} to="/signin">
            Sign in
          </Button>
        </>
      ) : (
        <form noValidate onSubmit={form.onSubmit((v) => reset.mutate(v.password))}>
          <Stack>
            <FormError error={reset.error} />
            <PasswordInput
              label="New password"
              autoComplete="new-password"
              required
              key={form.key('password')}
              {...form.getInputProps('password')}
            />
            <PasswordInput
              label="Repeat it"
              autoComplete="new-password"
              required
              key={form.key('confirm')}
              {...form.getInputProps('confirm')}
            />
            <Button type="submit" loading={reset.isPending}>
              Set password
            </Button>
          </Stack>
        </form>
      )}
    </AuthCard>
  )
}
