import type { Server as HttpServer } from 'node:http'
import type { TObject } from 'typebox'
import type { Database } from './db/database.ts'
import type { MigrationSet } from './db/migrate.ts'
import type { App } from './http/app.ts'
import type { Transport } from './events/bus.ts'
import type { TokenVerifier } from './auth/verifier.ts'
import type { Logger } from './logger.ts'

/**
 * What a service is given to start. The embedded runner (`npm start`) and a service's own
 * `main.ts` (cluster mode) both build one; the service never knows which mode it is in.
 */
export interface ServiceContext {
  /** The service's database (its migrations already applied). */
  database: Database
  /** Where its relay publishes and its consumers subscribe. */
  transport: Transport
  /** Verifies access tokens against identity's JWKS. */
  verifier: TokenVerifier
  logger: Logger
  /** Environment to read the service's config from (only config.ts reads it). */
  env: Record<string, string | undefined>
}

/** A started service. */
export interface RunningService {
  name: string
  /** Its HTTP app, ready but not listening; the runner decides where it listens. */
  app: App
  /** Stops consumers, relay and jobs, then closes the app. Does not close the database. */
  close(): Promise<void>
  /**
   * Services with WebSockets (communication's Socket.IO): mount them on an HTTP server at
   * `<pathPrefix>/...`. Cluster mode calls it with the service's own server (prefix ''), embedded
   * mode with the gateway's (prefix `/api/<name>`), before listening. `close` stops them.
   * `behindGateway`: cluster mode, where the gateway reaches the service over its own links.
   */
  attachRealtime?(server: HttpServer, options: { pathPrefix: string; behindGateway?: boolean }): void
}

/** What a service package exports from `src/service.ts`. */
export interface ServiceDefinition {
  name: string
  migrations: MigrationSet
  /** Event types it consumes (for the generated events catalogue). */
  consumes?: string[]
  /** Its env config schema (TypeBox object), for the generated configuration table. */
  configSchema?: TObject
  start(context: ServiceContext): Promise<RunningService>
}
