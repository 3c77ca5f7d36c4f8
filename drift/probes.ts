/**
 * The drift check's probes: requests that need no user at a keyboard, sent alike to the real
 * server and to the fake. Each probe is data: an id, what it asks, one request builder per
 * provider (a provider without one is not probed), what it needs (`--redirect-uri`, `--token`)
 * and what to compare. Paths come from the fake's own endpoint table
 * (`fakes.definition(p).endpoints`), hosts from its host keys (`fakes.bases(p)`), so a probe
 * follows the fakes.
 *
 * Adding a probe: one more entry in `PROBES`, e.g.
 *
 *   { id: 'token-empty-body', description: 'the token endpoint with an empty form body',
 *     request: forEach((c) => ({ ...c.at('token'), method: 'POST', form: {} })) },
 */
import { CALCOM_ERAS, type CalcomEraId, calcomEras } from '../mocks/providers/calcom/profile.ts'

/** The parts of an answer a probe may compare (compare.ts). */
export type Aspect = 'status' | 'body' | 'messages' | 'headers' | 'location'
export const ALL_ASPECTS: readonly Aspect[] = ['status', 'body', 'messages', 'headers', 'location']

/** Where a request goes: a host key of the provider (`fakes.bases(p)`) and a path below it. */
export interface Where {
  host: string
  path: string
}

/** A request, the same on both sides but for the base it is sent to. */
export interface ProbeRequest extends Where {
  method: string
  query?: Readonly<Record<string, string>>
  headers?: Readonly<Record<string, string>>
  /** An `application/x-www-form-urlencoded` body. */
  form?: Readonly<Record<string, string>>
  /** A JSON body. */
  json?: unknown
}

/** What a probe may need beyond the client id and secret; without it the probe is skipped. */
export type Need = 'redirectUri' | 'token'

/** The roles every provider has an endpoint for, plus cal.com's API v2 pair. */
export type Role = 'authorize' | 'token' | 'refresh' | 'resource' | 'v2Token' | 'v2Me'

/** What a request builder sees: one side's credentials (the real ones, or the fake's equivalents). */
export interface ProbeContext {
  provider: DriftProvider
  clientId: string
  clientSecret: string
  /** `--redirect-uri`, or `BOGUS.redirectUri` when it was not given (probes that need it are skipped then). */
  redirectUri: string
  /** Real side: `--token`; fake side: a token the fake issued to the same client. */
  token: string | undefined
  /** The host and path of one of the provider's endpoints. */
  at(role: Role): Where
}

export interface Probe {
  id: string
  description: string
  needs?: readonly Need[]
  request: Partial<Record<DriftProvider, (c: ProbeContext) => ProbeRequest>>
  /** What differences count (default: every aspect). */
  compare?: readonly Aspect[]
}

/**
 * Values that stand for "wrong" on both sides. Fixed, not random: the report of two runs against
 * the same servers is the same, and none of them is a secret.
 */
export const BOGUS = {
  clientId: 'oauth-fakes-drift-unknown-client',
  clientSecret: 'oauth-fakes-drift-wrong-secret',
  code: 'oauth-fakes-drift-bogus-code',
  refreshToken: 'oauth-fakes-drift-bogus-refresh-token',
  accessToken: 'oauth-fakes-drift-bogus-access-token',
  grantType: 'oauth_fakes_drift_bogus_grant',
  /** The client's redirect URI where `--redirect-uri` is not given: the fake side registers it (its own grant for `api-token` uses it). */
  redirectUri: 'https://oauth-fakes-drift.invalid/callback',
  /** A redirect URI no side has registered: not `redirectUri`, which the fake side registers when `--redirect-uri` is not given. */
  unregisteredRedirectUri: 'https://oauth-fakes-drift.invalid/not-registered',
  state: 'oauth-fakes-drift-state',
} as const

/** The providers with a real server to compare with (the generic `oauth2` and user-defined ones have none). */
export const DRIFT_PROVIDERS = ['calcom', 'bookingsync', 'zapier'] as const
export type DriftProvider = (typeof DRIFT_PROVIDERS)[number]

/**
 * Which of `fakes.definition(p).endpoints` plays each role, on which host key. cal.com's token
 * and refresh are the `apps/web` routes every era has; API v2 (`v2Token`, `v2Me`, api.cal.com)
 * has probes of its own, since the real server's era is what the check is looking for.
 */
