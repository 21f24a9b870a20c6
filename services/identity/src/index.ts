/** Public surface of @learnmesh/identity: the service definition, the seed and what OIDC/tests build on. */
export { identityService } from './service.ts'
export { seedIdentity, ensureDefaultOrg, type SeedInput } from './seed.ts'
export { IdentityConfigSchema, loadIdentityConfig, type IdentityConfig } from './config.ts'
export type {
  IdentityDeps,
  AccessClaims,
  KeyStore,
  TokenPair,
  TokenService,
  IssueTokenInput,
  ExternalIdentityInput,
  ExternalSignInResult,
  SignInWithExternalIdentity,
  UserView,
} from './deps.ts'
export {
  createExternalSignIn,
  signInWithExternalIdentity,
  createTokenService,
} from './sessions/sessions.service.ts'
export { createIdentity, type Identity } from './wiring.ts'
export { buildApp } from './app.ts'
