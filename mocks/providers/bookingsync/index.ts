/**
 * The BookingSync fake (API v3 on Doorkeeper). Numbers and words live in ./profile.ts with the
 * source line of each; the Doorkeeper release (`doorkeeper` option) decides every endpoint's
 * answers together. This file wires them to the engine's steps. Docs: docs/providers/bookingsync.md.
 */
import { z } from 'zod'
import { bookingsyncDefaultUserId, bookingsyncDemoClient } from '../../../fixtures/bookingsync.ts'
import { type AuthorizeFailure, type AuthorizeProfile, handleAuthorizationRequest } from '../../engine/authorize.ts'
import type { Client } from '../../engine/clients.ts'
import type { ControlEndpoint } from '../../engine/controls.ts'
import { randomBase64url, randomHex } from '../../engine/crypto.ts'
import { type ErrorCode, ProviderError, reasonPhrase } from '../../engine/errors.ts'
import { type HeaderMap, basicCredentials, json, textResponse } from '../../engine/http.ts'
import { type ClientAuthProfile, type TokenFormats, authenticateBearer, authenticateClient, issueTokens, latestGrantKey, redirectUriAllowed, requestAccessToken, revokeTokens, scopeTag, unique } from '../../engine/oauth.ts'
import { type ParamSource, type Params, lastValues } from '../../engine/params.ts'
import type { GrantSubject, ProviderRuntime, RequestContext, Route, TokenEntry } from '../../engine/provider.ts'
import { defineProvider } from '../../engine/provider.ts'
import { type TokenEndpointProfile, type TokenStepFunction, handleTokenRequest, tokenEndpointKind } from '../../engine/token-endpoint.ts'
import { type BookingsyncData, createBookingsyncData } from './data.ts'
import { bookingsyncCodePage, bookingsyncConsentPage, bookingsyncErrorPage, bookingsyncNotFoundPage, bookingsyncRejectedPage } from './pages.ts'
import { type BookingsyncOptions, type DoorkeeperRelease, REVOKE_REFUSED, bookingsyncOptionsSchema, bookingsyncProfile as P, doorkeeperReleases } from './profile.ts'

type Rt = ProviderRuntime<BookingsyncData, BookingsyncOptions>

/** DK@v4.2.6:lib/doorkeeper/server.rb#L20-L22: `params`, which Rails merges from the query string and the body (see `railsParams`). */
const TOKEN_SOURCES: readonly ParamSource[] = ['query', 'form', 'json']
/**
 * DK@v4.2.6:lib/doorkeeper/oauth/client/credentials.rb#L6-L23: Basic first (split raw on ':', no
 * decoding), then params. 5.x adds public applications, found by their uid alone
 * (DK@v.5.6.9:lib/doorkeeper/models/application_mixin.rb#L26-L33).
 */
const clientAuth = (r: DoorkeeperRelease): ClientAuthProfile => ({ methods: r.credentials === 'uid' ? ['basic', 'body', 'none'] : ['basic', 'body'], basicEncoding: 'raw' })
/** docs: authorization.md "The BookingSync website serves the `X-Frame-Options: DENY` header". */
const FRAME_HEADERS: HeaderMap = { 'x-frame-options': 'DENY' }
const JSON_TYPE = P.contentTypes.json

type DoorkeeperCode = keyof typeof P.descriptions
const release = (rt: Rt): DoorkeeperRelease => doorkeeperReleases[rt.options.doorkeeper]

/**
 * A lifetime as Doorkeeper ends it: `expired?` is `Time.now > created_at + expires_in`
 * (DK@v4.2.6:lib/doorkeeper/models/concerns/expirable.rb#L8-L10), so at exactly 7200 s a token is
 * still valid; the engine's stores expire at `expiresAt`, one millisecond later here.
 */
const lifetime = (seconds: number) => seconds + 0.001

/**
 * Rails `params` (`request.parameters`, what Doorkeeper reads): the body's and the query string's
 * parameters, a repeated key keeping its last value, and the query string winning a key both have
 * (ActionDispatch::Http::Parameters#parameters: `request_parameters.merge(query_parameters)`).
 */
async function railsParams(ctx: RequestContext): Promise<Params> {
  return Object.assign(lastValues(await ctx.params(['form', 'json'])), lastValues(await ctx.params(['query'])))
}