export const ROLES: Record<DriftProvider, Partial<Record<Role, { host: string; endpoint: string }>>> = {
  calcom: {
    authorize: { host: 'app', endpoint: 'authorize' },
    token: { host: 'app', endpoint: 'token' },
    refresh: { host: 'app', endpoint: 'refresh' },
    resource: { host: 'app', endpoint: 'resource' },
    v2Token: { host: 'api', endpoint: 'v2Token' },
    v2Me: { host: 'api', endpoint: 'v2Me' },
  },
  bookingsync: {
    authorize: { host: 'www', endpoint: 'authorize' },
    token: { host: 'www', endpoint: 'token' },
    refresh: { host: 'www', endpoint: 'refresh' },
    resource: { host: 'www', endpoint: 'resource' },
  },
  zapier: {
    authorize: { host: 'api', endpoint: 'authorize' },
    token: { host: 'auth', endpoint: 'token' },
    refresh: { host: 'auth', endpoint: 'refresh' },
    resource: { host: 'api', endpoint: 'resource' },
  },
}

/** A scope each provider's authorize endpoint knows (only reached once client and redirect URI pass). */
const SCOPE: Record<DriftProvider, string> = { calcom: 'READ_PROFILE', bookingsync: 'public', zapier: 'profile' }

/** The same builder for every provider. */
export function forEach(build: (c: ProbeContext) => ProbeRequest): Record<DriftProvider, (c: ProbeContext) => ProbeRequest> {
  return { calcom: build, bookingsync: build, zapier: build }
}

/** An authorization-code exchange's parameters, client credentials in the body (every provider takes them there). */
export function codeExchange(c: ProbeContext, overrides: Record<string, string> = {}): Record<string, string> {
  return { grant_type: 'authorization_code', code: BOGUS.code, redirect_uri: c.redirectUri, client_id: c.clientId, client_secret: c.clientSecret, ...overrides }
}

const refreshGrant = (c: ProbeContext): Record<string, string> => ({ grant_type: 'refresh_token', refresh_token: BOGUS.refreshToken, client_id: c.clientId, client_secret: c.clientSecret })

/** The path with its trailing slash toggled (`/oauth/token/` ↔ `/oauth/token`). */
export const toggleSlash = (path: string): string => (path.endsWith('/') ? path.slice(0, -1) : `${path}/`)

const authorizeQuery = (c: ProbeContext, clientId: string, redirectUri: string) => ({
  client_id: clientId,
  redirect_uri: redirectUri,
  response_type: 'code',
  scope: SCOPE[c.provider],
  state: BOGUS.state,
})

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
/** The authorize endpoint is a page: asked for as a browser asks (other requests send `Accept: application/json`). */
const BROWSER = { accept: 'text/html,application/xhtml+xml' }

