// The part of autocannon 9's programmatic API the bench uses (the package ships no types).
declare module 'autocannon' {
  interface Histogram {
    average: number
    mean: number
    stddev: number
    min: number
    max: number
    total: number
    p50: number
    p90: number
    p97_5: number
    p99: number
    p99_9: number
  }
  interface Options {
    url: string
    connections?: number
    duration?: number
    pipelining?: number
    timeout?: number
    method?: string
    headers?: Record<string, string>
    title?: string
  }
  interface Result {
    title?: string
    url: string
    duration: number
    errors: number
    timeouts: number
    non2xx: number
    latency: Histogram
    requests: Histogram & { sent: number }
    throughput: Histogram
    statusCodeStats: Record<string, { count: number }>
  }
  interface Instance extends PromiseLike<Result> {
    stop(): void
  }
  function autocannon(options: Options): Instance & Promise<Result>
  export default autocannon
  export type { Options, Result, Histogram }
}
