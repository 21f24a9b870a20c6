import {
  closestCenter,
  DndContext,
  KeyboardSensor,
  PointerSensor,
  useSensor,
  useSensors,
  type Announcements,
  type DragEndEvent,
} from '@dnd-kit/core'
import {
  SortableContext,
  sortableKeyboardCoordinates,
  useSortable,
  verticalListSortingStrategy,
} from '@dnd-kit/sortable'
import { CSS } from '@dnd-kit/utilities'
import {
  ActionIcon,
  Badge,
  Button,
  Card,
  Group,
  Menu,
  Paper,
  Stack,
  Text,
  TextInput,
  UnstyledButton,
} from '@mantine/core'
import { useForm } from '@mantine/form'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useEffect, useState, type ReactNode } from 'react'
import { errorMessage } from '../../api/problem.ts'
import { studio, type StudioCourseDetail, type StudioLesson, type StudioSection } from '../../api/studio.ts'
import { FormError } from '../../components/FormError.tsx'
import { Empty } from '../../components/states.tsx'
import { AddLesson } from './AddLesson.tsx'
import { courseKey } from './keys.ts'
import { notify } from './notify.ts'
import { LessonEditor } from './LessonEditor.tsx'
import { applyLessonMove, applyLessonOrder, applySectionOrder, moveBy, reorderIds } from './reorder.ts'

const TYPE_LABELS: Record<string, string> = {
  video: 'Video',
  text: 'Text',
  quiz: 'Quiz',
  assignment: 'Assignment',
  resource: 'Resource',
}

const instructions = {
  draggable:
    'To reorder, press space or enter on the handle, move with the arrow keys, and press space or enter again to drop. Escape cancels.',
}

/** Screen-reader announcements naming the items by title (dnd-kit's defaults say their ids). */
function announcements(titleOf: (id: string) => string, ids: () => string[]): Announcements {
  const position = (id: string | number | undefined) => (id === undefined ? 0 : ids().indexOf(String(id)) + 1)
  return {
    onDragStart: ({ active }) => `Picked up ${titleOf(String(active.id))}.`,
    onDragOver: ({ active, over }) =>
      over
        ? `${titleOf(String(active.id))} is over position ${position(over.id)} of ${ids().length}.`
        : undefined,
    onDragEnd: ({ active, over }) =>
      over
        ? `${titleOf(String(active.id))} dropped at position ${position(over.id)} of ${ids().length}.`
        : `${titleOf(String(active.id))} dropped.`,
    onDragCancel: ({ active }) => `Moving ${titleOf(String(active.id))} was cancelled.`,
  }
}

function useSortSensors() {
  return useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 5 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  )
}

/** A sortable row: the handle is a real button (keyboard focus, label), the rest of the row stays clickable. */
function Sortable({ id, label, children }: { id: string; label: string; children: ReactNode }) {
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } =
    useSortable({
      id,
    })
  return (
    <div
      ref={setNodeRef}
      style={{ transform: CSS.Transform.toString(transform), transition, opacity: isDragging ? 0.6 : 1 }}
    >
      <Group gap="xs" wrap="nowrap" align="flex-start">
        <UnstyledButton
          ref={setActivatorNodeRef}
          {...attributes}
          {...listeners}
          aria-label={`Reorder ${label}`}
          aria-roledescription="sortable"
          px={6}
          py={4}
          style={{ cursor: 'grab', touchAction: 'none', borderRadius: 4, lineHeight: 1 }}
        >
          <span aria-hidden>⋮⋮</span>
        </UnstyledButton>
        <div style={{ flex: 1, minWidth: 0 }}>{children}</div>
      </Group>
    </div>
  )
}

