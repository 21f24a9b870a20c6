import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import { Ajv2019 } from 'ajv/dist/2019.js'
import addFormats from 'ajv-formats'
import {
  compactVerify,
  createLocalJWKSet,
  decodeProtectedHeader,
  generateKeyPair,
  jwtVerify,
  CompactSign,
} from 'jose'
import { newId, uuid7, type EventHandler } from '@learnmesh/kernel'
import { createTestLearning, type TestLearning, type TestUser } from '../test-helpers.ts'
import { assignments, certificates, signingKeys } from '../db/schema.ts'
import { certificateHandlers } from './certificates.handlers.ts'
import { CODE_PATTERN } from './code.ts'
import { renderCertificatePdf } from './pdf.ts'

/** The parts of a stored credential the tests read. */
interface StoredCredential {
  proof: { type: string; jwt: string; proofPurpose: string; verificationMethod: string }[]
  credentialSubject: {
    type: string[]
    identifier: { identityType: string; identityHash: string }[]
    achievement: { name: string; type: string[]; criteria: { narrative: string } }
  }
  [key: string]: unknown
}
const stored = (c: unknown) => c as StoredCredential

let t: TestLearning
let handler: EventHandler
const PLATFORM = 'Acme Academy'

// The official 1EdTech Open Badges 3.0 AchievementCredential JSON Schema (draft 2019-09), vendored.
const schema = JSON.parse(
  readFileSync(new URL('./openbadges/ob_v3p0_achievementcredential_schema.json', import.meta.url), 'utf8'),
)
const ajv = new Ajv2019({ strict: false, allErrors: true })
addFormats.default(ajv)
const validateOb3 = ajv.compile(schema)

beforeAll(async () => {
  t = await createTestLearning({ env: { PLATFORM_NAME: PLATFORM } })
  handler = certificateHandlers(t.deps)[0]!
})
afterAll(() => t.close())

/** Delivers learning.course.completed to the certificate handler, as the consumer would (own transaction). */
async function deliver(payload: {
  enrollmentId: string
  courseId: string
  userId: string
  courseVersion?: number
  completedAt?: string
}) {
  const full = { courseVersion: 1, completedAt: new Date().toISOString(), ...payload }
  const envelope = {
    id: uuid7(),
    type: 'learning.course.completed',
    version: 1,
    occurredAt: new Date().toISOString(),
    producer: 'learning',
    orgId: null,
    traceparent: null,
    payload: full,
  }
  await t.db.transaction(async (tx) => {
    await handler.handle(tx, full as never, envelope as never, { log: t.deps.logger })
  })
}

/** A learner who completed a course, with a certificate issued. */
async function certified(input: { name?: string | null; title?: string; org?: string } = {}) {
  const owner = t.user(['instructor'], input.org)
  const learner = t.user(['learner'], input.org)
  if (input.name !== null) await t.person(learner, input.name ?? 'Grace Hopper')
  const course = await t.publishedCourse(owner, { title: input.title ?? 'Compilers 101' })
  const enrollment = await t.enroll(learner, course.courseId)
  await deliver({ enrollmentId: enrollment.id, courseId: course.courseId, userId: learner.userId })
  const [row] = await t.db.select().from(certificates).where(eq(certificates.enrollmentId, enrollment.id))
  return { owner, learner, course, enrollment, cert: row! }
}

async function publishedJwks() {
  const res = await t.call(null, 'GET', '/issuer/jwks.json')
  expect(res.statusCode).toBe(200)
  return res.json() as { keys: Record<string, string>[] }
}

/** Text drawn in an uncompressed pdfkit PDF: hex glyph strings inside TJ arrays, decoded. */
function pdfText(pdf: Buffer): string {
  const raw = pdf.toString('latin1')
  const lines: string[] = []
  for (const m of raw.matchAll(/\[([^\]]*)\]\s*TJ/g)) {
    lines.push(
      [...m[1]!.matchAll(/<([0-9a-fA-F]*)>/g)]
        .map((h) => Buffer.from(h[1]!, 'hex').toString('latin1'))
        .join(''),
    )
  }
  return lines.join('\n')
}

