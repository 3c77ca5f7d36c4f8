/**
 * The token endpoint — RFC 6749 §4.1.3 (code), §6 (refresh), §4.4 (client credentials) — as a
 * list of named steps per grant, run in the provider's order. Real servers agree on the steps and
 * disagree on their order and answers: Doorkeeper checks `redirect_uri` is present before it
 * authenticates the client, oauthlib checks the code is present first and falls back to the only
 * registered redirect URI, Doorkeeper ≤ 5.0 refreshes without client credentials. A provider's
 * profile lists its steps; the engine runs them and issues the tokens.
 */
import type { Client } from './clients.ts'
import type { ProviderError } from './errors.ts'
import { type HeaderMap, NO_STORE, bearerToken, textResponse } from './http.ts'
import {
  type ClientAuthProfile,
  type IssuedTokens,
  type RotationMode,
  type TokenFormats,
  authenticateClient,
  clientCredentialsGiven,
  issueTokens,
  narrowScopes,
  rotateRefreshToken,
  unique,
} from './oauth.ts'
import { type ParamSource, type Params, lastValues } from './params.ts'
import { type PkceProfile, verifyPkce } from './pkce.ts'
import type { CodeEntry, GrantType, ProviderRuntime, RequestContext, TokenEntry } from './provider.ts'

export type TokenErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type' | 'invalid_scope' | 'unauthorized_client'

/**
 * What a provider is told about a failed step, to pick its words: the missing parameter
 * (`code`, `redirect_uri`, `refresh_token`, `grant_type`), `redirect_uri_mismatch`,
 * `redirect_uri_missing` (no default to fall back on), `code_verifier` (PKCE), `malformed_body`.
 */
export type TokenErrorHint = string

/** What the steps of one request found so far. */
export interface TokenState {
  params: Params
  grantType: GrantType
  client: Client | null
  code: { value: string; entry: CodeEntry } | null
  /** The redirect URI the exchange is for (given, or the default). */
  redirectUri: string | null
  /** The refresh token presented, then (once checked) its entry. */
  refreshToken: string | null
  /** The refresh token presented: its store key and entry. */
  refresh: { key: string; entry: TokenEntry } | null
  scopes: string[] | null
}

/** A provider's own step (cal.com's order needs a few); it throws through `fail` like the engine's. */
export type TokenStepFunction = (step: {
  rt: ProviderRuntime<unknown, unknown>
  ctx: RequestContext
  profile: TokenEndpointProfile
  state: TokenState
  fail(code: TokenErrorCode, hint?: TokenErrorHint): never
}) => void

/**
 * - `client`: authenticate the client (required) → `invalid_client`.
 * - `client-if-given`: authenticate when credentials are given (Doorkeeper ≤ 5.0 refresh).
 * - `code-param`: `code` present → `invalid_request` (`code`).
 * - `redirect-uri-param`: `redirect_uri` present → `invalid_request` (`redirect_uri`).
 * - `code`: the code exists, is this client's and is live → `invalid_grant`; consumed per `codeUse`.
 * - `pkce`: RFC 7636 §4.6 per the profile's `pkce`.
 * - `redirect-uri`: the code's redirect URI (RFC 6749 §4.1.3) → per `redirectUriMismatch`.
 * - `refresh-param`: a refresh token given → `invalid_request` (`refresh_token`).
 * - `refresh-token`: live, and the authenticated client's when there is one → `invalid_grant`.
 * - `refresh-client-match`: when a client authenticated, it is the token's → `invalid_grant` (Doorkeeper 4.x).
 * - `refresh-client`: the token's client authenticated (Doorkeeper ≥ 5.1) → `invalid_grant`.
 * - `scope`: refresh may narrow (RFC 6749 §6); client credentials within `allowed` → `invalid_scope`.
 */
export type TokenStep =
  | 'client'
  | 'client-if-given'
  | 'code-param'
  | 'redirect-uri-param'
  | 'code'
  | 'pkce'
  | 'redirect-uri'
  | 'refresh-param'
  | 'refresh-token'
  | 'refresh-client-match'
  | 'refresh-client'
  | 'scope'
  | TokenStepFunction

