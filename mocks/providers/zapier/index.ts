/**
 * The Zapier fake (Workflow API / Embed): django-oauth-toolkit + oauthlib behind Django REST
 * framework, as ./profile.ts pins it line by line. Docs: docs/providers/zapier.md.
 *
 * Two hosts: `api` (https://api.zapier.com: `/v2/authorize` and the API) and `auth`
 * (https://zapier.com: `/oauth/token/` and the older `/oauth/authorize/`). Standalone, both live
 * under `/zapier`.
 */
import { z } from 'zod'
import { zapierDefaultUserId, zapierDemoClient } from '../../../fixtures/zapier.ts'
import { type AuthorizeFailure, type AuthorizeProfile, handleAuthorizationRequest, latestGrant } from '../../engine/authorize.ts'
import { randomAlphanumeric } from '../../engine/crypto.ts'
import { type ErrorCode, ProviderError, reasonPhrase } from '../../engine/errors.ts'
import { NO_STORE, html, json, redirect, textResponse } from '../../engine/http.ts'
import { type ClientAuthProfile, authenticateBearer, requestAccessToken } from '../../engine/oauth.ts'
import type { ParamSource } from '../../engine/params.ts'
import type { PkceProfile } from '../../engine/pkce.ts'
import { type ProviderRuntime, type RequestContext, type Route, type TokenEntry, defineProvider } from '../../engine/provider.ts'
import { type TokenEndpointProfile, type TokenErrorCode, handleTokenRequest, tokenEndpointKind } from '../../engine/token-endpoint.ts'
import { type ZapierData, createZapierData } from './data.ts'
import { djangoBadRequestPage, zapierConsentPage, zapierCsrfPage, zapierErrorPage } from './pages.ts'
import { type ZapierOptions, zapierOptionsSchema, zapierProfile as P } from './profile.ts'

type Rt = ProviderRuntime<ZapierData, ZapierOptions>

/**
 * DOT@3.0.1:oauth2_provider/oauth2_backends.py#L53-L96: the body is `request.POST.items()` —
 * form-urlencoded and multipart bodies, the LAST value of a repeated key; a JSON body yields nothing.
 */
const TOKEN_SOURCES: readonly ParamSource[] = ['form', 'multipart']
/** DOT@3.0.1:oauth2_provider/oauth2_validators.py#L98-L173: Basic first (`unquote_plus` of id and secret), then the body. */
const CLIENT_AUTH: ClientAuthProfile = { methods: ['basic', 'body'], basicEncoding: 'form-urlencoded' }
/** Django's XFrameOptionsMiddleware default since Django 3.0 (Zapier's own value is silent). */
const FRAME_HEADERS = { 'x-frame-options': 'DENY' }
const ALL_SCOPES = P.scopes

