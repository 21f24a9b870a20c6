import { Navigate } from 'react-router'
import { useSession } from '../api/session.tsx'
import { Loading } from '../components/states.tsx'

/**
 * `/earnings`, the link in payout notifications: tutors see the console's earnings tab, instructors
 * the studio's earnings page.
 */
export default function EarningsLinkPage() {
  const { me, signedIn, loading } = useSession()
  if (!signedIn && !loading) return <Navigate to="/signin" replace />
  if (!me) return <Loading />
  return <Navigate to={me.roles.includes('tutor') ? '/tutor?tab=earnings' : '/studio/earnings'} replace />
}
