import { AppError, newId, type Principal, type Tx } from '@learnmesh/kernel'
import type { TutoringDeps } from '../deps.ts'
import {
  createProfilesRepository,
  type AreaRow,
  type ProfileRow,
  type ProfilesRepository,
} from './profiles.repository.ts'
import { MAX_AREAS, normalizePostalCode } from './profiles.rules.ts'

/** A service area as sent by the tutor. */
export type AreaInput =
  | { kind: 'radius'; label?: string; latitude: number; longitude: number; radiusKm: number }
  | { kind: 'postal_codes'; label?: string; countryCode: string; postalCodes: string[] }

/** The stored columns of an area: exactly one of the two shapes is set, the other nulled. */
function columnsOf(input: AreaInput) {
  const label = input.label?.trim() ?? ''
  if (input.kind === 'radius') {
    if (!Number.isFinite(input.latitude) || !Number.isFinite(input.longitude))
      throw new AppError('validation_failed', 'latitude and longitude must be finite numbers')
    return {
      label,
      latitude: input.latitude,
      longitude: input.longitude,
      radiusKm: input.radiusKm,
      postalCodes: null,
      countryCode: null,
    }
  }
  const codes = [...new Set(input.postalCodes.map(normalizePostalCode))].filter((c) => c.length >= 2)
  if (codes.length === 0) throw new AppError('validation_failed', 'Give at least one postal code')
  return {
    label,
    latitude: null,
    longitude: null,
    radiusKm: null,
    postalCodes: codes,
    countryCode: input.countryCode.toUpperCase(),
  }
}

/**
 * A tutor's in-person service areas: a centre with a radius (≤ 200 km) or a list of postal codes in
 * one country. A listed profile that teaches in person keeps at least one.
 */
export function createAreasService(
  deps: TutoringDeps,
  repo: ProfilesRepository = createProfilesRepository(),
) {
  const { database } = deps

  async function mine(tx: Tx, principal: Principal): Promise<ProfileRow> {
    const row = await repo.findByUser(tx, principal.orgId, principal.userId, true)
    if (!row) throw new AppError('not_found', 'Create your tutor profile first (PUT /tutors/me)')
    return row
  }

  return {
    /** The caller's areas, oldest first. */
    async list(principal: Principal): Promise<AreaRow[]> {
      const row = await repo.findByUser(database.db, principal.orgId, principal.userId)
      if (!row) throw new AppError('not_found', 'Create your tutor profile first (PUT /tutors/me)')
      return repo.areasOf(database.db, row.id)
    },

    /** Adds an area (at most MAX_AREAS: 409 beyond). */
    async create(principal: Principal, input: AreaInput): Promise<AreaRow> {
      const columns = columnsOf(input)
      return database.db.transaction(async (tx) => {
        const profile = await mine(tx, principal)
        if ((await repo.countAreas(tx, profile.id)) >= MAX_AREAS)
          throw new AppError('conflict', `A tutor has at most ${MAX_AREAS} service areas`)
        return repo.insertArea(tx, {
          id: newId('sar'),
          tutorId: profile.id,
          orgId: profile.orgId,
          ...columns,
          createdAt: deps.now(),
        })
      })
    },

    /** Replaces an area (404 when it is not the caller's). */
    async replace(principal: Principal, areaId: string, input: AreaInput): Promise<AreaRow> {
      const columns = columnsOf(input)
      return database.db.transaction(async (tx) => {
        const profile = await mine(tx, principal)
        const row = await repo.updateArea(tx, profile.id, areaId, columns)
        if (!row) throw new AppError('not_found', 'Service area not found')
        return row
      })
    },

    /** Deletes an area; the last one of a listed in-person profile stays (422). */
    async remove(principal: Principal, areaId: string): Promise<void> {
      await database.db.transaction(async (tx) => {
        const profile = await mine(tx, principal)
        if (!(await repo.deleteArea(tx, profile.id, areaId)))
          throw new AppError('not_found', 'Service area not found')
        if (
          profile.status === 'listed' &&
          profile.offersInPerson &&
          (await repo.countAreas(tx, profile.id)) === 0
        )
          throw new AppError(
            'unprocessable',
            'A listed profile that teaches in person needs a service area: add another one first, or stop offering in-person lessons',
            { missing: ['serviceAreas'] },
          )
      })
    },
  }
}
