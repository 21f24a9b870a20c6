import {
  Alert,
  Badge,
  Button,
  Card,
  Code,
  CopyButton,
  Group,
  Image,
  List,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core'
import { useForm } from '@mantine/form'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { account, type TotpEnrolment } from '../../api/admin.ts'
import type { User } from '../../api/endpoints.ts'
import { FormError } from '../../components/FormError.tsx'

const SIX_DIGITS = /^\d{6}$/
const CODE_GRID = {
  listStyle: 'none',
  padding: 0,
  margin: 0,
  display: 'grid',
  gridTemplateColumns: 'repeat(auto-fill, minmax(150px, 1fr))',
  gap: 8,
} as const

/** Draws the otpauth URI as a QR code with the `qrcode` package, loaded only when needed. */
export function QrCode({ uri }: { uri: string }) {
  const [src, setSrc] = useState<string>()
  const [failed, setFailed] = useState(false)
  useEffect(() => {
    let live = true
    import('qrcode')
      .then((QR) => QR.toDataURL(uri, { margin: 1, width: 200, errorCorrectionLevel: 'M' }))
      .then((url) => live && setSrc(url))
      .catch(() => live && setFailed(true))
    return () => {
      live = false
    }
  }, [uri])
  if (failed) return <Text size="sm">The QR code could not be drawn: type the key below instead.</Text>
  if (!src) return <Text size="sm">Drawing the QR code…</Text>
  return <Image src={src} alt="QR code to scan with your authenticator app" w={200} h={200} />
}

/** The ten recovery codes, shown once, with copy and download. */
export function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const text = `learnmesh recovery codes (each works once)\n\n${codes.join('\n')}\n`
  const download = () => {
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }))
    const a = document.createElement('a')
    a.href = url
    a.download = 'learnmesh-recovery-codes.txt'
    a.click()
    URL.revokeObjectURL(url)
  }
  return (
    <Stack>
      <Alert
        color="yellow"
        title="Save your recovery codes now"
        styles={{ title: { color: 'var(--mantine-color-text)' } }}
      >
        They are shown only once. Each one signs you in once if you lose your authenticator.
      </Alert>
      <ul aria-label="Recovery codes" style={CODE_GRID}>
        {codes.map((c) => (
          <li key={c}>
            <Code fz="md" p="xs" display="block">
              {c}
            </Code>
          </li>
        ))}
      </ul>
      <Group>
        <CopyButton value={codes.join('\n')}>
          {({ copied, copy }) => (
            <Button variant="default" onClick={copy}>
              {copied ? 'Copied' : 'Copy codes'}
            </Button>
          )}
        </CopyButton>
        <Button variant="default" onClick={download}>
          Download
        </Button>
        <Button onClick={onDone}>I have saved them</Button>
      </Group>
    </Stack>
  )
}

function Enrol({ onEnabled }: { onEnabled: (codes: string[]) => void }) {
  const [enrolment, setEnrolment] = useState<TotpEnrolment>()
  const start = useMutation({ mutationFn: account.startTotp, onSuccess: setEnrolment })
  const form = useForm({
    mode: 'uncontrolled',
    initialValues: { code: '' },
    validate: { code: (v) => (SIX_DIGITS.test(v.trim()) ? null : 'Enter the 6-digit code') },
  })
  const confirm = useMutation({
    mutationFn: (code: string) => account.confirmTotp(code),
    onSuccess: (r) => onEnabled(r.recoveryCodes),
  })
  if (!enrolment) {
    return (
      <Stack align="flex-start">
        <Text size="sm">
          Protect your account with a code from an authenticator app (such as 1Password, Google Authenticator
          or Aegis) each time you sign in.
        </Text>
        <FormError error={start.error} />
        <Button onClick={() => start.mutate()} loading={start.isPending}>
          Set up two-step verification
        </Button>
      </Stack>
    )
  }
  return (
    <form noValidate onSubmit={form.onSubmit((v) => confirm.mutate(v.code.trim()))}>
      <Stack>
        <List type="ordered" size="sm" spacing="xs">
          <List.Item>Scan this QR code with your authenticator app.</List.Item>
          <List.Item>Enter the 6-digit code it shows.</List.Item>
        </List>
        <QrCode uri={enrolment.otpauthUri} />
        <Text size="sm">
          Cannot scan? Type this key: <Code data-testid="totp-secret">{enrolment.secret}</Code>
        </Text>
        <FormError error={confirm.error} />
        <TextInput
          label="Code from the app"
          autoComplete="one-time-code"
          inputMode="numeric"
          required
          maw={220}
          key={form.key('code')}
          {...form.getInputProps('code')}
        />
        <Group>
          <Button type="submit" loading={confirm.isPending}>
            Turn on
          </Button>
          <Button variant="subtle" onClick={() => setEnrolment(undefined)}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </form>
  )
}

