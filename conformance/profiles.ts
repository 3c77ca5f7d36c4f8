/**
 * What the suite expects of a client, per provider and per provider variant (cal.com's eras,
 * BookingSync's Doorkeeper release): data taken from the fakes' own profiles, so the suite
 * follows the fakes. Endpoint PATHS come from the running fake (`fakes.definition(p).endpoints`);
 * lifetimes and formats from the provider profiles; the client-auth methods and refresh style
 * are the documented shapes the checks judge against (docs/providers/*.md).
 */
import { randomBytes } from 'node:crypto'
import type { BuiltinProviderId, ProviderId } from '../mocks/engine/controls.ts'
import { doorkeeperReleases, bookingsyncProfile } from '../mocks/providers/bookingsync/profile.ts'
import { CALCOM_ERAS, type CalcomEraId, calcomEras, calcomProfile } from '../mocks/providers/calcom/profile.ts'
import { zapierProfile } from '../mocks/providers/zapier/profile.ts'
import type { Oauth2Profile } from '../mocks/providers/oauth2/profile.ts'
import { oauth2Profile } from '../mocks/providers/oauth2/profile.ts'

export type ClientAuthMethod = 'body' | 'basic'
export type EndpointKey = 'authorize' | 'token' | 'refresh' | 'resource'

export interface ConformanceProfile {
  provider: ProviderId
  /** "Cal.com", or "Cal.com (era app-router)" for a variant. */
  title: string
  /** The fake's options for this profile (cal.com's `era`); `{}` for the defaults. */
  options: Readonly<Record<string, unknown>>
  /** A short name of the variant (`app-router`), when the run has several. */
  variant: string | null
  /** What the client is told to request (OAUTH_SCOPE), in the provider's own separator. */
  scope: string
  scopeSeparator: RegExp
  /** RFC 6749 §4.1.1 `response_type=code` is read (cal.com's pages ignore it). */
  requiresResponseType: boolean
  codeLifetimeSeconds: number
  accessLifetimeSeconds: number
  /** The token answer tells the lifetime (`expires_in`): a client may refresh on its own clock. */
  sendsExpiresIn: boolean
  /** Client authentication the token endpoint accepts. */
  clientAuth: readonly ClientAuthMethod[]
  /** cal.com's older eras: refresh token in `Authorization: Bearer` at its own endpoint; others: RFC 6749 §6 grant. */
  refreshStyle: 'calcom-bearer' | 'refresh-token-grant'
  /** A refresh answers a new refresh token AND the old one stops working: the client must use the new one. */
  rotatesRefreshTokens: boolean
  /** Out-of-band redirect support (BookingSync): the code is shown on a provider page. */
  oob: { redirectUri: string; codePattern: RegExp } | null
  /** Which of the fake's declared endpoints plays each role. */
  endpointKeys: Record<EndpointKey, string>
  /** For multi-host providers: the host key (of `fakes.bases(p)`) each endpoint lives on. */
  hostOf: Partial<Record<EndpointKey, string>>
  /** Client credentials in the provider's real format (ids a library could mangle are what real servers hand out). */
  credentials(): { clientId: string; clientSecret: string }
  /**
   * The provider serves RFC 8414 metadata at its issuer (its base URL): the client is told the
   * issuer (`OAUTH_ISSUER`) and may discover the endpoints; `metadata-endpoints` is judged.
   */
  metadata?: boolean
  /** PKCE with S256 is expected of the client (`OAUTH_PKCE=S256`): `pkce-challenge`, `pkce-verifier`. */
  pkce?: boolean
  /** The provider sends RFC 9207 `iss` and says so in its metadata: `iss-mismatch-rejected`, `iss-missing-rejected`. */
  iss?: boolean
}

export const OOB_REDIRECT_URI = 'urn:ietf:wg:oauth:2.0:oob'

