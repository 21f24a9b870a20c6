// What the scenarios that run real services share: a private PostgreSQL database (created, migrated,
// dropped), access tokens signed here with a key served as a JWKS over HTTP (as identity serves it),
// the environment of a service and of the gateway in front of it, the broker topology they declare,
// and the result of a scenario skipped for missing infrastructure.
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import pg from 'pg'
import { migrate, openDatabase } from '@learnmesh/kernel'
import { testPostgresUrl, testRabbitUrl } from '@learnmesh/kernel/testing'
import {
  cleanUpTopology,
  type EventScenario,
  type EventScenarioResult,
  type EventTargetResult,
} from '../events/report.ts'

export const ISSUER = 'http://bench.learnmesh.test/identity'
export const AUDIENCE = 'learnmesh'

async function adminQuery(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: testPostgresUrl })
  await admin.connect()
  try {
    await admin.query(sql)
  } finally {
    await admin.end()
  }
}

/** A database of the benchmark's own on the test PostgreSQL server. */
export interface BenchDatabase {
  /** `lm_bench_<tag>_<time>_<random>`. */
  name: string
  /** Its connection URL. */
  url: string
  /** Runs each service's migrations, in order. */
  migrate(...migrations: Parameters<typeof migrate>[1][]): Promise<void>
  /** Drops it (closing whatever is still connected). */
  drop(): Promise<void>
}

/** Creates an empty private database named after `tag`. */
export async function createBenchDatabase(tag: string): Promise<BenchDatabase> {
  const name = `lm_bench_${tag}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`
  const url = new URL(testPostgresUrl)
  url.pathname = `/${name}`
  await adminQuery(`create database ${name}`)
  return {
    name,
    url: url.toString(),
    async migrate(...migrations) {
      const database = await openDatabase({ url: url.toString(), poolSize: 2 })
      try {
        for (const m of migrations) await migrate(database, m)
      } finally {
        await database.close()
      }
    },
    drop: () => adminQuery(`drop database if exists ${name} with (force)`),
  }
}

/** An EdDSA key of the benchmark's own, its public half served as a JWKS on 127.0.0.1. */
export interface BenchIssuer {
  /** The JWKS URL the services and the gateway verify tokens with. */
  jwksUrl: string
  /** A learner's access token for `sub` in `org`. */
  token(sub: string, org: string, expiresIn?: string): Promise<string>
  close(): void
}

export async function startBenchIssuer(): Promise<BenchIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
  const kid = `bench-${randomBytes(4).toString('hex')}`
  const jwks = JSON.stringify({
    keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' }],
  })
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(jwks)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    token: (sub, org, expiresIn = '1h') =>
      new SignJWT({ org, roles: ['learner'], padm: false, sid: `ses_${sub.slice(4)}` })
        .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'at+jwt' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(sub)
        .setIssuedAt()
        .setNotBefore('0s')
        .setExpirationTime(expiresIn)
        .sign(privateKey),
    close: () => void server.close(),
  }
}

/** The environment every service child shares: its database, broker prefix and token checks. */
export function serviceEnv(options: { databaseUrl: string; brokerPrefix: string; jwksUrl: string }) {
  return {
    DATABASE_URL: options.databaseUrl,
    MIGRATE_ON_START: 'false',
    BROKER_URL: testRabbitUrl,
    BROKER_PREFIX: options.brokerPrefix,
    JWKS_URL: options.jwksUrl,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    LOG_LEVEL: 'info',
  }
}

/** The gateway's environment: `services` maps a service name to its URL. */
export function gatewayEnv(services: Record<string, string>, jwksUrl: string) {
  return {
    SERVICE_URLS: Object.entries(services)
      .map(([name, url]) => `${name}=${url}`)
      .join(','),
    JWKS_URL: jwksUrl,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
  }
}

/** Deletes the exchanges and the consumers' queues (with their dead-letter and retry queues) under `prefix`. */
export async function cleanUpServiceTopology(prefix: string, consumers: string[]): Promise<void> {
  await cleanUpTopology({
    exchanges: [`${prefix}learnmesh.events`, `${prefix}learnmesh.dlx`],
    queues: consumers.flatMap((c) =>
      ['', '.dlq', '.retry.1000', '.retry.5000', '.retry.30000', '.retry.120000'].map(
        (s) => `${prefix}${c}${s}`,
      ),
    ),
  })
}

/**
 * Prints `scenario` as skipped for `reasons` (its targets N/A) and returns that result. With
 * `failUnderRequireInfra`, REQUIRE_INFRA=1 turns the skip into an error once printed.
 */
export function skippedScenario(
  scenario: EventScenario,
  reasons: string[],
  options: { failUnderRequireInfra?: boolean } = {},
): EventScenarioResult {
  const targets = scenario.targetLabels.map((label): EventTargetResult => ({
    label,
    value: null,
    status: 'N/A',
    detail: 'skipped',
  }))
  console.log(`\n== ${scenario.name}: ${scenario.title}`)
  for (const t of targets) console.log(`   ${t.status.padEnd(4)}  ${t.label}: ${t.detail}`)
  for (const m of reasons) console.log(`   note: skipped: ${m}`)
  if (options.failUnderRequireInfra && process.env.REQUIRE_INFRA === '1')
    throw new Error(`${scenario.name}: ${reasons.join('; ')}`)
  return { name: scenario.name, title: scenario.title, summaries: [], targets, notes: reasons }
}