describe('happy', () => {
  it('course.completed issues a certificate: code, learner name from people, course title from the snapshot, event', async () => {
    const { learner, course, enrollment, cert } = await certified({
      name: 'Grace Hopper',
      title: 'Compilers 101',
    })
    expect(cert.code).toMatch(CODE_PATTERN)
    expect(cert).toMatchObject({
      learnerName: 'Grace Hopper',
      courseTitle: 'Compilers 101',
      userId: learner.userId,
      courseId: course.courseId,
      orgId: learner.orgId,
      revokedAt: null,
    })
    const issued = (await t.events('learning.certificate.issued')).filter(
      (e) => e.payload.enrollmentId === enrollment.id,
    )
    expect(issued).toEqual([
      {
        type: 'learning.certificate.issued',
        payload: {
          certificateId: cert.id,
          code: cert.code,
          courseId: course.courseId,
          userId: learner.userId,
          enrollmentId: enrollment.id,
          verifyUrl: `http://web.test/verify/${cert.code}`,
        },
      },
    ])
  })

  it('the credential is an OpenBadgeCredential that validates against the official OB 3.0 JSON Schema', async () => {
    const { cert } = await certified()
    const credential = stored(cert.credential)
    const valid = validateOb3(credential)
    expect(validateOb3.errors ?? []).toEqual([])
    expect(valid).toBe(true)
    expect(credential['@context']).toEqual([
      'https://www.w3.org/ns/credentials/v2',
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
    ])
    expect(credential.type).toEqual(['VerifiableCredential', 'OpenBadgeCredential'])
    expect(credential.issuer).toMatchObject({
      id: 'http://web.test/api/learning/issuer',
      type: ['Profile'],
      name: PLATFORM,
    })
    expect(credential.validFrom).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    expect(credential.credentialSubject.type).toEqual(['AchievementSubject'])
    expect(credential.credentialSubject.identifier[0]).toMatchObject({
      identityType: 'name',
      identityHash: 'Grace Hopper',
    })
    expect(credential.credentialSubject.achievement).toMatchObject({
      type: ['Achievement'],
      name: 'Compilers 101',
      criteria: { narrative: expect.stringContaining('Complete every lesson') },
    })
    // The schema itself is strict enough to catch a broken credential.
    expect(validateOb3({ ...credential, validFrom: undefined })).toBe(false)
    expect(validateOb3({ ...credential, type: ['VerifiableCredential'] })).toBe(false)
  })

  it('the embedded VC-JOSE signature verifies with the published key and its payload is the credential', async () => {
    const { cert } = await certified()
    const { proof, ...unsigned } = stored(cert.credential)
    const jwt = proof[0]!.jwt
    expect(proof[0]).toMatchObject({ type: 'JwtProof2020', proofPurpose: 'assertionMethod' })
    const header = decodeProtectedHeader(jwt)
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'vc+jwt', cty: 'vc' })
    expect(proof[0]!.verificationMethod).toBe(`http://web.test/api/learning/issuer/jwks.json#${header.kid}`)
    const { payload } = await jwtVerify(jwt, createLocalJWKSet(await publishedJwks()))
    expect(payload).toEqual(unsigned)
  })

  it('my certificates, the detail with its credential, and the PDF for the owner', async () => {
    const { learner, cert } = await certified({ name: 'Alan Turing', title: 'Computability' })
    const mine = await t.call(learner, 'GET', '/certificates/mine')
    expect(mine.statusCode).toBe(200)
    expect(mine.json().items).toEqual([
      expect.objectContaining({ id: cert.id, code: cert.code, learnerName: 'Alan Turing', revoked: false }),
    ])
    const detail = (await t.call(learner, 'GET', `/certificates/${cert.id}`)).json()
    expect(detail.verifyUrl).toBe(`http://web.test/verify/${cert.code}`)
    expect(detail.credentialJwt).toBe(stored(cert.credential).proof[0]!.jwt)
    expect(validateOb3(detail.credential)).toBe(true)
    const file = await t.call(learner, 'GET', `/certificates/${cert.id}/credential`)
    expect(file.statusCode).toBe(200)
    expect(file.json()).toEqual(detail.credential)

    const pdf = await t.call(learner, 'GET', `/certificates/${cert.id}/pdf`)
    expect(pdf.statusCode).toBe(200)
    expect(pdf.headers['content-type']).toBe('application/pdf')
    expect(pdf.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-')
    expect(pdf.rawPayload.subarray(-6).toString('latin1')).toContain('%%EOF')
    // Streams are compressed here; the document information dictionary still names the code.
    expect(pdf.rawPayload.toString('latin1')).toContain(`Verification code ${cert.code}`)
  })

  it('the PDF shows learner, course, date, issuer, code and verification URL', async () => {
    const issuedAt = new Date('2026-03-05T10:00:00Z')
    const pdf = await renderCertificatePdf(
      {
        platformName: PLATFORM,
        learnerName: 'Grace Hopper',
        courseTitle: 'Compilers 101',
        issuedAt,
        code: 'ABCDE-FGHJK-MNPQR-STVWX',
        verifyUrl: 'http://web.test/verify/ABCDE-FGHJK-MNPQR-STVWX',
        revoked: false,
      },
      { compress: false },
    )
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-')
    const text = pdfText(pdf)
    for (const expected of [
      'Grace Hopper',
      'Compilers 101',
      '5 March 2026',
      PLATFORM,
      'Verification code: ABCDE-FGHJK-MNPQR-STVWX',
      'http://web.test/verify/ABCDE-FGHJK-MNPQR-STVWX',
    ])
      expect(text).toContain(expected)
    expect(text).not.toContain('REVOKED')
    const revoked = await renderCertificatePdf(
      {
        platformName: PLATFORM,
        learnerName: 'Grace Hopper',
        courseTitle: 'Compilers 101',
        issuedAt,
        code: 'ABCDE-FGHJK-MNPQR-STVWX',
        verifyUrl: 'http://web.test/verify/ABCDE-FGHJK-MNPQR-STVWX',
        revoked: true,
      },
      { compress: false },
    )
    expect(pdfText(revoked)).toContain('REVOKED')
  })

  it('anyone can verify a code, typed in any case and with or without dashes', async () => {
    const { cert } = await certified({ name: 'Ada Lovelace', title: 'Analytical Engines' })
    for (const typed of [cert.code, cert.code.toLowerCase(), cert.code.replace(/-/g, '')]) {
      const res = await t.call(null, 'GET', `/certificates/verify/${encodeURIComponent(typed)}`)
      expect(res.statusCode).toBe(200)
      expect(res.json()).toEqual({
        code: cert.code,
        learnerName: 'Ada Lovelace',
        courseTitle: 'Analytical Engines',
        issuedAt: cert.issuedAt.toISOString(),
        issuer: { id: 'http://web.test/api/learning/issuer', name: PLATFORM },
        revoked: false,
        revokedAt: null,
        verifyUrl: `http://web.test/verify/${cert.code}`,
      })
    }
  })

  it('an org admin revokes; the certificate then verifies as revoked (and revoking again changes nothing)', async () => {
    const { learner, cert } = await certified()
    const admin = t.user(['org_admin'])
    const res = await t.call(admin, 'POST', `/certificates/${cert.id}/revoke`)
    expect(res.statusCode).toBe(200)
    expect(res.json().revoked).toBe(true)
    const verify = (await t.call(null, 'GET', `/certificates/verify/${cert.code}`)).json()
    expect(verify.revoked).toBe(true)
    expect(verify.revokedAt).toBe(res.json().revokedAt)
    const again = await t.call(admin, 'POST', `/certificates/${cert.id}/revoke`)
    expect(again.json().revokedAt).toBe(res.json().revokedAt)
    // One learning.certificate.revoked event, not one per request.
    const events = (await t.events('learning.certificate.revoked')).filter(
      (e) => e.payload.certificateId === cert.id,
    )
    expect(events).toEqual([
      {
        type: 'learning.certificate.revoked',
        payload: expect.objectContaining({
          code: cert.code,
          userId: learner.userId,
          revokedBy: admin.userId,
        }),
      },
    ])
    expect((await t.call(learner, 'GET', '/certificates/mine')).json().items[0].revoked).toBe(true)
    // The org admin may read the certificate and its PDF too.
    expect((await t.call(admin, 'GET', `/certificates/${cert.id}/pdf`)).statusCode).toBe(200)
  })

  it("prints 'Learner' when learning has not heard the learner's name", async () => {
    const { cert } = await certified({ name: null })
    expect(cert.learnerName).toBe('Learner')
  })

  it('the issuer Profile names the platform and points at its keys; the key is created once and reused', async () => {
    const profile = (await t.call(null, 'GET', '/issuer')).json()
    expect(profile).toMatchObject({
      id: 'http://web.test/api/learning/issuer',
      type: ['Profile'],
      name: PLATFORM,
      jwksUri: 'http://web.test/api/learning/issuer/jwks.json',
    })
    await certified()
    await certified()
    const keys = await t.db.select().from(signingKeys)
    expect(keys).toHaveLength(1)
    expect((await publishedJwks()).keys.map((k) => k.kid)).toEqual([keys[0]!.kid])
  })

  it('end to end: a passing grade completes the course, and its course.completed event issues the certificate', async () => {
    const owner = t.user(['instructor'])
    const learner = t.user()
    await t.person(learner, 'Barbara Liskov')
    const assignmentId = newId('asg')
    const course = await t.publishedCourse(owner, {
      title: 'Abstraction',
      sections: [{ lessons: [{ type: 'assignment', content: { type: 'assignment', assignmentId } }] }],
    })
    await t.db.insert(assignments).values({
      id: assignmentId,
      courseId: course.courseId,
      orgId: owner.orgId,
      title: 'Essay',
      rubric: [{ id: 'all', title: 'All', description: '', maxPoints: 10 }],
      passPoints: 5,
    })
    const enrollment = await t.enroll(learner, course.courseId)
    const sub = (
      await t.call(learner, 'POST', `/assignments/${assignmentId}/submissions`, { text: 'Done' })
    ).json()
    await t.call(owner, 'PUT', `/submissions/${sub.id}/grade`, {
      scores: [{ criterionId: 'all', points: 9 }],
    })
    const [completed] = (await t.events('learning.course.completed')).filter(
      (e) => e.payload.enrollmentId === enrollment.id,
    )
    expect(completed).toBeDefined()
    await deliver(completed!.payload as never)
    const mine = (await t.call(learner, 'GET', '/certificates/mine')).json()
    expect(mine.items).toEqual([
      expect.objectContaining({
        learnerName: 'Barbara Liskov',
        courseTitle: 'Abstraction',
        enrollmentId: enrollment.id,
      }),
    ])
  })
})

