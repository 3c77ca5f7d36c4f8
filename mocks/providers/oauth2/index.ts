/**
 * The generic OAuth 2.0 authorization server, built on the engine from a declarative profile
 * (./profile.ts): authorization code (RFC 6749 §4.1) with PKCE (RFC 7636), refresh (§6) with
 * rotation and optional reuse detection, client credentials (§4.4), metadata (RFC 8414), revocation
 * (RFC 7009), introspection (RFC 7662), `iss` in authorization responses (RFC 9207) and a protected
 * resource with RFC 6750 errors. `oauth2` is this definition with the built-in profile; a
 * user-defined provider (../custom.ts) is the same definition with its own. Docs:
 * docs/providers/oauth2.md and docs/providers/custom.md.
 */
import { z } from 'zod'
import { type AuthorizeFailure, type AuthorizeProfile, handleAuthorizationRequest } from '../../engine/authorize.ts'
import type { Client } from '../../engine/clients.ts'
import { asciiFlat, randomAlphanumeric, randomBase64url, randomHex } from '../../engine/crypto.ts'
import { ProviderError, reasonPhrase } from '../../engine/errors.ts'
import { revokeGrant } from '../../engine/grants.ts'
import { NO_STORE, basicCredentials, json, textResponse, withParams } from '../../engine/http.ts'
import { type ClientAuthMethod, type ClientAuthProfile, authenticateBearer, authenticateClient } from '../../engine/oauth.ts'
import { type Params, paramRecord } from '../../engine/params.ts'
import { type PkceProfile, RFC7636_DESCRIPTIONS, verifyPkce } from '../../engine/pkce.ts'
import { type ProviderDefinition, type ProviderRuntime, type RequestContext, type Route, type TokenEntry, defineProvider } from '../../engine/provider.ts'
import { type TokenEndpointProfile, type TokenErrorCode, type TokenStepFunction, handleTokenRequest, tokenEndpointKind } from '../../engine/token-endpoint.ts'
import { type Oauth2Data, createOauth2Data, userLabel, usernameOf } from './data.ts'
import { type PageLook, consentPage, errorPage } from './pages.ts'
import { type EndpointPath, type Oauth2Options, type Oauth2Profile, type Oauth2User, type TokenFormatSpec, oauth2OptionsSchema, oauth2Profile } from './profile.ts'

export type { Oauth2Data } from './data.ts'
export type { Oauth2Options, Oauth2Profile } from './profile.ts'

type Rt = ProviderRuntime<Oauth2Data, Oauth2Options>
type AnyRt = ProviderRuntime<unknown, unknown>

/** RFC 6749 §3.2 / §4.1.3: token, revocation and introspection requests are form-encoded POSTs. */
const FORM = ['form'] as const

/** `prefix` + `length` random characters of the format's alphabet. */
export function randomToken(spec: TokenFormatSpec): string {
  const n = spec.length
  const random = spec.format === 'hex' ? randomHex(Math.ceil(n / 2)).slice(0, n) : spec.format === 'base64url' ? randomBase64url(Math.ceil((n * 3) / 4)).slice(0, n) : randomAlphanumeric(n)
  // Flat: the prefix's concatenation or the random part's `slice` would cost every stored token ~30–60 bytes.
  return asciiFlat(`${spec.prefix}${random}`)
}

/** Bits of randomness in a format's random part (RFC 6749 §10.10). */
export function tokenBits(spec: Pick<TokenFormatSpec, 'format' | 'length'>): number {
  return spec.length * (spec.format === 'hex' ? 4 : spec.format === 'base64url' ? 6 : Math.log2(62))
}