/**
 * The request as the engine's endpoints see it, with Rails `params` whatever sources they ask for:
 * a copy of the context (made once its body is read) with its own `params`. Not
 * `Object.create(ctx)`: V8 gives each object used as a prototype a map of its own, which points at
 * it from the old generation and so kept every request's whole graph through the young
 * generation's collections (test/young-garbage.test.ts).
 */
function withRailsParams(ctx: RequestContext): RequestContext {
  return { ...ctx, params: () => railsParams(ctx) }
}

// ---------------------------------------------------------------------------------------------
// Error shapes
// ---------------------------------------------------------------------------------------------

/** DK@v4.2.6:lib/doorkeeper/oauth/error_response.rb: `{error, error_description[, state]}`, no-cache headers and the challenge. */
function doorkeeperResponse(r: DoorkeeperRelease, status: number, error: string, description: string, extra: Record<string, string> = {}): Response {
  return json({ error, error_description: description, ...extra }, status, {
    ...r.noCache,
    'www-authenticate': `Bearer realm="${P.realm}", error="${error}", error_description="${description}"`,
  }, JSON_TYPE)
}

/**
 * A token-endpoint error in the release's status; a missing parameter in 5.x's own words. A
 * missing or unknown `grant_type` is raised rather than validated (DK@v4.2.6:lib/doorkeeper/request.rb#L24-L28),
 * and the controller's exception path answers with `params[:state]` (`tokenRequest`).
 */
function tokenError(r: DoorkeeperRelease, code: DoorkeeperCode, hint?: string): ProviderError {
  const missing = code === 'invalid_request' && hint && hint !== 'malformed_body' && r.missingParameter ? r.missingParameter(hint) : undefined
  const raised = code === 'unsupported_grant_type' || hint === 'grant_type'
  return new ProviderError(r.errorStatus(code), code as ErrorCode, missing ?? P.descriptions[code], raised ? { raised: 'grant_type' } : {})
}

function renderDoorkeeperError(r: DoorkeeperRelease, error: ProviderError): Response {
  if (error.code === 'not_found') return bookingsyncNotFoundPage()
  if (error.code === 'payload_too_large') return doorkeeperResponse(r, 413, 'invalid_request', P.descriptions.invalid_request)
  if (error.code === 'malformed_body') {
    const e = tokenError(r, 'invalid_request')
    return doorkeeperResponse(r, e.status, e.code, e.description!)
  }
  const description = error.description ?? P.descriptions[error.code as DoorkeeperCode] ?? reasonPhrase(error.status)
  return doorkeeperResponse(r, error.status, error.code, description)
}

/**
 * API 401: BookingSync's body (api-cassette) with Doorkeeper's headers; its reason lives in
 * WWW-Authenticate only (engine: the header is what clients read). 403: Doorkeeper's
 * ForbiddenTokenResponse without a body (DK@v4.2.6:lib/doorkeeper/oauth/forbidden_token_response.rb#L8-L26:
 * no WWW-Authenticate; BookingSync's 403 body is silent: chosen Doorkeeper's default, nothing).
 */
function renderApiError(r: DoorkeeperRelease, error: ProviderError): Response {
  if (error.code === 'invalid_token') {
    const description = error.description ?? P.invalidToken.invalid
    return json(P.api.unauthorizedBody, 401, { ...r.noCache, 'www-authenticate': `Bearer realm="${P.realm}", error="invalid_token", error_description="${description}"` }, JSON_TYPE)
  }
  if (error.code === 'insufficient_scope') return new Response(null, { status: 403, headers: { ...r.noCache } })
  if (error.code === 'not_found') return json({ errors: [{ code: 'not_found' }] }, 404, {}, P.contentTypes.api)
  // An injected fault and the like: the status in the API's JSON:API envelope (chosen: what BookingSync's API errors look like).
  return json({ errors: [{ code: error.code === 'fault' && error.description ? error.description : snake(error.status) }] }, error.status, {}, P.contentTypes.api)
}

const snake = (status: number) => reasonPhrase(status).toLowerCase().replace(/[^a-z]+/g, '_')

/** Unknown paths: the API's envelope under `/api/`, Rails' 404 page or Doorkeeper's body elsewhere. */
function renderError(error: ProviderError, ctx: RequestContext): Response {
  const r = doorkeeperReleases['4.2.6']
  if (ctx.path.startsWith('/api/')) return renderApiError(r, error)
  return renderDoorkeeperError(r, error)
}

