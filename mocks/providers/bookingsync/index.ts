/**
 * The BookingSync fake (API v3 on Doorkeeper). Behaviour: ../shared/providers/bookingsync.md.
 * Numbers and words live in ./profile.ts; this file wires them to the engine's steps.
 */
import { bookingsyncDefaultUserId, bookingsyncDemoClient } from '../../../fixtures/bookingsync.ts'
import type { ControlEndpoint } from '../../engine/controls.ts'
import { randomHex } from '../../engine/crypto.ts'
import { type ErrorCode, ProviderError, reasonPhrase } from '../../engine/errors.ts'
import { type HeaderMap, NO_STORE, bearerToken, json } from '../../engine/http.ts'
import {
  type AuthorizeProfile,
  type TokenEndpointProfile,
  type TokenFormats,
  authenticateBearer,
  authenticateClient,
  handleAuthorizationRequest,
  handleTokenRequest,
  revokeTokens,
  tokenEndpointKind,
  unique,
} from '../../engine/oauth.ts'
import type { ParamSource, Params } from '../../engine/params.ts'
import type { Lookup } from '../../engine/store.ts'
import { type ProviderRuntime, type RequestContext, type Route, type TokenEntry, defineProvider } from '../../engine/provider.ts'
import { type BookingsyncData, createBookingsyncData } from './data.ts'
import { bookingsyncCodePage, bookingsyncConsentPage, bookingsyncErrorPage, bookingsyncNotFoundPage } from './pages.ts'
import { type BookingsyncOptions, bookingsyncDefaultOptions, bookingsyncOptionsSchema, bookingsyncProfile as P } from './profile.ts'

type Rt = ProviderRuntime<BookingsyncData, BookingsyncOptions>

/** Doorkeeper reads `params`, which Rails merges from the query string and the body. */
const TOKEN_SOURCES: readonly ParamSource[] = ['query', 'form', 'json']
const CLIENT_AUTH = ['basic', 'body'] as const
const FRAME_HEADERS: HeaderMap = { 'x-frame-options': 'DENY' }

type DoorkeeperCode = keyof typeof P.descriptions

// ---------------------------------------------------------------------------------------------
// Error shapes
// ---------------------------------------------------------------------------------------------

/** Doorkeeper's `ErrorResponse`: body, no-store headers and the `WWW-Authenticate` challenge. */
function doorkeeperResponse(status: number, error: string, description: string): Response {
  return json({ error, error_description: description }, status, {
    ...NO_STORE,
    'www-authenticate': `Bearer realm="${P.realm}", error="${error}", error_description="${description}"`,
  }, P.contentTypes.json)
}

/** A token-endpoint error with its status per the `errorStatus` option (invalid_client is always 401). */
function tokenError(options: BookingsyncOptions, code: DoorkeeperCode): ProviderError {
  const status = code === 'invalid_client' || options.errorStatus === 'bookingsync' ? 401 : 400
  return new ProviderError(status, code as ErrorCode, P.descriptions[code])
}

/** Token, revoke and token-info errors (and faults on them) in Doorkeeper's shape. */
function renderDoorkeeperError(options: BookingsyncOptions, error: ProviderError): Response {
  if (error.code === 'not_found') return bookingsyncNotFoundPage()
  if (error.code === 'payload_too_large') return doorkeeperResponse(413, 'invalid_request', P.descriptions.invalid_request)
  if (error.code === 'malformed_body') {
    const e = tokenError(options, 'invalid_request')
    return doorkeeperResponse(e.status, e.code, e.description!)
  }
  const description = error.description ?? P.descriptions[error.code as DoorkeeperCode] ?? reasonPhrase(error.status)
  return doorkeeperResponse(error.status, error.code, description)
}

/** API v3's JSON:API errors envelope: `{"errors":[{"code":"unauthorized"}]}`. */
function apiErrorResponse(status: number, code: string, headers: HeaderMap = {}): Response {
  return json({ errors: [{ code }] }, status, headers, P.contentTypes.api)
}

