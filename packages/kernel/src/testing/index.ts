export * from './database.ts'
export * from './tokens.ts'
export * from './rabbit.ts'
