/**
 * What the bookings area uses from availability: whether a time can be booked, and open slots.
 * (Overlaps with other bookings are the database's job: exclusion constraints on bookings.)
 */
export {
  checkBookable,
  notBookableDetail,
  openSlots,
  type BookingWindow,
  type NotBookableReason,
  type TutorCalendarRef,
} from './availability.service.ts'
