import { type Static, type TObject, type TSchema } from 'typebox'
import { Value } from 'typebox/value'

/** Raised at boot when the environment does not match a service's config schema. */
export class ConfigError extends Error {
  constructor(
    readonly problems: { variable: string; message: string }[],
    service: string,
  ) {
    super(
      `${service}: invalid configuration\n` +
        problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n'),
    )
    this.name = 'ConfigError'
  }
}

/**
 * Reads the variables named by `schema` from `env`, converts them (strings to numbers and
 * booleans), fills defaults and validates. Any problem throws a ConfigError naming the variable,
 * so a wrong value stops the service at boot instead of failing later. The result is frozen.
 */
export function loadConfig<T extends TObject>(
  service: string,
  schema: T,
  env: Record<string, string | undefined> = process.env,
): Readonly<Static<T>> {
  const raw: Record<string, unknown> = {}
  for (const key of Object.keys(schema.properties)) {
    const value = env[key]
    if (value !== undefined && value !== '') raw[key] = value
  }
  const withDefaults = Value.Default(schema, raw)
  const converted = Value.Convert(schema, withDefaults) as Record<string, unknown>
  if (!Value.Check(schema, converted)) {
    const problems = Value.Errors(schema, converted).map((e) => {
      const path = (e as { instancePath?: string }).instancePath ?? ''
      const params = (e as { params?: { missingProperties?: string[] } }).params
      const variable = path.replace(/^\//, '') || params?.missingProperties?.join(', ') || '(config)'
      const shown = schemaDescription(schema.properties[variable])
      return { variable, message: `${e.message}${shown}` }
    })
    throw new ConfigError(problems, service)
  }
  return Object.freeze(converted) as Readonly<Static<T>>
}

function schemaDescription(s: TSchema | undefined): string {
  const d = (s as { description?: string } | undefined)?.description
  return d ? ` (${d})` : ''
}

/** Lists a schema's variables with default and description, for the README's configuration table. */
export function describeConfig(
  schema: TObject,
): { variable: string; default: string; description: string }[] {
  return Object.entries(schema.properties).map(([variable, s]) => {
    const x = s as { default?: unknown; description?: string }
    return {
      variable,
      default: x.default === undefined ? '' : String(x.default),
      description: x.description ?? '',
    }
  })
}

/**
 * `LOG_LEVEL` from the environment (default `info`), for loggers made before a service's config is
 * loaded (CLIs, relays, workers). Lives here because only config modules read `process.env`.
 */
export function envLogLevel(env: Record<string, string | undefined> = process.env): string {
  return env.LOG_LEVEL ?? 'info'
}

/**
 * libpq's `PGOPTIONS` from the environment: the kernel's PostgreSQL pools append it to their own
 * session options (node-postgres reads it only when no `options` are given). Lives here because only
 * config modules read `process.env`.
 */
export function envPostgresOptions(
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  return env.PGOPTIONS || undefined
}
