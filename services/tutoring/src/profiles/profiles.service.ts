import { AppError, newId, writeEvent, type Principal, type Tx } from '@learnmesh/kernel'
import { tutoringTutorListed } from '@learnmesh/contracts'
import type { TutoringDeps } from '../deps.ts'
import { outbox } from '../db/schema.ts'
import { createProfilesRepository, type ProfileRow, type ProfilesRepository } from './profiles.repository.ts'
import type { Audience, ProfileView } from './profiles.presenter.ts'
import {
  canonicalTimeZone,
  listingChange,
  missingForListing,
  normalizeCurrency,
  normalizeLanguages,
  normalizeLessonMinutes,
  normalizePackages,
  normalizeSubjects,
  type PackageInput,
  type SubjectInput,
} from './profiles.rules.ts'

/** Profile fields a tutor sets (PUT: the whole set; PATCH: some of them). */
export interface ProfileInput {
  displayName?: string
  headline?: string
  bio?: string
  timeZone?: string
  currency?: string
  hourlyRateMinor?: number
  lessonMinutes?: number[]
  bufferMinutes?: number
  packages?: PackageInput[]
  trialMinutes?: number | null
  introVideoRef?: string | null
  offersOnline?: boolean
  offersInPerson?: boolean
  subjects?: SubjectInput[]
  languages?: string[]
}

/** Request metadata events carry. */
export interface RequestMeta {
  traceparent: string | null
}

/** The defaults PUT gives the optional fields it was not sent. */
const DEFAULTS = {
  headline: '',
  bio: '',
  bufferMinutes: 0,
  packages: [] as PackageInput[],
  trialMinutes: null,
  introVideoRef: null,
  offersOnline: true,
  offersInPerson: false,
  subjects: [] as SubjectInput[],
  languages: [] as string[],
}

/** A complete, normalized profile state. */
type ProfileState = Required<ProfileInput>

/** Validates and normalizes a complete state (422 on a rule a schema cannot express). */
function normalizeState(s: ProfileState) {
  const lessonMinutes = normalizeLessonMinutes(s.lessonMinutes)
  if (s.trialMinutes !== null && !lessonMinutes.includes(s.trialMinutes))
    throw new AppError('unprocessable', 'The trial length must be one of the lesson lengths offered', {
      field: 'trialMinutes',
    })
  return {
    row: {
      displayName: s.displayName.trim(),
      headline: s.headline.trim(),
      bio: s.bio.trim(),
      timeZone: canonicalTimeZone(s.timeZone),
      currency: normalizeCurrency(s.currency),
      hourlyRateMinor: s.hourlyRateMinor,
      lessonMinutes,
      bufferMinutes: s.bufferMinutes,
      packages: normalizePackages(s.packages),
      trialMinutes: s.trialMinutes,
      introVideoRef: s.introVideoRef,
      offersOnline: s.offersOnline,
      offersInPerson: s.offersInPerson,
    },
    subjects: normalizeSubjects(s.subjects),
    languages: normalizeLanguages(s.languages),
  }
}

/** The stale-revision check shared by every change (undefined: last write wins). */
function checkRevision(row: ProfileRow, expected: number | undefined): void {
  if (expected !== undefined && expected !== row.revision)
    throw new AppError('conflict', `The profile changed since revision ${expected}; reload and retry`, {
      currentRevision: row.revision,
    })
}

/** The payload of tutoring.tutor.listed for a profile (`active`: sellable or archived). */
export function listedPayload(p: ProfileRow, active: boolean) {
  return {
    tutorId: p.userId,
    displayName: p.displayName,
    currency: p.currency,
    hourlyRateMinor: p.hourlyRateMinor,
    lessonMinutes: p.lessonMinutes as (30 | 45 | 60 | 90)[],
    packages: p.packages,
    active,
  }
}

/**
 * Tutor profiles: the tutor's own profile (create, replace, patch), its listing workflow
 * (draft → listed ⇄ unlisted), verification by an org admin, public views. Every change to what
 * commerce sells publishes tutoring.tutor.listed in the same transaction.
 */
