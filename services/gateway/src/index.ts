export { createGateway, type GatewayOptions, type GatewayUpstream } from './gateway.ts'
export { gatewayConfigSchema, loadGatewayConfig, parseServiceUrls, type GatewayConfig } from './config.ts'
export { mergeOpenApi, type OpenApiDocument } from './openapi.ts'
export { batchedDestination, createGatewayLogger, type BatchedDestination } from './log.ts'
