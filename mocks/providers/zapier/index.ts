/**
 * The Zapier fake (Workflow API / Embed). Behaviour: ../shared/providers/zapier.md.
 * Numbers and words live in ./profile.ts; this file wires them to the engine's steps.
 *
 * Two hosts: `api` (https://api.zapier.com: `/v2/authorize` and the API) and `auth`
 * (https://zapier.com: `/oauth/token/` and the older `/oauth/authorize/`). Standalone, both live
 * under `/zapier`.
 */
import { zapierDefaultUserId, zapierDemoClient } from '../../../fixtures/zapier.ts'
import { randomAlphanumeric } from '../../engine/crypto.ts'
import { type ErrorCode, ProviderError, reasonPhrase } from '../../engine/errors.ts'
import { NO_STORE, bearerToken, html, json, redirect, withParams } from '../../engine/http.ts'
import {
  type AuthorizeProfile,
  type TokenEndpointProfile,
  authenticateBearer,
  handleAuthorizationRequest,
  handleTokenRequest,
  tokenEndpointKind,
} from '../../engine/oauth.ts'
import type { ParamSource } from '../../engine/params.ts'
import { type ProviderRuntime, type RequestContext, type Route, type TokenEntry, defineProvider } from '../../engine/provider.ts'
import { type ZapierData, createZapierData } from './data.ts'
import { zapierConsentPage, zapierErrorPage } from './pages.ts'
import { type ZapierOptions, zapierOptionsSchema, zapierProfile as P } from './profile.ts'

type Rt = ProviderRuntime<ZapierData, ZapierOptions>

/** Django's `request.POST`: form-urlencoded and multipart bodies; a JSON body yields no parameters. */
const TOKEN_SOURCES: readonly ParamSource[] = ['form', 'multipart']

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

type ApiErrorEntry = { code: string; title: string; detail: string }

/** An API error in the `errors` envelope; `entry` is one of `P.apiErrors`. */
function apiError(status: number, entry: ApiErrorEntry, code: ErrorCode = 'invalid_request'): ProviderError {
  return new ProviderError(status, code, entry.detail, { code: entry.code, title: entry.title })
}
const notAuthenticated = () => apiError(401, P.apiErrors[401], 'invalid_token')
const permissionDenied = (entry: ApiErrorEntry = P.apiErrors[403]) => apiError(403, entry, 'insufficient_scope')

/** `{"errors":[{"status","code","title","detail"}]}` */
function renderApiError(error: ProviderError): Response {
  let entry: ApiErrorEntry
  if (error.detail.code && error.detail.title) entry = { code: error.detail.code, title: error.detail.title, detail: error.description ?? '' }
  else if (error.code === 'server_error' || error.code === 'temporarily_unavailable') entry = P.apiErrors[error.code]
  else if (error.code === 'not_found') entry = P.apiErrors[404]
  else if (error.code === 'method_not_allowed') entry = P.apiErrors[405]
  else if (error.code === 'payload_too_large') entry = P.apiErrors[413]
  else if (error.status === 401) entry = P.apiErrors[401]
  else entry = { code: error.code, title: reasonPhrase(error.status), detail: error.description ?? reasonPhrase(error.status) }
  return json({ errors: [{ status: String(error.status), ...entry }] }, error.status)
}

/** RFC 6749 §5.2 as oauthlib writes it: `{"error"}` plus `error_description` when there is one. */
function renderTokenError(error: ProviderError): Response {
  if (error.code === 'method_not_allowed') return new Response(null, { status: 405, headers: { allow: 'POST', 'content-type': 'text/html; charset=utf-8' } })
  let code: string = error.code
  let description = error.description
  if (error.code === 'payload_too_large') [code, description] = ['invalid_request', P.messages.bodyTooLarge]
  else if (error.code === 'malformed_body') [code, description] = ['invalid_request', P.messages.malformedBody]
  else if (error.code === 'not_found') [code, description] = ['invalid_request', undefined]
  else if (error.status >= 500 && error.code !== 'temporarily_unavailable') [code, description] = ['server_error', undefined]
  const headers: Record<string, string> = { ...NO_STORE }
  // oauthlib adds the RFC 6750 challenge to every 401.
  if (error.status === 401) headers['www-authenticate'] = `Bearer error="${code}"`
  return json(description === undefined ? { error: code } : { error: code, error_description: description }, error.status, headers)
}

