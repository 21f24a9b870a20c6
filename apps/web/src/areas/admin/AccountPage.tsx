import { Button, Card, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core'
import { useForm } from '@mantine/form'
import { notifications } from '@mantine/notifications'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { account } from '../../api/admin.ts'
import { identity, type User } from '../../api/endpoints.ts'
import { FormError } from '../../components/FormError.tsx'
import { CLOSE, Guard, PageTitle } from './Guard.tsx'
import { SessionsCard } from './SessionsCard.tsx'
import { TwoFactorCard } from './TwoFactorCard.tsx'

/**
 * For an unverified address: sends a new verification link (the old one stops working). Identity
 * throttles it per account (429 with the wait, shown as the server says it).
 */
export function ResendVerification() {
  const resend = useMutation({ mutationFn: identity.resendVerification })
  return (
    <Stack gap="xs" align="flex-start">
      {resend.isSuccess ? (
        <Text size="sm" role="status">
          A new verification link is on its way to your inbox. The earlier link no longer works.
        </Text>
      ) : (
        <Button
          variant="light"
          size="xs"
          loading={resend.isPending}
          onClick={() => resend.mutate()}
          type="button"
        >
          Send the verification email again
        </Button>
      )}
      <FormError error={resend.error} />
    </Stack>
  )
}

function ProfileCard({ user }: { user: User }) {
  const queryClient = useQueryClient()
  const form = useForm({
    mode: 'uncontrolled',
    initialValues: { displayName: user.displayName },
    validate: {
      displayName: (v) =>
        !v.trim() ? 'Enter a name' : v.trim().length > 100 ? 'At most 100 characters' : null,
    },
  })
  const save = useMutation({
    mutationFn: (displayName: string) => account.updateProfile(displayName),
    onSuccess: async () => {
      notifications.show({
        closeButtonProps: CLOSE,
        message: 'Profile saved',
        color: 'green',
      })
      await queryClient.invalidateQueries({ queryKey: ['me'] })
    },
  })
  return (
    <Card withBorder component="section" aria-labelledby="profile-title">
      <form noValidate onSubmit={form.onSubmit((v) => save.mutate(v.displayName.trim()))}>
        <Stack>
          <Title order={2} size="h4" id="profile-title">
            Profile
          </Title>
          <Text size="sm">
            Email: <strong>{user.email}</strong>
            {user.emailVerified ? '' : ' (not verified yet)'}
          </Text>
          {!user.emailVerified && <ResendVerification />}
          <FormError error={save.error} />
          <TextInput
            label="Display name"
            autoComplete="name"
            required
            maw={360}
            key={form.key('displayName')}
            {...form.getInputProps('displayName')}
          />
          <Button type="submit" loading={save.isPending} w="fit-content">
            Save profile
          </Button>
        </Stack>
      </form>
    </Card>
  )
}

function PasswordCard() {
  const queryClient = useQueryClient()
  const form = useForm({
    mode: 'uncontrolled',
    initialValues: { currentPassword: '', newPassword: '', confirm: '' },
    validate: {
      currentPassword: (v) => (v ? null : 'Enter your current password'),
      newPassword: (v) => ([...v].length < 12 ? 'At least 12 characters' : null),
      confirm: (v, values) => (v === values.newPassword ? null : 'The passwords do not match'),
    },
  })
  const change = useMutation({
    mutationFn: (v: { currentPassword: string; newPassword: string }) =>
      account.changePassword(v.currentPassword, v.newPassword),
    onSuccess: async () => {
      form.reset()
      notifications.show({
        closeButtonProps: CLOSE,
        message: 'Password changed. Your other sessions were signed out.',
        color: 'green',
      })
      await queryClient.invalidateQueries({ queryKey: ['account', 'sessions'] })
    },
  })
  return (
    <Card withBorder component="section" aria-labelledby="password-title">
      <form noValidate onSubmit={form.onSubmit((v) => change.mutate(v))}>
        <Stack maw={360}>
          <Title order={2} size="h4" id="password-title">
            Password
          </Title>
          <FormError error={change.error} />
          <PasswordInput
            label="Current password"
            autoComplete="current-password"
            required
            key={form.key('currentPassword')}
            {...form.getInputProps('currentPassword')}
          />
          <PasswordInput
            label="New password"
            description="12 characters or more; a commonly used password is refused."
            autoComplete="new-password"
            required
            key={form.key('newPassword')}
            {...form.getInputProps('newPassword')}
          />
          <PasswordInput
            label="Repeat the new password"
            autoComplete="new-password"
            required
            key={form.key('confirm')}
            {...form.getInputProps('confirm')}
          />
          <Button type="submit" loading={change.isPending} w="fit-content">
            Change password
          </Button>
        </Stack>
      </form>
    </Card>
  )
}

/** `/account`: profile, password, two-step verification and sessions. */
export default function AccountPage() {
  return (
    <Guard>
      {(me) => (
        <Stack maw={760} mx="auto">
          <PageTitle
            title="Account & security"
            description="Your profile, password, sign-in protection and devices."
          />
          <ProfileCard user={me.user} />
          <PasswordCard />
          <TwoFactorCard user={me.user} />
          <SessionsCard />
        </Stack>
      )}
    </Guard>
  )
}