export function createProfilesService(
  deps: TutoringDeps,
  repo: ProfilesRepository = createProfilesRepository(),
) {
  const { database } = deps

  async function viewOf(db: Tx | TutoringDeps['database']['db'], profile: ProfileRow): Promise<ProfileView> {
    // One query at a time: inside a transaction they share one connection.
    const subjects = await repo.subjectsOf(db, [profile.id])
    const languages = await repo.languagesOf(db, [profile.id])
    const areas = await repo.areasOf(db, profile.id)
    return {
      profile,
      subjects: subjects.get(profile.id) ?? [],
      languages: languages.get(profile.id) ?? [],
      areas,
    }
  }

  /** What is missing before `profile` (with these subject/language counts) may be listed. */
  async function missing(tx: Tx, profile: ProfileRow, subjects?: number, languages?: number) {
    const view = subjects === undefined || languages === undefined ? await viewOf(tx, profile) : null
    return missingForListing({
      headline: profile.headline,
      bio: profile.bio,
      subjects: subjects ?? view!.subjects.length,
      languages: languages ?? view!.languages.length,
      offersOnline: profile.offersOnline,
      offersInPerson: profile.offersInPerson,
      areas: view ? view.areas.length : await repo.countAreas(tx, profile.id),
    })
  }

  /** Publishes the listing event when the change from `before` to `after` concerns commerce. */
  async function announce(
    tx: Tx,
    before: ProfileRow | null,
    after: ProfileRow,
    meta: RequestMeta,
  ): Promise<boolean> {
    const active = listingChange(before, after)
    if (active === null) return false
    await writeEvent(tx, outbox, tutoringTutorListed, {
      aggregateId: after.id,
      orgId: after.orgId,
      payload: listedPayload(after, active),
      traceparent: meta.traceparent,
    })
    return true
  }

  /** Runs a change in a transaction and wakes the relay when it wrote an event. */
  async function change<T>(run: (tx: Tx) => Promise<{ value: T; event: boolean }>): Promise<T> {
    const { value, event } = await database.db.transaction(run)
    if (event) deps.wakeRelay()
    return value
  }

  /** The caller's profile, locked, or a 404 telling them to create it. */
  async function mine(tx: Tx, principal: Principal): Promise<ProfileRow> {
    const row = await repo.findByUser(tx, principal.orgId, principal.userId, true)
    if (!row) throw new AppError('not_found', 'Create your tutor profile first (PUT /tutors/me)')
    return row
  }

  /** Writes a full state onto an existing profile (a listed one must stay complete). */
  async function write(
    tx: Tx,
    before: ProfileRow,
    state: ProfileState,
    meta: RequestMeta,
  ): Promise<{ value: ProfileView; event: boolean }> {
    const n = normalizeState(state)
    const after = await repo.update(tx, before.id, {
      ...n.row,
      revision: before.revision + 1,
      updatedAt: deps.now(),
    })
    await repo.replaceSubjects(tx, after.id, after.orgId, n.subjects)
    await repo.replaceLanguages(tx, after.id, after.orgId, n.languages)
    if (after.status === 'listed') {
      const gaps = await missing(tx, after, n.subjects.length, n.languages.length)
      if (gaps.length > 0)
        throw new AppError(
          'unprocessable',
          `A listed profile must stay complete; missing: ${gaps.join(', ')}`,
          {
            missing: gaps,
          },
        )
    }
    const event = await announce(tx, before, after, meta)
    return { value: await viewOf(tx, after), event }
  }

  function stateOf(row: ProfileRow, view: ProfileView): ProfileState {
    return {
      displayName: row.displayName,
      headline: row.headline,
      bio: row.bio,
      timeZone: row.timeZone,
      currency: row.currency,
      hourlyRateMinor: row.hourlyRateMinor,
      lessonMinutes: row.lessonMinutes,
      bufferMinutes: row.bufferMinutes,
      packages: row.packages,
      trialMinutes: row.trialMinutes,
      introVideoRef: row.introVideoRef,
      offersOnline: row.offersOnline,
      offersInPerson: row.offersInPerson,
      subjects: view.subjects,
      languages: view.languages,
    }
  }

  return {
    viewOf,

    /** The caller's own profile (404 when they have none yet). */
    async mine(principal: Principal): Promise<ProfileView> {
      const row = await repo.findByUser(database.db, principal.orgId, principal.userId)
      if (!row) throw new AppError('not_found', 'You have no tutor profile yet (PUT /tutors/me)')
      return viewOf(database.db, row)
    },

    /**
     * Creates the caller's profile (a draft) or replaces it whole; omitted optional fields take
     * their defaults. `created` says which.
     */
    async put(
      principal: Principal,
      input: ProfileInput &
        Pick<ProfileState, 'displayName' | 'timeZone' | 'currency' | 'hourlyRateMinor' | 'lessonMinutes'>,
      expected: number | undefined,
      meta: RequestMeta,
    ): Promise<{ view: ProfileView; created: boolean }> {
      const state: ProfileState = { ...DEFAULTS, ...input }
      return change<{ view: ProfileView; created: boolean }>(async (tx) => {
        const existing = await repo.findByUser(tx, principal.orgId, principal.userId, true)
        if (existing) {
          checkRevision(existing, expected)
          const r = await write(tx, existing, state, meta)
          return { value: { view: r.value, created: false }, event: r.event }
        }
        const n = normalizeState(state)
        const now = deps.now()
        const row = await repo.insert(tx, {
          ...n.row,
          id: newId('tut'),
          orgId: principal.orgId,
          userId: principal.userId,
          status: 'draft',
          createdAt: now,
          updatedAt: now,
        })
        if (!row) throw new AppError('conflict', 'Your profile was just created by another request; retry')
        await repo.replaceSubjects(tx, row.id, row.orgId, n.subjects)
        await repo.replaceLanguages(tx, row.id, row.orgId, n.languages)
        return { value: { view: await viewOf(tx, row), created: true }, event: false }
      })
    },

    /** Changes some fields of the caller's profile. */
    async patch(
      principal: Principal,
      input: ProfileInput,
      expected: number | undefined,
      meta: RequestMeta,
    ): Promise<ProfileView> {
      if (Object.keys(input).length === 0) throw new AppError('bad_request', 'Nothing to change')
      return change(async (tx) => {
        const existing = await mine(tx, principal)
        checkRevision(existing, expected)
        const current = stateOf(existing, await viewOf(tx, existing))
        return write(tx, existing, { ...current, ...input }, meta)
      })
    },

    /** draft | unlisted → listed (the profile must be complete: 422 with `missing`). Listed: unchanged. */
    async list(principal: Principal, expected: number | undefined, meta: RequestMeta): Promise<ProfileView> {
      return change(async (tx) => {
        const before = await mine(tx, principal)
        checkRevision(before, expected)
        if (before.status === 'listed') return { value: await viewOf(tx, before), event: false }
        const gaps = await missing(tx, before)
        if (gaps.length > 0)
          throw new AppError(
            'unprocessable',
            `Complete your profile before listing it; missing: ${gaps.join(', ')}`,
            {
              missing: gaps,
            },
          )
        const after = await repo.update(tx, before.id, {
          status: 'listed',
          revision: before.revision + 1,
          updatedAt: deps.now(),
        })
        const event = await announce(tx, before, after, meta)
        return { value: await viewOf(tx, after), event }
      })
    },

    /** listed → unlisted (commerce archives the products). A draft was never listed: 409. */
    async unlist(
      principal: Principal,
      expected: number | undefined,
      meta: RequestMeta,
    ): Promise<ProfileView> {
      return change(async (tx) => {
        const before = await mine(tx, principal)
        checkRevision(before, expected)
        if (before.status === 'draft') throw new AppError('conflict', 'A draft profile is not listed')
        if (before.status === 'unlisted') return { value: await viewOf(tx, before), event: false }
        const after = await repo.update(tx, before.id, {
          status: 'unlisted',
          revision: before.revision + 1,
          updatedAt: deps.now(),
        })
        const event = await announce(tx, before, after, meta)
        return { value: await viewOf(tx, after), event }
      })
    },

    /** unverified | rejected → pending: asks the org's admins to verify (the profile must be complete). */
    async submitForReview(principal: Principal, expected: number | undefined): Promise<ProfileView> {
      return change(async (tx) => {
        const before = await mine(tx, principal)
        checkRevision(before, expected)
        if (before.verificationStatus === 'pending')
          throw new AppError('conflict', 'Your profile is already waiting for review')
        if (before.verificationStatus === 'verified')
          throw new AppError('conflict', 'Your profile is already verified')
        const gaps = await missing(tx, before)
        if (gaps.length > 0)
          throw new AppError(
            'unprocessable',
            `Complete your profile before submitting it for review; missing: ${gaps.join(', ')}`,
            { missing: gaps },
          )
        const now = deps.now()
        const after = await repo.update(tx, before.id, {
          verificationStatus: 'pending',
          verificationRequestedAt: now,
          verificationNote: null,
          revision: before.revision + 1,
          updatedAt: now,
        })
        return { value: await viewOf(tx, after), event: false }
      })
    },

    /** Profiles waiting for review (org admin), oldest first. */
    async reviewQueue(principal: Principal, limit: number): Promise<ProfileView[]> {
      const rows = await repo.reviewQueue(database.db, principal.orgId, limit)
      const [subjects, languages] = await Promise.all([
        repo.subjectsOf(
          database.db,
          rows.map((r) => r.id),
        ),
        repo.languagesOf(
          database.db,
          rows.map((r) => r.id),
        ),
      ])
      return Promise.all(
        rows.map(async (profile) => ({
          profile,
          subjects: subjects.get(profile.id) ?? [],
          languages: languages.get(profile.id) ?? [],
          areas: await repo.areasOf(database.db, profile.id),
        })),
      )
    },

    /**
     * An org admin's decision: `verify` (pending → verified) or `reject` (pending or verified →
     * rejected, with a note: a rejection of a verified tutor revokes the badge). Nobody reviews
     * their own profile.
     */
    async review(
      principal: Principal,
      tutorId: string,
      decision: 'verify' | 'reject',
      note: string | undefined,
    ): Promise<ProfileView> {
      const trimmed = note?.trim() ?? ''
      if (decision === 'reject' && !trimmed)
        throw new AppError('validation_failed', 'Say why the profile is rejected (note)')
      return change(async (tx) => {
        const before = await repo.findById(tx, principal.orgId, tutorId, true)
        if (!before) throw new AppError('not_found', 'Tutor not found')
        if (before.userId === principal.userId)
          throw new AppError('forbidden', 'Another admin must review your own profile')
        const allowed = decision === 'verify' ? ['pending'] : ['pending', 'verified']
        if (!allowed.includes(before.verificationStatus))
          throw new AppError(
            'conflict',
            `A profile that is ${before.verificationStatus} cannot be ${decision}ed here`,
            {
              verificationStatus: before.verificationStatus,
            },
          )
        const now = deps.now()
        const after = await repo.update(tx, before.id, {
          verificationStatus: decision === 'verify' ? 'verified' : 'rejected',
          verificationNote: trimmed || null,
          verifiedBy: decision === 'verify' ? principal.userId : null,
          verifiedAt: decision === 'verify' ? now : null,
          revision: before.revision + 1,
          updatedAt: now,
        })
        return { value: await viewOf(tx, after), event: false }
      })
    },

    /**
     * A profile as `principal` (or an anonymous visitor) may see it in `orgId`: listed ones for
     * everyone, any status for its owner and the org's admins; anything else is a 404.
     */
    async get(
      principal: Principal | undefined,
      orgId: string,
      tutorId: string,
    ): Promise<{ view: ProfileView; audience: Audience }> {
      const row = await repo.findById(database.db, orgId, tutorId)
      const member = principal !== undefined && principal.orgId === orgId
      const audience: Audience =
        member && row?.userId === principal.userId
          ? 'owner'
          : (member && principal.roles.includes('org_admin')) || principal?.platformAdmin
            ? 'admin'
            : 'public'
      if (!row || (audience === 'public' && row.status !== 'listed'))
        throw new AppError('not_found', 'Tutor not found')
      return { view: await viewOf(database.db, row), audience }
    },
  }
}

/** What createProfilesService returns. */
export type ProfilesService = ReturnType<typeof createProfilesService>
