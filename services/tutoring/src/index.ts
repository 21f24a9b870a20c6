/** Public surface of @learnmesh/tutoring: the service definition and its config schema. */
export { tutoringService } from './service.ts'
export { TutoringConfigSchema, loadTutoringConfig, type TutoringConfig } from './config.ts'
