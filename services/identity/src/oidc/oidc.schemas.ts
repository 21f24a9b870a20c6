import { Type } from '@learnmesh/kernel'
import { TokenPairSchema } from '../shared/schemas.ts'

/** Path parameter naming a configured provider. */
export const ProviderParams = Type.Object({
  /** Provider id from OIDC_PROVIDERS, e.g. `google`. */
  provider: Type.String({
    minLength: 1,
    maxLength: 64,
    description: 'Provider id from OIDC_PROVIDERS, e.g. `google`',
  }),
})

/** One provider users can sign in with. */
export const ProviderSchema = Type.Object({
  /** Id used in /oidc/{provider}/start. */
  id: Type.String({ description: 'Id used in /oidc/{provider}/start' }),
  /** Name to show on the sign-in button. */
  label: Type.String({ description: 'Name to show on the sign-in button' }),
})

/** GET /oidc/providers response. */
export const ProviderListSchema = Type.Object({
  /** Configured providers, in configuration order; empty when none is configured. */
  providers: Type.Array(ProviderSchema, {
    description: 'Configured providers, in configuration order; empty when none is configured',
  }),
})

/** GET /oidc/{provider}/start query. */
export const StartQuery = Type.Object({
  /** Relative path of the web app to land on after signing in (default `/`); anything else is a 400. */
  returnTo: Type.Optional(
    Type.String({
      maxLength: 1024,
      description:
        'Relative path of the web app to land on after signing in (default `/`); anything else is a 400',
    }),
  ),
})

/**
 * GET /oidc/{provider}/callback query: the provider's authorization response. Providers may add
 * parameters of their own (Google adds `scope`, `authuser`, `prompt`, `hd`), so others are allowed.
 */
export const CallbackQuery = Type.Object(
  {
    /** Authorization code. */
    code: Type.Optional(Type.String({ maxLength: 4096, description: 'Authorization code' })),
    /** The state sent at the start. */
    state: Type.Optional(Type.String({ maxLength: 512, description: 'The state sent at the start' })),
    /** Issuer of the response (RFC 9207), checked against the provider. */
    iss: Type.Optional(
      Type.String({
        maxLength: 2048,
        description: 'Issuer of the response (RFC 9207), checked against the provider',
      }),
    ),
    /** OAuth error code when the provider did not authorize, e.g. `access_denied`. */
    error: Type.Optional(
      Type.String({
        maxLength: 256,
        description: 'OAuth error code when the provider did not authorize, e.g. `access_denied`',
      }),
    ),
    /** The provider's explanation of `error`. */
    error_description: Type.Optional(
      Type.String({ maxLength: 2048, description: "The provider's explanation of `error`" }),
    ),
  },
  { additionalProperties: Type.String({ maxLength: 2048 }) },
)

/** A redirect; the target is in the Location header. */
export const RedirectSchema = Type.Null({ description: 'Redirect; see the Location header' })

/** POST /oidc/exchange body. */
export const ExchangeBody = Type.Object(
  {
    /** The one-time `code` from the /signin/complete redirect. */
    code: Type.String({
      minLength: 1,
      maxLength: 1024,
      description: 'The one-time `code` from the /signin/complete redirect',
    }),
  },
  { additionalProperties: false },
)

/** POST /oidc/exchange response: the session's token pair plus where the user was going. */
export const ExchangeResponse = Type.Object({
  ...TokenPairSchema.properties,
  /** The validated `returnTo` given at the start: navigate here, not to a value read from the URL. */
  returnTo: Type.String({
    description:
      'The validated `returnTo` given at the start: navigate here, not to a value read from the URL',
  }),
})
