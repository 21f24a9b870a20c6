import type { AreaRow, ProfileRow, SubjectRow } from './profiles.repository.ts'
import { bayesianRating, lessonPriceMinor } from './profiles.rules.ts'

/** Who looks at a profile: its owner and the org's admins see workflow detail; the public does not. */
export type Audience = 'owner' | 'admin' | 'public'

/** A profile with what is stored beside it. */
export interface ProfileView {
  profile: ProfileRow
  subjects: SubjectRow[]
  languages: string[]
  areas: AreaRow[]
}

const round2 = (n: number | null) => (n === null ? null : Math.round(n * 100) / 100)

/** A service area as the audience may see it (the public gets the centre rounded to ~1 km). */
export function presentArea(a: AreaRow, audience: Audience = 'owner') {
  const exact = audience !== 'public'
  return {
    id: a.id,
    kind: a.postalCodes ? ('postal_codes' as const) : ('radius' as const),
    label: a.label,
    latitude: exact ? a.latitude : round2(a.latitude),
    longitude: exact ? a.longitude : round2(a.longitude),
    radiusKm: a.radiusKm,
    postalCodes: a.postalCodes,
    countryCode: a.countryCode,
  }
}

/** Rating and response rate as every view shows them. */
export function presentReputation(p: ProfileRow) {
  return {
    rating: {
      average: p.ratingCount > 0 ? p.ratingAvg : null,
      count: p.ratingCount,
      bayesian:
        Math.round(bayesianRating(p.ratingCount > 0 ? p.ratingAvg : null, p.ratingCount) * 1000) / 1000,
    },
    responseRate: { rate: p.responseRate, samples: p.responseSamples },
  }
}

/** A tutor profile for the audience. */
export function presentProfile(v: ProfileView, audience: Audience) {
  const p = v.profile
  return {
    id: p.id,
    userId: p.userId,
    orgId: p.orgId,
    displayName: p.displayName,
    headline: p.headline,
    bio: p.bio,
    timeZone: p.timeZone,
    hourlyRate: { amountMinor: p.hourlyRateMinor, currency: p.currency },
    lessonMinutes: p.lessonMinutes,
    lessonPrices: p.lessonMinutes.map((minutes) => ({
      minutes,
      amountMinor: lessonPriceMinor(p.hourlyRateMinor, minutes),
    })),
    bufferMinutes: p.bufferMinutes,
    packages: p.packages,
    trial: p.trialMinutes === null ? null : { minutes: p.trialMinutes },
    introVideoRef: p.introVideoRef,
    offersOnline: p.offersOnline,
    offersInPerson: p.offersInPerson,
    subjects: v.subjects,
    languages: v.languages,
    serviceAreas: v.areas.map((a) => presentArea(a, audience)),
    verified: p.verificationStatus === 'verified',
    ...presentReputation(p),
    lessonsTaught: p.lessonsTaught,
    ...(audience === 'public'
      ? {}
      : {
          status: p.status,
          verification: {
            status: p.verificationStatus,
            note: p.verificationNote,
            requestedAt: p.verificationRequestedAt?.toISOString() ?? null,
            verifiedAt: p.verifiedAt?.toISOString() ?? null,
          },
          revision: p.revision,
        }),
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  }
}