describe('errors', () => {
  it('a duplicate course.completed delivery (another event id) issues one certificate and one event', async () => {
    const { learner, course, enrollment, cert } = await certified()
    await deliver({ enrollmentId: enrollment.id, courseId: course.courseId, userId: learner.userId })
    await deliver({ enrollmentId: enrollment.id, courseId: course.courseId, userId: learner.userId })
    const rows = await t.db.select().from(certificates).where(eq(certificates.enrollmentId, enrollment.id))
    expect(rows.map((r) => r.id)).toEqual([cert.id])
    const issued = (await t.events('learning.certificate.issued')).filter(
      (e) => e.payload.enrollmentId === enrollment.id,
    )
    expect(issued).toHaveLength(1)
  })

  it('course.completed for an unknown enrollment (or mismatched learner) issues nothing', async () => {
    const owner = t.user(['instructor'])
    const learner = t.user()
    const course = await t.publishedCourse(owner)
    const enrollment = await t.enroll(learner, course.courseId)
    await deliver({ enrollmentId: newId('enr'), courseId: course.courseId, userId: learner.userId })
    await deliver({ enrollmentId: enrollment.id, courseId: course.courseId, userId: t.user().userId })
    const rows = await t.db.select().from(certificates).where(eq(certificates.courseId, course.courseId))
    expect(rows).toHaveLength(0)
  })

  it('an unknown or malformed code is a 404', async () => {
    for (const code of ['ABCDE-FGHJK-MNPQR-STVWX', 'nope', 'UUUUU-UUUUU-UUUUU-UUUUU', '%27%20or%201%3D1'])
      expect((await t.call(null, 'GET', `/certificates/verify/${code}`)).statusCode).toBe(404)
  })

  it('signed-in routes need a token; an unknown certificate is a 404', async () => {
    expect((await t.call(null, 'GET', '/certificates/mine')).statusCode).toBe(401)
    const { learner } = await certified()
    expect((await t.call(learner, 'GET', `/certificates/${newId('crt')}`)).statusCode).toBe(404)
    expect((await t.call(learner, 'GET', '/certificates/not-an-id')).statusCode).toBe(400)
  })
})

