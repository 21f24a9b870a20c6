/**
 * A small in-process cache for catalog reads: bounded (oldest entry evicted first), entries are
 * fresh for `ttlMs`, and concurrent misses of one key share a single load (no stampede). For
 * `staleMs` after that, a stale entry is still returned while one background load replaces it, so
 * a popular query never makes requests wait when it expires. It trades freshness, never
 * correctness: a change shows up within ttlMs + staleMs. Each replica has its own cache.
 */
export interface TtlCache<V> {
  /** The cached value, or the result of `load` (shared with concurrent callers of the same key). */
  get(key: string, load: () => Promise<V>): Promise<V>
  /** True when `get` would answer without loading (a fresh or still servable stale entry). */
  has(key: string): boolean
  /** The value `get` would answer without loading, if any (never loads, never refreshes). */
  peek(key: string): V | undefined
  /** Number of entries. */
  size(): number
  /** Drops everything. */
  clear(): void
}

/** Creates a TTL cache; `ttlMs` 0 disables caching (every get loads). */
export function createTtlCache<V>(options: {
  ttlMs: number
  maxEntries: number
  /** How long past its TTL an entry may still be served while it is reloaded (default 0). */
  staleMs?: number
  /**
   * The TTL of an entry whose load took `loadMs` (default: always `ttlMs`). Lets expensive results
   * live longer, so refreshing them cannot eat the database.
   */
  ttlFor?: (loadMs: number) => number
  /** Called when a background reload fails (the stale value is served until staleMs runs out). */
  onRefreshError?: (error: unknown) => void
  now?: () => number
}): TtlCache<V> {
  const now = options.now ?? Date.now
  const staleMs = options.staleMs ?? 0
  const entries = new Map<string, { value: V; at: number; ttl: number }>()
  const inFlight = new Map<string, Promise<V>>()

  function set(key: string, value: V, ttl = options.ttlMs): void {
    if (options.ttlMs <= 0) return
    entries.delete(key)
    while (entries.size >= options.maxEntries) entries.delete(entries.keys().next().value!)
    entries.set(key, { value, at: now(), ttl })
  }

  function reload(key: string, load: () => Promise<V>): Promise<V> {
    const started = now()
    const loading = load().then(
      (value) => {
        inFlight.delete(key)
        set(key, value, Math.max(options.ttlMs, options.ttlFor?.(now() - started) ?? 0))
        return value
      },
      (error: unknown) => {
        inFlight.delete(key)
        throw error
      },
    )
    inFlight.set(key, loading)
    return loading
  }

  return {
    async get(key, load) {
      const hit = entries.get(key)
      const age = hit ? now() - hit.at : Infinity
      if (hit && age < hit.ttl) return hit.value
      const pending = inFlight.get(key)
      if (hit && age < hit.ttl + staleMs) {
        if (!pending) reload(key, load).catch((error: unknown) => options.onRefreshError?.(error))
        return hit.value
      }
      return pending ?? reload(key, load)
    },
    has(key) {
      const hit = entries.get(key)
      return !!hit && now() - hit.at < hit.ttl + staleMs
    },
    peek(key) {
      const hit = entries.get(key)
      return hit && now() - hit.at < hit.ttl + staleMs ? hit.value : undefined
    },
    size: () => entries.size,
    clear: () => entries.clear(),
  }
}

/**
 * The catalog's cache settings: fresh for CATALOG_CACHE_TTL_MS, then served one more TTL while it
 * reloads; an expensive result (≥ 50 ms to load: a broad query on a big catalog) lives 200× its
 * load time, at most CATALOG_CACHE_MAX_TTL_MS, so refreshing it costs at most ~0.5% of a database core.
 */
export function catalogCacheOptions(
  config: {
    CATALOG_CACHE_TTL_MS: number
    CATALOG_CACHE_MAX_TTL_MS: number
    CATALOG_CACHE_MAX_ENTRIES: number
  },
  onRefreshError: (error: unknown) => void,
) {
  return {
    ttlMs: config.CATALOG_CACHE_TTL_MS,
    maxEntries: config.CATALOG_CACHE_MAX_ENTRIES,
    staleMs: config.CATALOG_CACHE_TTL_MS,
    ttlFor: (loadMs: number) => (loadMs >= 50 ? Math.min(config.CATALOG_CACHE_MAX_TTL_MS, loadMs * 200) : 0),
    onRefreshError,
  }
}