/** An injected fault, in the shape of the endpoint it hits (docs/server.md). */
function faultError(endpoint: ControlEndpoint, status: number): ProviderError {
  if (endpoint === 'api') return new ProviderError(status, 'fault', snake(status))
  const code: DoorkeeperCode =
    status === 503 ? 'temporarily_unavailable' : status >= 500 ? 'server_error' : status === 401 ? 'invalid_client' : 'invalid_request'
  return new ProviderError(status, code as ErrorCode, P.descriptions[code])
}

// ---------------------------------------------------------------------------------------------
// Authorize — GET /oauth/authorize, the consent form's POST, the out-of-band code page
// ---------------------------------------------------------------------------------------------

/** Doorkeeper's tokens and codes for the release: hex(32) (4.2.6) or urlsafe_base64(32) (5.1+). */
const newToken = (r: DoorkeeperRelease) => (r.tokens === 'hex' ? randomHex(P.tokenBytes) : randomBase64url(P.tokenBytes))

function tokenFormats(rt: Rt): TokenFormats {
  const r = release(rt)
  return {
    accessLifetimeSeconds: lifetime(P.accessLifetimeSeconds),
    refreshLifetimeSeconds: P.refreshLifetimeSeconds,
    newAccessToken: () => newToken(r),
    newRefreshToken: () => newToken(r),
  }
}

/** The error page's words for each reason (DK's `error_response.body[:error_description]`). */
function pageDescription(r: DoorkeeperRelease, failure: AuthorizeFailure): { code: string; description: string } {
  switch (failure.reason) {
    case 'missing_client_id':
      // 5.x: `validate :client_id, error: :invalid_request` ("Missing required parameter: client_id."); 4.2.6: the client lookup fails.
      return r.missingParameter ? { code: 'invalid_request', description: r.missingParameter('client_id') } : { code: 'invalid_client', description: P.descriptions.invalid_client }
    case 'unknown_client':
      return { code: 'invalid_client', description: P.descriptions.invalid_client }
    case 'missing_redirect_uri':
    case 'invalid_redirect_uri':
    case 'mismatching_redirect_uri':
      return { code: 'invalid_redirect_uri', description: r.invalidRedirectUri }
    case 'missing_response_type':
      return { code: 'invalid_request', description: failure.description ?? P.descriptions.invalid_request }
    case 'unsupported_response_type':
      return { code: 'unsupported_response_type', description: P.descriptions.unsupported_response_type }
    case 'invalid_scope':
      return { code: 'invalid_scope', description: P.descriptions.invalid_scope }
    case 'provider':
      return { code: failure.error, description: failure.description ?? P.descriptions.invalid_request }
    default:
      return { code: 'invalid_request', description: P.descriptions.invalid_request }
  }
}