export const PROBES: readonly Probe[] = [
  // The token endpoint.
  {
    id: 'token-unknown-client',
    description: 'code exchange by a client the server does not know',
    request: forEach((c) => ({ ...c.at('token'), method: 'POST', form: codeExchange(c, { client_id: BOGUS.clientId, client_secret: BOGUS.clientSecret }) })),
  },
  {
    id: 'token-wrong-secret',
    description: 'code exchange by the client with a wrong secret',
    needs: ['redirectUri'],
    request: forEach((c) => ({ ...c.at('token'), method: 'POST', form: codeExchange(c, { client_secret: BOGUS.clientSecret }) })),
  },
  {
    id: 'token-bad-grant-type',
    description: 'a grant type the server does not support',
    request: forEach((c) => ({ ...c.at('token'), method: 'POST', form: codeExchange(c, { grant_type: BOGUS.grantType }) })),
  },
  {
    id: 'token-bogus-code',
    description: 'code exchange with a code the server never issued',
    needs: ['redirectUri'],
    request: forEach((c) => ({ ...c.at('token'), method: 'POST', form: codeExchange(c) })),
  },
  {
    id: 'token-json-body',
    description: 'code exchange (bogus code) sent as a JSON body',
    needs: ['redirectUri'],
    request: forEach((c) => ({ ...c.at('token'), method: 'POST', json: codeExchange(c) })),
  },
  {
    // The one success answer no user is needed for (where the server grants it; BookingSync: `public` scope).
    id: 'token-client-credentials',
    description: 'the client credentials grant (no user): a token answer, or the refusal',
    request: forEach((c) => ({ ...c.at('token'), method: 'POST', form: { grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret } })),
  },
  { id: 'token-get', description: 'GET on the token endpoint', request: forEach((c) => ({ ...c.at('token'), method: 'GET' })) },
  { id: 'token-head', description: 'HEAD on the token endpoint', request: forEach((c) => ({ ...c.at('token'), method: 'HEAD' })) },
  {
    id: 'token-put',
    description: 'PUT on the token endpoint (bogus code)',
    request: forEach((c) => ({ ...c.at('token'), method: 'PUT', form: codeExchange(c) })),
  },
  {
    id: 'token-trailing-slash',
    description: 'code exchange (bogus code) at the token path with its trailing slash toggled',
    needs: ['redirectUri'],
    request: forEach((c) => {
      const at = c.at('token')
      return { ...at, path: toggleSlash(at.path), method: 'POST', form: codeExchange(c) }
    }),
  },
  // Refresh.
  {
    id: 'refresh-bogus-token',
    description: 'refresh with a refresh token the server never issued',
    request: {
      // The older eras read the refresh token from `Authorization`, the newer from the body: both sent.
      calcom: (c) => ({ ...c.at('refresh'), method: 'POST', headers: bearer(BOGUS.refreshToken), form: refreshGrant(c) }),
      bookingsync: (c) => ({ ...c.at('refresh'), method: 'POST', form: refreshGrant(c) }),
      zapier: (c) => ({ ...c.at('refresh'), method: 'POST', form: refreshGrant(c) }),
    },
  },
  // cal.com API v2 (api.cal.com): the token endpoint today's docs name.
  {
    id: 'v2-token-bogus-code',
    description: 'API v2 token endpoint: code exchange (bogus code), JSON as the docs show',
    needs: ['redirectUri'],
    request: { calcom: (c) => ({ ...c.at('v2Token'), method: 'POST', json: codeExchange(c) }) },
  },
  {
    id: 'v2-token-bogus-refresh',
    description: 'API v2 token endpoint: refresh with a bogus refresh token',
    request: { calcom: (c) => ({ ...c.at('v2Token'), method: 'POST', json: refreshGrant(c) }) },
  },
  { id: 'v2-token-get', description: 'API v2 token endpoint: GET', request: { calcom: (c) => ({ ...c.at('v2Token'), method: 'GET' }) } },
  // The API.
  { id: 'api-no-token', description: 'the resource endpoint without a token', request: forEach((c) => ({ ...c.at('resource'), method: 'GET' })) },
  {
    id: 'api-bogus-token',
    description: 'the resource endpoint with a token the server never issued',
    request: forEach((c) => ({ ...c.at('resource'), method: 'GET', headers: bearer(BOGUS.accessToken) })),
  },
  {
    id: 'api-token',
    description: 'the resource endpoint with a valid token (real: --token; fake: one it issued)',
    needs: ['token'],
    request: forEach((c) => ({ ...c.at('resource'), method: 'GET', headers: bearer(c.token ?? '') })),
  },
  { id: 'v2-me-no-token', description: 'API v2 /v2/me without a token', request: { calcom: (c) => ({ ...c.at('v2Me'), method: 'GET' }) } },
  {
    id: 'v2-me-bogus-token',
    description: 'API v2 /v2/me with a token the server never issued',
    request: { calcom: (c) => ({ ...c.at('v2Me'), method: 'GET', headers: bearer(BOGUS.accessToken) }) },
  },
  {
    id: 'v2-me-token',
    description: 'API v2 /v2/me with a valid token (real: --token; fake: one it issued)',
    needs: ['token'],
    request: { calcom: (c) => ({ ...c.at('v2Me'), method: 'GET', headers: bearer(c.token ?? '') }) },
  },
  // The authorize endpoint: no session, redirects not followed.
  {
    id: 'authorize-unknown-client',
    description: 'authorize request by a client the server does not know',
    request: forEach((c) => ({ ...c.at('authorize'), method: 'GET', headers: BROWSER, query: authorizeQuery(c, BOGUS.clientId, c.redirectUri) })),
  },
  {
    id: 'authorize-wrong-redirect-uri',
    description: 'authorize request with a redirect URI the client did not register',
    request: forEach((c) => ({ ...c.at('authorize'), method: 'GET', headers: BROWSER, query: authorizeQuery(c, c.clientId, BOGUS.unregisteredRedirectUri) })),
  },
]

/**
 * How the fake side gets a token for `api-token` (the real side's is `--token`): an authorize
 * request with consent `allow`, then the code exchange, both through the fake. cal.com's scopes
 * depend on the era (the OAuthService era refuses the legacy ones from a client without scopes).
 */
export interface FakeGrantRecipe {
  authorize: Role
  token: Role
  query: Record<string, string>
}

export function fakeGrantRecipe(provider: DriftProvider, options: Readonly<Record<string, unknown>>): FakeGrantRecipe {
  if (provider === 'calcom') {
    const era = (CALCOM_ERAS as readonly unknown[]).includes(options.era) ? (options.era as CalcomEraId) : 'oauth-service'
    return { authorize: 'authorize', token: 'token', query: { scope: calcomEras[era].apiV2 ? 'PROFILE_READ,BOOKING_READ' : 'READ_PROFILE,READ_BOOKING', state: BOGUS.state } }
  }
  return { authorize: 'authorize', token: 'token', query: { response_type: 'code', scope: SCOPE[provider], state: BOGUS.state } }
}
