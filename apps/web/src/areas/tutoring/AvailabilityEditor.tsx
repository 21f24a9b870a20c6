import { ActionIcon, Alert, Button, Group, NativeSelect, Paper, Stack, Text, Title } from '@mantine/core'
import { useState } from 'react'
import type { WeeklyWindow } from '../../api/tutoring.ts'
import { FormError } from '../../components/FormError.tsx'
import { quarterHours, WEEKDAYS, weeklyProblems } from './time.ts'

const TIMES = quarterHours()

/**
 * The weekly grid: for each weekday, any number of windows (local times in the tutor's zone, on the
 * quarter-hour grid). Checked as tutoring would check it before saving; the server's answer (a
 * problem+json) is shown too. Weekdays are h3 headings, under the console's "Weekly hours".
 */
export function AvailabilityEditor({
  initial,
  timeZone,
  onSave,
  saving = false,
  error,
}: {
  initial: WeeklyWindow[]
  timeZone: string
  onSave: (weekly: WeeklyWindow[]) => void
  saving?: boolean
  error?: unknown
}) {
  const [weekly, setWeekly] = useState<WeeklyWindow[]>(initial)
  const [touched, setTouched] = useState(false)
  const problems = weeklyProblems(weekly)
  const update = (next: WeeklyWindow[]) => {
    setWeekly(next)
    setTouched(true)
  }
  return (
    <Stack>
      <Text size="sm" c="dimmed">
        Local times in your zone, {timeZone}. Learners see them converted to theirs.
      </Text>
      {WEEKDAYS.map((name, i) => {
        const weekday = i + 1
        const rows = weekly.map((w, index) => ({ w, index })).filter((r) => r.w.weekday === weekday)
        return (
          <Paper key={name} withBorder p="xs" component="section" aria-label={name}>
            <Group align="flex-start" wrap="wrap">
              <Title order={3} size="h6" w={110} pt={6}>
                {name}
              </Title>
              <Stack gap={6} style={{ flex: 1 }}>
                {rows.length === 0 && (
                  <Text size="sm" c="dimmed" pt={6}>
                    Not available
                  </Text>
                )}
                {rows.map(({ w, index }) => (
                  <Group key={index} gap="xs" wrap="nowrap">
                    <NativeSelect
                      aria-label={`${name} window ${rows.findIndex((r) => r.index === index) + 1} start`}
                      data={TIMES.slice(0, -1)}
                      value={w.start}
                      onChange={(e) => {
                        const v = e.currentTarget.value
                        update(weekly.map((x, j) => (j === index ? { ...x, start: v } : x)))
                      }}
                      w={100}
                    />
                    <Text aria-hidden>–</Text>
                    <NativeSelect
                      aria-label={`${name} window ${rows.findIndex((r) => r.index === index) + 1} end`}
                      data={TIMES.slice(1)}
                      value={w.end}
                      onChange={(e) => {
                        const v = e.currentTarget.value
                        update(weekly.map((x, j) => (j === index ? { ...x, end: v } : x)))
                      }}
                      w={100}
                    />
                    <ActionIcon
                      variant="default"
                      aria-label={`Remove ${name} ${w.start}–${w.end}`}
                      onClick={() => update(weekly.filter((_, j) => j !== index))}
                    >
                      ×
                    </ActionIcon>
                  </Group>
                ))}
              </Stack>
              <Button
                size="xs"
                variant="light"
                aria-label={`Add a window on ${name}`}
                onClick={() => {
                  const last = rows[rows.length - 1]?.w
                  const start = last && last.end < '23:00' ? last.end : '09:00'
                  const end = TIMES[Math.min(TIMES.indexOf(start) + 4, TIMES.length - 1)]!
                  update([...weekly, { weekday, start, end }])
                }}
              >
                Add
              </Button>
            </Group>
          </Paper>
        )
      })}
      {problems.length > 0 && (
        <Alert variant="default" color="red.9" title="Fix these before saving" role="alert">
          <Stack gap={2}>
            {problems.map((p) => (
              <Text key={p} size="sm">
                {p}
              </Text>
            ))}
          </Stack>
        </Alert>
      )}
      <FormError error={error} />
      <Group>
        <Button onClick={() => onSave(weekly)} disabled={problems.length > 0 || !touched} loading={saving}>
          Save weekly hours
        </Button>
      </Group>
    </Stack>
  )
}
