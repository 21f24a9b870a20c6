import {
  Alert,
  Button,
  Checkbox,
  Group,
  Paper,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useMemo, useState } from 'react'
import {
  notifications,
  push,
  type NotificationPreference,
  type NotificationSettings,
  type PushSubscriptionJson,
} from '../../api/chat.ts'
import { useSession } from '../../api/session.tsx'
import { FormError } from '../../components/FormError.tsx'
import { ErrorState, Loading } from '../../components/states.tsx'
import { SignInNeeded } from './shared.tsx'

const HOURS = Array.from({ length: 24 }, (_, h) => ({
  value: String(h),
  label: `${String(h).padStart(2, '0')}:00`,
}))
const CATEGORY: Record<string, string> = {
  account: 'Account',
  learning: 'Learning',
  tutoring: 'Tutoring',
  purchases: 'Purchases',
  earnings: 'Earnings',
}
const SW_URL = '/push-sw.js'

function zones(current: string): string[] {
  const all = (Intl as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? []
  return all.includes(current) ? all : [current, ...all]
}

/** base64url → the bytes `pushManager.subscribe` wants. */
function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const b64 = base64url
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(base64url.length / 4) * 4, '=')
  const raw = atob(b64)
  const out = new Uint8Array(new ArrayBuffer(raw.length))
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i)
  return out
}

const pushSupported = () =>
  typeof window !== 'undefined' &&
  'serviceWorker' in navigator &&
  'PushManager' in window &&
  'Notification' in window

/** Web push on this browser: the service worker, the VAPID key, the subscription stored by communication. */
function PushSection() {
  const [state, setState] = useState<'checking' | 'off' | 'on' | 'unsupported' | 'denied'>('checking')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)

  useEffect(() => {
    if (!pushSupported()) return setState('unsupported')
    if (Notification.permission === 'denied') return setState('denied')
    void navigator.serviceWorker
      .getRegistration(SW_URL)
      .then((reg) => reg?.pushManager.getSubscription())
      .then((sub) => setState(sub ? 'on' : 'off'))
      .catch(() => setState('off'))
  }, [])

  async function enable() {
    setBusy(true)
    setError(null)
    try {
      const permission = await Notification.requestPermission()
      if (permission !== 'granted') {
        setState(permission === 'denied' ? 'denied' : 'off')
        return
      }
      const { publicKey } = await push.vapidPublicKey()
      const reg = await navigator.serviceWorker.register(SW_URL)
      await navigator.serviceWorker.ready
      const sub = await reg.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(publicKey),
      })
      await push.subscribe(sub.toJSON() as PushSubscriptionJson)
      setState('on')
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }

  async function disable() {
    setBusy(true)
    setError(null)
    try {
      const reg = await navigator.serviceWorker.getRegistration(SW_URL)
      const sub = await reg?.pushManager.getSubscription()
      if (sub) {
        const mine = (await push.subscriptions()).items.find((s) => s.endpoint === sub.endpoint)
        if (mine) await push.unsubscribe(mine.id)
        await sub.unsubscribe()
      }
      setState('off')
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }

  return (
    <Paper withBorder p="md">
      <Stack gap="xs">
        <Title order={2} size="h4">
          Browser notifications
        </Title>
        {state === 'checking' ? (
          <Text size="sm" c="dimmed" role="status">
            Checking this browser…
          </Text>
        ) : state === 'unsupported' ? (
          <Text size="sm">This browser cannot receive push notifications.</Text>
        ) : state === 'denied' ? (
          <Text size="sm">Notifications are blocked for this site in your browser settings.</Text>
        ) : (
          <Group justify="space-between">
            <Text size="sm">
              {state === 'on'
                ? 'This browser receives important notifications even when learnmesh is closed.'
                : 'Get important notifications on this browser even when learnmesh is closed.'}
            </Text>
            {state === 'on' ? (
              <Button variant="default" loading={busy} onClick={() => void disable()}>
                Turn off on this browser
              </Button>
            ) : (
              <Button loading={busy} onClick={() => void enable()}>
                Turn on for this browser
              </Button>
            )}
          </Group>
        )}
        <FormError error={error} />
      </Stack>
    </Paper>
  )
}