const snake = (status: number) => reasonPhrase(status).toLowerCase().replace(/[^a-z]+/g, '_')

function renderApiError(error: ProviderError): Response {
  if (error.code === 'invalid_token') {
    // Real clients refresh only when the description says "expired".
    const description = error.description ?? P.invalidToken.invalid
    return apiErrorResponse(401, 'unauthorized', {
      'www-authenticate': `Bearer realm="${P.realm}", error="invalid_token", error_description="${description}"`,
    })
  }
  if (error.code === 'insufficient_scope') return apiErrorResponse(403, 'forbidden')
  if (error.code === 'not_found') return apiErrorResponse(404, 'not_found')
  // A fault names its code in the description; anything else is named after its status.
  return apiErrorResponse(error.status, error.code === 'fault' && error.description ? error.description : snake(error.status))
}

/** Authorize answers: Doorkeeper's error page, or the JSON of an injected fault (X-Frame-Options comes from the route). */
function renderAuthorizeError(options: BookingsyncOptions, error: ProviderError): Response {
  let response: Response
  if (error.code === 'not_found') response = bookingsyncNotFoundPage()
  else if (error.code === 'server_error' || error.code === 'temporarily_unavailable' || error.code === 'invalid_request' || error.code === 'invalid_client') {
    response = renderDoorkeeperError(options, error)
  } else response = bookingsyncErrorPage(error.description ?? reasonPhrase(error.status), error.status)
  return response
}

/**
 * Answers outside any route (unknown path, oversized body before a route is known): the API's
 * envelope under `/api/`, Rails' 404 page or Doorkeeper's body elsewhere. No runtime is at hand
 * here, so the default options apply (these errors do not depend on them).
 */
function renderError(error: ProviderError, ctx: RequestContext): Response {
  if (ctx.path.startsWith('/api/')) return renderApiError(error)
  return renderDoorkeeperError(bookingsyncDefaultOptions, error)
}

/** An injected fault, in the shape of the endpoint it hits (contract §3). */
function faultError(endpoint: ControlEndpoint, status: number): ProviderError {
  if (endpoint === 'api') return new ProviderError(status, 'fault', snake(status))
  const code: DoorkeeperCode =
    status === 503 ? 'temporarily_unavailable' : status >= 500 ? 'server_error' : status === 401 ? 'invalid_client' : 'invalid_request'
  return new ProviderError(status, code as ErrorCode, P.descriptions[code])
}

// ---------------------------------------------------------------------------------------------
// Authorize — GET /oauth/authorize, the consent form's POST, and the out-of-band code page
// ---------------------------------------------------------------------------------------------

