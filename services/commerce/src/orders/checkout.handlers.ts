import type { EventHandler } from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'
import { onCoursePublished } from '../products/on-course-published.ts'
import { onTutorListed } from '../products/on-tutor-listed.ts'
import { createCheckoutArea } from './checkout.area.ts'
import { onBookingRejected } from './on-booking-rejected.ts'
import { onEnrollmentRejected } from './on-enrollment-rejected.ts'

/**
 * learning.enrollment.rejected and tutoring.booking.rejected (refund compensations),
 * learning.course.published (course products) and tutoring.tutor.listed (tutoring products).
 */
export function checkoutHandlers(deps: CommerceDeps): EventHandler[] {
  const area = createCheckoutArea(deps)
  return [
    onEnrollmentRejected(area.refunds),
    onBookingRejected(area.refunds),
    onCoursePublished,
    onTutorListed,
  ]
}