/** The authorize pages' errors are HTML; an injected fault answers `{"error"}` (contract §3). */
function renderAuthorizeError(error: ProviderError): Response {
  if (error.detail.fault) return json({ error: error.code }, error.status)
  if (error.code === 'method_not_allowed') return new Response(null, { status: 405, headers: { allow: 'GET, POST', 'content-type': 'text/html; charset=utf-8' } })
  const title = error.code === 'payload_too_large' ? 'Request Entity Too Large' : reasonPhrase(error.status)
  return zapierErrorPage(title, error.description ?? title, error.status)
}

/** Unknown paths: the API's envelope under `/v1` and `/v2`, the token shape at the token path, Django's 404 page elsewhere. */
function renderError(error: ProviderError, ctx: RequestContext): Response {
  if (/^\/v\d+\//.test(ctx.path)) return renderApiError(error)
  if (error.code === 'not_found') return zapierErrorPage('Not Found', 'The requested resource was not found on this server.', 404)
  if (ctx.path.startsWith('/oauth/token')) return renderTokenError(error)
  return renderAuthorizeError(error)
}

// ---------------------------------------------------------------------------------------------
// Authorize
// ---------------------------------------------------------------------------------------------

const authorizeProfile: AuthorizeProfile<ZapierData> = {
  responseType: 'required',
  // oauthlib: an unknown scope redirects with `invalid_scope`; no scope → the default scopes.
  scopes: { known: P.scopes, separator: P.scopeSeparator, defaults: P.defaultScopes, unknown: 'redirect' },
  codeLifetimeSeconds: P.codeLifetimeSeconds,
  newCode: () => randomAlphanumeric(P.codeLength),
  // django-oauth-toolkit's default `approval_prompt=force`: the consent page every time.
  skipApprovedConsent: false,
  // Deny → `error=access_denied&state=…`, no description.
  check: (params) =>
    params.response_mode !== undefined && params.response_mode !== P.responseMode
      ? { error: 'invalid_request', description: P.messages.unsupportedResponseMode }
      : undefined,
  errorParams: (code, state, description) => ({ error: code, error_description: description, state }),
  users: (data) => data.users().map((u) => ({ id: u.id, label: `${u.full_name} (${u.email})` })),
  choices(data, userId) {
    const user = data.user(userId)
    if (!user) return []
    return [{ value: `${userId}:personal`, label: `${user.full_name}'s Zapier account`, subject: { userId, teamId: null, accountId: null } }]
  },
  errorPage(kind, ctx) {
    if (kind === 'unknown_client') return zapierErrorPage('Error: invalid_request', 'Invalid client_id parameter value.')
    if (kind === 'bad_redirect_uri') {
      const given = ctx.method === 'POST' ? undefined : ctx.url.searchParams.get('redirect_uri')
      return zapierErrorPage('Error: invalid_request', given === null ? 'Missing redirect URI.' : 'Mismatching redirect URI.')
    }
    if (kind === 'invalid_scope') return zapierErrorPage('Error: invalid_scope', 'The requested scope is invalid, unknown, or malformed.')
    return zapierErrorPage('Error: invalid_request', 'That Zapier account cannot be chosen by this user.')
  },
  consentPage: (view) => zapierConsentPage(view),
}

/**
 * `GET|POST /v2/authorize` and `/oauth/authorize/`. `response_mode=query` is the only mode: any
 * other value (after client, redirect URI and response_type are checked) redirects with
 * `error=invalid_request&error_description=Unsupported response_mode.`
 */
function authorize(rt: Rt, ctx: RequestContext): Promise<Response> {
  return handleAuthorizationRequest(rt, authorizeProfile, ctx)
}

// ---------------------------------------------------------------------------------------------
// Token
// ---------------------------------------------------------------------------------------------

function tokenError(code: ErrorCode, description?: string): ProviderError {
  return new ProviderError(code === 'invalid_client' ? 401 : 400, code, description)
}

const tokenProfile: TokenEndpointProfile = {
  paramSources: TOKEN_SOURCES,
  clientAuth: ['basic', 'body'],
  formats: {
    accessLifetimeSeconds: P.accessLifetimeSeconds,
    refreshLifetimeSeconds: P.refreshLifetimeSeconds,
    newAccessToken: () => randomAlphanumeric(P.tokenLength),
    newRefreshToken: () => randomAlphanumeric(P.tokenLength),
  },
  grants: {
    authorization_code: true,
    refresh_token: { rotation: 'immediate' },
    client_credentials: { allowed: P.scopes, defaults: P.clientCredentials.defaults },
  },
  scopeSeparator: P.scopeSeparator,
  error(code, hint) {
    if (code !== 'invalid_request') return tokenError(code)
    // oauthlib treats a missing grant_type as `authorization_code`'s and answers unsupported_grant_type.
    if (hint === 'grant_type') return tokenError('unsupported_grant_type')
    if (hint === 'malformed body') return tokenError('invalid_request', P.messages.malformedBody)
    return tokenError('invalid_request', P.messages.missing(hint ?? 'parameter'))
  },
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
 * `POST https://zapier.com/oauth/token/`. oauthlib's checks before the engine's: no query
 * parameters on a POST, no repeated parameter, then the grant's required parameter.
 */
async function token(rt: Rt, profile: TokenEndpointProfile, ctx: RequestContext): Promise<Response> {
  if (ctx.url.search.length > 1) throw tokenError('invalid_request', P.messages.queryNotAllowed)
  const params = await ctx.params(TOKEN_SOURCES).catch(() => {
    throw tokenError('invalid_request', P.messages.malformedBody)
  })
  for (const [name, value] of Object.entries(params)) if (Array.isArray(value)) throw tokenError('invalid_request', P.messages.duplicate(name))
  if (params.grant_type === 'authorization_code' && !params.code) throw tokenError('invalid_request', P.messages.missing('code'))
  if (params.grant_type === 'refresh_token' && !params.refresh_token) throw tokenError('invalid_request', P.messages.missing('refresh_token'))
  return handleTokenRequest(rt, profile, ctx)
}

/** Django's `APPEND_SLASH` (production): a 301 to the same URL with the slash, whatever the method. */
function appendSlash(rt: Rt, ctx: RequestContext): Response {
  if (ctx.path === '/oauth/token' && rt.options.noSlashToken === 'not_found') throw new ProviderError(404, 'not_found', 'Not Found')
  return redirect(`${ctx.baseOf('auth')}${ctx.path}/${ctx.url.search}`, 301)
}

// ---------------------------------------------------------------------------------------------
// API
// ---------------------------------------------------------------------------------------------

/** A valid access token (user or app); 401 otherwise. Revocation, expiry and unknown tokens look alike. */
function anyToken(rt: Rt, ctx: RequestContext): TokenEntry {
  const auth = authenticateBearer(rt, bearerToken(ctx.headers))
  if (!auth.ok) throw notAuthenticated()
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
  const limit = Math.max(1, intParam(ctx.url, 'limit', P.pagination.defaultLimit, P.pagination.maxLimit))
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
    handle: (ctx) => authorize(rt, ctx),
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
      handle: (ctx) => token(rt, tokenProfile, ctx),
    },
    ...P.appendSlash.map((path): Route => ({ methods: '*', path, host: 'auth', renderError, handle: (ctx) => appendSlash(rt, ctx) })),

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
      const perPage = Math.max(1, intParam(ctx.url, 'per_page', 20, 100))
      const pageNo = Math.max(1, intParam(ctx.url, 'page', 1, Number.MAX_SAFE_INTEGER))
      return json({ total: apps.length, page: pageNo, pages: Math.max(1, Math.ceil(apps.length / perPage)), per_page: perPage, objects: apps.slice((pageNo - 1) * perPage, pageNo * perPage) })
    }),
    api(['GET'], P.paths.zapTemplates, (ctx) => {
      clientIdParam(rt, ctx)
      return json(
        rt.data.zapTemplates().map((t) => ({
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
    // An app endpoint: only an app access token (client credentials) with promotions:write.
    api(['DELETE'], P.paths.promotion, (ctx) => {
      const entry = anyToken(rt, ctx)
      if (entry.userId !== null || entry.grantType !== 'client_credentials' || !hasScope(entry, P.apiScopes.promotions)) throw permissionDenied(P.apiErrors.appTokenRequired)
      if (!rt.data.deletePromotion(ctx.routeParams.id ?? '')) throw apiError(404, P.apiErrors[404], 'not_found')
      return new Response(null, { status: 204 })
    }),
  ]
}

export const zapier = defineProvider<ZapierData, ZapierOptions>({
  id: 'zapier',
  title: 'Zapier',
  hosts: P.hosts,
  createData: createZapierData,
  demoClients: () => [zapierDemoClient],
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