function Disable({ onDisabled }: { onDisabled: () => void }) {
  const [open, setOpen] = useState(false)
  const form = useForm({
    mode: 'uncontrolled',
    initialValues: { password: '', code: '' },
    validate: {
      password: (v) => (v ? null : 'Enter your password'),
      code: (v) =>
        SIX_DIGITS.test(v.trim()) || v.trim().length >= 10 ? null : 'Enter a 6-digit code or a recovery code',
    },
  })
  const disable = useMutation({
    mutationFn: (v: { password: string; code: string }) => {
      const code = v.code.trim()
      return account.disableTotp(
        SIX_DIGITS.test(code) ? { password: v.password, code } : { password: v.password, recoveryCode: code },
      )
    },
    onSuccess: onDisabled,
  })
  if (!open) {
    return (
      <Button variant="default" color="red" onClick={() => setOpen(true)} w="fit-content">
        Turn off two-step verification
      </Button>
    )
  }
  return (
    <form noValidate onSubmit={form.onSubmit((v) => disable.mutate(v))}>
      <Stack maw={360}>
        <FormError error={disable.error} />
        <PasswordInput
          label="Password"
          autoComplete="current-password"
          required
          key={form.key('password')}
          {...form.getInputProps('password')}
        />
        <TextInput
          label="Authentication or recovery code"
          autoComplete="one-time-code"
          required
          key={form.key('code')}
          {...form.getInputProps('code')}
        />
        <Group>
          <Button type="submit" color="red" loading={disable.isPending}>
            Turn off
          </Button>
          <Button variant="subtle" onClick={() => setOpen(false)}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </form>
  )
}

/** Two-step verification: enrol (QR code, confirm with a code, recovery codes shown once) or turn off. */
export function TwoFactorCard({ user }: { user: User }) {
  const queryClient = useQueryClient()
  const [codes, setCodes] = useState<string[]>()
  const refreshMe = () => queryClient.invalidateQueries({ queryKey: ['me'] })
  return (
    <Card withBorder component="section" aria-labelledby="twofa-title">
      <Stack>
        <Group justify="space-between">
          <Title order={2} size="h4" id="twofa-title">
            Two-step verification
          </Title>
          <Badge color={user.twoFactorEnabled ? 'teal.9' : 'gray.8'} variant="filled">
            {user.twoFactorEnabled ? 'On' : 'Off'}
          </Badge>
        </Group>
        {codes ? (
          <RecoveryCodes codes={codes} onDone={() => setCodes(undefined)} />
        ) : user.twoFactorEnabled ? (
          <Stack>
            <Text size="sm">Signing in asks for a code from your authenticator app.</Text>
            <Disable onDisabled={() => void refreshMe()} />
          </Stack>
        ) : (
          <Enrol
            onEnabled={(c) => {
              setCodes(c)
              void refreshMe()
            }}
          />
        )}
      </Stack>
    </Card>
  )
}
