/** Public surface of @learnmesh/learning: the service definition, its config schema and the demo seed. */
export { learningService } from './service.ts'
export { LearningConfigSchema, loadLearningConfig, type LearningConfig } from './config.ts'
export { seedLearning, DEMO_COURSE_SLUGS, type SeedActor, type SeedRequest } from './seed.ts'