function LessonRow({
  lesson,
  sections,
  onEdit,
  onMove,
  onShift,
  onDelete,
}: {
  lesson: StudioLesson
  sections: StudioSection[]
  onEdit: () => void
  onMove: (sectionId: string) => void
  onShift: (delta: -1 | 1) => void
  onDelete: () => void
}) {
  return (
    <Paper withBorder p="xs">
      <Group justify="space-between" wrap="nowrap" gap="xs">
        {/* Wraps rather than truncates: on a phone the title goes under its type badge, whole. */}
        <Group gap={6} style={{ minWidth: 0 }}>
          <Badge variant="light" color="gray" style={{ flexShrink: 0 }}>
            {TYPE_LABELS[lesson.type] ?? lesson.type}
          </Badge>
          <Text size="sm" style={{ minWidth: 0, overflowWrap: 'anywhere' }}>
            {lesson.title}
          </Text>
          {lesson.isPreview && (
            <Badge size="xs" variant="outline">
              Preview
            </Badge>
          )}
        </Group>
        <Group gap={4} wrap="nowrap">
          <Button size="compact-sm" variant="light" onClick={onEdit} aria-label={`Edit ${lesson.title}`}>
            Edit
          </Button>
          <Menu position="bottom-end">
            <Menu.Target>
              <ActionIcon variant="subtle" color="gray" aria-label={`More actions for ${lesson.title}`}>
                <span aria-hidden>⋯</span>
              </ActionIcon>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Item onClick={() => onShift(-1)}>Move up</Menu.Item>
              <Menu.Item onClick={() => onShift(1)}>Move down</Menu.Item>
              {sections.filter((s) => s.id !== lesson.sectionId).length > 0 && (
                <Menu.Label>Move to section</Menu.Label>
              )}
              {sections
                .filter((s) => s.id !== lesson.sectionId)
                .map((s) => (
                  <Menu.Item key={s.id} onClick={() => onMove(s.id)}>
                    {s.title}
                  </Menu.Item>
                ))}
              <Menu.Divider />
              <Menu.Item color="red" onClick={onDelete}>
                Delete lesson
              </Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </Group>
      </Group>
    </Paper>
  )
}

/** A section's title (an h2 under the builder's h1) with its menu, or the rename form. */
function SectionTitle({
  section,
  onRename,
  onDelete,
  onShift,
}: {
  section: StudioSection
  onRename: (title: string) => Promise<unknown>
  onDelete: () => void
  onShift: (delta: -1 | 1) => void
}) {
  const [editing, setEditing] = useState(false)
  const [title, setTitle] = useState(section.title)
  if (editing)
    return (
      <form
        onSubmit={(e) => {
          e.preventDefault()
          if (title.trim()) void onRename(title.trim()).then(() => setEditing(false))
        }}
      >
        <Group gap="xs">
          <TextInput
            aria-label="Section title"
            value={title}
            onChange={(e) => setTitle(e.currentTarget.value)}
            size="sm"
            autoFocus
          />
          <Button type="submit" size="compact-sm">
            Save
          </Button>
          <Button size="compact-sm" variant="default" onClick={() => setEditing(false)}>
            Cancel
          </Button>
        </Group>
      </form>
    )
  return (
    <Group justify="space-between" wrap="nowrap">
      <Text fw={600} component="h2" m={0} size="md">
        {section.title}
      </Text>
      <Menu position="bottom-end">
        <Menu.Target>
          <ActionIcon variant="subtle" color="gray" aria-label={`Section actions for ${section.title}`}>
            <span aria-hidden>⋯</span>
          </ActionIcon>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Item onClick={() => setEditing(true)}>Rename</Menu.Item>
          <Menu.Item onClick={() => onShift(-1)}>Move up</Menu.Item>
          <Menu.Item onClick={() => onShift(1)}>Move down</Menu.Item>
          <Menu.Divider />
          <Menu.Item color="red" onClick={onDelete}>
            Delete section and its lessons
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
    </Group>
  )
}

/**
 * Sections and lessons of the draft. Drag the handles (mouse, touch, or keyboard: space, arrows,
 * space) or use the "Move up/down" menu items to reorder; the outline changes at once and the order
 * is sent to the server, which answers with the new revision (on failure the outline reloads).
 */
