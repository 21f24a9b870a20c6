import { Anchor, Tabs, Text } from '@mantine/core'
import { useQuery } from '@tanstack/react-query'
import { Link, useParams, useSearchParams } from 'react-router'
import { studio } from '../../api/studio.ts'
import { ErrorState, Loading } from '../../components/states.tsx'
import { AssignmentsPanel } from './AssignmentsPanel.tsx'
import { CourseStatus } from './CourseStatus.tsx'
import { Curriculum } from './Curriculum.tsx'
import { DetailsForm } from './DetailsForm.tsx'
import { courseKey } from './keys.ts'
import { PublishPanel } from './PublishPanel.tsx'
import { BackLink, StudioFrame } from './StudioFrame.tsx'

const TABS = ['details', 'curriculum', 'assignments', 'publish'] as const
type Tab = (typeof TABS)[number]

/** The course builder: details, curriculum (sections and lessons), assignments, publishing. */
export default function CourseBuilderPage() {
  const { courseId = '' } = useParams()
  const [params, setParams] = useSearchParams()
  const tab: Tab = TABS.find((t) => t === params.get('tab')) ?? 'curriculum'
  const course = useQuery({ queryKey: courseKey(courseId), queryFn: () => studio.course(courseId) })
  return (
    <StudioFrame title={course.data?.title ?? 'Course'}>
      <BackLink to="/studio">All courses</BackLink>
      {course.isPending ? (
        <Loading label="Loading the course…" />
      ) : course.isError ? (
        <ErrorState error={course.error} retry={() => void course.refetch()} />
      ) : (
        <>
          <CourseStatus course={course.data} />
          {course.data.status === 'published' && (
            <Text size="sm">
              Live in the catalog:{' '}
              <Anchor component={Link} to={`/courses/${course.data.slug}`}>
                /courses/{course.data.slug}
              </Anchor>
            </Text>
          )}
          <Tabs
            value={tab}
            onChange={(t) => setParams(t && t !== 'curriculum' ? { tab: t } : {}, { replace: true })}
            keepMounted={false}
          >
            <Tabs.List>
              <Tabs.Tab value="curriculum">Curriculum</Tabs.Tab>
              <Tabs.Tab value="details">Details</Tabs.Tab>
              <Tabs.Tab value="assignments">Assignments</Tabs.Tab>
              <Tabs.Tab value="publish">Publish</Tabs.Tab>
            </Tabs.List>
            <Tabs.Panel value="curriculum" pt="md">
              <Curriculum course={course.data} />
            </Tabs.Panel>
            <Tabs.Panel value="details" pt="md">
              <DetailsForm course={course.data} />
            </Tabs.Panel>
            <Tabs.Panel value="assignments" pt="md">
              <AssignmentsPanel courseId={course.data.id} />
            </Tabs.Panel>
            <Tabs.Panel value="publish" pt="md">
              <PublishPanel course={course.data} />
            </Tabs.Panel>
          </Tabs>
        </>
      )}
    </StudioFrame>
  )
}
