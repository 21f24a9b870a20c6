import { useQuery } from '@tanstack/react-query'
import { Navigate, useParams } from 'react-router'
import { tutoringApi } from '../../api/tutoring.ts'
import { useSession } from '../../api/session.tsx'
import { ErrorState, Loading } from '../../components/states.tsx'

/**
 * `/lessons/:bookingId`, the link in lesson notifications and emails: the tutor of the booking lands on
 * the console's bookings, the learner on My lessons (signed-out visitors are sent to sign in first).
 */
export default function LessonLinkPage() {
  const { bookingId = '' } = useParams()
  const { me, signedIn, loading } = useSession()
  const booking = useQuery({
    queryKey: ['booking', bookingId],
    queryFn: () => tutoringApi.booking(bookingId),
    enabled: signedIn,
    retry: false,
  })
  if (!signedIn && !loading) return <Navigate to="/signin" replace />
  if (booking.isError) return <ErrorState error={booking.error} retry={() => void booking.refetch()} />
  if (!booking.data || !me) return <Loading />
  return (
    <Navigate to={booking.data.tutorUserId === me.user.id ? '/tutor?tab=bookings' : '/lessons'} replace />
  )
}
