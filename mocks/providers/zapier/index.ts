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
import { NO_STORE, json, redirect, textResponse, withParams } from '../../engine/http.ts'
import { type ClientAuthProfile, authenticateBearer, authenticateClient } from '../../engine/oauth.ts'
import { type ParamSource, type Params, lastValues, paramRecord } from '../../engine/params.ts'
import { type PkceProfile, verifyPkce } from '../../engine/pkce.ts'
import { type ProviderRuntime, type RequestContext, type Route, type TokenEntry, defineProvider } from '../../engine/provider.ts'
import { type TokenEndpointProfile, type TokenErrorCode, type TokenStepFunction, handleTokenRequest, tokenEndpointKind } from '../../engine/token-endpoint.ts'
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
  if (error.detail.allow) headers.allow = error.detail.allow
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
  if (error.detail.allow) headers.allow = error.detail.allow
  return json({ errors: [{ status: String(error.status), ...entry }] }, error.status, headers)
}

/**
 * oauthlib's RFC 6749 §5.2 body (`{"error"[, "error_description"][, "state"]}`, Python
 * separators; oauthlib@v3.3.1:oauthlib/oauth2/rfc6749/errors.py#L79-L96: `state` comes back
 * whenever the token request carried one) with the grant's headers (Content-Type, no-store,
 * no-cache; a 401 adds `Bearer error="invalid_client"`, #L98-L114). Errors raised before a grant
 * runs (a query string) come back through DOT without those headers: Django's text/html content
 * type (DOT@3.0.1:oauth2_backends.py#L151-L167).
 */
function renderTokenError(error: ProviderError): Response {
  // Django's `View.http_method_not_allowed`: 405, empty, `Allow` lists the view's methods.
  if (error.code === 'method_not_allowed') return textResponse('', { status: 405, headers: { allow: TOKEN_ALLOW, 'content-type': 'text/html; charset=utf-8' } })
  // Django's 400 page: a multipart body it cannot parse (MultiPartParserError), or a body over
  // the limit (RequestDataTooBig; Django's own limit is 2.5 MB, the fake's 1 MiB).
  if (error.code === 'malformed_body' || error.code === 'payload_too_large') return djangoBadRequestPage()
  let code: string = error.code
  let description = error.description
  if (error.code === 'not_found') [code, description] = ['invalid_request', undefined]
  else if (error.status >= 500 && error.code !== 'temporarily_unavailable') [code, description] = ['server_error', undefined]
  const fields: Record<string, string> = { error: code }
  if (description) fields.error_description = description
  if (error.detail.state) fields.state = error.detail.state
  const body = pythonJson(fields)
  if (error.detail.endpointLevel) return textResponse(body, { status: error.status, headers: { 'content-type': 'text/html; charset=utf-8' } })
  const headers: Record<string, string> = { 'content-type': 'application/json', ...NO_STORE }
  if (error.status === 401) headers['www-authenticate'] = `Bearer error="${code}"`
  return textResponse(body, { status: error.status, headers })
}

/** The authorize pages' errors are HTML; an injected fault answers `{"error"}` (docs/server.md). */
function renderAuthorizeError(error: ProviderError): Response {
  if (error.detail.fault) return json({ error: error.code }, error.status)
  if (error.code === 'method_not_allowed') return textResponse('', { status: 405, headers: { allow: AUTHORIZE_ALLOW, 'content-type': 'text/html; charset=utf-8' } })
  const title = error.code === 'payload_too_large' ? 'Request Entity Too Large' : reasonPhrase(error.status)
  return zapierErrorPage(title, error.description ?? title, error.status)
}

