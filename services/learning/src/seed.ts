import type { Database } from '@learnmesh/kernel'

/** PLACEHOLDER: demo courses (lead writes it once authoring lands). */
export async function seedLearning(
  _database: Database,
  _input: { orgId: string; instructorId: string },
): Promise<void> {}
