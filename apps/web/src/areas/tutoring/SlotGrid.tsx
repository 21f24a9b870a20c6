import { Button, Group, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core'
import type { Slot } from '../../api/tutoring.ts'
import { groupSlotsByDay } from './time.ts'

/**
 * Open slots grouped by local day in the viewer's zone (the API's `localStart`), one toggle button per
 * start time. Buttons are real buttons with `aria-pressed`, so the grid works with a keyboard. Days are h3
 * headings: the grid sits under an h2 (the profile's "Book a lesson", the reschedule dialog's title).
 */
export function SlotGrid({
  slots,
  selected,
  onSelect,
}: {
  slots: Slot[]
  selected: string | null
  onSelect: (slot: Slot) => void
}) {
  const days = groupSlotsByDay(slots)
  return (
    <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} spacing="sm">
      {days.map((day) => (
        <Paper key={day.date} withBorder p="xs" component="section" aria-label={day.label}>
          <Stack gap={6}>
            <Title order={3} size="h6">
              {day.label}
            </Title>
            <Group gap={6}>
              {day.slots.map((slot) => {
                const on = selected === slot.startsAt
                return (
                  <Button
                    key={slot.startsAt}
                    size="compact-sm"
                    variant={on ? 'filled' : 'default'}
                    aria-pressed={on}
                    data-starts-at={slot.startsAt}
                    aria-label={`${day.label} ${slot.time}`}
                    onClick={() => onSelect(slot)}
                  >
                    {slot.time}
                  </Button>
                )
              })}
            </Group>
          </Stack>
        </Paper>
      ))}
      {days.length === 0 && <Text c="dimmed">No open times in these two weeks.</Text>}
    </SimpleGrid>
  )
}