/** Python's `json.dumps` separators (`", "` and `": "`): oauthlib serialises its bodies with them. */
function pythonJson(value: Record<string, unknown>): string {
  return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')}}`
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

type ApiErrorEntry = { code: string; title: string; detail: string }

/** An API error: the entry's words; `promotions` marks the Promotions API's own shape. */
function apiError(status: number, code: ErrorCode, entry: ApiErrorEntry, extra: Record<string, string> = {}): ProviderError {
  return new ProviderError(status, code, entry.detail, { code: entry.code, title: entry.title, ...extra })
}
const notAuthenticated = (reason: 'missing' | 'invalid' | 'expired' = 'missing') => apiError(401, 'invalid_token', P.apiErrors[401]!, { reason })
const permissionDenied = () => apiError(403, 'insufficient_scope', P.apiErrors[403]!)

/**
 * The API's error envelope (zapier-docs OpenAPI `ErrorResponse`): `status` an integer, `source`
 * null and `meta.full_details` (DRF detail and code). A 401 carries DOT's challenge.
 */
function renderApiError(error: ProviderError, ctx: RequestContext): Response {
  const entry = apiEntry(error, ctx)
  const headers: Record<string, string> = {}
  if (error.status === 401) headers['www-authenticate'] = challenge(error.detail.reason)
  return json(
    { errors: [{ status: error.status, code: entry.code, title: entry.title, detail: entry.detail, source: null, meta: { source: 'ZAPIER', full_details: { message: entry.detail, code: entry.code } } }] },
    error.status,
    headers,
  )
}

function apiEntry(error: ProviderError, ctx: RequestContext): ApiErrorEntry {
  if (error.detail.code && error.detail.title) return { code: error.detail.code, title: error.detail.title, detail: error.description ?? '' }
  if (error.code === 'method_not_allowed') {
    const e = P.apiErrors[405]!
    return { ...e, detail: e.detail.replace('{method}', ctx.method) }
  }
  const byStatus = P.apiErrors[error.status] ?? (error.status >= 500 ? P.apiErrors[500]! : { code: error.code, title: reasonPhrase(error.status), detail: error.description ?? reasonPhrase(error.status) })
  return byStatus
}

/** DOT@3.0.1:contrib/rest_framework/authentication.py `authenticate_header`: `Bearer realm="api"[,error=…,error_description=…]`. */
function challenge(reason: string | undefined): string {
  const words = reason === 'expired' ? P.challenge.expired : reason === 'invalid' ? P.challenge.invalid : undefined
  return words ? `Bearer realm="${P.challenge.realm}",error="invalid_token",error_description="${words}"` : `Bearer realm="${P.challenge.realm}"`
}

/** The Promotions API's error objects (string `status`, no `source`/`meta`). */
function renderPromotionError(error: ProviderError): Response {
  const entry = P.promotionErrors[error.status] ?? { code: error.code, title: reasonPhrase(error.status), detail: error.description ?? reasonPhrase(error.status) }
  const headers: Record<string, string> = error.status === 401 ? { 'www-authenticate': challenge(error.detail.reason) } : {}
  return json({ errors: [{ status: String(error.status), ...entry }] }, error.status, headers)
}

/**
 * oauthlib's RFC 6749 §5.2 body (`{"error"[, "error_description"]}`, Python separators) with the
 * grant's headers (Content-Type, no-store, no-cache; a 401 adds `Bearer error="invalid_client"`,
 * oauthlib@v3.3.1:oauthlib/oauth2/rfc6749/errors.py). Errors raised before a grant runs (a query
 * string) come back through DOT without those headers: Django's text/html content type
 * (DOT@3.0.1:oauth2_backends.py#L151-L167).
 */
function renderTokenError(error: ProviderError): Response {
  // Django's `View.http_method_not_allowed`: 405, empty, `Allow` lists the view's methods.
  if (error.code === 'method_not_allowed') return textResponse('', { status: 405, headers: { allow: 'POST, OPTIONS', 'content-type': 'text/html; charset=utf-8' } })
  if (error.code === 'malformed_body') return djangoBadRequestPage()
  let code: string = error.code
  let description = error.description
  if (error.code === 'payload_too_large') [code, description] = ['invalid_request', P.messages.bodyTooLarge]
  else if (error.code === 'not_found') [code, description] = ['invalid_request', undefined]
  else if (error.status >= 500 && error.code !== 'temporarily_unavailable') [code, description] = ['server_error', undefined]
  const body = pythonJson(description === undefined ? { error: code } : { error: code, error_description: description })
  if (error.detail.endpointLevel) return textResponse(body, { status: error.status, headers: { 'content-type': 'text/html; charset=utf-8' } })
  const headers: Record<string, string> = { 'content-type': 'application/json', ...NO_STORE }
  if (error.status === 401) headers['www-authenticate'] = `Bearer error="${code}"`
  return textResponse(body, { status: error.status, headers })
}

/** The authorize pages' errors are HTML; an injected fault answers `{"error"}` (contract §3). */
function renderAuthorizeError(error: ProviderError): Response {
  if (error.detail.fault) return json({ error: error.code }, error.status)
  if (error.code === 'method_not_allowed') return textResponse('', { status: 405, headers: { allow: 'GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS', 'content-type': 'text/html; charset=utf-8' } })
  const title = error.code === 'payload_too_large' ? 'Request Entity Too Large' : reasonPhrase(error.status)
  return zapierErrorPage(title, error.description ?? title, error.status)
}

/** Unknown paths: the API's envelope under `/v1` and `/v2`, the token shape at the token path, Django's 404 page elsewhere. */
function renderError(error: ProviderError, ctx: RequestContext): Response {
  if (/^\/v\d+\//.test(ctx.path)) return renderApiError(error, ctx)
  if (error.code === 'not_found') return zapierErrorPage('Not Found', 'The requested resource was not found on this server.', 404)
  if (ctx.path.startsWith('/oauth/token')) return renderTokenError(error)
  return renderAuthorizeError(error)
}

// ---------------------------------------------------------------------------------------------
// Authorize
// ---------------------------------------------------------------------------------------------

/**
 * oauthlib's PKCE (oauthlib@v3.3.1:grant_types/authorization_code.py#L489-L514, #L372-L431):
 * optional (Zapier documents no challenge, so it cannot run DOT ≥ 2.0's `PKCE_REQUIRED=True`:
 * chosen optional), `plain` and `S256`, `plain` by default; a stored challenge needs a verifier;
 * a verifier for a code without one is ignored; no syntax check.
 */
const PKCE: PkceProfile = {
  methods: ['plain', 'S256'],
  defaultMethod: 'plain',
  required: 'never',
  checkSyntax: false,
  verifierWithoutChallenge: 'ignore',
  missingVerifier: 'invalid_request',
  missingVerifierDescription: P.messages.codeVerifierRequired,
  descriptions: { required: P.messages.codeChallengeRequired, unsupportedMethod: P.messages.transformNotSupported, malformed: P.messages.transformNotSupported },
}

/** The error page's words per reason: "Error: <error>" and oauthlib's description. */
function pageWords(failure: AuthorizeFailure): string {
  switch (failure.reason) {
    case 'duplicate_parameter':
      return P.messages.duplicate(failure.param ?? '')
    case 'missing_client_id':
      return P.messages.missingClientId
    case 'unknown_client':
      return P.messages.invalidClientId
    case 'missing_redirect_uri':
      return P.messages.missingRedirectUri
    case 'invalid_redirect_uri':
      return P.messages.invalidRedirectUri
    case 'mismatching_redirect_uri':
      return P.messages.mismatchingRedirectUri
    case 'invalid_subject':
      return 'That Zapier account cannot be chosen by this user.'
    default:
      return failure.description ?? ''
  }
}

const authorizeProfile: AuthorizeProfile<ZapierData> = {
  // oauthlib@v3.3.1:grant_types/authorization_code.py#L318-L432 (duplicates first, then this order).
  order: ['client', 'redirect_uri', 'provider', 'response_type', 'pkce', 'scope'],
  onError: 'redirect',
  duplicates: ['client_id', 'response_type', 'redirect_uri', 'scope', 'state'],
  responseTypes: { code: true, missing: { error: 'invalid_request', description: P.messages.missingResponseType } },
  // oauthlib@v3.3.1:grant_types/base.py#L178-L215: `response_mode` query (default) or fragment.
  responseModes: ['query', 'fragment'],
  scopes: { known: ALL_SCOPES, separator: P.scopeSeparator, defaults: ALL_SCOPES, unknown: 'fail' },
  redirectUriMatch: 'django-oauth-toolkit',
  // DOT@3.0.1:oauth2_provider/models.py#L157-L172 `default_redirect_uri`: the only registered one.
  redirectUriDefault: 'sole-registered',
  codeLifetimeSeconds: P.codeLifetimeSeconds,
  newCode: () => randomAlphanumeric(P.codeLength),
  pkce: PKCE,
  // `response_type=token` goes to the implicit grant, which Zapier's apps may not use:
  // DOT@3.0.1:oauth2_validators.py#L500-L520 `validate_response_type` → `unauthorized_client`.
  check: (params) => (params.response_type === 'token' ? { reason: 'provider', error: 'unauthorized_client' } : undefined),
  /**
   * DOT@3.0.1:views/base.py#L185-L227: `approval_prompt=auto` skips consent when the user holds an
   * unexpired token covering the scopes; the default (`force`) always asks.
   */
  skipConsent: (rt, { client, subject, scopes, params }) => {
    if (params.approval_prompt !== 'auto') return false
    const last = latestGrant(rt as ProviderRuntime<unknown, unknown>, client.clientId, subject)
    return !!last && last.state === 'valid' && scopes.every((s) => last.entry.scopes.includes(s))
  },
  // oauthlib `twotuples`: error, error_description when there is one, state; DOT puts them in the query.
  errorParams: (failure, state) => ({ error: failure.error, error_description: failure.description, state }),
  users: (data) => data.users().map((u) => ({ id: u.id, label: `${u.full_name} (${u.email})` })),
  choices(data, userId) {
    const user = data.user(userId)
    if (!user) return []
    return [{ value: `${userId}:personal`, label: `${user.full_name}'s Zapier account`, subject: { userId, teamId: null, accountId: null } }]
  },
  // DOT's authorize.html error block (400): "Error: <error>" and the description.
  errorPage: (failure) => (failure.reason === 'csrf' ? zapierCsrfPage() : zapierErrorPage(`Error: ${failure.error}`, pageWords(failure))),
  consentPage: (view) => zapierConsentPage(view),
  csrfField: 'csrfmiddlewaretoken',
}

// ---------------------------------------------------------------------------------------------
// Token
// ---------------------------------------------------------------------------------------------

/** oauthlib's words for a failed step. */
function tokenError(code: TokenErrorCode, hint?: string): ProviderError {
  const description =
    code !== 'invalid_request'
      ? undefined
      : hint === 'code'
        ? P.messages.missingCode
        : hint === 'refresh_token'
          ? P.messages.missingRefreshToken
          : hint === 'redirect_uri_missing'
            ? P.messages.missingRedirectUri
            : hint === 'redirect_uri_mismatch'
              ? P.messages.mismatchingRedirectUri
              : hint === 'code_verifier'
                ? P.messages.codeVerifierRequired
                : undefined
  // oauthlib: a missing grant_type is handled as an unknown one (endpoints/token.py#L110-L115).
  return new ProviderError(code === 'invalid_client' ? 401 : 400, code, description)
}

const tokenProfile: TokenEndpointProfile = {
  paramSources: TOKEN_SOURCES,
  clientAuth: CLIENT_AUTH,
  formats: {
    accessLifetimeSeconds: P.accessLifetimeSeconds,
    refreshLifetimeSeconds: P.refreshLifetimeSeconds,
    newAccessToken: () => randomAlphanumeric(P.tokenLength),
    newRefreshToken: () => randomAlphanumeric(P.tokenLength),
  },
  repeated: 'last',
  missingGrantType: 'unsupported_grant_type',
  pkce: PKCE,
  grants: {
    // oauthlib@v3.3.1:grant_types/authorization_code.py#L434-L542; DOT deletes the grant after success (oauth2_validators.py#L319-L329).
    authorization_code: { steps: ['code-param', 'client', 'code', 'pkce', 'redirect-uri'], codeUse: 'on-success', redirectUriMismatch: 'invalid_request', redirectUriDefault: 'sole-registered' },
    // oauthlib@v3.3.1:grant_types/refresh_token.py#L75-L139; DOT@3.0.1 `ROTATE_REFRESH_TOKEN` revokes the old pair (oauth2_validators.py#L637-L654).
    refresh_token: { steps: ['refresh-param', 'client', 'refresh-token', 'scope'], rotation: 'immediate' },
    // oauthlib@v3.3.1:grant_types/client_credentials.py#L86-L122: client always, then scopes (DOT default: all).
    client_credentials: { steps: ['client', 'scope'], allowed: ALL_SCOPES, defaults: ALL_SCOPES },
  },
  scopeSeparator: P.scopeSeparator,
  error: tokenError,
  // oauthlib@v3.3.1:tokens.py#L309-L326: access_token, expires_in, token_type, scope, refresh_token.
  body(issued) {
    const entry = issued.accessEntry
    return {
      access_token: issued.access,
      expires_in: Math.round(((entry.expiresAt ?? entry.issuedAt) - entry.issuedAt) / 1000),
      token_type: P.tokenType,
      scope: entry.scopes.join(' '),
      ...(issued.refresh !== null ? { refresh_token: issued.refresh } : {}),
    }
  },
}

/**
 * `POST https://zapier.com/oauth/token/`: DOT's TokenView. oauthlib refuses any URL query first
 * (oauthlib@v3.3.1:endpoints/base.py#L82-L89); a multipart body without its boundary is Django's
 * HTML 400. The engine then runs the grant's steps; the body is written with Python's separators.
 */
async function token(rt: Rt, ctx: RequestContext): Promise<Response> {
  if (ctx.url.search.length > 1) throw new ProviderError(400, 'invalid_request', P.messages.queryNotAllowed, { endpointLevel: 'true' })
  const response = await handleTokenRequest(rt as ProviderRuntime<unknown, unknown>, tokenProfile, ctx)
  const body = JSON.parse(await response.text()) as Record<string, unknown>
  return textResponse(pythonJson(body), { status: response.status, headers: response.headers })
}

/** `POST /oauth/token` without the slash, per the `noSlashToken` option; the authorize path's 301 (Django `APPEND_SLASH`). */
function withoutSlash(rt: Rt, ctx: RequestContext): Promise<Response> | Response {
  if (ctx.path === '/oauth/token') {
    if (rt.options.noSlashToken === 'serve') {
      if (ctx.method !== 'POST') throw new ProviderError(405, 'method_not_allowed')
      return token(rt, ctx)
    }
    if (rt.options.noSlashToken === 'not_found') throw new ProviderError(404, 'not_found', 'Not Found')
  }
  return redirect(`${ctx.baseOf('auth')}${ctx.path}/${ctx.url.search}`, 301)
}

// ---------------------------------------------------------------------------------------------
// API
// ---------------------------------------------------------------------------------------------

/**
 * A valid access token (user or app); 401 otherwise. oauthlib takes the token from the Bearer
 * header or an `access_token` parameter (oauthlib@v3.3.1:oauthlib/oauth2/rfc6749/tokens.py#L236-L253).
 * The body is DRF's for every failure; only the challenge says why (unknown or expired).
 */
function anyToken(rt: Rt, ctx: RequestContext): TokenEntry {
  const auth = authenticateBearer(rt, requestAccessToken(ctx, ['access_token']))
  if (!auth.ok) throw notAuthenticated(auth.reason === 'missing' ? 'missing' : auth.reason === 'expired' ? 'expired' : 'invalid')
  return auth.entry
}

function hasScope(entry: TokenEntry, anyOf: readonly string[]): boolean {
  return anyOf.some((s) => entry.scopes.includes(s))
}

/** A USER access token with one of `anyOf`: app tokens are no user token (401), a missing scope is 403. */
function userToken(rt: Rt, ctx: RequestContext, anyOf: readonly string[]): TokenEntry & { userId: number } {
  const entry = anyToken(rt, ctx)
  if (entry.userId === null) throw notAuthenticated()
  if (!hasScope(entry, anyOf)) throw permissionDenied()
  return entry as TokenEntry & { userId: number }
}

/** `?client_id=` of a registered Zapier client (given once); 401 otherwise. */
function clientIdParam(rt: Rt, ctx: RequestContext): void {
  const given = ctx.url.searchParams.getAll('client_id')
  if (given.length !== 1 || !rt.client(given[0])) throw notAuthenticated()
}

/** The v2 endpoints that take a client id OR a Bearer token with `zap`: the header wins when present. */
function clientIdOrToken(rt: Rt, ctx: RequestContext): void {
  if (ctx.headers.has('authorization')) {
    const entry = anyToken(rt, ctx)
    if (!hasScope(entry, P.apiScopes.appsAndActions)) throw permissionDenied()
  } else clientIdParam(rt, ctx)
}

function intParam(url: URL, name: string, fallback: number, max: number): number {
  const raw = url.searchParams.get(name)
  const n = raw === null ? NaN : Number(raw)
  return Number.isInteger(n) && n >= 0 ? Math.min(n, max) : fallback
}

/** The v2 list envelope with limit/offset pagination. */
function v2List<T>(ctx: RequestContext, items: T[]): Response {
  const limit = Math.max(1, intParam(ctx.url, 'limit', P.pagination.v2Limit, P.pagination.max))
  const offset = intParam(ctx.url, 'offset', 0, Number.MAX_SAFE_INTEGER)
  const page = (o: number) => {
    const u = new URL(ctx.url)
    u.searchParams.set('limit', String(limit))
    u.searchParams.set('offset', String(o))
    return u.toString()
  }
  return json({
    links: { next: offset + limit < items.length ? page(offset + limit) : null, prev: offset > 0 ? page(Math.max(0, offset - limit)) : null },
    meta: { count: items.length, limit, offset },
    data: items.slice(offset, offset + limit),
  })
}

function appV2(app: ReturnType<ZapierData['apps']>[number], ctx: RequestContext) {
  return {
    type: 'app',
    id: app.id,
    title: app.title,
    description: app.description,
    image: app.image,
    images: { url_16x16: app.image, url_32x32: app.image, url_64x64: app.image, url_128x128: app.image },
    hex_color: app.hex_color,
    categories: app.categories.map((slug) => ({ slug })),
    action_types: app.action_types,
    // "Client ID-authenticated requests will never have this object's fields populated."
    links: ctx.headers.has('authorization') ? { authentication_list: `https://api.zapier.com/v2/authentications?app=${app.id}`, connect_new_authentication: `https://api.zapier.com/v1/embed/${app.slug}/authentications/new` } : null,
  }
}

function routesFor(rt: Rt): Route[] {
  const api = (methods: readonly string[], path: string, handle: Route['handle']): Route => ({
    methods,
    path,
    host: 'api',
    endpoint: 'api',
    wrongMethod: () => new ProviderError(405, 'method_not_allowed'),
    renderError: renderApiError,
    handle,
  })
  const authorizeRoute = (path: string, host: string): Route => ({
    methods: ['GET', 'POST'],
    path,
    host,
    endpoint: 'authorize',
    renderError: renderAuthorizeError,
    headers: FRAME_HEADERS,
    handle: (ctx) => handleAuthorizationRequest(rt, authorizeProfile, ctx),
  })
  return [
    authorizeRoute(P.paths.authorize, 'api'),
    authorizeRoute(P.paths.legacyAuthorize, 'auth'),
    {
      methods: ['POST'],
      path: P.paths.token,
      host: 'auth',
      endpoint: tokenEndpointKind(TOKEN_SOURCES),
      wrongMethod: () => new ProviderError(405, 'method_not_allowed'),
      renderError: renderTokenError,
      handle: (ctx) => token(rt, ctx),
    },
    ...P.appendSlash.map(
      (path): Route => ({
        methods: '*',
        path,
        host: 'auth',
        endpoint: path === '/oauth/token' ? tokenEndpointKind(TOKEN_SOURCES) : undefined,
        renderError,
        handle: (ctx) => withoutSlash(rt, ctx),
      }),
    ),

    api(['GET'], P.paths.profile, (ctx) => {
      const user = rt.data.user(userToken(rt, ctx, P.apiScopes.profile).userId)
      if (!user) throw notAuthenticated()
      const { id, first_name, last_name, full_name, email, email_confirmed, timezone } = user
      return json([{ id, first_name, last_name, full_name, email, email_confirmed, timezone }])
    }),
    api(['GET'], P.paths.zaps, (ctx) => {
      const entry = userToken(rt, ctx, P.apiScopes.zaps)
      const zaps = rt.data.zaps(entry.userId, entry.scopes.includes('zap:account:all')).map((z) => ({
        type: 'zap',
        id: z.id,
        is_enabled: z.is_enabled,
        last_successful_run_date: z.last_successful_run_date,
        updated_at: z.updated_at,
        title: z.title,
        links: { html_editor: `https://zapier.com/editor/${z.id}` },
        steps: z.steps.map((s) => ({ action: { type: 'action', id: s.action, app: s.app }, authentication: null, inputs: null, title: s.title })),
      }))
      return v2List(ctx, zaps)
    }),
    api(['GET'], P.paths.authentications, (ctx) => {
      const entry = userToken(rt, ctx, P.apiScopes.authentications)
      const auths = rt.data.authentications(entry.userId, ctx.url.searchParams.get('app')).map((a) => ({ type: 'authentication', id: a.id, app: a.app, is_expired: a.is_expired, title: a.title }))
      return v2List(ctx, auths)
    }),
    api(['GET'], P.paths.appsV1, (ctx) => {
      clientIdParam(rt, ctx)
      const apps = rt.data.apps().map((a) => ({ uuid: a.id, title: a.title, slug: a.slug, description: a.description, image: a.image, hex_color: a.hex_color, url: `https://zapier.com/apps/${a.slug}/integrations` }))
      const perPage = Math.max(1, intParam(ctx.url, 'per_page', P.pagination.appsPerPage, P.pagination.max))
      const pageNo = Math.max(1, intParam(ctx.url, 'page', 1, Number.MAX_SAFE_INTEGER))
      return json({ total: apps.length, page: pageNo, pages: Math.max(1, Math.ceil(apps.length / perPage)), per_page: perPage, objects: apps.slice((pageNo - 1) * perPage, pageNo * perPage) })
    }),
    api(['GET'], P.paths.zapTemplates, (ctx) => {
      clientIdParam(rt, ctx)
      const limit = Math.max(1, intParam(ctx.url, 'limit', P.pagination.templatesLimit, P.pagination.max))
      const offset = intParam(ctx.url, 'offset', 0, Number.MAX_SAFE_INTEGER)
      return json(
        rt.data.zapTemplates().slice(offset, offset + limit).map((t) => ({
          id: t.id,
          title: t.title,
          slug: t.slug,
          status: t.status,
          description_plain: t.description_plain,
          url: `https://zapier.com/apps/templates/${t.id}/${t.slug}`,
          create_url: `https://zapier.com/webintent/create-zap?template=${t.id}`,
          steps: t.apps.map((id) => {
            const app = rt.data.app(id)
            return { app: app ? { uuid: app.id, title: app.title, slug: app.slug, image: app.image } : null }
          }),
        })),
      )
    }),
    api(['GET'], P.paths.categories, () => json(rt.data.categories().map((c) => ({ ...c, url: `https://zapier.com/apps/categories/${c.slug}` })))),
    api(['GET'], P.paths.appsV2, (ctx) => {
      clientIdOrToken(rt, ctx)
      return v2List(ctx, rt.data.apps().map((a) => appV2(a, ctx)))
    }),
    api(['GET'], P.paths.actions, (ctx) => {
      clientIdOrToken(rt, ctx)
      const type = ctx.url.searchParams.get('action_type')
      const actions = rt.data
        .actions(ctx.url.searchParams.get('app'))
        .filter((a) => type === null || a.action_type === type)
        .map((a) => ({ type: 'action', id: a.id, key: a.key, action_type: a.action_type, is_instant: a.is_instant, title: a.title, description: a.description, app: a.app }))
      return v2List(ctx, actions)
    }),
    // An app endpoint: only an app access token (client credentials) with promotions:write; the Promotions API's own error shape.
    {
      ...api(['DELETE'], P.paths.promotion, (ctx) => {
        const entry = anyToken(rt, ctx)
        if (entry.userId !== null || entry.grantType !== 'client_credentials' || !hasScope(entry, P.apiScopes.promotions)) throw apiError(403, 'insufficient_scope', P.promotionErrors[403]!)
        if (!rt.data.deletePromotion(ctx.routeParams.id ?? '')) throw apiError(404, 'not_found', P.promotionErrors[404]!)
        return new Response(null, { status: 204 })
      }),
      renderError: renderPromotionError,
    },
  ]
}

export const zapier = defineProvider<ZapierData, ZapierOptions>({
  id: 'zapier',
  title: 'Zapier',
  hosts: P.hosts,
  createData: createZapierData,
  demoClients: () => [zapierDemoClient],
  users: {
    schema: z
      .object({
        id: z.number().int().positive(),
        first_name: z.string().max(100),
        last_name: z.string().max(100),
        email: z.string().email(),
        email_confirmed: z.boolean().default(true),
        timezone: z.string().default('UTC'),
      })
      .strict(),
    add: (data, user) => data.addUser(user as Parameters<ZapierData['addUser']>[0]),
  },
  defaultUserId: () => zapierDefaultUserId,
  optionsSchema: zapierOptionsSchema,
  endpoints: {
    authorize: P.paths.authorize,
    legacyAuthorize: P.paths.legacyAuthorize,
    token: P.paths.token,
    refresh: P.paths.token,
    resource: P.paths.profile,
    zaps: P.paths.zaps,
    authentications: P.paths.authentications,
    apps: P.paths.appsV2,
    actions: P.paths.actions,
    zapTemplates: P.paths.zapTemplates,
    categories: P.paths.categories,
  },
  renderError,
  faultError: (endpoint, status) => new ProviderError(status, status === 503 ? 'temporarily_unavailable' : 'server_error', undefined, { fault: endpoint }),
  routes: routesFor,
})
