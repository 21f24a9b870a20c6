import type { EventHandler } from '@learnmesh/kernel'

/**
 * One handler per event type (the kernel's consumer keeps one per type): handlers of the same type
 * from different areas (notification triggers, chat channels, sequences) run one after the other
 * in the delivery's single transaction, in the order given.
 */
export function mergeHandlers(handlers: EventHandler[]): EventHandler[] {
  const byType = new Map<string, EventHandler[]>()
  for (const h of handlers) byType.set(h.event.type, [...(byType.get(h.event.type) ?? []), h])
  return [...byType.values()].map((group) =>
    group.length === 1
      ? group[0]!
      : {
          event: group[0]!.event,
          async handle(tx, payload, envelope, context) {
            for (const h of group) await h.handle(tx, payload, envelope, context)
          },
        },
  )
}
