import { Type } from '@learnmesh/kernel'

/** The trivial route both `http` candidates serve: `GET /ping` → `{"ok":true}`, with a response schema. */
export const pingRoute = {
  schema: { response: { 200: Type.Object({ ok: Type.Boolean() }, { additionalProperties: false }) } },
}
