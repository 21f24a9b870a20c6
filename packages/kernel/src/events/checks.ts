import { Compile } from 'typebox/compile'
import { Value } from 'typebox/value'
import type { TSchema } from 'typebox'

/**
 * A schema check compiled once per schema: TypeBox's compiled validator answers exactly as
 * `Value.Check`, ~30× faster. Events are checked on every write (payload), and on every delivery
 * (envelope, then payload), so this is on the hot path of every event. A schema the compiler
 * refuses falls back to `Value.Check`.
 */
const checkers = new WeakMap<TSchema, (value: unknown) => boolean>()
export function compiledCheck(schema: TSchema): (value: unknown) => boolean {
  let check = checkers.get(schema)
  if (!check) {
    try {
      const compiled = Compile(schema)
      check = (value) => compiled.Check(value)
    } catch {
      check = (value) => Value.Check(schema, value)
    }
    checkers.set(schema, check)
  }
  return check
}
