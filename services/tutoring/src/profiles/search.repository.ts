import { and, asc, desc, eq, getTableColumns, gt, lt, lte, or, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '@learnmesh/kernel'
import { tutorProfiles } from '../db/schema.ts'
import type { ProfileRow } from './profiles.repository.ts'
import {
  MAX_RADIUS_KM,
  RATING_PRIOR_MEAN,
  RATING_PRIOR_WEIGHT,
  RESPONSE_PRIOR_RATE,
  RESPONSE_PRIOR_WEIGHT,
} from './profiles.rules.ts'
import type { CursorPosition, SearchSort, TutorSearch } from './search.query.ts'

/** Mean Earth radius (IUGG), km. */
const EARTH_RADIUS_KM = 6371.0088
/** Km per degree of latitude, rounded down so the bounding box is never too small. */
const KM_PER_DEGREE = 111.0

/** Great-circle distance in km between a point and the row's (latitude, longitude), haversine, in SQL. */
function haversineKm(lat: number, lng: number): SQL {
  return sql`(2 * ${EARTH_RADIUS_KM}::float8 * asin(least(1.0, sqrt(
    power(sin(radians(sa.latitude - ${lat}::float8) / 2), 2)
    + cos(radians(${lat}::float8)) * cos(radians(sa.latitude))
      * power(sin(radians(sa.longitude - ${lng}::float8) / 2), 2)))))`
}

/**
 * The bounding box every radius area containing the point must have its centre in (no radius
 * exceeds MAX_RADIUS_KM): a latitude range the (org_id, latitude) index serves, and a longitude
 * range unless it would cross a pole or the antimeridian (then the exact test alone decides).
 */
function boundingBox(lat: number, lng: number): SQL {
  const dLat = MAX_RADIUS_KM / KM_PER_DEGREE
  const farthest = Math.min(90, Math.abs(lat) + dLat)
  const box = [sql`sa.latitude between ${lat - dLat}::float8 and ${lat + dLat}::float8`]
  if (farthest < 89) {
    const dLng = MAX_RADIUS_KM / (KM_PER_DEGREE * Math.cos((farthest * Math.PI) / 180))
    if (lng - dLng >= -180 && lng + dLng <= 180)
      box.push(sql`sa.longitude between ${lng - dLng}::float8 and ${lng + dLng}::float8`)
  }
  return sql.join(box, sql` and `)
}

/**
 * Km from the point to the centre of the nearest of the tutor's radius areas that contain it, or
 * null when none does. Correlated on the outer tutor_profiles row.
 */
export function areaDistanceSql(lat: number, lng: number): SQL<number | null> {
  return sql<number | null>`(select min(h.d) from (
    select ${haversineKm(lat, lng)} as d, sa.radius_km
    from tutoring.service_areas sa
    where sa.tutor_id = ${tutorProfiles.id} and sa.latitude is not null and ${boundingBox(lat, lng)}
  ) h where h.d <= h.radius_km)`
}

/** True when one of the tutor's areas contains the point (bounding box first, then haversine). */
function coversPoint(orgId: string | null, lat: number, lng: number): SQL {
  return sql`${tutorProfiles.id} in (
    select sa.tutor_id from tutoring.service_areas sa
    where ${orgId === null ? sql`true` : sql`sa.org_id = ${orgId}`} and sa.latitude is not null and ${boundingBox(lat, lng)}
      and ${haversineKm(lat, lng)} <= sa.radius_km)`
}

/** True when one of the tutor's postal-code areas lists the code (in the country, when given). */
function coversPostalCode(orgId: string | null, code: string, country: string | undefined): SQL {
  return sql`${tutorProfiles.id} in (
    select sa.tutor_id from tutoring.service_areas sa
    where ${orgId === null ? sql`true` : sql`sa.org_id = ${orgId}`} and sa.postal_codes @> array[${code}]::text[]
      ${country ? sql`and sa.country_code = ${country}` : sql``})`
}

/** Bayesian rating in SQL (same formula as `bayesianRating`). */
export const bayesianRatingSql = sql<number>`((${RATING_PRIOR_MEAN}::float8 * ${RATING_PRIOR_WEIGHT}
  + coalesce(${tutorProfiles.ratingAvg}::float8, 0) * (case when ${tutorProfiles.ratingAvg} is null then 0 else ${tutorProfiles.ratingCount} end))
  / (${RATING_PRIOR_WEIGHT} + (case when ${tutorProfiles.ratingAvg} is null then 0 else ${tutorProfiles.ratingCount} end)))`

const bayesianResponseSql = sql`((${RESPONSE_PRIOR_RATE}::float8 * ${RESPONSE_PRIOR_WEIGHT}
  + coalesce(${tutorProfiles.responseRate}::float8, 0) * (case when ${tutorProfiles.responseRate} is null then 0 else ${tutorProfiles.responseSamples} end))
  / (${RESPONSE_PRIOR_WEIGHT} + (case when ${tutorProfiles.responseRate} is null then 0 else ${tutorProfiles.responseSamples} end)))`

/** Sentinel distance for postal-code-only matches (they sort after every measured distance). */
const NO_DISTANCE = 1e9

/** The sort key of each order (a float8 expression) and its direction; ties break on id ascending. */
function sortKey(sort: SearchSort, search: TutorSearch): { key: SQL<number>; dir: 'asc' | 'desc' } {
  switch (sort) {
    case 'relevance':
      // 60 % rating, 20 % responsiveness, 20 % the verified badge (docs/profiles.md).
      return {
        key: sql<number>`(0.6 * ${bayesianRatingSql} / 5 + 0.2 * ${bayesianResponseSql}
          + 0.2 * (case when ${tutorProfiles.verificationStatus} = 'verified' then 1 else 0 end))::float8`,
        dir: 'desc',
      }
    case 'rating':
      return { key: sql<number>`${bayesianRatingSql}::float8`, dir: 'desc' }
    case 'price_asc':
      return { key: sql<number>`${tutorProfiles.hourlyRateMinor}::float8`, dir: 'asc' }
    case 'price_desc':
      return { key: sql<number>`${tutorProfiles.hourlyRateMinor}::float8`, dir: 'desc' }
    case 'distance': {
      const p = search.point!
      return {
        key: sql<number>`coalesce(${areaDistanceSql(p.lat, p.lng)}, ${NO_DISTANCE}::float8)`,
        dir: 'asc',
      }
    }
  }
}

/** A search hit: the profile, its distance (with a point) and its sort key (for the cursor). */
export interface SearchRow {
  profile: ProfileRow
  distanceKm: number | null
  sortKey: number
}

/**
 * Listed profiles of an organization (every organization when `orgId` is null: the anonymous
 * marketplace) matching a search, one keyset page (limit + 1 rows).
 */
export async function searchProfiles(
  db: DbOrTx,
  orgId: string | null,
  search: TutorSearch,
  sort: SearchSort,
  page: { limit: number; after?: CursorPosition },
): Promise<SearchRow[]> {
  const where: (SQL | undefined)[] = [
    orgId === null ? undefined : eq(tutorProfiles.orgId, orgId),
    eq(tutorProfiles.status, 'listed'),
  ]
  const sameOrg = (column: SQL) => (orgId === null ? sql`` : sql`and ${column} = ${orgId}`)
  if (search.subject || search.level) {
    where.push(sql`exists (select 1 from tutoring.tutor_subjects ts where ts.tutor_id = ${tutorProfiles.id}
      ${search.subject ? sql`${sameOrg(sql`ts.org_id`)} and ts.subject = ${search.subject}` : sql``}
      ${search.level ? sql`and ${search.level} = any(ts.levels)` : sql``})`)
  }
  if (search.language)
    where.push(sql`exists (select 1 from tutoring.tutor_languages tl where tl.tutor_id = ${tutorProfiles.id}
      ${sameOrg(sql`tl.org_id`)} and tl.language = ${search.language})`)
  if (search.currency) where.push(eq(tutorProfiles.currency, search.currency))
  if (search.maxRate !== undefined) where.push(lte(tutorProfiles.hourlyRateMinor, search.maxRate))
  if (search.verifiedOnly) where.push(eq(tutorProfiles.verificationStatus, 'verified'))
  if (search.mode === 'online') where.push(eq(tutorProfiles.offersOnline, true))
  if (search.mode === 'in_person') {
    where.push(eq(tutorProfiles.offersInPerson, true))
    const covers: SQL[] = []
    if (search.point) covers.push(coversPoint(orgId, search.point.lat, search.point.lng))
    if (search.postalCode) covers.push(coversPostalCode(orgId, search.postalCode, search.country))
    if (covers.length > 0) where.push(or(...covers))
  }
  const { key, dir } = sortKey(sort, search)
  if (page.after) {
    const k = sql`${page.after.key}::float8`
    where.push(
      or(
        dir === 'desc' ? lt(key, k) : gt(key, k),
        and(sql`${key} = ${k}`, gt(tutorProfiles.id, page.after.id)),
      ),
    )
  }
  const distance = search.point
    ? areaDistanceSql(search.point.lat, search.point.lng)
    : sql<null>`null::float8`
  const rows = await db
    .select({
      ...getTableColumns(tutorProfiles),
      distanceKm: sql<number | null>`${distance}`.mapWith((v: unknown) => (v === null ? null : Number(v))),
      sortKey: sql<number>`${key}`.mapWith(Number),
    })
    .from(tutorProfiles)
    .where(and(...where))
    .orderBy(dir === 'desc' ? desc(key) : asc(key), asc(tutorProfiles.id))
    .limit(page.limit + 1)
  return rows.map(({ distanceKm, sortKey: k, ...profile }) => ({ profile, distanceKm, sortKey: k }))
}
