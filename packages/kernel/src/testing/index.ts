export * from './database.ts'
export * from './tokens.ts'
export * from './rabbit.ts'
export * from './service-kit.ts'