const authorizeProfile: AuthorizeProfile<BookingsyncData> = {
  responseType: 'required',
  scopes: { known: P.scopes, separator: P.scopeSeparator, always: P.alwaysScopes, defaults: P.alwaysScopes, unknown: 'redirect' },
  codeLifetimeSeconds: P.codeLifetimeSeconds,
  newCode: () => randomHex(P.tokenBytes),
  oob: {
    redirectUri: P.oobRedirectUri,
    // Doorkeeper ≥ 4.3 sends the browser to its own page; `state` is dropped.
    location: (base, code) => `${base}${P.paths.native}?code=${encodeURIComponent(code)}`,
    // Nothing to redirect to: Doorkeeper renders the error body as JSON with 401.
    deny: () => json({ error: 'access_denied', error_description: P.descriptions.access_denied }, 401, {}, P.contentTypes.json),
  },
  // "the account owner approves once; later authorizations of the same client pass without user action"
  skipApprovedConsent: true,
  errorParams: (code, state) => ({ error: code, error_description: P.descriptions[code], state }),
  users: (data) => data.users().map((u) => ({ id: u.id, label: `${u.name} (${u.email})` })),
  // One choice per account the user may authorize for; `account_id` pre-selects (puts first) its account.
  choices(data, userId, params) {
    const accounts = data.accountsOf(userId)
    const wanted = Number(params.account_id)
    const ordered = [...accounts.filter((a) => a.id === wanted), ...accounts.filter((a) => a.id !== wanted)]
    return ordered.map((a) => ({
      value: `${userId}:account:${a.id}`,
      label: `${a.business_name} (#${a.id})`,
      subject: { userId, teamId: null, accountId: a.id },
    }))
  },
  // Doorkeeper ≥ 5: `render :error, status: error_response.status` (401 invalid_client, else 400).
  errorPage(kind, _ctx, code) {
    // Doorkeeper never redirects an error to the out-of-band URI (`redirectable?` is false for
    // it): it shows the error page. (access_denied is answered by `oob.deny` above.)
    if (kind === 'unredirectable') return bookingsyncErrorPage(P.descriptions[code ?? 'invalid_request'] ?? P.descriptions.invalid_request, 400)
    if (kind === 'unknown_client') return bookingsyncErrorPage(P.descriptions.invalid_client, 401)
    if (kind === 'bad_redirect_uri') return bookingsyncErrorPage(P.descriptions.invalid_redirect_uri, 400)
    if (kind === 'invalid_scope') return bookingsyncErrorPage(P.descriptions.invalid_scope, 400)
    return bookingsyncErrorPage(P.descriptions.invalid_request, 400)
  },
  consentPage: (view) => bookingsyncConsentPage(view),
}

function authorize(rt: Rt, ctx: RequestContext): Promise<Response> {
  return handleAuthorizationRequest(rt, authorizeProfile, ctx)
}

/** `GET /oauth/authorize/native?code=…` and the older `GET /oauth/authorize/<code>`. */
function codePage(ctx: RequestContext): Response {
  const code = ctx.routeParams.code ?? ctx.url.searchParams.get('code') ?? ''
  return bookingsyncCodePage(code)
}

// ---------------------------------------------------------------------------------------------
// Token — POST /oauth/token
// ---------------------------------------------------------------------------------------------

const tokenFormats: TokenFormats = {
  accessLifetimeSeconds: P.accessLifetimeSeconds,
  refreshLifetimeSeconds: P.refreshLifetimeSeconds,
  newAccessToken: () => randomHex(P.tokenBytes),
  newRefreshToken: () => randomHex(P.tokenBytes),
}

const createdAt = (entry: TokenEntry) => Math.floor(entry.issuedAt / 1000)

/** Scopes in the profile's order, `public` first (`"scope":"public rentals_read"`). */
const scopeOrder = (scopes: readonly string[]) => [...scopes].sort((a, b) => rank(a) - rank(b))
const rank = (scope: string) => {
  const i = (P.scopes as readonly string[]).indexOf(scope)
  return i === -1 ? P.scopes.length : i
}

function tokenProfile(rt: Rt): TokenEndpointProfile {
  return {
    paramSources: TOKEN_SOURCES,
    clientAuth: CLIENT_AUTH,
    // Doorkeeper's `from_basic` splits the decoded header on ':' and does not form-decode.
    basicEncoding: 'raw',
    formats: tokenFormats,
    grants: {
      authorization_code: true,
      refresh_token: { rotation: rt.options.rotation },
      client_credentials: { allowed: P.clientCredentialsScopes, defaults: P.clientCredentialsScopes },
    },
    scopeSeparator: P.scopeSeparator,
    error: (code) => tokenError(rt.options, code),
    // Doorkeeper's key order; client credentials carry no refresh_token.
    body: (issued) => ({
      access_token: issued.access,
      token_type: P.tokenType,
      expires_in: P.accessLifetimeSeconds,
      ...(issued.refresh ? { refresh_token: issued.refresh } : {}),
      scope: scopeOrder(issued.accessEntry.scopes).join(' '),
      created_at: createdAt(issued.accessEntry),
    }),
    headers: { 'content-type': P.contentTypes.json },
  }
}

