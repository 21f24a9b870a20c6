import { Group, Select, Stack, Text } from '@mantine/core'
import { useQuery } from '@tanstack/react-query'
import { useMemo, useState } from 'react'
import { tutoringApi, type Slot } from '../../api/tutoring.ts'
import { ErrorState, Loading } from '../../components/states.tsx'
import { SlotGrid } from './SlotGrid.tsx'
import { browserTimeZone, timeZones } from './time.ts'

/** Two weeks of a tutor's open slots for a lesson length, shown in a selectable zone (the browser's first). */
export function SlotPicker({
  tutorId,
  orgId,
  minutes,
  selected,
  onSelect,
}: {
  tutorId: string
  orgId?: string
  minutes: number
  selected: Slot | null
  onSelect: (slot: Slot | null) => void
}) {
  const [timeZone, setTimeZone] = useState(browserTimeZone)
  const zones = useMemo(() => timeZones([browserTimeZone()]), [])
  // The window starts at the current minute; remembered so refetches ask for the same range.
  const [range] = useState(() => {
    const from = new Date(Math.floor(Date.now() / 60_000) * 60_000)
    return { from: from.toISOString(), to: new Date(from.getTime() + 14 * 86_400_000).toISOString() }
  })
  const slots = useQuery({
    queryKey: ['tutor-slots', tutorId, orgId, minutes, timeZone, range.from],
    queryFn: ({ signal }) =>
      tutoringApi.slots(tutorId, { minutes, ...range, timeZone, ...(orgId ? { orgId } : {}) }, signal),
  })
  return (
    <Stack gap="sm">
      <Group align="flex-end" justify="space-between">
        <Select
          label="Time zone"
          description="Times are shown in this zone"
          data={zones}
          value={timeZone}
          onChange={(z) => {
            if (z) {
              setTimeZone(z)
              onSelect(null)
            }
          }}
          searchable
          allowDeselect={false}
          w={{ base: '100%', xs: 280 }}
        />
        {selected && (
          <Text size="sm" aria-live="polite">
            Selected: {selected.localStart.slice(0, 10)} {selected.localStart.slice(11, 16)}–
            {selected.localEnd.slice(11, 16)}
          </Text>
        )}
      </Group>
      {slots.isPending && <Loading label="Loading open times…" />}
      {slots.isError && <ErrorState error={slots.error} retry={() => void slots.refetch()} />}
      {slots.isSuccess && (
        <SlotGrid slots={slots.data.slots} selected={selected?.startsAt ?? null} onSelect={onSelect} />
      )}
    </Stack>
  )
}