export function Curriculum({ course }: { course: StudioCourseDetail }) {
  const queryClient = useQueryClient()
  const [sections, setSections] = useState(course.sections)
  const [editing, setEditing] = useState<StudioLesson | null>(null)
  const [adding, setAdding] = useState<StudioSection | null>(null)
  useEffect(() => setSections(course.sections), [course.sections])
  const sensors = useSortSensors()
  const refresh = () => queryClient.invalidateQueries({ queryKey: courseKey(course.id) })

  const write = useMutation({
    mutationFn: (call: () => Promise<unknown>) => call(),
    onError: (error) => {
      notify(errorMessage(error), 'red', 'Not saved')
    },
    onSettled: () => refresh(),
  })
  const sectionForm = useForm({
    initialValues: { title: '' },
    validate: {
      title: (v) => (!v.trim() ? 'Name the section' : v.length > 200 ? 'At most 200 characters' : null),
    },
  })
  const addSection = useMutation({
    mutationFn: (title: string) => studio.addSection(course.id, title),
    onSuccess: async () => {
      sectionForm.reset()
      await refresh()
    },
  })

  const sectionIds = sections.map((s) => s.id)
  const titleOf = (id: string) =>
    sections.find((s) => s.id === id)?.title ??
    sections.flatMap((s) => s.lessons).find((l) => l.id === id)?.title ??
    'item'

  const orderSections = (next: string[] | null) => {
    if (!next) return
    setSections((prev) => applySectionOrder(prev, next))
    write.mutate(() => studio.orderSections(course.id, next))
  }
  const orderLessons = (section: StudioSection, next: string[] | null) => {
    if (!next) return
    setSections((prev) => applyLessonOrder(prev, section.id, next))
    write.mutate(() => studio.orderLessons(course.id, section.id, next))
  }
  const onSectionDragEnd = ({ active, over }: DragEndEvent) =>
    orderSections(reorderIds(sectionIds, String(active.id), over ? String(over.id) : null))

  return (
    <Stack>
      {sections.length === 0 && <Empty>No sections yet. Add the first one below.</Empty>}
      <DndContext
        sensors={sensors}
        collisionDetection={closestCenter}
        onDragEnd={onSectionDragEnd}
        accessibility={{
          announcements: announcements(titleOf, () => sectionIds),
          screenReaderInstructions: instructions,
        }}
      >
        <SortableContext items={sectionIds} strategy={verticalListSortingStrategy}>
          {sections.map((section) => {
            const lessonIds = section.lessons.map((l) => l.id)
            return (
              <Sortable key={section.id} id={section.id} label={`section ${section.title}`}>
                <Card withBorder padding="sm" component="section" aria-label={`Section: ${section.title}`}>
                  <Stack gap="xs">
                    <SectionTitle
                      section={section}
                      onRename={(title) => studio.renameSection(course.id, section.id, title).then(refresh)}
                      onShift={(d) => orderSections(moveBy(sectionIds, section.id, d))}
                      onDelete={() => {
                        if (
                          window.confirm(
                            `Delete “${section.title}” and its ${section.lessons.length} lesson(s)?`,
                          )
                        )
                          write.mutate(() => studio.deleteSection(course.id, section.id))
                      }}
                    />
                    {section.lessons.length === 0 && (
                      <Text size="sm" c="dimmed">
                        No lessons in this section yet.
                      </Text>
                    )}
                    <DndContext
                      sensors={sensors}
                      collisionDetection={closestCenter}
                      onDragEnd={({ active, over }) =>
                        orderLessons(
                          section,
                          reorderIds(lessonIds, String(active.id), over ? String(over.id) : null),
                        )
                      }
                      accessibility={{
                        announcements: announcements(titleOf, () => lessonIds),
                        screenReaderInstructions: instructions,
                      }}
                    >
                      <SortableContext items={lessonIds} strategy={verticalListSortingStrategy}>
                        <Stack gap={6}>
                          {section.lessons.map((lesson) => (
                            <Sortable key={lesson.id} id={lesson.id} label={`lesson ${lesson.title}`}>
                              <LessonRow
                                lesson={lesson}
                                sections={sections}
                                onEdit={() => setEditing(lesson)}
                                onShift={(d) => orderLessons(section, moveBy(lessonIds, lesson.id, d))}
                                onMove={(to) => {
                                  setSections((prev) => applyLessonMove(prev, lesson.id, to))
                                  write.mutate(() => studio.moveLesson(course.id, lesson.id, to))
                                }}
                                onDelete={() => {
                                  if (window.confirm(`Delete the lesson “${lesson.title}”?`))
                                    write.mutate(() => studio.deleteLesson(course.id, lesson.id))
                                }}
                              />
                            </Sortable>
                          ))}
                        </Stack>
                      </SortableContext>
                    </DndContext>
                    <Button
                      size="compact-sm"
                      variant="subtle"
                      w="fit-content"
                      onClick={() => setAdding(section)}
                    >
                      + Add lesson to {section.title}
                    </Button>
                  </Stack>
                </Card>
              </Sortable>
            )
          })}
        </SortableContext>
      </DndContext>
      <form noValidate onSubmit={sectionForm.onSubmit((v) => addSection.mutate(v.title.trim()))}>
        <Stack gap="xs" maw={520}>
          <FormError error={addSection.error} />
          <Group align="flex-start" gap="xs" wrap="nowrap">
            <TextInput
              label="New section"
              placeholder="e.g. Getting started"
              style={{ flex: 1 }}
              {...sectionForm.getInputProps('title')}
            />
            <Button type="submit" mt={25} loading={addSection.isPending}>
              Add section
            </Button>
          </Group>
        </Stack>
      </form>
      {adding && (
        <AddLesson
          courseId={course.id}
          section={adding}
          onClose={() => setAdding(null)}
          onCreated={(lesson) => {
            setAdding(null)
            if (lesson.type === 'text') setEditing(lesson)
          }}
        />
      )}
      {editing && <LessonEditor courseId={course.id} lesson={editing} onClose={() => setEditing(null)} />}
    </Stack>
  )
}
