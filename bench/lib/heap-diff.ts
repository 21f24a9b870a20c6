/**
 * `npx tsx bench/lib/heap-diff.ts <before.heapsnapshot> <after.heapsnapshot> [connections]`: which
 * object kinds grew between two V8 heap snapshots (self size by constructor or node type), largest
 * first, optionally divided per connection. Snapshots come from `BENCH_HEAP_SNAPSHOT=1 npm run bench
 * -- socket-memory` (one per memory sample, in .tmp/bench/heaps).
 */
import { readFileSync } from 'node:fs'

interface Snapshot {
  snapshot: {
    meta: {
      node_fields: string[]
      node_types: [string[], ...unknown[]]
      edge_fields: string[]
      edge_types: [string[], ...unknown[]]
    }
  }
  nodes: number[]
  edges: number[]
  strings: string[]
}

/** Arrays, strings and closures say little by themselves: they are named by who holds them. */
const byHolder = new Set(['(array)', '(string)', 'closure:native_bind', '(hidden)', 'object:Array'])

function totals(file: string): Map<string, { size: number; count: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot
  const fields = snap.snapshot.meta.node_fields
  const stride = fields.length
  const typeAt = fields.indexOf('type')
  const nameAt = fields.indexOf('name')
  const sizeAt = fields.indexOf('self_size')
  const types = snap.snapshot.meta.node_types[0]
  const edgeFields = snap.snapshot.meta.edge_fields
  const edgeStride = edgeFields.length
  const edgeCountAt = fields.indexOf('edge_count')
  const edgeTypeAt = edgeFields.indexOf('type')
  const edgeNameAt = edgeFields.indexOf('name_or_index')
  const edgeToAt = edgeFields.indexOf('to_node')
  const edgeTypes = snap.snapshot.meta.edge_types[0]
  const keyOf = (i: number) => {
    const type = types[snap.nodes[i + typeAt]!]!
    const name = snap.strings[snap.nodes[i + nameAt]!]!
    return type === 'object' || type === 'closure' ? `${type}:${name.slice(0, 60)}` : `(${type})`
  }
  // First holder of each node: "<holder kind>.<property>".
  const holder = new Map<number, string>()
  let edge = 0
  for (let i = 0; i < snap.nodes.length; i += stride) {
    const count = snap.nodes[i + edgeCountAt]!
    for (let e = 0; e < count; e++, edge += edgeStride) {
      const to = snap.edges[edge + edgeToAt]!
      if (holder.has(to)) continue
      const et = edgeTypes[snap.edges[edge + edgeTypeAt]!]
      if (et === 'weak' || et === 'shortcut') continue
      const raw = snap.edges[edge + edgeNameAt]!
      const prop = et === 'element' || et === 'hidden' ? `[${raw}]` : snap.strings[raw]!
      holder.set(to, `${keyOf(i)}.${String(prop).slice(0, 40)}`)
    }
  }
  const out = new Map<string, { size: number; count: number }>()
  for (let i = 0; i < snap.nodes.length; i += stride) {
    const own = keyOf(i)
    const key = byHolder.has(own) ? `${own} in ${holder.get(i) ?? '?'}` : own
    const t = out.get(key) ?? { size: 0, count: 0 }
    t.size += snap.nodes[i + sizeAt]!
    t.count += 1
    out.set(key, t)
  }
  return out
}

const [beforeFile, afterFile, per] = process.argv.slice(2)
if (!beforeFile || !afterFile) {
  console.error('usage: heap-diff <before.heapsnapshot> <after.heapsnapshot> [connections]')
  process.exit(2)
}
const n = Number(per) || 1
const before = totals(beforeFile)
const after = totals(afterFile)
const rows = [...after].map(([key, a]) => {
  const b = before.get(key) ?? { size: 0, count: 0 }
  return { key, bytes: (a.size - b.size) / n, count: (a.count - b.count) / n }
})
rows.sort((x, y) => y.bytes - x.bytes)
const total = rows.reduce((s, r) => s + r.bytes, 0)
console.log(`growth ${(total / 1024).toFixed(2)} KiB${n > 1 ? ' per connection' : ''}`)
for (const r of rows.slice(0, Number(process.env.ROWS) || 40))
  console.log(`${r.bytes.toFixed(0).padStart(8)} B  ${r.count.toFixed(2).padStart(7)}×  ${r.key}`)