describe('security', () => {
  it('a tampered credential fails: a changed JWS payload does not verify, a changed JSON no longer matches it', async () => {
    const { cert } = await certified({ name: 'Grace Hopper' })
    const jwks = createLocalJWKSet(await publishedJwks())
    const jwt = stored(cert.credential).proof[0]!.jwt as string
    const [h, p, sig] = jwt.split('.')
    const forged = JSON.parse(Buffer.from(p!, 'base64url').toString('utf8'))
    forged.credentialSubject.identifier[0].identityHash = 'Mallory'
    const tampered = `${h}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${sig}`
    await expect(compactVerify(tampered, jwks)).rejects.toThrow(/signature verification failed/)

    // Editing the JSON credential instead leaves it different from the signed payload.
    const { proof, ...json } = stored(cert.credential)
    const edited = structuredClone(json)
    edited.credentialSubject.achievement.name = 'Something else'
    const { payload } = await jwtVerify(proof[0]!.jwt, jwks)
    expect(payload).not.toEqual(edited)
    expect(payload).toEqual(json)
  })

  it('a credential signed with any other key does not verify against the published keys', async () => {
    const { cert } = await certified()
    const other = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
    const { proof, ...json } = stored(cert.credential)
    const header = decodeProtectedHeader(proof[0]!.jwt)
    const forged = await new CompactSign(new TextEncoder().encode(JSON.stringify(json)))
      .setProtectedHeader({ alg: 'EdDSA', kid: header.kid!, typ: 'vc+jwt' })
      .sign(other.privateKey)
    await expect(compactVerify(forged, createLocalJWKSet(await publishedJwks()))).rejects.toThrow()
  })

  it('the private key is stored encrypted and never published', async () => {
    await certified()
    const rows = await t.db.select().from(signingKeys)
    for (const r of rows) {
      expect(r.privateJwkEnc.startsWith('v1.')).toBe(true)
      expect(r.privateJwkEnc).not.toContain('"d"')
      expect(r.publicJwk).not.toHaveProperty('d')
    }
    for (const k of (await publishedJwks()).keys) {
      expect(k).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' })
      expect(k).not.toHaveProperty('d')
    }
  })

  it('another organization cannot see, download or revoke a certificate; only the public verification shows it', async () => {
    const { cert } = await certified()
    const outsiders: TestUser[] = [
      t.user(['org_admin'], t.orgB),
      t.user(['learner'], t.orgB),
      t.user(['org_admin'], t.orgB, { userId: cert.userId }), // the same person, signed in to another org
    ]
    for (const o of outsiders) {
      expect((await t.call(o, 'GET', `/certificates/${cert.id}`)).statusCode).toBe(404)
      expect((await t.call(o, 'GET', `/certificates/${cert.id}/pdf`)).statusCode).toBe(404)
      expect((await t.call(o, 'GET', `/certificates/${cert.id}/credential`)).statusCode).toBe(404)
      expect((await t.call(o, 'POST', `/certificates/${cert.id}/revoke`)).statusCode).toBe(404)
      expect((await t.call(o, 'GET', '/certificates/mine')).json().items).toEqual([])
    }
    const [row] = await t.db.select().from(certificates).where(eq(certificates.id, cert.id))
    expect(row!.revokedAt).toBeNull()
    expect((await t.call(outsiders[0]!, 'GET', `/certificates/verify/${cert.code}`)).statusCode).toBe(200)
  })

  it('another learner of the same org cannot see it; its learner cannot revoke it', async () => {
    const { learner, cert } = await certified()
    const classmate = t.user()
    expect((await t.call(classmate, 'GET', `/certificates/${cert.id}`)).statusCode).toBe(404)
    expect((await t.call(classmate, 'GET', `/certificates/${cert.id}/pdf`)).statusCode).toBe(404)
    expect((await t.call(classmate, 'POST', `/certificates/${cert.id}/revoke`)).statusCode).toBe(404)
    const instructor = t.user(['instructor'])
    expect((await t.call(instructor, 'POST', `/certificates/${cert.id}/revoke`)).statusCode).toBe(404)
    expect((await t.call(learner, 'POST', `/certificates/${cert.id}/revoke`)).statusCode).toBe(403)
    const [row] = await t.db.select().from(certificates).where(eq(certificates.id, cert.id))
    expect(row!.revokedAt).toBeNull()
  })

  it('codes are distinct, 20 base32 symbols (100 bits), and say nothing about ids or order', async () => {
    const a = (await certified()).cert
    const b = (await certified()).cert
    expect(a.code).not.toBe(b.code)
    for (const c of [a, b]) {
      expect(c.code.replace(/-/g, '')).toHaveLength(20)
      expect(c.code).not.toContain(c.id.slice(4, 12).toUpperCase())
    }
  })
})