export interface TokenEndpointProfile {
  paramSources: readonly ParamSource[]
  clientAuth: ClientAuthProfile
  formats: TokenFormats
  /**
   * A parameter given twice: the `last` value counts (Rails `params`, Django `QueryDict.items()`),
   * or the request is `invalid_request` (RFC 6749 §3.2: "MUST NOT be included more than once").
   */
  repeated: 'last' | 'invalid_request'
  /** A missing `grant_type`: Doorkeeper `invalid_request`, oauthlib `unsupported_grant_type`. */
  missingGrantType: 'invalid_request' | 'unsupported_grant_type'
  pkce?: PkceProfile
  /** Where the refresh token is read: the body's `refresh_token` (RFC 6749 §6), else `Authorization: Bearer` (cal.com). */
  refreshTokenFrom?: readonly ('body' | 'bearer')[]
  grants: {
    authorization_code?: {
      steps: readonly TokenStep[]
      /** Delete the code when it is found (cal.com), or only once tokens are issued (Doorkeeper, oauthlib). */
      codeUse: 'on-lookup' | 'on-success'
      /** The error of a `redirect_uri` other than the code's: Doorkeeper `invalid_grant`, oauthlib `invalid_request`. */
      redirectUriMismatch: 'invalid_grant' | 'invalid_request'
      /**
       * Without `redirect_uri`: refuse, take the client's only registered one (DOT), or (RFC 6749
       * §4.1.3 "REQUIRED, if the redirect_uri parameter was included in the authorization request")
       * take the code's own when its authorization request had none (`if-omitted-at-authorize`).
       */
      redirectUriDefault?: 'none' | 'sole-registered' | 'if-omitted-at-authorize'
    }
    refresh_token?: { steps: readonly TokenStep[]; rotation: RotationMode }
    client_credentials?: { steps: readonly TokenStep[]; allowed: readonly string[]; defaults: readonly string[] }
  }
  /** How the `scope` parameter of refresh / client-credentials requests is split. */
  scopeSeparator: RegExp
  error(code: TokenErrorCode, hint?: TokenErrorHint): ProviderError
  /** The success body (RFC 6749 §5.1) in the provider's own keys and order. */
  body(issued: IssuedTokens): Record<string, unknown>
  /** The success body's text (default `JSON.stringify`; Zapier's Django writes Python's separators). */
  serialize?(body: Record<string, unknown>): string
  /** Headers of a success besides `Content-Type: application/json` (default RFC 6749 §5.1's no-store + no-cache). */
  headers?: HeaderMap
}

/**
 * What the control API calls a request to a shared token endpoint: `refresh` for
 * `grant_type=refresh_token`, `token` otherwise (faults target each separately).
 */
export function tokenEndpointKind(sources: readonly ParamSource[]) {
  return async (ctx: RequestContext): Promise<'token' | 'refresh'> => {
    const params = await ctx.params(sources).catch((): Params => ({}))
    const grant = params.grant_type
    return (Array.isArray(grant) ? grant.at(-1) : grant) === 'refresh_token' ? 'refresh' : 'token'
  }
}

const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const