// ---------------------------------------------------------------------------------------------
// Revocation (RFC 7009) and token info — present on the real server, undocumented
// ---------------------------------------------------------------------------------------------

/** `POST /oauth/revoke`: client first (Doorkeeper's before_action), then the token; unknown tokens → 200 `{}`. */
async function revoke(rt: Rt, ctx: RequestContext): Promise<Response> {
  let params: Params
  try {
    params = await ctx.params(TOKEN_SOURCES)
  } catch {
    throw tokenError(rt.options, 'invalid_request')
  }
  const client = authenticateClient(rt, ctx, params, CLIENT_AUTH, 'raw')
  if (!client) throw tokenError(rt.options, 'invalid_client')
  const token = params.token
  if (token !== undefined && typeof token !== 'string') throw tokenError(rt.options, 'invalid_request')
  if (token) {
    const now = rt.clock.now()
    const found = [rt.accessTokens.lookup(token, now), rt.refreshTokens.lookup(token, now)].find((l) => l.state !== 'unknown') as
      | Lookup<TokenEntry>
      | undefined
    if (found !== undefined && found.state !== 'unknown') {
      // Doorkeeper: "You are not authorized to revoke this token" for another application's token.
      if (found.entry.clientId !== client.clientId) throw new ProviderError(403, 'unauthorized_client', P.descriptions.unauthorized_client)
      // Doorkeeper keeps the pair in one record: revoking either half revokes both.
      revokeTokens(rt, [token, ...(found.entry.pair ? [found.entry.pair] : [])])
    }
  }
  return json({}, 200, NO_STORE, P.contentTypes.json)
}

/** `GET /oauth/token/info` with `Authorization: Bearer`. */
function tokenInfo(rt: Rt, ctx: RequestContext): Response {
  const auth = authenticateBearer(rt, bearerToken(ctx.headers))
  if (!auth.ok) {
    const reason = auth.reason === 'expired' || auth.reason === 'revoked' ? auth.reason : 'invalid'
    throw new ProviderError(401, 'invalid_token', P.invalidToken[reason])
  }
  const e = auth.entry
  return json(
    {
      resource_owner_id: e.accountId,
      scope: scopeOrder(e.scopes),
      // Doorkeeper's `expires_in_seconds`: the rest of the lifetime, rounded.
      expires_in: e.expiresAt === null ? null : Math.max(0, Math.round((e.expiresAt - rt.clock.now()) / 1000)),
      application: { uid: e.clientId },
      created_at: createdAt(e),
    },
    200,
    NO_STORE,
    P.contentTypes.json,
  )
}

// ---------------------------------------------------------------------------------------------
// API v3
// ---------------------------------------------------------------------------------------------

/**
 * The accounts a client-credentials token reads: every account where the application is
 * installed, i.e. pre-installed by the fixtures, or authorized by a user while one of its
 * refresh tokens is still alive (uninstall = revocation).
 */
function installedAccounts(rt: Rt, clientId: string): number[] {
  const now = rt.clock.now()
  const authorized: number[] = []
  for (const [token, entry] of rt.refreshTokens.entriesOf(clientId)) {
    if (entry.accountId !== null && rt.refreshTokens.lookup(token, now).state === 'valid') authorized.push(entry.accountId)
  }
  return unique([...rt.data.installedAccountIds(clientId), ...authorized]).sort((a, b) => a - b)
}

interface ApiCall {
  entry: TokenEntry
  /** The accounts the token may read: its one account, or every installed one (client credentials). */
  accountIds: number[]
  headers: HeaderMap
}

/**
 * Bearer check (RFC 6750) with BookingSync's words, the scope check, then the hourly rate limit
 * per application and account.
 */
