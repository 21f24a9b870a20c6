import { Alert, Anchor, Button, Stack, TextInput } from '@mantine/core'
import { useForm } from '@mantine/form'
import { useMutation } from '@tanstack/react-query'
import { Link } from 'react-router'
import { identity } from '../api/endpoints.ts'
import { FormError } from '../components/FormError.tsx'
import { AuthCard } from './AuthCard.tsx'

export default function ForgotPasswordPage() {
  const form = useForm({
    mode: 'uncontrolled',
    initialValues: { email: '' },
    validate: { email: (v) => (/^\S+@\S+\.\S+$/.test(v) ? null : 'Enter a valid email address') },
  })
  const forgot = useMutation({ mutationFn: identity.forgotPassword })
  return (
    <AuthCard title="Reset your password">
      {forgot.isSuccess ? (
        <Alert color="teal" title="Check your email">
          If an account uses that address, a link to choose a new password is on its way.
        </Alert>
      ) : (
        <form noValidate onSubmit={form.onSubmit((v) => forgot.mutate(v.email))}>
          <Stack>
            <FormError error={forgot.error} />
            <TextInput
              label="Email"
              type="email"
              autoComplete="email"
              required
              key={form.key('email')}
              {...form.getInputProps('email')}
            />
            <Button type="submit" loading={forgot.isPending}>
              Send reset link
            </Button>
          </Stack>
        </form>
      )}
      <Anchor component={Link} to="/signin" size="sm">
        Back to sign in
      </Anchor>
    </AuthCard>
  )
}