export default function NotificationSettingsPage() {
  const { signedIn } = useSession()
  const queryClient = useQueryClient()
  const query = useQuery({
    queryKey: ['notifications', 'preferences'],
    queryFn: ({ signal }) => notifications.preferences(signal),
    enabled: signedIn,
  })
  const [prefs, setPrefs] = useState<NotificationPreference[]>([])
  const [settings, setSettings] = useState<NotificationSettings | null>(null)
  const [saving, setSaving] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [saved, setSaved] = useState(false)
  const [quietError, setQuietError] = useState<string | null>(null)

  useEffect(() => {
    if (!query.data) return
    setPrefs(query.data.preferences)
    setSettings(query.data.settings)
  }, [query.data])

  const timeZones = useMemo(() => zones(settings?.timeZone ?? 'UTC'), [settings?.timeZone])
  const categories = useMemo(() => [...new Set(prefs.map((p) => p.category))], [prefs])

  if (!signedIn) return <SignInNeeded what="notification settings" />
  if (query.isPending) return <Loading label="Loading your settings…" />
  if (query.isError) return <ErrorState error={query.error} retry={() => void query.refetch()} />
  if (!settings) return <Loading />

  const set = (type: string, field: 'inApp' | 'email' | 'push', value: boolean) => {
    setSaved(false)
    setPrefs((cur) => cur.map((p) => (p.type === type ? { ...p, [field]: value } : p)))
  }
  const setS = (patch: Partial<NotificationSettings>) => {
    setSaved(false)
    setSettings((cur) => (cur ? { ...cur, ...patch } : cur))
  }

  async function save() {
    if (!settings) return
    const bothOrNone = (settings.quietHoursStart === null) === (settings.quietHoursEnd === null)
    if (!bothOrNone) {
      setQuietError('Give both the start and the end of your quiet hours, or neither.')
      return
    }
    setQuietError(null)
    setSaving(true)
    setError(null)
    try {
      const updated = await notifications.updatePreferences({
        preferences: prefs.map((p) => ({
          type: p.type,
          inApp: p.inApp,
          push: p.push,
          ...(p.required ? {} : { email: p.email }),
        })),
        settings,
      })
      queryClient.setQueryData(['notifications', 'preferences'], updated)
      setSaved(true)
    } catch (e) {
      setError(e)
    } finally {
      setSaving(false)
    }
  }

  return (
    <Stack maw={860}>
      <Title order={1}>Notification settings</Title>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          void save()
        }}
      >
        <Stack>
          {categories.map((category) => (
            <Paper withBorder p="md" key={category}>
              <Title order={2} size="h4" mb="xs">
                {CATEGORY[category] ?? category}
              </Title>
              <Table.ScrollContainer minWidth={420}>
                {/* Fixed column widths: the channel columns line up from one category's card to the next. */}
                <Table layout="fixed">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">Notification</Table.Th>
                      <Table.Th scope="col" w={88}>
                        In app
                      </Table.Th>
                      <Table.Th scope="col" w={88}>
                        Email
                      </Table.Th>
                      <Table.Th scope="col" w={88}>
                        Push
                      </Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {prefs
                      .filter((p) => p.category === category)
                      .map((p) => (
                        <Table.Tr key={p.type}>
                          <Table.Th scope="row" fw={500}>
                            {p.label}
                            {p.required && (
                              <Text size="xs" c="dimmed">
                                Always emailed
                              </Text>
                            )}
                          </Table.Th>
                          <Table.Td>
                            <Checkbox
                              aria-label={`${p.label}: in app`}
                              checked={p.inApp}
                              onChange={(e) => set(p.type, 'inApp', e.currentTarget.checked)}
                            />
                          </Table.Td>
                          <Table.Td>
                            <Checkbox
                              aria-label={`${p.label}: email`}
                              checked={p.required || p.email}
                              disabled={p.required}
                              onChange={(e) => set(p.type, 'email', e.currentTarget.checked)}
                            />
                          </Table.Td>
                          <Table.Td>
                            <Checkbox
                              aria-label={`${p.label}: push`}
                              checked={p.push}
                              disabled={p.priority === 'low'}
                              onChange={(e) => set(p.type, 'push', e.currentTarget.checked)}
                            />
                          </Table.Td>
                        </Table.Tr>
                      ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </Paper>
          ))}
          <Paper withBorder p="md">
            <Stack gap="sm">
              <Title order={2} size="h4">
                Quiet hours and digest
              </Title>
              <Select
                label="Time zone"
                searchable
                data={timeZones}
                value={settings.timeZone}
                onChange={(v) => v && setS({ timeZone: v })}
                allowDeselect={false}
                maw={360}
              />
              <Group grow maw={360} align="flex-start">
                <TextInput
                  type="time"
                  label="Quiet hours from"
                  value={settings.quietHoursStart ?? ''}
                  onChange={(e) => setS({ quietHoursStart: e.currentTarget.value || null })}
                  error={quietError}
                />
                <TextInput
                  type="time"
                  label="until"
                  value={settings.quietHoursEnd ?? ''}
                  onChange={(e) => setS({ quietHoursEnd: e.currentTarget.value || null })}
                />
              </Group>
              <Text size="xs" c="dimmed">
                During quiet hours, emails wait until they end and push notifications are skipped; lesson
                changes and reminders still arrive. Leave both empty for none.
              </Text>
              <Select
                label="Daily digest at"
                description="Grades and certificates are gathered into one email a day."
                data={HOURS}
                value={String(settings.digestHour)}
                onChange={(v) => v !== null && setS({ digestHour: Number(v) })}
                allowDeselect={false}
                maw={360}
              />
              <Switch
                label="No emails except account security and purchase records"
                checked={settings.emailOptOut}
                onChange={(e) => setS({ emailOptOut: e.currentTarget.checked })}
              />
            </Stack>
          </Paper>
          <FormError error={error} />
          {saved && (
            <Alert color="green" role="status" title="Saved">
              Your notification settings are saved.
            </Alert>
          )}
          <Group>
            <Button type="submit" loading={saving}>
              Save settings
            </Button>
          </Group>
        </Stack>
      </form>
      <PushSection />
    </Stack>
  )
}
