/** A loosely typed OpenAPI 3.x document (the services generate them; the gateway only rearranges). */
export type OpenApiDocument = Record<string, unknown> & {
  openapi?: string
  info?: { title?: string; version?: string; description?: string }
  paths?: Record<string, Record<string, unknown>>
  components?: Record<string, Record<string, unknown>>
  tags?: { name: string; description?: string }[]
  security?: unknown[]
}

/** One service's document, or `undefined` when the service could not be asked. */
export interface ServiceDocument {
  service: string
  document: OpenApiDocument | undefined
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']
/** Component kinds referenced by `$ref` and therefore namespaced per service. */
const REFERENCED_KINDS = [
  'schemas',
  'responses',
  'parameters',
  'examples',
  'requestBodies',
  'headers',
  'links',
  'callbacks',
  'pathItems',
]

/** Rewrites `#/components/<kind>/<name>` refs of one service to the namespaced names, in place. */
function rewriteRefs(node: unknown, service: string): void {
  if (Array.isArray(node)) {
    for (const item of node) rewriteRefs(item, service)
    return
  }
  if (node === null || typeof node !== 'object') return
  const record = node as Record<string, unknown>
  for (const key of Object.keys(record)) {
    const value = record[key]
    if (key === '$ref' && typeof value === 'string') {
      const match = /^#\/components\/([A-Za-z]+)\/(.+)$/.exec(value)
      if (match && REFERENCED_KINDS.includes(match[1]!))
        record[key] = `#/components/${match[1]}/${service}.${match[2]}`
    } else {
      rewriteRefs(value, service)
    }
  }
}

function renameSecurity(requirements: unknown, renames: Map<string, string>): unknown {
  if (!Array.isArray(requirements) || renames.size === 0) return requirements
  return requirements.map((req: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(req).map(([name, scopes]) => [renames.get(name) ?? name, scopes])),
  )
}

/**
 * Merges the services' OpenAPI documents into the platform's one OpenAPI 3.1 document:
 * - paths are prefixed with `/api/<service>` (where the gateway serves them);
 * - every operation is tagged with its service (`identity`, or `identity: Sessions` when the service
 *   tagged it), and `x-tagGroups` groups the tags by service for the reference UI;
 * - components are namespaced (`identity.User`) and `$ref`s rewritten, so two services may both
 *   have a `User` schema; `operationId`s are prefixed the same way;
 * - identical security schemes (every service declares `bearer`) are kept once.
 * Services that could not be asked are listed in `x-unavailable-services`.
 */
export function mergeOpenApi(
  documents: ServiceDocument[],
  info: { title: string; version: string; description: string },
): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {}
  const components: Record<string, Record<string, unknown>> = { securitySchemes: {} }
  const tags: { name: string; description?: string }[] = []
  const tagGroups: { name: string; tags: string[] }[] = []
  const unavailable: string[] = []

  for (const { service, document: given } of [...documents].sort((a, b) =>
    a.service.localeCompare(b.service),
  )) {
    if (!given) {
      unavailable.push(service)
      continue
    }
    const document = structuredClone(given)
    const securityRenames = new Map<string, string>()
    for (const [name, scheme] of Object.entries(document.components?.securitySchemes ?? {})) {
      const existing = components.securitySchemes![name]
      if (existing === undefined) components.securitySchemes![name] = scheme
      else if (JSON.stringify(existing) !== JSON.stringify(scheme)) {
        securityRenames.set(name, `${service}.${name}`)
        components.securitySchemes![`${service}.${name}`] = scheme
      }
    }
    rewriteRefs(document.paths, service)
    rewriteRefs(document.components, service)

    for (const kind of REFERENCED_KINDS) {
      const entries = document.components?.[kind]
      if (!entries) continue
      components[kind] ??= {}
      for (const [name, value] of Object.entries(entries)) components[kind]![`${service}.${name}`] = value
    }

    const serviceTags = new Set<string>()
    const tagDescriptions = new Map((document.tags ?? []).map((t) => [t.name, t.description]))
    const rootSecurity = document.security
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      const target = `/api/${service}${path === '/' ? '' : path}`
      const newItem: Record<string, unknown> = { ...item }
      for (const method of METHODS) {
        const operation = item[method] as Record<string, unknown> | undefined
        if (!operation) continue
        const own = Array.isArray(operation.tags) ? (operation.tags as string[]) : []
        const opTags = own.length ? own.map((t) => `${service}: ${t}`) : [service]
        for (const t of opTags) serviceTags.add(t)
        newItem[method] = {
          ...operation,
          tags: opTags,
          ...(typeof operation.operationId === 'string'
            ? { operationId: `${service}.${operation.operationId}` }
            : {}),
          ...(operation.security !== undefined
            ? { security: renameSecurity(operation.security, securityRenames) }
            : rootSecurity !== undefined
              ? { security: renameSecurity(rootSecurity, securityRenames) }
              : {}),
        }
      }
      paths[target] = newItem
    }

    const ordered = [...serviceTags].sort((a, b) =>
      a === service ? -1 : b === service ? 1 : a.localeCompare(b),
    )
    for (const name of ordered) {
      const own = name === service ? undefined : tagDescriptions.get(name.slice(service.length + 2))
      const description = name === service ? document.info?.description : own
      tags.push(description ? { name, description } : { name })
    }
    if (ordered.length) tagGroups.push({ name: service, tags: ordered })
  }

  return {
    openapi: '3.1.0',
    info,
    servers: [{ url: '/', description: 'This gateway' }],
    tags,
    'x-tagGroups': tagGroups,
    paths,
    components,
    ...(unavailable.length ? { 'x-unavailable-services': unavailable } : {}),
  }
}

/**
 * Serves the merged document with a short cache: concurrent callers share one in-flight build, a
 * complete result is reused for `ttlMs`, an incomplete one (a service did not answer) for 2 s.
 */
export function createOpenApiAggregator(
  sources: { service: string; load(): Promise<unknown> }[],
  info: { title: string; version: string; description: string },
  ttlMs = 10_000,
): { get(): Promise<OpenApiDocument> } {
  let cached: { document: OpenApiDocument; until: number } | undefined
  let inflight: Promise<OpenApiDocument> | undefined

  async function build(): Promise<OpenApiDocument> {
    const documents = await Promise.all(
      sources.map(async ({ service, load }): Promise<ServiceDocument> => {
        try {
          const document = await load()
          return {
            service,
            document: document && typeof document === 'object' ? (document as OpenApiDocument) : undefined,
          }
        } catch {
          return { service, document: undefined }
        }
      }),
    )
    const document = mergeOpenApi(documents, info)
    const complete = documents.every((d) => d.document)
    cached = { document, until: Date.now() + (complete ? ttlMs : 2000) }
    return document
  }

  return {
    async get() {
      if (cached && cached.until > Date.now()) return cached.document
      inflight ??= build().finally(() => {
        inflight = undefined
      })
      return inflight
    },
  }
}