/** Builds a provider definition from a profile: `oauth2`, and every user-defined provider. */
export function createOauth2Provider(P: Oauth2Profile): ProviderDefinition<Oauth2Data, Oauth2Options> {
  const primary = Object.keys(P.hosts)[0]!
  const look: PageLook = { title: P.title, color: P.brandColor, scopeWords: P.scopes.words }
  const scopeRegex = P.scopes.separator === ',' ? /,+/ : / +/
  const realm = String(P.id)
  const issuerOf = (ctx: RequestContext) => ctx.baseOf(primary)
  const url = (ctx: RequestContext, e: EndpointPath) => `${ctx.baseOf(e.host ?? primary)}${e.path}`

  // -------------------------------------------------------------------------------------------
  // Errors
  // -------------------------------------------------------------------------------------------

  /** The error an endpoint's `{"error","error_description"}` body shows for engine transport errors. */
  const transport = (error: ProviderError): { status: number; error: string; description: string } => {
    switch (error.code) {
      case 'not_found':
        return { status: 404, error: 'not_found', description: 'there is no endpoint at this path' }
      case 'method_not_allowed':
        return { status: 405, error: 'invalid_request', description: `this endpoint takes ${error.detail.allow ?? 'other methods'} only` }
      case 'payload_too_large':
        return { status: 413, error: 'invalid_request', description: 'the request body is too large' }
      case 'malformed_body':
        return { status: 400, error: 'invalid_request', description: 'the request body is malformed' }
      case 'fault':
      case 'server_error':
      case 'temporarily_unavailable':
        return { status: error.status, error: error.status === 503 ? 'temporarily_unavailable' : 'server_error', description: error.description ?? reasonPhrase(error.status) }
      default:
        return { status: error.status, error: error.code, description: error.description ?? reasonPhrase(error.status) }
    }
  }

  function renderError(error: ProviderError, _ctx: RequestContext): Response {
    const t = transport(error)
    const headers: Record<string, string> = { ...NO_STORE }
    if (error.detail.allow) headers.allow = error.detail.allow
    if (error.detail.challenge) headers['www-authenticate'] = error.detail.challenge
    return json({ error: t.error, error_description: t.description }, t.status, headers)
  }

  /** The token endpoint's errors: RFC 6749 §5.2, or GitHub's 200 in the negotiated format. */
  function renderTokenError(error: ProviderError, ctx: RequestContext): Response {
    if (P.errorShape === 'rfc6749' || error.detail.fault || error.status >= 500 || ['not_found', 'method_not_allowed', 'payload_too_large'].includes(error.code)) return renderError(error, ctx)
    const t = transport(error)
    return tokenAnswer(ctx, { error: P.errorCodes[t.error] ?? t.error, error_description: t.description }, 200)
  }

  /** RFC 6749 §5.2's words for a failed token step. */
  const TOKEN_WORDS: Record<string, string> = {
    grant_type: 'grant_type is required',
    code: 'code is required, once',
    redirect_uri: 'redirect_uri is required: the authorization request had one',
    redirect_uri_mismatch: 'redirect_uri does not match the authorization request',
    refresh_token: 'refresh_token is required, once',
    code_verifier: 'code_verifier is required: the authorization request had a code_challenge',
    malformed_body: 'the request body is malformed',
    two_auth_methods: 'the client authenticated in more than one way (RFC 6749 §2.3: at most one per request)',
    invalid_code: 'the code is invalid, expired, or was issued to another client',
    code_reused: 'the code was already used: the tokens issued for it are revoked',
    pkce_mismatch: 'PKCE verification failed: the code_verifier does not match the code_challenge (or the code has none)',
    invalid_refresh: 'the refresh token is invalid, expired, revoked, or was issued to another client',
    refresh_reused: 'the refresh token was already used: every token of its grant is revoked',
    public_client: 'a public client may not use the client_credentials grant',
  }

  function tokenError(code: TokenErrorCode, hint?: string): ProviderError {
    const description =
      (hint && TOKEN_WORDS[hint]) ??
      (code === 'invalid_client'
        ? 'client authentication failed'
        : code === 'unsupported_grant_type'
          ? 'this grant_type is not supported'
          : code === 'invalid_scope'
            ? 'the requested scope is invalid, unknown, or exceeds the scope granted'
            : code === 'invalid_request' && hint
              ? `${hint} must be given once`
              : 'the request is invalid')
    // RFC 6749 §5.2: 401 with a challenge for the scheme used (and, RFC 7235 §3.1, any 401 carries one).
    if (code === 'invalid_client') {
      return P.clientAuth.includes('basic') ? new ProviderError(401, code, description, { challenge: `Basic realm="${realm}"` }) : new ProviderError(400, code, description)
    }
    return new ProviderError(400, code, description)
  }

  // -------------------------------------------------------------------------------------------
  // Token endpoint
  // -------------------------------------------------------------------------------------------

  const acceptsJson = (ctx: RequestContext) => /application\/json/i.test(ctx.headers.get('accept') ?? '')

  /** A token endpoint answer: JSON (RFC 6749 §5.1), or form-urlencoded unless JSON is accepted (GitHub). */
  function tokenAnswer(ctx: RequestContext, body: Record<string, unknown>, status: number): Response {
    if (P.tokenResponse === 'json' || acceptsJson(ctx)) return json(body, status, NO_STORE)
    const form = new URLSearchParams()
    for (const [k, v] of Object.entries(body)) if (v !== undefined && v !== null) form.set(k, String(v))
    return textResponse(form.toString(), { status, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', ...NO_STORE } })
  }

  const clientAuth: ClientAuthProfile = { methods: P.clientAuth }

  /** RFC 6749 §2.3: "The client MUST NOT use more than one authentication method in each request." */
  const oneAuthMethod: TokenStepFunction = ({ ctx, state, fail }) => {
    if (P.clientAuth.includes('basic') && basicCredentials(ctx.headers) && state.params.client_secret !== undefined) fail('invalid_request', 'two_auth_methods')
  }

  /**
   * RFC 6749 §4.1.3 / §10.5: the code is this client's, live, and used once. It is consumed as it is
   * found (revoked, and kept so that a replay is recognised): a replay revokes every token issued
   * for it (§4.1.2 "SHOULD revoke … all tokens previously issued based on that authorization code").
   * Another client's code is not found, and not consumed.
   */
  const codeStep: TokenStepFunction = ({ rt, state, fail }) => {
    const value = typeof state.params.code === 'string' ? state.params.code : ''
    const now = rt.clock.now()
    const found = rt.codes.lookup(value, now)
    if (found.state === 'unknown' || found.entry.clientId !== state.client?.clientId) return fail('invalid_grant', 'invalid_code')
    if (found.state === 'revoked') {
      revokeGrant(rt, found.entry.clientId, found.entry.grantId)
      return fail('invalid_grant', 'code_reused')
    }
    if (found.state === 'expired') {
      rt.codes.delete(value)
      return fail('invalid_grant', 'invalid_code')
    }
    rt.codes.revoke(value, now)
    state.code = { value, entry: found.entry }
  }

  /** RFC 7636 §4.6 with RFC 9700 §2.1.1's downgrade rule (a verifier for a code without challenge is refused). */
  const pkceStep = (pkce: PkceProfile): TokenStepFunction => ({ state, fail }) => {
    if (!state.code || !state.client) return
    const verdict = verifyPkce(pkce, state.client, state.code.entry, state.params.code_verifier)
    if (!verdict.ok) fail(verdict.error, verdict.error === 'invalid_request' ? 'code_verifier' : 'pkce_mismatch')
  }

  /**
   * RFC 6749 §6: the refresh token is this client's and live. With reuse detection, a refresh token
   * that was rotated away (or revoked) revokes its whole grant (RFC 9700 §4.14.2, oidc-provider).
   */
  const refreshStep = (rt: Rt): TokenStepFunction => ({ state, fail }) => {
    const token = state.refreshToken ?? ''
    const found = rt.refreshTokens.lookup(token, rt.clock.now())
    if (found.state === 'unknown' || found.entry.clientId !== state.client?.clientId) return fail('invalid_grant', 'invalid_refresh')
    if (found.state === 'revoked' && rt.options.refreshRotation === 'reuse-detection') {
      revokeGrant(rt as AnyRt, found.entry.clientId, found.entry.grantId)
      return fail('invalid_grant', 'refresh_reused')
    }
    if (found.state !== 'valid') return fail('invalid_grant', 'invalid_refresh')
    // The generic provider's tokens are their own keys.
    state.refresh = { key: token, entry: found.entry }
  }

  /** RFC 6749 §4.4: "The client credentials grant type MUST only be used by confidential clients." */
  const confidentialOnly: TokenStepFunction = ({ state, fail }) => {
    if (state.client?.public === true) fail('unauthorized_client', 'public_client')
  }

  function pkceProfile(rt: Rt): PkceProfile {
    return {
      methods: P.pkce.methods,
      // RFC 7636 §4.3: a challenge without a method is `plain`.
      defaultMethod: 'plain',
      required: rt.options.pkceRequired,
      // RFC 7636 §4.1/§4.2: 43-128 unreserved characters.
      checkSyntax: true,
      verifierWithoutChallenge: 'invalid_grant',
      // RFC 6749 §5.2: a missing required parameter is invalid_request.
      missingVerifier: 'invalid_request',
      descriptions: RFC7636_DESCRIPTIONS,
    }
  }

  function tokenProfile(rt: Rt): TokenEndpointProfile {
    const grants: TokenEndpointProfile['grants'] = {}
    if (P.grantTypes.includes('authorization_code')) {
      grants.authorization_code = { steps: [oneAuthMethod, 'client', 'code-param', codeStep, 'redirect-uri', pkceStep(pkceProfile(rt))], codeUse: 'on-lookup', redirectUriMismatch: 'invalid_grant', redirectUriDefault: 'if-omitted-at-authorize' }
    }
    if (P.grantTypes.includes('refresh_token') && P.refreshToken) {
      const rotation = rt.options.refreshRotation === 'none' ? 'none' : 'refresh-only'
      grants.refresh_token = { steps: [oneAuthMethod, 'client', 'refresh-param', refreshStep(rt), 'scope'], rotation }
    }
    if (P.grantTypes.includes('client_credentials')) {
      grants.client_credentials = { steps: [oneAuthMethod, 'client', confidentialOnly, 'scope'], allowed: P.scopes.known, defaults: P.scopes.defaults }
    }
    return {
      paramSources: FORM,
      clientAuth,
      formats: {
        accessLifetimeSeconds: P.accessToken.lifetimeSeconds,
        refreshLifetimeSeconds: P.refreshToken?.lifetimeSeconds ?? null,
        newAccessToken: () => randomToken(P.accessToken),
        newRefreshToken: () => randomToken(P.refreshToken ?? P.accessToken),
      },
      // RFC 6749 §3.2: "Request and response parameters MUST NOT be included more than once."
      repeated: 'invalid_request',
      // RFC 6749 §5.2: a missing required parameter.
      missingGrantType: 'invalid_request',
      pkce: pkceProfile(rt),
      grants,
      scopeSeparator: scopeRegex,
      error: tokenError,
      // RFC 6749 §5.1 in its example's order, `scope` always (REQUIRED when it differs from the request).
      body(issued) {
        const e = issued.accessEntry
        return {
          access_token: issued.access,
          token_type: P.accessToken.type,
          expires_in: Math.round(((e.expiresAt ?? e.issuedAt) - e.issuedAt) / 1000),
          ...(issued.refresh !== null ? { refresh_token: issued.refresh } : {}),
          scope: e.scopes.join(P.scopes.responseSeparator),
        }
      },
    }
  }

  /** A parameter the profile implies when it is absent (`implied`): set on the request's parsed parameters. */
  async function imply(ctx: RequestContext, sources: readonly ('query' | 'form')[], name: string, value: string | null, when: (p: Params) => boolean = () => true): Promise<void> {
    if (value === null) return
    const params = await ctx.params(sources)
    if (params[name] === undefined && when(params)) params[name] = value
  }

  async function token(rt: Rt, ctx: RequestContext, profile: TokenEndpointProfile): Promise<Response> {
    await imply(ctx, FORM, 'grant_type', P.implied.grantType, (p) => p.code !== undefined)
    const response = await handleTokenRequest(rt as AnyRt, profile, ctx)
    if (P.tokenResponse === 'json') return response
    return tokenAnswer(ctx, (await response.json()) as Record<string, unknown>, response.status)
  }

  // -------------------------------------------------------------------------------------------
  // Revocation (RFC 7009) and introspection (RFC 7662)
  // -------------------------------------------------------------------------------------------

  /** Single-valued form parameters (RFC 6749 §3.2 applies to every endpoint here) and the authenticated client. */
  async function formAndClient(rt: Rt, ctx: RequestContext, methods: readonly ClientAuthMethod[]): Promise<{ params: Record<string, string>; client: Client }> {
    const raw = await ctx.params(FORM)
    const params = paramRecord<string>()
    for (const [k, v] of Object.entries(raw)) {
      if (Array.isArray(v)) throw tokenError('invalid_request', k)
      if (typeof v === 'string') params[k] = v
    }
    if (methods.includes('basic') && basicCredentials(ctx.headers) && params.client_secret !== undefined) throw tokenError('invalid_request', 'two_auth_methods')
    const client = authenticateClient(rt as AnyRt, ctx, params as Params, { methods })
    if (!client) throw tokenError('invalid_client')
    if (!params.token) throw new ProviderError(400, 'invalid_request', 'token is required')
    return { params, client }
  }

  /** The token in either store, the hinted one first (RFC 7009 §2.1, RFC 7662 §2.1: a wrong hint only changes the order). */
  function findToken(rt: Rt, token: string, hint: string | undefined) {
    const now = rt.clock.now()
    const stores = hint === 'refresh_token' ? [rt.refreshTokens, rt.accessTokens] : [rt.accessTokens, rt.refreshTokens]
    for (const store of stores) {
      const found = store.lookup(token, now)
      if (found.state !== 'unknown') return { ...found, store }
    }
    return undefined
  }

  /**
   * RFC 7009 §2.1-§2.2: 200 for a revoked token and for an invalid or unknown one alike. A refresh
   * token takes every token of its grant with it (§2.1 "SHOULD also invalidate all access tokens
   * based on the same authorization grant"); an access token goes alone (its refresh token MAY go:
   * chosen not, so a client may drop one access token and refresh). A token issued to another
   * client is refused (§2.1 "the request is refused and the client is informed of the error").
   */
  async function revoke(rt: Rt, ctx: RequestContext): Promise<Response> {
    const { params, client } = await formAndClient(rt, ctx, P.clientAuth)
    const found = findToken(rt, params.token!, params.token_type_hint)
    if (found) {
      if (found.entry.clientId !== client.clientId) throw new ProviderError(400, 'invalid_request', 'the token was not issued to this client')
      found.store.revoke(params.token!, rt.clock.now())
      if (found.entry.kind === 'refresh') revokeGrant(rt as AnyRt, client.clientId, found.entry.grantId)
    }
    return textResponse('', { status: 200, headers: { 'content-type': 'text/plain;charset=UTF-8', ...NO_STORE } })
  }

  /**
   * RFC 7662 §2.2: `{"active":false}` for a token that is not active — unknown, expired, revoked,
   * or (§4: the server decides who may introspect what; chosen) issued to another client —, else
   * its metadata. Client-authenticated (§2.1); a public client may not introspect.
   */
  async function introspect(rt: Rt, ctx: RequestContext): Promise<Response> {
    const { params, client } = await formAndClient(rt, ctx, P.clientAuth.filter((m) => m !== 'none'))
    const found = findToken(rt, params.token!, params.token_type_hint)
    if (!found || found.state !== 'valid' || found.entry.clientId !== client.clientId) return json({ active: false }, 200, NO_STORE)
    const e: TokenEntry = found.entry
    const user = rt.data.user(e.userId)
    const username = user ? usernameOf(user) : undefined
    return json(
      {
        active: true,
        scope: e.scopes.join(' '),
        client_id: e.clientId,
        ...(username !== undefined ? { username } : {}),
        ...(e.kind === 'access' ? { token_type: P.accessToken.type } : {}),
        ...(e.expiresAt !== null ? { exp: Math.floor(e.expiresAt / 1000) } : {}),
        iat: Math.floor(e.issuedAt / 1000),
        ...(e.userId !== null ? { sub: String(e.userId) } : {}),
        iss: issuerOf(ctx),
      },
      200,
      NO_STORE,
    )
  }

  // -------------------------------------------------------------------------------------------
  // Metadata (RFC 8414)
  // -------------------------------------------------------------------------------------------

  const AUTH_METHOD_NAMES: Record<ClientAuthMethod, string> = { basic: 'client_secret_basic', body: 'client_secret_post', none: 'none' }

  function metadata(rt: Rt, ctx: RequestContext): Response {
    const auth = P.clientAuth.map((m) => AUTH_METHOD_NAMES[m])
    const confidential = P.clientAuth.filter((m) => m !== 'none').map((m) => AUTH_METHOD_NAMES[m])
    const grants = P.grantTypes.filter((g) => g !== 'refresh_token' || P.refreshToken !== null)
    return json({
      issuer: issuerOf(ctx),
      authorization_endpoint: url(ctx, P.paths.authorize),
      token_endpoint: url(ctx, P.paths.token),
      ...(P.paths.revocation ? { revocation_endpoint: url(ctx, P.paths.revocation), revocation_endpoint_auth_methods_supported: auth } : {}),
      ...(P.paths.introspection ? { introspection_endpoint: url(ctx, P.paths.introspection), introspection_endpoint_auth_methods_supported: confidential } : {}),
      scopes_supported: P.scopes.known,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: grants,
      token_endpoint_auth_methods_supported: auth,
      code_challenge_methods_supported: P.pkce.methods,
      authorization_response_iss_parameter_supported: rt.options.issParameter,
    })
  }

  // -------------------------------------------------------------------------------------------
  // Authorization endpoint
  // -------------------------------------------------------------------------------------------

  const FAILURE_WORDS: Partial<Record<AuthorizeFailure['reason'], string>> = {
    missing_client_id: 'client_id is required',
    unknown_client: 'client_id is not a registered client',
    missing_redirect_uri: 'redirect_uri is required: the client has several registered',
    invalid_redirect_uri: 'redirect_uri must be an absolute URI without a fragment (RFC 6749 §3.1.2)',
    mismatching_redirect_uri: 'redirect_uri is not one of the client’s registered redirect URIs (compared exactly)',
    unsupported_response_type: 'response_type must be code',
    invalid_scope: 'the requested scope is invalid or unknown',
    access_denied: 'the resource owner denied the request',
    csrf: 'the consent form expired or did not come from this page: start again',
    invalid_subject: 'choose one of the signed-in user’s accounts',
  }
  const words = (f: AuthorizeFailure) => f.description ?? (f.reason === 'duplicate_parameter' ? `${f.param} must not be repeated (RFC 6749 §3.1)` : (FAILURE_WORDS[f.reason] ?? f.error))

  /** One authorize profile per issuer (the `iss` of RFC 9207 is the base the request came in on, from configuration). */
  function authorizeProfile(rt: Rt, issuer: string): AuthorizeProfile<Oauth2Data> {
    const iss = () => (rt.options.issParameter ? issuer : undefined)
    return {
      order: ['client', 'redirect_uri', 'response_type', 'pkce', 'scope'],
      // RFC 6749 §4.1.2.1: once client and redirect URI are valid, errors go back to the client.
      onError: 'redirect',
      // RFC 6749 §3.1: "MUST NOT be included more than once".
      duplicates: ['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'code_challenge', 'code_challenge_method'],
      // RFC 6749 §4.1.2.1: a missing response_type is invalid_request; no implicit grant (RFC 9700 §2.1.2).
      responseTypes: { code: true, missing: { error: 'invalid_request', description: 'response_type is required' } },
      scopes: { known: P.scopes.known, separator: scopeRegex, defaults: P.scopes.defaults, unknown: 'fail' },
      // RFC 9700 §2.1 / §4.1.3: exact string comparison.
      redirectUriMatch: 'exact',
      // RFC 6749 §3.1.2.3: a client with one registered URI may leave redirect_uri out.
      redirectUriDefault: 'sole-registered',
      codeLifetimeSeconds: P.codeLifetimeSeconds,
      newCode: () => randomToken(P.code),
      trackGrants: true,
      pkce: pkceProfile(rt),
      // RFC 6749 §4.1.2.1 error parameters, RFC 9207 §2 `iss` in error responses too.
      errorParams: (failure, state) => ({ error: failure.error, error_description: words(failure), state, iss: iss() }),
      codeRedirect: (redirectUri, code, state) => withParams(redirectUri, { code, state, iss: iss() }),
      users: (data) => data.users().map((u) => ({ id: u.id, label: userLabel(u) })),
      choices: (data, userId) => {
        const user = data.user(userId)
        return user ? [{ value: `${user.id}:user`, label: userLabel(user), subject: { userId: user.id, teamId: null, accountId: null } }] : []
      },
      errorPage: (failure) => errorPage(look, failure.error, words(failure), failure.reason === 'csrf' ? 403 : 400),
      consentPage: (view) => consentPage(look, view),
    }
  }

  // -------------------------------------------------------------------------------------------
  // The protected resource (RFC 6750)
  // -------------------------------------------------------------------------------------------

  const challenge = (fields: Record<string, string>) => `Bearer ${[`realm="${realm}"`, ...Object.entries(fields).map(([k, v]) => `${k}="${v}"`)].join(', ')}`
  const resourceError = (status: number, code: 'invalid_request' | 'invalid_token' | 'insufficient_scope', description: string, extra: Record<string, string> = {}) =>
    new ProviderError(status, code, description, { challenge: challenge({ error: code, error_description: description, ...extra }) })

  /** OpenID-style claims the granted scopes allow (`sub` always), or the user as declared. */
  function resourceBody(user: Oauth2User, scopes: readonly string[]): Record<string, unknown> {
    if (P.resource.body === 'record') return { ...user }
    const pick = (keys: string[]) => Object.fromEntries(keys.filter((k) => user[k] !== undefined).map((k) => [k, user[k]]))
    return {
      sub: String(user.id),
      ...(scopes.includes('profile') ? pick(['name', 'preferred_username']) : {}),
      ...(scopes.includes('email') ? pick(['email', 'email_verified']) : {}),
    }
  }

  function resource(rt: Rt, ctx: RequestContext): Response {
    // RFC 6750 §2.3 (MAY) and §5.3: not in the URI here; §3.1 a malformed request is invalid_request.
    if (ctx.url.searchParams.has('access_token')) throw resourceError(400, 'invalid_request', 'send the access token in the Authorization header, not in the URI')
    const header = ctx.headers.get('authorization')
    const bearer = header === null ? undefined : /^Bearer\s+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header)?.[1]
    if (header !== null && /^Bearer\b/i.test(header) && bearer === undefined) throw resourceError(400, 'invalid_request', 'malformed Authorization: Bearer header')
    // RFC 6750 §3.1: without any authentication, no error code in the challenge.
    if (bearer === undefined) throw new ProviderError(401, 'invalid_token', 'an access token is required: Authorization: Bearer <token> (RFC 6750 §2.1)', { challenge: challenge({}), bodyError: 'unauthorized' })
    const auth = authenticateBearer(rt as AnyRt, bearer, P.resource.requiredScopes)
    if (!auth.ok) {
      if (auth.reason === 'insufficient_scope') throw resourceError(403, 'insufficient_scope', 'the access token lacks the scope this resource needs', { scope: P.resource.requiredScopes.join(' ') })
      throw resourceError(401, 'invalid_token', auth.reason === 'expired' ? 'the access token expired' : auth.reason === 'revoked' ? 'the access token was revoked' : 'the access token is invalid')
    }
    const user = rt.data.user(auth.entry.userId)
    if (!user) throw resourceError(403, 'insufficient_scope', 'a client credentials token has no resource owner', { scope: P.resource.requiredScopes.join(' ') })
    return json(resourceBody(user, auth.entry.scopes), 200, { 'cache-control': 'no-store' })
  }

  function renderResourceError(error: ProviderError, ctx: RequestContext): Response {
    const t = transport(error)
    const headers: Record<string, string> = {}
    if (error.detail.challenge) headers['www-authenticate'] = error.detail.challenge
    if (error.detail.allow) headers.allow = error.detail.allow
    return json({ error: error.detail.bodyError ?? t.error, error_description: t.description }, t.status, headers)
  }

  // -------------------------------------------------------------------------------------------
  // Routes
  // -------------------------------------------------------------------------------------------

  const only = (methods: string[]) => () => new ProviderError(405, 'method_not_allowed', undefined, { allow: methods.join(', ') })

  function routes(rt: Rt): Route[] {
    const tokens = tokenProfile(rt)
    const authorizeProfiles = new Map<string, AuthorizeProfile<Oauth2Data>>()
    const out: Route[] = [
      {
        methods: ['GET', 'POST'],
        path: P.paths.authorize.path,
        host: P.paths.authorize.host,
        endpoint: 'authorize',
        wrongMethod: only(['GET', 'POST']),
        headers: { 'x-frame-options': 'DENY', 'cache-control': 'no-store' },
        handle(ctx) {
          const issuer = issuerOf(ctx)
          let profile = authorizeProfiles.get(issuer)
          if (!profile) {
            if (authorizeProfiles.size > 100) authorizeProfiles.clear()
            authorizeProfiles.set(issuer, (profile = authorizeProfile(rt, issuer)))
          }
          return imply(ctx, ctx.method === 'POST' ? ['form'] : ['query'], 'response_type', P.implied.responseType).then(() => handleAuthorizationRequest(rt, profile!, ctx))
        },
      },
      {
        methods: ['POST'],
        path: P.paths.token.path,
        host: P.paths.token.host,
        endpoint: tokenEndpointKind(FORM),
        wrongMethod: only(['POST']),
        renderError: renderTokenError,
        handle: (ctx) => token(rt, ctx, tokens),
      },
    ]
    if (P.paths.revocation) out.push({ methods: ['POST'], path: P.paths.revocation.path, host: P.paths.revocation.host, wrongMethod: only(['POST']), handle: (ctx) => revoke(rt, ctx) })
    if (P.paths.introspection) out.push({ methods: ['POST'], path: P.paths.introspection.path, host: P.paths.introspection.host, wrongMethod: only(['POST']), handle: (ctx) => introspect(rt, ctx) })
    if (P.paths.metadata) out.push({ methods: ['GET'], path: P.paths.metadata.path, host: P.paths.metadata.host, wrongMethod: only(['GET']), handle: (ctx) => metadata(rt, ctx) })
    if (P.paths.resource) out.push({ methods: ['GET'], path: P.paths.resource.path, host: P.paths.resource.host, endpoint: 'api', wrongMethod: only(['GET']), renderError: renderResourceError, handle: (ctx) => resource(rt, ctx) })
    return out
  }

  const endpoints: Record<string, string> = { authorize: P.paths.authorize.path, token: P.paths.token.path, refresh: P.paths.token.path }
  if (P.paths.resource) endpoints.resource = P.paths.resource.path
  if (P.paths.revocation) endpoints.revocation = P.paths.revocation.path
  if (P.paths.introspection) endpoints.introspection = P.paths.introspection.path
  if (P.paths.metadata) endpoints.metadata = P.paths.metadata.path

  return defineProvider<Oauth2Data, Oauth2Options>({
    id: P.id,
    title: P.title,
    hosts: P.hosts,
    createData: () => createOauth2Data(P.users),
    demoClients: () => P.clients.map((c) => ({ ...c, provider: P.id, redirectUris: [...c.redirectUris], scopes: c.scopes && [...c.scopes] })),
    users: {
      schema: z.object({ id: z.number().int().positive() }).catchall(z.unknown()),
      add: (data, user) => data.addUser(user as Oauth2User),
    },
    defaultUserId: () => P.defaultUserId,
    optionsSchema: oauth2OptionsSchema(P),
    endpoints,
    ...(P.paths.metadata && (P.paths.metadata.host ?? primary) === primary ? { rootPaths: [P.paths.metadata.path] } : {}),
    renderError,
    faultError: (endpoint, status) => new ProviderError(status, status === 503 ? 'temporarily_unavailable' : 'server_error', status === 503 ? 'the server is temporarily unavailable' : 'the server failed', { fault: endpoint }),
    routes,
  })
}

/** The built-in generic provider. */
export const oauth2 = createOauth2Provider(oauth2Profile)
