/** Public surface of @learnmesh/communication: the service definition and its config schema. */
export { communicationService } from './service.ts'
export { CommunicationConfigSchema, loadCommunicationConfig, type CommunicationConfig } from './config.ts'