const hex = (bytes: number) => randomBytes(bytes).toString('hex')
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const alnum = (n: number) => [...randomBytes(n)].map((b) => ALNUM[b % 62]).join('')

const STANDARD_KEYS: Record<EndpointKey, string> = { authorize: 'authorize', token: 'token', refresh: 'refresh', resource: 'resource' }

/** cal.com, per era (docs/providers/calcom.md): the endpoints, scopes and refresh style of that era. */
function calcom(era: CalcomEraId, variant: boolean): ConformanceProfile {
  const e = calcomEras[era]
  const v2 = e.apiV2
  return {
    provider: 'calcom',
    title: variant ? `Cal.com (era ${era})` : 'Cal.com',
    options: { era },
    variant: variant ? era : null,
    scope: v2 ? 'PROFILE_READ,BOOKING_READ' : 'READ_BOOKING,READ_PROFILE',
    scopeSeparator: e.authorize.scopeSeparator,
    requiresResponseType: false,
    codeLifetimeSeconds: calcomProfile.codeLifetimeSeconds,
    accessLifetimeSeconds: calcomProfile.accessLifetimeSeconds,
    sendsExpiresIn: e.tokenRfcFields,
    clientAuth: ['body'],
    // The current doc's token endpoint refreshes by grant; the older eras read the Bearer header.
    refreshStyle: v2 ? 'refresh-token-grant' : 'calcom-bearer',
    // Only the rotation that revokes makes keeping the old token an error a real server punishes.
    rotatesRefreshTokens: e.refreshRotation === 'rotate',
    oob: null,
    endpointKeys: v2 ? { authorize: 'authorize', token: 'v2Token', refresh: 'v2Token', resource: 'v2Me' } : STANDARD_KEYS,
    hostOf: v2 ? { authorize: 'app', token: 'api', refresh: 'api', resource: 'api' } : { authorize: 'app', token: 'app', refresh: 'app', resource: 'app' },
    // addClient.handler.ts: `randomBytes(32).toString("hex")` for id and secret.
    credentials: () => ({ clientId: hex(32), clientSecret: hex(32) }),
  }
}

function bookingsync(options: Record<string, unknown> = {}): ConformanceProfile {
  const release = doorkeeperReleases[(options.doorkeeper as '4.2.6' | '5.6.9' | undefined) ?? '4.2.6']
  return {
    provider: 'bookingsync',
    title: 'BookingSync',
    options,
    variant: null,
    scope: 'public rentals_read',
    scopeSeparator: /[ +]+/,
    requiresResponseType: true,
    codeLifetimeSeconds: bookingsyncProfile.codeLifetimeSeconds,
    accessLifetimeSeconds: bookingsyncProfile.accessLifetimeSeconds,
    sendsExpiresIn: true,
    clientAuth: ['basic', 'body'],
    refreshStyle: 'refresh-token-grant',
    rotatesRefreshTokens: true,
    oob: { redirectUri: OOB_REDIRECT_URI, codePattern: /<code[^>]*id="authorization_code"[^>]*>([^<]+)<\/code>/ },
    endpointKeys: STANDARD_KEYS,
    hostOf: {},
    credentials: () => (release.tokens === 'hex' ? { clientId: hex(32), clientSecret: hex(32) } : { clientId: randomBytes(32).toString('base64url'), clientSecret: randomBytes(32).toString('base64url') }),
  }
}

function zapier(options: Record<string, unknown> = {}): ConformanceProfile {
  return {
    provider: 'zapier',
    title: 'Zapier',
    options,
    variant: null,
    scope: 'profile',
    scopeSeparator: / +/,
    requiresResponseType: true,
    codeLifetimeSeconds: zapierProfile.codeLifetimeSeconds,
    accessLifetimeSeconds: zapierProfile.accessLifetimeSeconds,
    sendsExpiresIn: true,
    clientAuth: ['basic', 'body'],
    refreshStyle: 'refresh-token-grant',
    rotatesRefreshTokens: true,
    oob: null,
    endpointKeys: STANDARD_KEYS,
    hostOf: { authorize: 'api', resource: 'api', token: 'auth', refresh: 'auth' },
    // django-oauth-toolkit: 40- and 128-character alphanumerics.
    credentials: () => ({ clientId: alnum(40), clientSecret: alnum(128) }),
  }
}

