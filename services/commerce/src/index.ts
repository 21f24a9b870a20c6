/** Public surface of @learnmesh/commerce: the service definition and its config schema. */
export { commerceService } from './service.ts'
export { CommerceConfigSchema, loadCommerceConfig, type CommerceConfig } from './config.ts'