function authorizeProfile(rt: Rt): AuthorizeProfile<BookingsyncData> {
  const r = release(rt)
  const modes = r.responseModes
  return {
    // 5.x checks `response_mode` right after `response_type` (DK@v.5.6.9:lib/doorkeeper/oauth/pre_authorization.rb#L14-L15).
    order: modes ? [...r.authorizeOrder.flatMap((c) => (c === 'response_type' ? ['response_type', 'provider'] as const : [c]))] : r.authorizeOrder,
    // Doorkeeper renders every pre-authorization error (4.2.6: `render :error`; 5.x: `handle_auth_errors :render`).
    onError: 'render',
    responseModes: modes ? ['query', 'fragment'] : undefined,
    // DK@v.5.6.9:lib/doorkeeper/oauth/pre_authorization.rb#L128-L135: blank is the flow's default, anything else must be one of its modes.
    // `form_post` passes here but is answered as the default mode (the fake has no form_post page).
    check: modes
      ? (params) => {
          const mode = params.response_mode
          if (mode === undefined || mode === '') return undefined
          const allowed = params.response_type === 'token' ? modes.token : modes.code
          return typeof mode === 'string' && allowed.includes(mode) ? undefined : { reason: 'provider', error: 'unsupported_response_mode', description: P.descriptions.unsupported_response_mode }
        }
      : undefined,
    responseTypes: {
      code: true,
      // docs: authorization.md "Implicit Flow" (response_type=token): the token in the fragment, no refresh token.
      token: {
        issue: (runtime, client, subject, scopes) => {
          const issued = issueTokens(runtime, tokenFormats(rt), { clientId: client.clientId, subject, scopes, grantType: 'authorization_code', withRefresh: false })
          return { token: issued.access, entry: issued.accessEntry }
        },
        // DK@v4.2.6:lib/doorkeeper/oauth/code_response.rb#L18-L35: access_token, token_type, expires_in, state; blanks dropped.
        fragment: (issued, state) => ({ access_token: issued.token, token_type: r.tokenType, expires_in: String(P.accessLifetimeSeconds), state: state || undefined }),
        // DK@v4.2.6:lib/doorkeeper/oauth/authorization/token.rb#L30-L36: the native URI goes to token info.
        oobLocation: (base, token) => `${base}${P.paths.tokenInfo}?access_token=${encodeURIComponent(token)}`,
      },
      // 4.2.6: a missing response_type is `unsupported_response_type` (pre_authorization.rb#L41-L43); 5.x: a missing parameter.
      missing: r.missingParameter ? { error: 'invalid_request', description: r.missingParameter('response_type') } : 'unsupported',
    },
    scopes: { known: P.scopes, separator: P.scopeSeparator, always: P.alwaysScopes, defaults: P.alwaysScopes, unknown: 'fail' },
    redirectUriMatch: 'doorkeeper',
    codeLifetimeSeconds: lifetime(P.codeLifetimeSeconds),
    newCode: () => newToken(r),
    oob: {
      redirectUri: P.oobRedirectUri,
      anyClient: r.oobAnyClient,
      // State is dropped (DK@v4.2.6:lib/doorkeeper/oauth/authorization/code.rb#L22-L24).
      location: (base, code) => (r.nativePath === P.paths.native ? `${base}${P.paths.native}?code=${encodeURIComponent(code)}` : `${base}${P.paths.authorize}/${encodeURIComponent(code)}`),
      // DK@v4.2.6:authorizations_controller.rb#L35-L41: nothing to redirect to, so the error body as JSON.
      deny: (state) => json({ error: 'access_denied', error_description: P.descriptions.access_denied, ...(state ? { state } : {}) }, r.oobDenyStatus, {}, JSON_TYPE),
    },
    // `matching_token?` (DK@v4.2.6:app/controllers/doorkeeper/authorizations_controller.rb#L7, #L29-L33); 5.x only for confidential applications.
    skipConsent: (runtime, { client, subject, scopes }) => !(r.autoApproveConfidentialOnly && client.public === true) && matchingToken(runtime as Rt, r, client, subject, scopes),
    errorParams: (failure, state) => ({ error: failure.error, error_description: P.descriptions[failure.error as DoorkeeperCode] ?? failure.description, state: state || undefined }),
    users: (data) => data.users().map((u) => ({ id: u.id, label: `${u.name} (${u.email})` })),
    // One choice per account the user may authorize for; `account_id` pre-selects (puts first) its account.
    choices(data, userId, params) {
      const accounts = data.accountsOf(userId)
      const wanted = Number(params.account_id)
      const ordered = [...accounts.filter((a) => a.id === wanted), ...accounts.filter((a) => a.id !== wanted)]
      return ordered.map((a) => ({ value: `${userId}:account:${a.id}`, label: `${a.business_name} (#${a.id})`, subject: { userId, teamId: null, accountId: a.id } }))
    },
    errorPage(failure) {
      // Rails' `protect_from_forgery with: :exception` (DK@v4.2.6:app/controllers/doorkeeper/application_controller.rb#L7-L11): 422 and public/422.html.
      if (failure.reason === 'csrf') return bookingsyncRejectedPage()
      const { code, description } = pageDescription(r, failure)
      return bookingsyncErrorPage(description, r.authorizeErrorStatus(code))
    },
    consentPage: (view) => bookingsyncConsentPage(view),
    csrfField: 'authenticity_token',
  }
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((s) => b.includes(s))

/**
 * Whether an earlier access token lets the owner skip the consent page. Revoked tokens never
 * count, expired ones do. 4.2.6: the owner's newest non-revoked token, if its scopes equal the
 * request's, or the application's own scopes when it has some (`scopes_match?` →
 * `ScopeChecker.match?`, DK@v4.2.6:lib/doorkeeper/models/access_token_mixin.rb#L91-L123). 5.6.9:
 * any non-revoked token with the request's scopes (DK@v.5.6.9:lib/doorkeeper/models/access_token_mixin.rb#L90-L161).
 */
function matchingToken(rt: Rt, r: DoorkeeperRelease, client: Client, subject: GrantSubject, scopes: readonly string[]): boolean {
  // The access token store groups live (non-revoked) tokens by client and subject, and counts them by scope set.
  const group = latestGrantKey(client.clientId, subject)
  if (r.matchingToken === 'any') return rt.accessTokens.hasLiveTagged(group, scopeTag(scopes))
  const newest = rt.accessTokens.newestLive(group)?.[1]
  return newest !== undefined && sameSet(newest.scopes, client.scopes?.length ? client.scopes : scopes)
}

/** The out-of-band code page: `GET /oauth/authorize/<code>` (4.2.6) or `/oauth/authorize/native?code=` (4.3+). Rails' path parameter wins over the query. */
function codePage(ctx: RequestContext): Response {
  return bookingsyncCodePage(ctx.routeParams.code ?? ctx.url.searchParams.get('code') ?? '')
}

// ---------------------------------------------------------------------------------------------
// Token — POST /oauth/token
// ---------------------------------------------------------------------------------------------

const createdAt = (entry: TokenEntry) => Math.floor(entry.issuedAt / 1000)

/**
 * 5.x refresh `validate_client` (DK@v.5.6.9:lib/doorkeeper/oauth/refresh_token_request.rb#L98-L102)
 * with 5.x credentials, which a client_id alone makes present (client/credentials.rb#L28-L30):
 * given, they must authenticate.
 */
const clientIfIdGiven =
  (auth: ClientAuthProfile): TokenStepFunction =>
  ({ rt, ctx, state, fail }) => {
    const id = basicCredentials(ctx.headers, 'raw')?.id ?? state.params.client_id
    if (typeof id !== 'string' || id === '') return
    state.client = authenticateClient(rt, ctx, state.params, auth) ?? fail('invalid_client')
  }

/**
 * 5.x compares the exchange's `redirect_uri` with the grant's as the authorize request's is
 * compared with the registered ones (DK@v.5.6.9:lib/doorkeeper/oauth/authorization_code_request.rb#L79-L84,
 * `URIChecker.valid_for_authorization?`): the request's query is ignored unless the grant's has one.
 */
const redirectUriMatchesGrant: TokenStepFunction = ({ state, fail }) => {
  if (!state.code) return
  const given = typeof state.params.redirect_uri === 'string' ? state.params.redirect_uri : ''
  const granted = state.code.entry.redirectUri
  if (given === granted) return
  if (granted === P.oobRedirectUri || !URL.canParse(given) || given.includes('#') || !redirectUriAllowed('doorkeeper', given, [granted])) fail('invalid_grant')
}

function tokenProfile(rt: Rt): TokenEndpointProfile {
  const r = release(rt)
  const auth = clientAuth(r)
  return {
    paramSources: TOKEN_SOURCES,
    clientAuth: auth,
    formats: tokenFormats(rt),
    // Rails `params` (the route hands the engine `railsParams`): a repeated key keeps its last value.
    repeated: 'last',
    // DK@v4.2.6:lib/doorkeeper/request.rb#L18-L28: missing → invalid_request, unknown → unsupported_grant_type.
    missingGrantType: 'invalid_request',
    grants: {
      // DK@v4.2.6:lib/doorkeeper/oauth/authorization_code_request.rb#L4-L48: redirect_uri present, client, grant, same redirect_uri;
      // the grant is revoked only once the token is issued (#L20-L24).
      authorization_code: {
        steps: ['redirect-uri-param', 'client', 'code', r.tokenRedirectUri === 'exact' ? 'redirect-uri' : redirectUriMatchesGrant],
        codeUse: 'on-success',
        redirectUriMismatch: 'invalid_grant',
      },
      // DK@v4.2.6:lib/doorkeeper/oauth/refresh_token_request.rb#L6-L10 (token before client; a client only if given); 5.x requires it.
      refresh_token: {
        steps: r.refreshNeedsClient
          ? ['refresh-param', 'refresh-token', clientIfIdGiven(auth), 'refresh-client', 'scope']
          : ['refresh-param', 'refresh-token', 'client-if-given', 'refresh-client-match', 'scope'],
        rotation: rt.options.rotation,
      },
      // DK@v4.2.6:lib/doorkeeper/oauth/client_credentials/validation.rb#L12-L13: client, then scopes.
      client_credentials: { steps: ['client', 'scope'], allowed: P.clientCredentialsScopes, defaults: P.clientCredentialsScopes },
    },
    scopeSeparator: P.scopeSeparator,
    error: (code, hint) => tokenError(r, code as DoorkeeperCode, hint),
    // DK@v4.2.6:lib/doorkeeper/oauth/token_response.rb#L10-L19: this key order, blank values dropped;
    // scopes in the order they were asked for (`OAuth::Scopes` keeps it), `public` added last when not asked for.
    body: (issued) => {
      const scope = issued.accessEntry.scopes.join(' ')
      return {
        access_token: issued.access,
        token_type: r.tokenType,
        expires_in: expiresIn(issued.accessEntry, issued.accessEntry.issuedAt),
        ...(issued.refresh ? { refresh_token: issued.refresh } : {}),
        ...(scope ? { scope } : {}),
        created_at: createdAt(issued.accessEntry),
      }
    },
    headers: { 'content-type': JSON_TYPE, ...r.noCache },
  }
}

/**
 * The token endpoint on Rails `params`. An error raised rather than validated (a missing or
 * unknown `grant_type`) goes through `handle_token_exception`, whose body carries the request's
 * `state` (DK@v4.2.6:lib/doorkeeper/helpers/controller.rb#L36-L45; DK@v.5.6.9 #L50-L69).
 */
async function tokenRequest(rt: Rt, profile: TokenEndpointProfile, ctx: RequestContext): Promise<Response> {
  try {
    return await handleTokenRequest(rt as ProviderRuntime<unknown, unknown>, profile, withRailsParams(ctx))
  } catch (error) {
    if (!(error instanceof ProviderError) || !error.detail.raised) throw error
    const state = await railsParams(ctx).then((p) => p.state, () => undefined)
    if (typeof state !== 'string' || state === '') throw error
    throw new ProviderError(error.status, error.code, error.description, { state })
  }
}

/** Doorkeeper's `expires_in_seconds`: what is left of the lifetime, rounded, at least 0 (models/concerns/expirable.rb). */
function expiresIn(entry: TokenEntry, now: number): number | null {
  return entry.expiresAt === null ? null : Math.max(0, Math.round((entry.expiresAt - now) / 1000))
}

// ---------------------------------------------------------------------------------------------
// Revocation (RFC 7009) and token info — present on the real server, undocumented by BookingSync
// ---------------------------------------------------------------------------------------------

/**
 * `POST /oauth/revoke`. 4.2.6 (DK@v4.2.6:app/controllers/doorkeeper/tokens_controller.rb#L13-L71):
 * the token from the body only (`request.POST`), revoked when the client authenticates as its
 * application and it is still accessible (not expired, not revoked); always 200 `{}`.
 * 5.6.9 (DK@v.5.6.9:app/controllers/doorkeeper/tokens_controller.rb#L5-L31, #L48-L127): no
 * authenticated client, or another confidential application's token: 403 `unauthorized_client`
 * (a plain `render json:`, no cache headers); an unknown token: 200 `{}`.
 */
async function revoke(rt: Rt, ctx: RequestContext): Promise<Response> {
  const r = release(rt)
  let params: Params
  try {
    params = r.revokeToken.from === 'body' ? lastValues(await ctx.params(['form', 'json'])) : await railsParams(ctx)
  } catch {
    throw tokenError(r, 'invalid_request')
  }
  const done = () => json({}, 200, {}, JSON_TYPE)
  const refused = () => json({ error: 'unauthorized_client', error_description: REVOKE_REFUSED }, 403, {}, JSON_TYPE)
  const client = authenticateClient(rt, ctx, params, clientAuth(r))
  if (!client && r.revokeRefusal === 'forbidden') return refused()
  const token = typeof params.token === 'string' ? params.token : ''
  const now = rt.clock.now()
  const onlyRefresh = r.revokeToken.hint && params.token_type_hint === 'refresh_token'
  const access = onlyRefresh ? ({ state: 'unknown' } as const) : rt.accessTokens.lookup(token, now)
  const found = access.state !== 'unknown' ? access : rt.refreshTokens.lookup(token, now)
  if (found.state === 'unknown') return done()
  // 5.x: a public application's token needs no particular client (`authorized?`, #L100-L110).
  const mine = found.entry.clientId === client?.clientId || (r.revokeRefusal === 'forbidden' && rt.client(found.entry.clientId)?.public === true)
  if (!mine) return r.revokeRefusal === 'forbidden' ? refused() : done()
  // One Doorkeeper row holds the pair: `accessible?` (not expired, not revoked) is the access token's state.
  const row = found.entry.kind === 'access' || !found.entry.pair ? found : rt.accessTokens.lookup(found.entry.pair, now)
  if (row.state === 'valid') revokeTokens(rt, [token, ...(found.entry.pair ? [found.entry.pair] : [])])
  return done()
}

/**
 * `GET /oauth/token/info`: the token's JSON (DK `AccessToken#as_json`), keys per release. Refused:
 * 4.2.6 `invalid_request` (DK@v4.2.6:app/controllers/doorkeeper/token_info_controller.rb#L3-L11);
 * 5.6.9 `InvalidTokenResponse.new`, whose reason is always "unknown" (DK@v.5.6.9:app/controllers/doorkeeper/token_info_controller.rb#L9,
 * lib/doorkeeper/oauth/invalid_token_response.rb#L20-L23) and whose `state: :unauthorized` is part of the body.
 */
function tokenInfo(rt: Rt, ctx: RequestContext): Response {
  const r = release(rt)
  const auth = authenticateBearer(rt, requestAccessToken(ctx, P.api.tokenParams))
  if (!auth.ok) {
    if (r.tokenInfoError === 'invalid_request') throw new ProviderError(401, 'invalid_request', P.descriptions.invalid_request)
    throw new ProviderError(401, 'invalid_token', P.invalidToken.invalid, { state: 'unauthorized' })
  }
  const e = auth.entry
  return json(
    {
      resource_owner_id: e.accountId,
      [r.tokenInfoKeys.scope]: [...e.scopes],
      [r.tokenInfoKeys.expiresIn]: expiresIn(e, rt.clock.now()),
      application: { uid: e.clientId },
      created_at: createdAt(e),
    },
    200,
    {},
    JSON_TYPE,
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
  // One group per subject (user and account) with live refresh tokens: bounded by subjects, not tokens.
  for (const group of rt.refreshTokens.groupsOf(clientId)) {
    const newest = rt.refreshTokens.newestLive(group)
    if (!newest || newest[1].accountId === null) continue
    const valid = (token: string) => rt.refreshTokens.lookup(token, now).state === 'valid'
    // The newest is the last to expire (one lifetime for all); the others are asked only if it has expired.
    if (valid(newest[0]) || [...rt.refreshTokens.liveOf(group)].some(([token]) => valid(token))) authorized.push(newest[1].accountId)
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
 * Doorkeeper's `doorkeeper_authorize!` (the token from the header or `?access_token=` /
 * `?bearer_token=`, DK@v4.2.6:lib/doorkeeper/oauth/token.rb#L21-L33), the scope check (403), then
 * the hourly rate limit per application (docs: index.md#L112).
 */
function apiCall(rt: Rt, ctx: RequestContext, scope?: string): ApiCall | Response {
  const auth = authenticateBearer(rt, requestAccessToken(ctx, P.api.tokenParams), scope ? [scope] : [])
  if (!auth.ok) {
    if (auth.reason === 'insufficient_scope') throw new ProviderError(403, 'insufficient_scope')
    const reason = auth.reason === 'expired' || auth.reason === 'revoked' ? auth.reason : 'invalid'
    throw new ProviderError(401, 'invalid_token', P.invalidToken[reason])
  }
  const entry = auth.entry
  const accountIds = entry.accountId !== null ? [entry.accountId] : installedAccounts(rt, entry.clientId)
  const window = P.api.rateLimitWindowSeconds
  const hour = Math.floor(rt.clock.nowSeconds() / window)
  const key = `${entry.clientId}|${hour}`
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
  if (count > limit) return textResponse(P.api.rateLimitExceeded, { status: 429, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers } })
  return { entry, accountIds, headers }
}

/**
 * One page of a list with BookingSync's headers (`Link`, `X-Total-Pages`, `X-Total-Count`,
 * `X-Per-Page`), as recorded (api-cassette: BookingSync_API_Client_Bookings/_bookings/pagination/*.yml):
 * `first` and `last` always, `prev`/`next` when there is one, each URL the request's query with
 * its `page`, keys sorted (`Hash#to_query`); `per_page` is honoured up to the default (docs: index.md#L82).
 */
function paginate<T>(ctx: RequestContext, items: T[]): { items: T[]; headers: HeaderMap } {
  const query = ctx.url.searchParams
  const asked = Number(query.get('per_page') ?? '')
  const perPage = Number.isInteger(asked) && asked >= 1 ? Math.min(asked, P.api.perPage) : P.api.perPage
  const totalPages = Math.max(1, Math.ceil(items.length / perPage))
  const requested = Number(query.get('page') ?? '1')
  const page = Number.isInteger(requested) && requested >= 1 ? requested : 1
  const url = (n: number) => {
    const params = new URLSearchParams(query)
    params.set('page', String(n))
    params.sort()
    return `${ctx.base}${ctx.path}?${params}`
  }
  const links = [`<${url(1)}>; rel="first"`]
  if (page > 1) links.push(`<${url(Math.min(page - 1, totalPages))}>; rel="prev"`)
  if (page < totalPages) links.push(`<${url(page + 1)}>; rel="next"`)
  links.push(`<${url(totalPages)}>; rel="last"`)
  return {
    items: items.slice((page - 1) * perPage, page * perPage),
    headers: { link: links.join(', '), 'x-total-pages': String(totalPages), 'x-total-count': String(items.length), 'x-per-page': String(perPage) },
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
  return apiList(ctx, call, 'accounts', call.accountIds.map((id) => rt.data.account(id)).filter((a) => a !== null))
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
  users: {
    schema: z
      .object({
        id: z.number().int().positive(),
        name: z.string().max(200),
        email: z.string().email(),
        /** The accounts the user may authorize for (existing ones, or new ones created with them). */
        accounts: z.array(z.object({ id: z.number().int().positive(), business_name: z.string().max(200), email: z.string().email().default('owner@example.com') }).strict()).min(1),
      })
      .strict(),
    add: (data, user) => data.addUser(user as Parameters<BookingsyncData['addUser']>[0]),
  },
  defaultUserId: () => bookingsyncDefaultUserId,
  optionsSchema: bookingsyncOptionsSchema,
  // `matchingToken`: the owner's newest live token (4.2.6) or any with the request's scopes (5.6.9).
  accessTokenGroups: true,
  endpoints: {
    authorize: P.paths.authorize,
    token: P.paths.token,
    refresh: P.paths.token,
    resource: P.paths.accounts,
    revoke: P.paths.revoke,
    tokenInfo: P.paths.tokenInfo,
    rentals: P.paths.rentals,
    bookings: P.paths.bookings,
  },
  renderError,
  faultError,
  routes: (rt): Route[] => {
    const r = release(rt)
    // An error with a `state` (the exception path's `params[:state]`, 5.x token info's `unauthorized`) shows it last.
    const doorkeeper = (error: ProviderError) =>
      error.detail.state ? doorkeeperResponse(r, error.status, error.code, error.description ?? P.descriptions.invalid_request, { state: error.detail.state }) : renderDoorkeeperError(r, error)
    const pageError = (error: ProviderError) =>
      error.code === 'not_found' ? bookingsyncNotFoundPage() : error.code === 'server_error' || error.code === 'temporarily_unavailable' || error.code === 'invalid_request' || error.code === 'invalid_client' ? renderDoorkeeperError(r, error) : bookingsyncErrorPage(error.description ?? reasonPhrase(error.status), error.status)
    const api = (path: string, handle: (rt: Rt, ctx: RequestContext) => Response): Route => ({
      methods: ['GET'],
      path,
      endpoint: 'api',
      wrongMethod: noRoute,
      renderError: (error) => renderApiError(r, error),
      handle: (ctx) => handle(rt, ctx),
    })
    const authorize = authorizeProfile(rt)
    const tokens = tokenProfile(rt)
    return [
      {
        methods: ['GET', 'POST'],
        path: P.paths.authorize,
        endpoint: 'authorize',
        wrongMethod: noRoute,
        headers: FRAME_HEADERS,
        renderError: pageError,
        handle: (ctx) => handleAuthorizationRequest(rt, authorize, withRailsParams(ctx)),
      },
      // The code page's route depends on the release (DK@v4.2.6:lib/doorkeeper/rails/routes.rb#L52; 4.3+: `/native`).
      { methods: ['GET'], path: r.nativePath, wrongMethod: noRoute, headers: FRAME_HEADERS, renderError: pageError, handle: codePage },
      {
        methods: ['POST'],
        path: P.paths.token,
        endpoint: (ctx) => tokenEndpointKind(TOKEN_SOURCES)(withRailsParams(ctx)),
        wrongMethod: noRoute,
        renderError: doorkeeper,
        handle: (ctx) => tokenRequest(rt, tokens, ctx),
      },
      { methods: ['POST'], path: P.paths.revoke, wrongMethod: noRoute, renderError: doorkeeper, handle: (ctx) => revoke(rt, ctx) },
      { methods: ['GET'], path: P.paths.tokenInfo, wrongMethod: noRoute, renderError: doorkeeper, handle: (ctx) => tokenInfo(rt, ctx) },
      api(P.paths.accounts, accounts),
      api(P.paths.rentals, rentals),
      api(P.paths.bookings, bookings),
    ]
  },
})
