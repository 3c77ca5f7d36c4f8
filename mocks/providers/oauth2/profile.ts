import { z } from 'zod'
import { oauth2DefaultUserId, oauth2DemoClient, oauth2PublicDemoClient, oauth2Users } from '../../../fixtures/oauth2.ts'
import type { Client } from '../../engine/clients.ts'
import type { ProviderId } from '../../engine/controls.ts'
import type { ClientAuthMethod } from '../../engine/oauth.ts'
import type { PkceMethod } from '../../engine/pkce.ts'
import type { GrantType } from '../../engine/provider.ts'

/**
 * The generic OAuth 2.0 authorization server as data. `Oauth2Profile` is what the engine-built
 * provider in ./index.ts reads; `oauth2Profile` below is the built-in `oauth2` provider, each value
 * with its source (an RFC section) or "chosen: why" where the RFCs leave it open. A user-defined
 * provider (docs/providers/custom.md) is this same definition with another profile. Docs:
 * docs/providers/oauth2.md.
 *
 * RFC sections cited: RFC 6749 (OAuth 2.0), RFC 6750 (Bearer), RFC 7009 (revocation), RFC 7636
 * (PKCE), RFC 7662 (introspection), RFC 8414 (metadata), RFC 9207 (`iss`), RFC 9700 (security BCP),
 * all at https://www.rfc-editor.org/rfc/rfcNNNN#section-X.
 */

/** Where an endpoint lives: a path below the base of one of the provider's hosts (default: the first). */
export interface EndpointPath {
  path: string
  host?: string
}

/**
 * How a code or token is made: `length` random characters of the alphabet after `prefix`
 * (`gho_` + 36 alphanumerics is a GitHub token). The random part carries ≥ 128 bits
 * (RFC 6749 §10.10: the probability of guessing MUST be ≤ 2^-128).
 */
export interface TokenFormatSpec {
  format: 'base64url' | 'hex' | 'alphanumeric'
  length: number
  prefix: string
}

/** A user of the provider: an integer `id` and any fields (`name`, `email`, `login`…). */
export interface Oauth2User {
  id: number
  [field: string]: unknown
}

export type RefreshRotation = 'none' | 'rotate' | 'reuse-detection'
export type PkceRequirement = 'always' | 'public-clients' | 'never'

export interface Oauth2Profile {
  id: ProviderId
  title: string
  /** Host key → real base URL; the first is the primary host, whose base is the issuer. */
  hosts: Readonly<Record<string, string>>
  /** `null`: the provider has no such endpoint. */
  paths: {
    authorize: EndpointPath
    token: EndpointPath
    revocation: EndpointPath | null
    introspection: EndpointPath | null
    metadata: EndpointPath | null
    resource: EndpointPath | null
  }
  codeLifetimeSeconds: number
  code: TokenFormatSpec
  accessToken: TokenFormatSpec & { lifetimeSeconds: number; type: string }
  /** `null`: no refresh tokens. `lifetimeSeconds: null`: they never expire by themselves. */
  refreshToken: (TokenFormatSpec & { lifetimeSeconds: number | null }) | null
  /** Client authentication at the token, revocation and introspection endpoints (introspection never takes `none`). */
  clientAuth: readonly ClientAuthMethod[]
  grantTypes: readonly GrantType[]
  pkce: { methods: readonly PkceMethod[]; required: PkceRequirement }
  scopes: {
    known: readonly string[]
    /** How `scope` is split in requests. */
    separator: ' ' | ','
    /** How `scope` is joined in token answers (GitHub answers `repo,gist`). */
    responseSeparator: ' ' | ','
    /** Granted when a request names none. */
    defaults: readonly string[]
    /** What the consent page says a scope allows. */
    words: Readonly<Record<string, string>>
  }
  refreshRotation: RefreshRotation
  /**
   * `rfc6749`: token errors are 400/401 `{"error","error_description"}` (RFC 6749 §5.2).
   * `github`: token errors are HTTP 200, the body in the format the token answer is negotiated to.
   */
  errorShape: 'rfc6749' | 'github'
  /** The provider's own names for RFC 6749 §5.2 codes at the token endpoint (`invalid_grant` → `bad_verification_code`). */
  errorCodes: Readonly<Record<string, string>>
  /** `json` (RFC 6749 §5.1), or `accept-negotiated`: form-urlencoded unless the request accepts `application/json` (GitHub). */
  tokenResponse: 'json' | 'accept-negotiated'
  /**
   * Parameters a request may leave out, taken as this value (GitHub's authorize takes no
   * `response_type`, its token endpoint a code without `grant_type`). RFC 6749 requires both.
   */
  implied: { responseType: 'code' | null; grantType: 'authorization_code' | null }
  /** RFC 9207: `iss` in every authorization response (and `authorization_response_iss_parameter_supported` in the metadata). */
  issParameter: boolean
  /** The protected resource: which scopes (any one) it needs, and what it answers. */
  resource: {
    requiredScopes: readonly string[]
    /** `claims`: OpenID-style claims filtered by scope (`sub`, `name`, `email`…); `record`: the user as declared. */
    body: 'claims' | 'record'
  }
  users: readonly Oauth2User[]
  defaultUserId: number
  /** Registered at start and after a reset; the first is the demo client. */
  clients: readonly Client[]
  brandColor: string
}