function apiCall(rt: Rt, ctx: RequestContext, scope?: string): ApiCall | Response {
  const auth = authenticateBearer(rt, bearerToken(ctx.headers), scope ? [scope] : [])
  if (!auth.ok) {
    if (auth.reason === 'insufficient_scope') throw new ProviderError(403, 'insufficient_scope')
    const reason = auth.reason === 'expired' || auth.reason === 'revoked' ? auth.reason : 'invalid'
    throw new ProviderError(401, 'invalid_token', P.invalidToken[reason])
  }
  const entry = auth.entry
  const accountIds = entry.accountId !== null ? [entry.accountId] : installedAccounts(rt, entry.clientId)
  const nowSeconds = rt.clock.nowSeconds()
  const window = P.api.rateLimitWindowSeconds
  const hour = Math.floor(nowSeconds / window)
  const key = `${entry.clientId}|${entry.accountId ?? '*'}|${hour}`
  const count = (rt.data.rateCounts.get(key) ?? 0) + 1
  // Counters of past hours are dropped, so the map holds one hour's keys at most.
  if (!rt.data.rateCounts.has(key)) for (const k of rt.data.rateCounts.keys()) if (!k.endsWith(`|${hour}`)) rt.data.rateCounts.delete(k)
  rt.data.rateCounts.set(key, count)
  const limit = rt.options.rateLimit
  const headers: HeaderMap = {
    'x-ratelimit-limit': String(limit),
    'x-ratelimit-remaining': String(Math.max(0, limit - count)),
    'x-ratelimit-reset': String((hour + 1) * window),
  }
  if (count > limit) return new Response(P.api.rateLimitExceeded, { status: 429, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers } })
  return { entry, accountIds, headers }
}

/** One page of a list, with api-pagination's headers (`Link`, `X-Total-Pages`, `X-Total-Count`, `X-Per-Page`). */
function paginate<T>(ctx: RequestContext, items: T[]): { items: T[]; headers: HeaderMap } {
  const perPage = P.api.perPage
  const totalPages = Math.max(1, Math.ceil(items.length / perPage))
  const requested = Number(ctx.url.searchParams.get('page') ?? '1')
  const page = Number.isInteger(requested) && requested >= 1 ? requested : 1
  const url = (n: number) => `${ctx.base}${ctx.path}?page=${n}`
  const links = [`<${url(1)}>; rel="first"`]
  if (page > 1) links.push(`<${url(Math.min(page - 1, totalPages))}>; rel="prev"`)
  if (page < totalPages) links.push(`<${url(page + 1)}>; rel="next"`)
  links.push(`<${url(totalPages)}>; rel="last"`)
  return {
    items: items.slice((page - 1) * perPage, page * perPage),
    headers: {
      link: links.join(', '),
      'x-total-pages': String(totalPages),
      'x-total-count': String(items.length),
      'x-per-page': String(perPage),
    },
  }
}

function apiList(ctx: RequestContext, call: ApiCall, key: string, items: unknown[], links?: Record<string, string>): Response {
  const paged = paginate(ctx, items)
  return json({ ...(links ? { links } : {}), [key]: paged.items, meta: {} }, 200, { ...call.headers, ...paged.headers }, P.contentTypes.api)
}

/** `GET /api/v3/accounts`: the token's account, or every installed account for client credentials. */
function accounts(rt: Rt, ctx: RequestContext): Response {
  const call = apiCall(rt, ctx)
  if (call instanceof Response) return call
  const list = call.accountIds.map((id) => rt.data.account(id)).filter((a) => a !== null)
  return apiList(ctx, call, 'accounts', list)
}

/** `GET /api/v3/rentals` (rentals_read). */
function rentals(rt: Rt, ctx: RequestContext): Response {
  const call = apiCall(rt, ctx, 'rentals_read')
  if (call instanceof Response) return call
  const list = rt.data.rentals(call.accountIds).map(({ accountId, id, ...r }) => ({ links: { account: accountId }, id, ...r }))
  return apiList(ctx, call, 'rentals', list, { 'rentals.account': `${ctx.base}${P.paths.accounts}/{rentals.account}` })
}