/**
 * The generic provider and every user-defined one (docs/providers/oauth2.md, custom.md): what its
 * profile declares, with the fake's options (`refreshRotation`, `pkceRequired`, `issParameter`).
 */
export function oauth2ConformanceProfile(p: Oauth2Profile, options: Record<string, unknown> = {}): ConformanceProfile {
  const rotation = (options.refreshRotation as string | undefined) ?? p.refreshRotation
  const clientAuth = p.clientAuth.filter((m): m is ClientAuthMethod => m !== 'none')
  return {
    provider: p.id,
    title: p.title,
    options,
    variant: null,
    scope: (p.resource.requiredScopes[0] !== undefined ? [p.resource.requiredScopes[0]] : p.scopes.defaults).join(p.scopes.separator),
    scopeSeparator: p.scopes.separator === ',' ? /,+/ : / +/,
    requiresResponseType: true,
    codeLifetimeSeconds: p.codeLifetimeSeconds,
    accessLifetimeSeconds: p.accessToken.lifetimeSeconds,
    sendsExpiresIn: true,
    clientAuth,
    refreshStyle: 'refresh-token-grant',
    rotatesRefreshTokens: p.refreshToken !== null && rotation !== 'none',
    oob: null,
    endpointKeys: STANDARD_KEYS,
    hostOf: { authorize: p.paths.authorize.host, token: p.paths.token.host, refresh: p.paths.token.host, ...(p.paths.resource?.host ? { resource: p.paths.resource.host } : {}) },
    credentials: () => ({ clientId: randomBytes(16).toString('base64url'), clientSecret: randomBytes(32).toString('base64url') }),
    metadata: p.paths.metadata !== null,
    // RFC 9700 §2.1.1: clients MUST prevent code injection; without OpenID Connect's nonce, PKCE is the
    // means, and S256 the method. Judged where the server offers S256 and says so (metadata) or requires it.
    pkce: p.pkce.methods.includes('S256') && (p.paths.metadata !== null || ((options.pkceRequired as string | undefined) ?? p.pkce.required) === 'always'),
    iss: p.paths.metadata !== null && ((options.issParameter as boolean | undefined) ?? p.issParameter),
  }
}

/** The profile of one provider with the fake's options (cal.com's `era`, …); a user-defined provider needs its profile. */
export function conformanceProfile(provider: ProviderId, options: Record<string, unknown> = {}, variant = false, custom?: Oauth2Profile): ConformanceProfile {
  if (provider === 'calcom') return calcom((options.era as CalcomEraId | undefined) ?? 'oauth-service', variant)
  if (provider === 'bookingsync') return bookingsync(options)
  if (provider === 'zapier') return zapier(options)
  if (provider === 'oauth2') return oauth2ConformanceProfile(oauth2Profile, options)
  if (custom) return oauth2ConformanceProfile(custom, options)
  throw new Error(`no conformance profile for provider "${provider}": declare it in customProviders`)
}

/** The default profile of each built-in provider (the fakes' defaults). */
export const PROFILES: Record<BuiltinProviderId, ConformanceProfile> = {
  calcom: conformanceProfile('calcom'),
  bookingsync: conformanceProfile('bookingsync'),
  zapier: conformanceProfile('zapier'),
  oauth2: conformanceProfile('oauth2'),
}

/** `--era all`: every cal.com era, each its own report. */
export function calcomEraProfiles(eras: readonly CalcomEraId[] | 'all'): ConformanceProfile[] {
  return (eras === 'all' ? CALCOM_ERAS : eras).map((era) => conformanceProfile('calcom', { era }, true))
}
