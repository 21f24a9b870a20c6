import type { EventHandler } from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'
import { onCoursePublished } from '../products/on-course-published.ts'
import { createCheckoutArea } from './checkout.area.ts'
import { onEnrollmentRejected } from './on-enrollment-rejected.ts'

/** learning.enrollment.rejected (refund compensation) and learning.course.published (course products). */
export function checkoutHandlers(deps: CommerceDeps): EventHandler[] {
  const area = createCheckoutArea(deps)
  return [onEnrollmentRejected(area.refunds), onCoursePublished]
}
