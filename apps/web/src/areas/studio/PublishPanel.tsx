import { Alert, Button, Group, List, Stack, Table, Text, Textarea, Title } from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { useSession } from '../../api/session.tsx'
import { studio, type StudioCourseDetail } from '../../api/studio.ts'
import { FormError } from '../../components/FormError.tsx'
import { ErrorState, Loading } from '../../components/states.tsx'
import { formatDateTime } from '../../lib/dates.ts'
import { courseKey } from './keys.ts'
import { notify } from './notify.ts'

const DONE: Record<string, string> = {
  publish: 'Published: the new version is in the catalog',
  approve: 'Approved and published',
  submit: 'Submitted for review',
  withdraw: 'Review withdrawn',
  reject: 'Sent back to the editors',
  archive: 'Archived',
  unarchive: 'Back in the catalog',
}

/** What the browser can already tell is missing; the server's check (shown on refusal) is the rule. */
export function publishHints(course: StudioCourseDetail): string[] {
  const hints: string[] = []
  if (course.lessonCount === 0) hints.push('Add at least one lesson.')
  if (course.sections.some((s) => s.lessons.length === 0)) hints.push('Some sections have no lessons yet.')
  if (!course.description.trim()) hints.push('A description helps learners decide (Details tab).')
  return hints
}

/**
 * Publishing: submit for review (or publish directly where the organization allows it, and always
 * for org admins), withdraw, approve/reject (org admins), archive, and the list of published
 * versions. Editing a published course edits a draft; publishing it makes the next version.
 */
export function PublishPanel({ course }: { course: StudioCourseDetail }) {
  const { me } = useSession()
  const queryClient = useQueryClient()
  const isAdmin = !!me && (me.user.platformAdmin || me.roles.includes('org_admin'))
  const canArchive = isAdmin || course.myRole === 'owner'
  const [note, setNote] = useState('')
  const versions = useQuery({
    queryKey: ['studio', 'versions', course.id],
    queryFn: () => studio.versions(course.id),
  })
  const action = useMutation({
    mutationFn: (name: string) =>
      studio.workflow(
        course.id,
        name,
        name === 'reject' ? { note: note.trim() } : { revision: course.revision },
      ),
    onSuccess: async (_, name) => {
      notify(DONE[name] ?? 'Done')
      setNote('')
      await queryClient.invalidateQueries({ queryKey: ['studio'] })
      await queryClient.invalidateQueries({ queryKey: courseKey(course.id) })
    },
  })
  const busy = (name: string) => action.isPending && action.variables === name
  const pending = course.review.pending
  const archived = course.status === 'archived'
  const live = course.publishedVersion > 0
  const nothingNew = live && !course.hasUnpublishedChanges
  const hints = publishHints(course)
  const run = (name: string) => action.mutate(name)

  return (
    <Stack maw={760}>
      <FormError error={action.error} />
      {!pending && course.review.note && (
        <Alert color="orange" title="Changes requested by the reviewer">
          {course.review.note}
        </Alert>
      )}
      {hints.length > 0 && !archived && (
        <Alert color="blue" title="Before publishing" role="note">
          <List size="sm">
            {hints.map((h) => (
              <List.Item key={h}>{h}</List.Item>
            ))}
          </List>
        </Alert>
      )}
      {archived ? (
        <Text>
          This course is archived: it is out of the catalog and read-only. Enrolled learners keep access.
        </Text>
      ) : pending ? (
        <Text>
          {live ? `Version ${course.publishedVersion + 1}` : 'This course'} is waiting for an organization
          admin&apos;s review. Editing is paused until the review ends.
        </Text>
      ) : nothingNew ? (
        <Text>Version {course.publishedVersion} is live. Edit the draft to prepare a new version.</Text>
      ) : (
        <Text>
          {live
            ? `The draft has changes not yet in version ${course.publishedVersion}. Learners see the new version once it is published.`
            : 'This course has never been published.'}
        </Text>
      )}
      <Group>
        {!archived && !pending && !nothingNew && (
          <>
            {isAdmin ? (
              <Button onClick={() => run('publish')} loading={busy('publish')}>
                {live ? 'Publish new version' : 'Publish'}
              </Button>
            ) : (
              <>
                <Button onClick={() => run('submit')} loading={busy('submit')}>
                  Submit for review
                </Button>
                <Button variant="default" onClick={() => run('publish')} loading={busy('publish')}>
                  {live ? 'Publish new version now' : 'Publish now'}
                </Button>
              </>
            )}
          </>
        )}
        {pending && (
          <Button variant="default" onClick={() => run('withdraw')} loading={busy('withdraw')}>
            Withdraw from review
          </Button>
        )}
        {pending && isAdmin && (
          <Button onClick={() => run('approve')} loading={busy('approve')}>
            Approve and publish
          </Button>
        )}
        {canArchive && course.status === 'published' && (
          <Button variant="subtle" color="red" onClick={() => run('archive')} loading={busy('archive')}>
            Archive
          </Button>
        )}
        {canArchive && archived && (
          <Button variant="default" onClick={() => run('unarchive')} loading={busy('unarchive')}>
            Unarchive
          </Button>
        )}
      </Group>
      {!isAdmin && !pending && !archived && !nothingNew && (
        <Text size="xs" c="dimmed">
          Most organizations publish after an admin&apos;s review; &ldquo;Publish now&rdquo; works where
          instructors may publish directly.
        </Text>
      )}
      {pending && isAdmin && (
        <Stack gap="xs">
          <Textarea
            label="Note to the editors"
            value={note}
            onChange={(e) => setNote(e.currentTarget.value)}
            autosize
            minRows={2}
          />
          <Button
            variant="default"
            color="red"
            w="fit-content"
            disabled={!note.trim()}
            onClick={() => run('reject')}
            loading={busy('reject')}
          >
            Request changes
          </Button>
        </Stack>
      )}
      <Title order={2} size="h4" mt="md">
        Published versions
      </Title>
      {versions.isPending ? (
        <Loading label="Loading versions…" />
      ) : versions.isError ? (
        <ErrorState error={versions.error} retry={() => void versions.refetch()} />
      ) : versions.data.items.length === 0 ? (
        <Text c="dimmed" size="sm">
          No version published yet.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={420}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Version</Table.Th>
                <Table.Th>Title</Table.Th>
                <Table.Th>Lessons</Table.Th>
                <Table.Th>Published</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {versions.data.items.map((v) => (
                <Table.Tr key={v.version}>
                  <Table.Td>v{v.version}</Table.Td>
                  <Table.Td>{v.title}</Table.Td>
                  <Table.Td>{v.lessonCount}</Table.Td>
                  <Table.Td>{formatDateTime(v.publishedAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  )
}
