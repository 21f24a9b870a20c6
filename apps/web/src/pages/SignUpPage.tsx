import { Alert, Anchor, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core'
import { useForm } from '@mantine/form'
import { useMutation } from '@tanstack/react-query'
import { Link } from 'react-router'
import { identity } from '../api/endpoints.ts'
import { useSession } from '../api/session.tsx'
import { FormError } from '../components/FormError.tsx'
import { AuthCard } from './AuthCard.tsx'

export default function SignUpPage() {
  const session = useSession()
  const form = useForm({
    mode: 'uncontrolled',
    initialValues: { displayName: '', email: '', password: '' },
    validate: {
      displayName: (v) => (v.trim() ? null : 'Enter your name'),
      email: (v) => (/^\S+@\S+\.\S+$/.test(v) ? null : 'Enter a valid email address'),
      password: (v) => ([...v].length >= 12 ? null : 'Use at least 12 characters'),
    },
  })
  const register = useMutation({
    mutationFn: identity.register,
    onSuccess: (result) => session.start(result.tokens),
  })

  if (register.isSuccess) {
    return (
      <AuthCard title="Check your email">
        <Alert color="teal" title="Account created">
          We sent a verification link to {register.data.user.email}. Open it to confirm your address.
        </Alert>
        <Text size="sm">
          Running locally? Emails land in the{' '}
          <Anchor component={Link} to="/dev/mailbox">
            dev mailbox
          </Anchor>
          .
        </Text>
        <Button component={Link} to="/catalog">
          Browse the catalog
        </Button>
      </AuthCard>
    )
  }
  return (
    <AuthCard title="Create your account">
      <form
        noValidate
        onSubmit={form.onSubmit((values) =>
          register.mutate({ ...values, displayName: values.displayName.trim() }),
        )}
      >
        <Stack>
          <FormError error={register.error} />
          <TextInput
            label="Name"
            autoComplete="name"
            required
            key={form.key('displayName')}
            {...form.getInputProps('displayName')}
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
            description="At least 12 characters; common passwords are refused."
            autoComplete="new-password"
            required
            key={form.key('password')}
            {...form.getInputProps('password')}
          />
          <Button type="submit" loading={register.isPending}>
            Sign up
          </Button>
          <Text size="sm">
            Already have an account?{' '}
            <Anchor component={Link} to="/signin">
              Sign in
            </Anchor>
          </Text>
        </Stack>
      </form>
    </AuthCard>
  )
}