/** The built-in generic provider. */
export const oauth2Profile: Oauth2Profile = {
  id: 'oauth2',
  title: 'OAuth 2.0',
  /** chosen: a reserved name (RFC 2606 `.example`) that can never be a real server, for msw to intercept. */
  hosts: { main: 'https://oauth2.example' },
  paths: {
    /** chosen: RFC 6749 §3.1/§3.2 leave the paths to the server; the short names most servers use. */
    authorize: { path: '/authorize' },
    token: { path: '/token' },
    revocation: { path: '/revoke' },
    introspection: { path: '/introspect' },
    /** RFC 8414 §3: `/.well-known/oauth-authorization-server` (also served inserted before the base's path, §3.1). */
    metadata: { path: '/.well-known/oauth-authorization-server' },
    /** chosen: a small userinfo-like resource (RFC 6750 protected resource). */
    resource: { path: '/me' },
  },
  /**
   * RFC 6749 §4.1.2: "A maximum authorization code lifetime of 10 minutes is RECOMMENDED";
   * chosen: that maximum, so a person stepping through a flow by hand is not cut off.
   */
  codeLifetimeSeconds: 600,
  /** RFC 6749 §10.10 (≥ 128 bits, SHOULD ≥ 160): chosen 256 bits, base64url (43 characters). */
  code: { format: 'base64url', length: 43, prefix: '' },
  /** chosen: one hour (oidc-provider's AccessToken TTL); RFC 6750 §6.1 ("Bearer", §5.1 of RFC 6749 is case-insensitive). */
  accessToken: { format: 'base64url', length: 43, prefix: '', lifetimeSeconds: 3600, type: 'Bearer' },
  /** chosen: 14 days (oidc-provider's RefreshToken TTL); RFC 6749 §6 leaves it to the server. */
  refreshToken: { format: 'base64url', length: 43, prefix: '', lifetimeSeconds: 14 * 24 * 3600 },
  /**
   * RFC 6749 §2.3.1: servers MUST support HTTP Basic, MAY take the secret in the body; public
   * clients (§2.1) send only `client_id` (RFC 7591 §2 `none`).
   */
  clientAuth: ['basic', 'body', 'none'],
  /** RFC 6749 §4.1 (code), §6 (refresh), §4.4 (client credentials); no implicit grant (RFC 9700 §2.1.2: SHOULD NOT). */
  grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
  /**
   * RFC 9700 §2.1.1: public clients MUST use PKCE, confidential ones SHOULD; only S256 (`plain`
   * exposes the verifier in the request; RFC 7636 §4.2 makes S256 mandatory to implement).
   * The `pkceRequired` option makes it required for every client (OAuth 2.1).
   */
  pkce: { methods: ['S256'], required: 'public-clients' },
  scopes: {
    /** chosen: `profile` and `email` (named after OpenID Connect's) select what `/me` shows; `read`/`write` for APIs. */
    known: ['profile', 'email', 'read', 'write'],
    /** RFC 6749 §3.3: space-delimited. */
    separator: ' ',
    responseSeparator: ' ',
    /** RFC 6749 §3.3: without `scope` the server MUST use a default or fail; chosen: `profile`. */
    defaults: ['profile'],
    words: { profile: 'See your name and username', email: 'See your email address', read: 'Read your data', write: 'Change your data' },
  },
  /**
   * chosen: rotate (RFC 6749 §6 "MAY issue a new refresh token"; RFC 9700 §4.14.2 requires
   * rotation or sender-constraining for public clients, which this server takes), so a client that
   * keeps the old refresh token fails here as it would at a rotating server. Reuse detection
   * (a reused refresh token revokes the whole grant) is the `refreshRotation: reuse-detection`
   * option, off by default: two tabs refreshing at once would lose the user's grant.
   */
  refreshRotation: 'rotate',
  /** RFC 6749 §5.2. */
  errorShape: 'rfc6749',
  errorCodes: {},
  /** RFC 6749 §5.1: `application/json`. */
  tokenResponse: 'json',
  /** RFC 6749 §4.1.1 and §4.1.3: `response_type` and `grant_type` are REQUIRED. */
  implied: { responseType: null, grantType: null },
  /** RFC 9207 §2: the `iss` parameter in authorization responses, error responses included. */
  issParameter: true,
  resource: { requiredScopes: ['profile', 'email'], body: 'claims' },
  users: oauth2Users,
  defaultUserId: oauth2DefaultUserId,
  clients: [oauth2DemoClient, oauth2PublicDemoClient],
  brandColor: '#4f46e5',
}

/**
 * The options of a provider built on this profile (every field defaults to the profile's value).
 * `pkceRequired: always` is OAuth 2.1 (PKCE for every client); `refreshRotation: reuse-detection`
 * revokes the whole grant when a rotated refresh token is presented again (oidc-provider).
 */
export function oauth2OptionsSchema(profile: Oauth2Profile) {
  return z
    .object({
      pkceRequired: z.enum(['always', 'public-clients', 'never']).default(profile.pkce.required),
      refreshRotation: z.enum(['none', 'rotate', 'reuse-detection']).default(profile.refreshRotation),
      issParameter: z.boolean().default(profile.issParameter),
    })
    .strict()
}

export type Oauth2Options = z.infer<ReturnType<typeof oauth2OptionsSchema>>