/** `GET /api/v3/bookings` (bookings_read). */
function bookings(rt: Rt, ctx: RequestContext): Response {
  const call = apiCall(rt, ctx, 'bookings_read')
  if (call instanceof Response) return call
  const list = rt.data.bookings(call.accountIds).map(({ accountId, rentalId, id, ...b }) => ({ links: { account: accountId, rental: rentalId }, id, ...b }))
  return apiList(ctx, call, 'bookings', list, {
    'bookings.account': `${ctx.base}${P.paths.accounts}/{bookings.account}`,
    'bookings.rental': `${ctx.base}${P.paths.rentals}/{bookings.rental}`,
  })
}

// ---------------------------------------------------------------------------------------------
// The provider
// ---------------------------------------------------------------------------------------------

/** Rails answers a path it has no route for with 404, whatever the method. */
const noRoute = () => new ProviderError(404, 'not_found', 'Not Found')

export const bookingsync = defineProvider<BookingsyncData, BookingsyncOptions>({
  id: 'bookingsync',
  title: 'BookingSync',
  hosts: { www: P.host },
  createData: createBookingsyncData,
  demoClients: () => [bookingsyncDemoClient],
  defaultUserId: () => bookingsyncDefaultUserId,
  optionsSchema: bookingsyncOptionsSchema,
  endpoints: {
    authorize: P.paths.authorize,
    token: P.paths.token,
    refresh: P.paths.token,
    resource: P.paths.accounts,
    revoke: P.paths.revoke,
    tokenInfo: P.paths.tokenInfo,
    oobCode: P.paths.native,
    rentals: P.paths.rentals,
    bookings: P.paths.bookings,
  },
  renderError,
  faultError,
  routes: (rt): Route[] => {
    const doorkeeper = (error: ProviderError) => renderDoorkeeperError(rt.options, error)
    const api = (path: string, handle: (rt: Rt, ctx: RequestContext) => Response): Route => ({
      methods: ['GET'],
      path,
      endpoint: 'api',
      wrongMethod: noRoute,
      renderError: renderApiError,
      handle: (ctx) => handle(rt, ctx),
    })
    return [
      {
        methods: ['GET', 'POST'],
        path: P.paths.authorize,
        endpoint: 'authorize',
        wrongMethod: noRoute,
        headers: FRAME_HEADERS,
        renderError: (error) => renderAuthorizeError(rt.options, error),
        handle: (ctx) => authorize(rt, ctx),
      },
      { methods: ['GET'], path: P.paths.native, wrongMethod: noRoute, headers: FRAME_HEADERS, renderError: (error) => renderAuthorizeError(rt.options, error), handle: codePage },
      { methods: ['GET'], path: P.paths.nativeLegacy, wrongMethod: noRoute, headers: FRAME_HEADERS, renderError: (error) => renderAuthorizeError(rt.options, error), handle: codePage },
      {
        methods: ['POST'],
        path: P.paths.token,
        endpoint: tokenEndpointKind(TOKEN_SOURCES),
        wrongMethod: noRoute,
        renderError: doorkeeper,
        handle: (ctx) => handleTokenRequest(rt, tokenProfile(rt), ctx),
      },
      { methods: ['POST'], path: P.paths.revoke, wrongMethod: noRoute, renderError: doorkeeper, handle: (ctx) => revoke(rt, ctx) },
      { methods: ['GET'], path: P.paths.tokenInfo, wrongMethod: noRoute, renderError: doorkeeper, handle: (ctx) => tokenInfo(rt, ctx) },
      api(P.paths.accounts, accounts),
      api(P.paths.rentals, rentals),
      api(P.paths.bookings, bookings),
    ]
  },
})
