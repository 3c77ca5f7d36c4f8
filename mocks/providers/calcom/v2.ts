/**
 * cal.com's "v2" OAuth provider, selected with `options: { calcom: { profile: 'v2' } }`.
 * Behaviour: ../shared/providers/calcom.md, "The 'v2' profile". Only the token and refresh
 * endpoints differ from the legacy profile (./index.ts); the authorize page adds PKCE. Everything
 * here is the engine's RFC 6749 token endpoint (`handleTokenRequest`) configured with data.
 *
 * What the doc does not say was decided from RFC 6749, RFC 7636 and RFC 9700 (OAuth security
 * BCP) and is marked "assumed" below.
 */
import { ProviderError } from '../../engine/errors.ts'
import { json } from '../../engine/http.ts'
import { type AuthorizeProfile, type TokenEndpointProfile, type TokenFormats, handleTokenRequest, tokenEndpointKind } from '../../engine/oauth.ts'
import type { ParamSource } from '../../engine/params.ts'
import type { ProviderRuntime, Route } from '../../engine/provider.ts'
import type { CalcomData } from './data.ts'
import { type CalcomV2Error, calcomProfile as P, calcomV2Profile as V2 } from './profile.ts'

/** "Token: form or JSON". */
const SOURCES: readonly ParamSource[] = ['form', 'json']

/**
 * The legacy authorize page with PKCE (RFC 7636 §4.3-4.4). Its `invalid_request` redirects carry
 * RFC 7636 §4.4.1's `error_description` ("code challenge required", "transform algorithm not
 * supported"), so that a client can tell why (assumed: calcom.md does not say).
 */
export function calcomV2AuthorizeProfile(legacy: AuthorizeProfile<CalcomData>): AuthorizeProfile<CalcomData> {
  return {
    ...legacy,
    pkce: V2.pkce,
    errorParams: (code, state, description) => ({ error: code, error_description: description, state }),
  }
}

/**
 * The engine's codes in v2's four. Assumed where calcom.md is silent: an unsupported
 * `grant_type` is `unauthorized_client` (RFC 6749 §5.2's "not authorized to use this
 * authorization grant type"; the doc lists no `unsupported_grant_type`), a refresh asking for
 * more scopes than granted is `invalid_request` (no `invalid_scope` either).
 */
const CODES: Record<Parameters<TokenEndpointProfile['error']>[0], CalcomV2Error> = {
  invalid_request: 'invalid_request',
  invalid_client: 'invalid_client',
  invalid_grant: 'invalid_grant',
  unsupported_grant_type: 'unauthorized_client',
  invalid_scope: 'invalid_request',
}

/** "400, or 401 for client errors". */
function v2Error(code: CalcomV2Error): ProviderError {
  return new ProviderError(code === 'invalid_client' ? 401 : 400, code)
}

/**
 * `refresh-only`: the legacy refresh path, kept for clients that send the refresh token as
 * `Authorization: Bearer` (assumed: calcom.md's "falls back to the Bearer header" is that path's
 * habit); it does not exchange codes.
 */
function tokenProfile(formats: TokenFormats, grants: 'code-and-refresh' | 'refresh-only'): TokenEndpointProfile {
  return {
    paramSources: SOURCES,
    // Body credentials as the legacy endpoints (assumed: no Basic); public clients by client_id alone.
    clientAuth: ['body', 'none'],
    formats,
    pkce: V2.pkce,
    refreshTokenFrom: V2.refreshTokenFrom,
    grants: {
      authorization_code: grants === 'code-and-refresh',
      refresh_token: { rotation: V2.rotation },
      client_credentials: false,
    },
    scopeSeparator: P.scopeSeparator,
    error: (code) => v2Error(CODES[code]),
    // `{"access_token","token_type":"bearer","refresh_token","expires_in":1800}`, in that order.
    body: (issued) => ({
      access_token: issued.access,
      token_type: V2.tokenType,
      refresh_token: issued.refresh,
      expires_in: formats.accessLifetimeSeconds,
    }),
  }
}

/**
 * `{"error"}` and nothing else, for everything the token routes answer. Assumed: a non-POST is
 * 405 with an empty body and `Allow: POST` (Next.js app-router route handlers); a malformed or
 * oversized body is `invalid_request`; an injected fault is `server_error` (5xx),
 * `invalid_client` (401) or `invalid_request` (other 4xx).
 */
export function renderCalcomV2TokenError(error: ProviderError): Response {
  if (error.code === 'method_not_allowed') return new Response(null, { status: 405, headers: { allow: 'POST' } })
  const own: readonly string[] = V2.errors
  let code: string
  if (error.code === 'fault') code = error.status >= 500 ? 'server_error' : error.status === 401 ? 'invalid_client' : 'invalid_request'
  else code = own.includes(error.code) ? error.code : 'invalid_request'
  return json({ error: code }, error.status)
}

/** `POST /api/auth/oauth/token` (code and refresh grants) and `POST /api/auth/oauth/refreshToken` (refresh). */
export function calcomV2TokenRoutes(rt: ProviderRuntime<CalcomData, unknown>, formats: TokenFormats): Route[] {
  const both = tokenProfile(formats, 'code-and-refresh')
  const refreshOnly = tokenProfile(formats, 'refresh-only')
  const methodNotAllowed = () => new ProviderError(405, 'method_not_allowed')
  return [
    {
      methods: ['POST'],
      path: P.paths.token,
      endpoint: tokenEndpointKind(SOURCES),
      wrongMethod: methodNotAllowed,
      renderError: renderCalcomV2TokenError,
      handle: (ctx) => handleTokenRequest(rt, both, ctx),
    },
    {
      methods: ['POST'],
      path: P.paths.refresh,
      endpoint: 'refresh',
      wrongMethod: methodNotAllowed,
      renderError: renderCalcomV2TokenError,
      handle: (ctx) => handleTokenRequest(rt, refreshOnly, ctx),
    },
  ]
}