/** Runs the provider's steps for the request's grant, then issues the tokens. */
export async function handleTokenRequest(rt: ProviderRuntime<unknown, unknown>, profile: TokenEndpointProfile, ctx: RequestContext): Promise<Response> {
  const fail = (code: TokenErrorCode, hint?: TokenErrorHint): never => {
    throw profile.error(code, hint)
  }
  let raw: Params
  try {
    raw = await ctx.params(profile.paramSources)
  } catch {
    return fail('invalid_request', 'malformed_body')
  }
  if (profile.repeated === 'invalid_request') for (const [k, v] of Object.entries(raw)) if (Array.isArray(v)) fail('invalid_request', k)
  const params = lastValues(raw)
  const given = params.grant_type
  if (typeof given !== 'string' || given === '') return fail(profile.missingGrantType, 'grant_type')
  const grantType = GRANT_TYPES.find((g) => g === given && profile.grants[g])
  if (!grantType) return fail('unsupported_grant_type')

  const state: TokenState = { params, grantType, client: null, code: null, redirectUri: null, refreshToken: null, refresh: null, scopes: null }
  const grant = profile.grants[grantType]!
  const codeGrant = profile.grants.authorization_code
  const now = rt.clock.now()
  for (const step of grant.steps) {
    if (typeof step === 'function') {
      step({ rt, ctx, profile, state, fail })
      continue
    }
    switch (step) {
      case 'client':
      case 'client-if-given': {
        if (step === 'client-if-given' && !clientCredentialsGiven(ctx, params, profile.clientAuth)) break
        state.client = authenticateClient(rt, ctx, params, profile.clientAuth) ?? fail('invalid_client')
        break
      }
      case 'code-param':
        if (typeof params.code !== 'string') fail('invalid_request', 'code')
        break
      case 'redirect-uri-param':
        if (typeof params.redirect_uri !== 'string' || params.redirect_uri === '') fail('invalid_request', 'redirect_uri')
        break
      case 'code': {
        const value = typeof params.code === 'string' ? params.code : ''
        const found = rt.codes.lookup(value, now)
        // RFC 6749 §4.1.3: issued to this client; another client's code is not found, and not consumed.
        if (found.state === 'unknown' || (state.client && found.entry.clientId !== state.client.clientId)) return fail('invalid_grant')
        if (codeGrant?.codeUse === 'on-lookup' || found.state !== 'valid') rt.codes.delete(value)
        if (found.state !== 'valid') return fail('invalid_grant')
        state.code = { value, entry: found.entry }
        break
      }
      case 'pkce': {
        if (!profile.pkce || !state.code || !state.client) break
        const verdict = verifyPkce(profile.pkce, state.client, state.code.entry, params.code_verifier)
        if (!verdict.ok) fail(verdict.error, verdict.error === 'invalid_request' ? 'code_verifier' : undefined)
        break
      }
      case 'redirect-uri': {
        if (!state.code) break
        let uri = typeof params.redirect_uri === 'string' && params.redirect_uri !== '' ? params.redirect_uri : null
        if (uri === null && codeGrant?.redirectUriDefault === 'sole-registered') {
          const registered = state.client?.redirectUris ?? []
          if (registered.length !== 1) fail('invalid_request', 'redirect_uri_missing')
          uri = registered[0]!
        }
        if (uri === null && codeGrant?.redirectUriDefault === 'if-omitted-at-authorize' && state.code.entry.redirectUriOmitted) uri = state.code.entry.redirectUri
        if (uri === null) fail('invalid_request', 'redirect_uri')
        if (uri !== state.code.entry.redirectUri) fail(codeGrant?.redirectUriMismatch ?? 'invalid_grant', 'redirect_uri_mismatch')
        state.redirectUri = uri
        break
      }
      case 'refresh-param': {
        const from = profile.refreshTokenFrom ?? ['body']
        const token = (from.includes('body') && typeof params.refresh_token === 'string' && params.refresh_token !== '' ? params.refresh_token : undefined) ?? (from.includes('bearer') ? bearerToken(ctx.headers) : undefined)
        state.refreshToken = token ?? fail('invalid_request', 'refresh_token')
        break
      }
      case 'refresh-token': {
        const key = rt.tokenKey('refresh', state.refreshToken ?? '')
        const found = key === undefined ? undefined : rt.refreshTokens.lookup(key, now)
        if (key === undefined || found?.state !== 'valid' || (state.client && found.entry.clientId !== state.client.clientId)) return fail('invalid_grant')
        state.refresh = { key, entry: found.entry }
        break
      }
      case 'refresh-client-match':
        if (state.refresh && state.client && state.client.clientId !== state.refresh.entry.clientId) fail('invalid_grant')
        break
      case 'refresh-client':
        if (state.refresh && (!state.client || state.client.clientId !== state.refresh.entry.clientId)) fail('invalid_grant')
        break
      case 'scope': {
        if (grantType === 'refresh_token' && state.refresh) {
          const scope = typeof params.scope === 'string' ? params.scope : undefined
          state.scopes = narrowScopes(state.refresh.entry.scopes, scope, profile.scopeSeparator) ?? fail('invalid_scope')
        } else if (grantType === 'client_credentials') {
          const cc = profile.grants.client_credentials!
          const requested = (typeof params.scope === 'string' ? params.scope : '').split(profile.scopeSeparator).filter(Boolean)
          const client = state.client
          const mayHave = (s: string) => cc.allowed.includes(s) && (client?.scopes == null || client.scopes.includes(s))
          if (requested.some((s) => !mayHave(s))) fail('invalid_scope')
          state.scopes = requested.length ? unique(requested) : [...cc.defaults]
        }
        break
      }
    }
  }

  let issued: IssuedTokens
  if (grantType === 'authorization_code') {
    const code = state.code ?? fail('invalid_grant')
    const clientId = state.client?.clientId ?? code.entry.clientId
    if (codeGrant?.codeUse === 'on-success') rt.codes.delete(code.value)
    const e = code.entry
    issued = issueTokens(rt, profile.formats, { clientId, subject: { userId: e.userId, teamId: e.teamId, accountId: e.accountId }, scopes: e.scopes, grantType, withRefresh: profile.grants.refresh_token !== undefined, grantId: e.grantId ?? null })
  } else if (grantType === 'refresh_token') {
    const old = state.refresh ?? fail('invalid_grant')
    issued = rotateRefreshToken(rt, profile.formats, old, state.scopes ?? old.entry.scopes, profile.grants.refresh_token!.rotation)
  } else {
    const client = state.client ?? fail('invalid_client')
    issued = issueTokens(rt, profile.formats, { clientId: client.clientId, subject: { userId: null, teamId: null, accountId: null }, scopes: state.scopes ?? [], grantType, withRefresh: false })
  }
  const body = profile.body(issued)
  return textResponse(profile.serialize ? profile.serialize(body) : JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json', ...(profile.headers ?? NO_STORE) } }, true)
}
