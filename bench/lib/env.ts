// Scenario knobs read from the environment (BENCH_*): a bad value stops the run with its name.

function fromEnv(name: string, fallback: number, min: number, integer: boolean): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!(integer ? Number.isInteger(n) : Number.isFinite(n)) || n < min)
    throw new Error(`${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got '${raw}'`)
  return n
}

/** A number from the environment (at least `min`), or the fallback when unset or empty. */
export const numberFromEnv = (name: string, fallback: number, min: number): number =>
  fromEnv(name, fallback, min, false)

/** An integer from the environment (at least `min`), or the fallback when unset or empty. */
export const intFromEnv = (name: string, fallback: number, min: number): number =>
  fromEnv(name, fallback, min, true)