/** Unknown paths: the API's envelope under `/v1` and `/v2`, the token shape at the token path, a 404 page elsewhere. */
function renderError(error: ProviderError, ctx: RequestContext): Response {
  if (/^\/v\d+\//.test(ctx.path)) return renderApiError(error, ctx)
  if (error.code === 'not_found') return zapierErrorPage('Not Found', 'The requested resource was not found on this server.', 404)
  if (ctx.path.startsWith('/oauth/token')) return renderTokenError(error)
  return renderAuthorizeError(error)
}

/**
 * Django's `View.options` (200, empty, `Allow`, `Content-Length: 0`) for the views' OPTIONS.
 * Django's `_allowed_methods` lists what the view class defines: TokenView `post` (+ `options`),
 * AuthorizationView (a FormView) `get`, `post`, `put`, `head` (set from `get` in `View.setup`).
 */
const TOKEN_ALLOW = 'POST, OPTIONS'
const AUTHORIZE_ALLOW = 'GET, POST, PUT, HEAD, OPTIONS'
function djangoOptions(allow: string): Response {
  return textResponse('', { status: 200, headers: { allow, 'content-length': '0', 'content-type': 'text/html; charset=utf-8' } })
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

/**
 * oauthlib's fatal errors are all `InvalidRequestFatalError`s, `invalid_request` on the page,
 * an unknown client too (`InvalidClientIdError`, oauthlib@v3.3.1:oauthlib/oauth2/rfc6749/errors.py#L157-L183).
 */
const FATAL: ReadonlySet<string> = new Set(['duplicate_parameter', 'missing_client_id', 'unknown_client', 'missing_redirect_uri', 'invalid_redirect_uri', 'mismatching_redirect_uri'])

/**
 * DOT@3.0.1:oauth2_provider/oauth2_validators.py#L500-L520 `validate_response_type`: only `code`
 * is allowed to an auth-code app. oauthlib hands `token` to the implicit grant and every value
 * containing `code`, and `none`, to the auth-code grant (oauthlib@v3.3.1:endpoints/authorization.py#L112-L114,
 * grant_types/authorization_code.py#L385-L399); each then fails that check: `unauthorized_client`.
 */
function responseTypeCheck(params: Params): AuthorizeFailure | undefined {
  const type = params.response_type
  if (typeof type !== 'string' || type === 'code') return undefined
  if (type === 'token' || type === 'none' || type.includes('code')) return { reason: 'provider', error: 'unauthorized_client' }
  return undefined
}

/** oauthlib's `state` is left out when it is empty (authorization_code.py#L168, errors.py#L86). */
const nonEmpty = (value: string | undefined) => (value ? value : undefined)

const authorizeProfile: AuthorizeProfile<ZapierData> = {
  // oauthlib@v3.3.1:grant_types/authorization_code.py#L318-L432 (duplicates first, then this order).
  order: ['client', 'redirect_uri', 'provider', 'response_type', 'pkce', 'scope'],
  onError: 'redirect',
  duplicates: ['client_id', 'response_type', 'redirect_uri', 'scope', 'state'],
  responseTypes: { code: true, missing: { error: 'invalid_request', description: P.messages.missingResponseType } },
  // oauthlib@v3.3.1:grant_types/base.py#L178-L215: `response_mode` query (default) or fragment.
  responseModes: ['query', 'fragment'],
  scopes: {
    known: ALL_SCOPES,
    separator: P.scopeSeparator,
    // oauthlib@v3.3.1:oauthlib/oauth2/rfc6749/utils.py#L24-L31 `scope_to_list`: `scope=` asks for "".
    parse: (raw) => (raw === undefined ? [] : scopeList(raw)),
    defaults: ALL_SCOPES,
    unknown: 'fail',
  },
  redirectUriMatch: 'django-oauth-toolkit',
  // DOT@3.0.1:oauth2_provider/models.py#L157-L172 `default_redirect_uri`: the only registered one.
  redirectUriDefault: 'sole-registered',
  // oauthlib@v3.3.1:grant_types/base.py#L226: `redirect_uri is not None`, so `redirect_uri=` is given (and not absolute).
  redirectUriEmpty: 'given',
  codeLifetimeSeconds: P.codeLifetimeSeconds,
  newCode: () => randomAlphanumeric(P.codeLength),
  pkce: PKCE,
  check: responseTypeCheck,
  /**
   * DOT@3.0.1:views/base.py#L185-L227: `approval_prompt=auto` skips consent when the user holds an
   * unexpired token covering the scopes; the default (`force`) always asks.
   */
  skipConsent: (rt, { client, subject, scopes, params }) => {
    if (params.approval_prompt !== 'auto') return false
    const last = latestGrant(rt as ProviderRuntime<unknown, unknown>, client.clientId, subject)
    return !!last && last.state === 'valid' && scopes.every((s) => last.entry.scopes.includes(s))
  },
  // oauthlib `twotuples`: error, error_description when there is one, state when not empty; DOT puts them in the query.
  errorParams: (failure, state) => ({ error: failure.error, error_description: nonEmpty(failure.description), state: nonEmpty(state) }),
  // oauthlib@v3.3.1:grant_types/authorization_code.py#L167-L169: `code`, then `state` if not empty.
  codeRedirect: (redirectUri, code, state) => withParams(redirectUri, { code, state: nonEmpty(state) }),
  users: (data) => data.users().map((u) => ({ id: u.id, label: `${u.full_name} (${u.email})` })),
  choices(data, userId) {
    const user = data.user(userId)
    if (!user) return []
    return [{ value: `${userId}:personal`, label: `${user.full_name}'s Zapier account`, subject: { userId, teamId: null, accountId: null } }]
  },
  // DOT's authorize.html error block (400): "Error: <error>" and the description.
  errorPage: (failure) =>
    failure.reason === 'csrf' ? zapierCsrfPage() : zapierErrorPage(`Error: ${FATAL.has(failure.reason) ? 'invalid_request' : failure.error}`, pageWords(failure)),
  consentPage: (view) => zapierConsentPage(view),
  csrfField: 'csrfmiddlewaretoken',
}

/** DOT's AuthorizationView: OPTIONS is Django's; everything else is the engine's authorize. */
function authorize(rt: Rt, ctx: RequestContext): Promise<Response> | Response {
  if (ctx.method === 'OPTIONS') return djangoOptions(AUTHORIZE_ALLOW)
  return handleAuthorizationRequest(rt, authorizeProfile, ctx)
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

/** oauthlib@v3.3.1:oauthlib/oauth2/rfc6749/utils.py#L24-L31 `scope_to_list`: `scope.strip().split(" ")`, empty parts kept. */
function scopeList(raw: string): string[] {
  return raw.trim().split(' ')
}

/**
 * oauthlib@v3.3.1:grant_types/authorization_code.py#L523-L539: an ABSENT `redirect_uri` is the
 * client's default (DOT@3.0.1:models.py#L157-L166: the only registered URI, else "Missing
 * redirect URI."); any given value, the empty one too, must equal the code's
 * (DOT@3.0.1:oauth2_validators.py#L312-L317, models.py `Grant.redirect_uri_allowed`).
 */
const redirectUriStep: TokenStepFunction = ({ state, fail }) => {
  if (!state.code) return
  const given = state.params.redirect_uri
  let uri: string
  if (typeof given === 'string') uri = given
  else {
    const registered = state.client?.redirectUris ?? []
    if (registered.length !== 1) return fail('invalid_request', 'redirect_uri_missing')
    uri = registered[0]!
  }
  if (uri !== state.code.entry.redirectUri) fail('invalid_request', 'redirect_uri_mismatch')
  state.redirectUri = uri
}

/**
 * oauthlib@v3.3.1:grant_types/authorization_code.py#L489-L514 with PKCE_REQUIRED off: a code
 * without a challenge ignores any verifier; with one, an ABSENT verifier is "Code verifier
 * required.", any other (the empty one too) must transform into the challenge → `invalid_grant`.
 */
const pkceStep: TokenStepFunction = ({ state, fail }) => {
  if (!state.code || !state.client) return
  const verifier = state.params.code_verifier
  if (verifier === '' && state.code.entry.codeChallenge !== undefined) fail('invalid_grant')
  const verdict = verifyPkce(PKCE, state.client, state.code.entry, verifier)
  if (!verdict.ok) fail(verdict.error, verdict.error === 'invalid_request' ? 'code_verifier' : undefined)
}

/** oauthlib@v3.3.1:grant_types/refresh_token.py#L87-L90: `refresh_token is None`; an empty one is looked up (and not found). */
const refreshParamStep: TokenStepFunction = ({ state, fail }) => {
  const token = state.params.refresh_token
  if (typeof token !== 'string') fail('invalid_request', 'refresh_token')
  state.refreshToken = token as string
}

/**
 * oauthlib@v3.3.1:grant_types/refresh_token.py#L123-L136: a non-empty `scope` must be within the
 * original scopes (narrowing; `invalid_scope` otherwise), else the original scopes.
 */
const refreshScopeStep: TokenStepFunction = ({ state, fail }) => {
  if (!state.refresh) return
  const raw = state.params.scope
  const original = state.refresh.entry.scopes
  if (typeof raw === 'string' && raw !== '') {
    const requested = scopeList(raw)
    if (!requested.every((s) => original.includes(s))) fail('invalid_scope')
    state.scopes = requested
  } else state.scopes = original
}

/**
 * oauthlib@v3.3.1:grant_types/base.py#L164-L176 `validate_scopes`: no `scope` → the default
 * scopes (DOT's `__all__`: every scope), else every listed scope must be available
 * (DOT@3.0.1:oauth2_validators.py#L522-L527); `scope=` asks for "" and fails. A client registered
 * with `scopes` has only those (as a per-application scopes backend would give it).
 */
const clientScopeStep: TokenStepFunction = ({ state, fail }) => {
  const available = state.client?.scopes ?? ALL_SCOPES
  const raw = state.params.scope
  const requested = typeof raw === 'string' ? scopeList(raw) : [...available]
  if (requested.some((s) => !ALL_SCOPES.includes(s) || !available.includes(s))) fail('invalid_scope')
  state.scopes = requested
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
    authorization_code: { steps: ['code-param', 'client', 'code', pkceStep, redirectUriStep], codeUse: 'on-success', redirectUriMismatch: 'invalid_request', redirectUriDefault: 'sole-registered' },
    // oauthlib@v3.3.1:grant_types/refresh_token.py#L75-L139; DOT@3.0.1 `ROTATE_REFRESH_TOKEN` revokes the old pair (oauth2_validators.py#L637-L654).
    refresh_token: { steps: [refreshParamStep, 'client', 'refresh-token', refreshScopeStep], rotation: 'immediate' },
    // oauthlib@v3.3.1:grant_types/client_credentials.py#L86-L122: client always, then scopes (DOT default: all).
    client_credentials: { steps: ['client', clientScopeStep], allowed: ALL_SCOPES, defaults: ALL_SCOPES },
  },
  scopeSeparator: P.scopeSeparator,
  error: tokenError,
  // oauthlib@v3.3.1:grant_types/{authorization_code,refresh_token,client_credentials}.py: `return headers, json.dumps(token), 200` (Python's separators).
  serialize: pythonJson,
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

/** Django's `QueryDict.items()`: the last value of a repeated key, text ones only (DOT@3.0.1:oauth2_backends.py#L90-L96). */
function queryDictItems(params: Params): Record<string, string> {
  const out = paramRecord<string>()
  for (const [k, v] of Object.entries(lastValues(params))) if (typeof v === 'string') out[k] = v
  return out
}

/**
 * `grant_type=password`: oauthlib's Server has the grant, Zapier's apps do not use it
 * (oauthlib@v3.3.1:grant_types/resource_owner_password_credentials.py#L86-L191): the client
 * first, then `username` and `password`, then DOT's `authenticate()` (oauth2_validators.py
 * `validate_user`). The fake's users have no passwords: every pair is refused.
 */
function passwordGrant(rt: Rt, ctx: RequestContext, params: Record<string, string>): never {
  if (!authenticateClient(rt as ProviderRuntime<unknown, unknown>, ctx, params, CLIENT_AUTH)) throw tokenError('invalid_client')
  for (const name of ['username', 'password']) if (!params[name]) throw new ProviderError(400, 'invalid_request', P.messages.missingPasswordParam(name))
  throw new ProviderError(400, 'invalid_grant', P.messages.invalidCredentials)
}

/**
 * `POST https://zapier.com/oauth/token/`: DOT's TokenView. Django parses the body first (a
 * multipart body without its boundary is Django's HTML 400); oauthlib then refuses any URL query
 * (oauthlib@v3.3.1:endpoints/base.py#L82-L89), dispatches on `grant_type` and runs the grant's
 * steps. Every error carries the request's `state`; bodies are written with Python's separators.
 */
async function token(rt: Rt, ctx: RequestContext): Promise<Response> {
  if (ctx.method === 'OPTIONS') return djangoOptions(TOKEN_ALLOW)
  const body = queryDictItems(await ctx.params(TOKEN_SOURCES))
  // oauthlib's Request merges the query and the body, the body winning (oauthlib@v3.3.1:common.py#L394-L395).
  const state = body.state ?? ctx.url.searchParams.getAll('state').at(-1)
  const withState = (error: ProviderError) => (state ? new ProviderError(error.status, error.code, error.description, { ...error.detail, state }) : error)
  try {
    if (ctx.url.search.length > 1) throw new ProviderError(400, 'invalid_request', P.messages.queryNotAllowed, { endpointLevel: 'true' })
    if (body.grant_type === 'password') passwordGrant(rt, ctx, body)
    return await handleTokenRequest(rt as ProviderRuntime<unknown, unknown>, tokenProfile, ctx)
  } catch (error) {
    throw error instanceof ProviderError ? withState(error) : error
  }
}

/** `POST /oauth/token` without the slash, per the `noSlashToken` option; the authorize path's 301 (Django `APPEND_SLASH`). */
function withoutSlash(rt: Rt, ctx: RequestContext): Promise<Response> | Response {
  if (ctx.path === '/oauth/token') {
    if (rt.options.noSlashToken === 'serve') {
      if (ctx.method !== 'POST' && ctx.method !== 'OPTIONS') throw new ProviderError(405, 'method_not_allowed')
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
 * The access token of an API request, as oauthlib reads it (oauthlib@v3.3.1:oauthlib/oauth2/rfc6749/tokens.py#L236-L253):
 * with an Authorization header, only `Bearer <token>` (two parts, "bearer" in any case), and
 * nothing else counts; without one, the `access_token` parameter (the last one, Django's QueryDict).
 */
function apiAccessToken(ctx: RequestContext): string | undefined {
  const header = ctx.headers.get('authorization')
  if (header !== null) {
    const parts = header.trim().split(/\s+/)
    return parts.length === 2 && parts[0]!.toLowerCase() === 'bearer' ? parts[1] : undefined
  }
  return ctx.url.searchParams.getAll('access_token').at(-1)
}

/**
 * A valid access token (user or app); 401 otherwise. DOT's OAuth2Authentication returns None for
 * every failure, so DRF answers NotAuthenticated; only the challenge says why
 * (DOT@3.0.1:contrib/rest_framework/authentication.py#L22-L55, oauth2_validators.py#L220-L250, #L437-L467).
 */
function anyToken(rt: Rt, ctx: RequestContext): TokenEntry {
  const auth = authenticateBearer(rt, apiAccessToken(ctx))
  if (!auth.ok) throw notAuthenticated(auth.reason === 'missing' ? 'missing' : auth.reason === 'expired' ? 'expired' : 'invalid')
  return auth.entry
}

function hasScope(entry: TokenEntry, anyOf: readonly string[]): boolean {
  return anyOf.some((s) => entry.scopes.includes(s))
}

/**
 * A USER access token with one of `anyOf`. The authenticator succeeded, so a failed permission is
 * DRF's PermissionDenied (403), for a missing scope and for an app token (no user) alike
 * (DRF@3.18.0:rest_framework/views.py#L174-L180).
 */
function userToken(rt: Rt, ctx: RequestContext, anyOf: readonly string[]): TokenEntry & { userId: number } {
  const entry = anyToken(rt, ctx)
  if (entry.userId === null || !hasScope(entry, anyOf)) throw permissionDenied()
  return entry as TokenEntry & { userId: number }
}

/** `?client_id=` of a registered Zapier client (the last one given, Django's QueryDict); 401 otherwise. */
function clientIdParam(rt: Rt, ctx: RequestContext): void {
  if (!rt.client(ctx.url.searchParams.getAll('client_id').at(-1))) throw notAuthenticated()
}

/** The v2 endpoints that take a client id OR a Bearer token with `zap`: the header wins when present. */
function clientIdOrToken(rt: Rt, ctx: RequestContext): void {
  if (ctx.headers.has('authorization')) {
    const entry = anyToken(rt, ctx)
    if (!hasScope(entry, P.apiScopes.appsAndActions)) throw permissionDenied()
  } else clientIdParam(rt, ctx)
}

/**
 * A pagination parameter the way DRF reads one (DRF@3.18.0:rest_framework/pagination.py
 * `_positive_int`): an integer ≥ 0 (≥ 1 when `strict`), capped at `max`; anything else, the default.
 */
function intParam(url: URL, name: string, fallback: number, max: number, strict = false): number {
  const raw = url.searchParams.getAll(name).at(-1)
  const n = raw === undefined || !/^\s*[+-]?\d+\s*$/.test(raw) ? NaN : Number(raw)
  if (!Number.isInteger(n) || n < 0 || (strict && n === 0)) return fallback
  return Math.min(n, max)
}

/** The v2 list envelope with limit/offset pagination. */
function v2List<T>(ctx: RequestContext, items: T[]): Response {
  const limit = intParam(ctx.url, 'limit', P.pagination.v2Limit, P.pagination.max, true)
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

/**
 * A Django REST framework view on the API host. DRF authenticates and checks permissions BEFORE it
 * dispatches on the method (DRF@3.18.0:rest_framework/views.py#L404-L421, #L490-L525), so `guard`
 * runs first and a method the view lacks is a 405 only for a request that passed it (`Allow`
 * lists the view's methods).
 */
function apiRoute<A>(methods: readonly string[], path: string, guard: (ctx: RequestContext) => A, handle: (ctx: RequestContext, auth: A) => Response): Route {
  return {
    methods: '*',
    path,
    host: 'api',
    endpoint: 'api',
    renderError: renderApiError,
    handle(ctx) {
      const auth = guard(ctx)
      if (!methods.includes(ctx.method)) throw new ProviderError(405, 'method_not_allowed', undefined, { allow: methods.join(', ') })
      return handle(ctx, auth)
    },
  }
}

function routesFor(rt: Rt): Route[] {
  const authorizeRoute = (path: string, host: string): Route => ({
    methods: ['GET', 'POST', 'OPTIONS'],
    path,
    host,
    endpoint: 'authorize',
    renderError: renderAuthorizeError,
    headers: FRAME_HEADERS,
    handle: (ctx) => authorize(rt, ctx),
  })
  const user = (anyOf: readonly string[]) => (ctx: RequestContext) => userToken(rt, ctx, anyOf)
  const byClientId = (ctx: RequestContext) => clientIdParam(rt, ctx)
  const byClientIdOrToken = (ctx: RequestContext) => clientIdOrToken(rt, ctx)
  const open = () => undefined
  return [
    authorizeRoute(P.paths.authorize, 'api'),
    authorizeRoute(P.paths.legacyAuthorize, 'auth'),
    {
      methods: ['POST', 'OPTIONS'],
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

    apiRoute(['GET'], P.paths.profile, user(P.apiScopes.profile), (_ctx, entry) => {
      const found = rt.data.user(entry.userId)
      if (!found) throw notAuthenticated()
      const { id, first_name, last_name, full_name, email, email_confirmed, timezone } = found
      return json([{ id, first_name, last_name, full_name, email, email_confirmed, timezone }])
    }),
    apiRoute(['GET'], P.paths.zaps, user(P.apiScopes.zaps), (ctx, entry) => {
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
    apiRoute(['GET'], P.paths.authentications, user(P.apiScopes.authentications), (ctx, entry) => {
      const auths = rt.data.authentications(entry.userId, ctx.url.searchParams.get('app')).map((a) => ({ type: 'authentication', id: a.id, app: a.app, is_expired: a.is_expired, title: a.title }))
      return v2List(ctx, auths)
    }),
    apiRoute(['GET'], P.paths.appsV1, byClientId, (ctx) => {
      const apps = rt.data.apps().map((a) => ({ uuid: a.id, title: a.title, slug: a.slug, description: a.description, image: a.image, hex_color: a.hex_color, url: `https://zapier.com/apps/${a.slug}/integrations` }))
      const perPage = intParam(ctx.url, 'per_page', P.pagination.appsPerPage, P.pagination.max, true)
      const pageNo = intParam(ctx.url, 'page', 1, Number.MAX_SAFE_INTEGER, true)
      return json({ total: apps.length, page: pageNo, pages: Math.max(1, Math.ceil(apps.length / perPage)), per_page: perPage, objects: apps.slice((pageNo - 1) * perPage, pageNo * perPage) })
    }),
    apiRoute(['GET'], P.paths.zapTemplates, byClientId, (ctx) => {
      const limit = intParam(ctx.url, 'limit', P.pagination.templatesLimit, P.pagination.max, true)
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
    apiRoute(['GET'], P.paths.categories, open, () => json(rt.data.categories().map((c) => ({ ...c, url: `https://zapier.com/apps/categories/${c.slug}` })))),
    apiRoute(['GET'], P.paths.appsV2, byClientIdOrToken, (ctx) => v2List(ctx, rt.data.apps().map((a) => appV2(a, ctx)))),
    apiRoute(['GET'], P.paths.actions, byClientIdOrToken, (ctx) => {
      const type = ctx.url.searchParams.get('action_type')
      const actions = rt.data
        .actions(ctx.url.searchParams.get('app'))
        .filter((a) => type === null || a.action_type === type)
        .map((a) => ({ type: 'action', id: a.id, key: a.key, action_type: a.action_type, is_instant: a.is_instant, title: a.title, description: a.description, app: a.app }))
      return v2List(ctx, actions)
    }),
    // An app endpoint: only an app access token (client credentials) with promotions:write; the Promotions API's own error shape.
    {
      ...apiRoute(
        ['DELETE'],
        P.paths.promotion,
        (ctx) => {
          const entry = anyToken(rt, ctx)
          if (entry.userId !== null || entry.grantType !== 'client_credentials' || !hasScope(entry, P.apiScopes.promotions)) throw apiError(403, 'insufficient_scope', P.promotionErrors[403]!)
        },
        (ctx) => {
          if (!rt.data.deletePromotion(ctx.routeParams.id ?? '')) throw apiError(404, 'not_found', P.promotionErrors[404]!)
          return new Response(null, { status: 204 })
        },
      ),
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
  // `approval_prompt=auto` (`skipConsent`): the user's newest token for this client.
  keepsLatestGrants: true,
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
