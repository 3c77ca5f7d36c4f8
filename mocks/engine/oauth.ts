/**
 * The OAuth 2.0 steps every provider is made of, named after the RFC 6749 sections they implement.
 * Providers configure them with data (their profile); they never branch on a provider's id.
 */
import { createHash } from 'node:crypto'
import { z } from 'zod'
import type { Client } from './clients.ts'
import { safeEqual } from './crypto.ts'
import { ProviderError } from './errors.ts'
import { type HeaderMap, NO_STORE, basicCredentials, bearerToken, redirect, textResponse, withParams } from './http.ts'
import { type ParamSource, type Params, validateParams } from './params.ts'
import type { CodeEntry, GrantSubject, GrantType, PkceMethod, ProviderRuntime, RequestContext, TokenEntry } from './provider.ts'
import type { Lookup } from './store.ts'

// ---------------------------------------------------------------------------------------------
// Authorization endpoint — RFC 6749 §4.1.1 / §4.1.2
// ---------------------------------------------------------------------------------------------

/** A choice on the consent page: the user themself, a team (cal.com) or an account (BookingSync). */
export interface SubjectChoice {
  value: string
  label: string
  subject: GrantSubject
}

export interface ConsentView {
  client: Client
  scopes: string[]
  /** Every original authorize parameter, re-posted as hidden fields with the decision. */
  hidden: Record<string, string>
  users: Array<{ id: number; label: string }>
  userId: number
  choices: SubjectChoice[]
  /** Where the form posts (the authorize path under the request's base). */
  action: string
}

/** RFC 6749 §4.1.2.1 error codes the authorize endpoint redirects with. */
export type AuthorizeErrorCode = 'access_denied' | 'invalid_request' | 'invalid_scope' | 'unsupported_response_type'

/**
 * Why the authorize endpoint shows an error page instead of redirecting (RFC 6749 §4.1.2.1).
 * `unredirectable`: an error for a redirect URI that cannot receive it (the out-of-band URI).
 */
export type AuthorizePageError = 'unknown_client' | 'bad_redirect_uri' | 'invalid_scope' | 'invalid_subject' | 'unredirectable'

export interface AuthorizeProfile<Data> {
  /** `required`: anything but `code` is `unsupported_response_type`; `ignored`: cal.com never reads it. */
  responseType: 'required' | 'ignored'
  scopes: {
    known: readonly string[]
    /** How the `scope` parameter is split (cal.com: `/[, ]+/`, RFC 6749 §3.3: spaces). */
    separator: RegExp
    /** Granted whether requested or not (BookingSync's `public`). */
    always?: readonly string[]
    /** Granted when no scope is requested. */
    defaults?: readonly string[]
    /** An unknown scope: redirect with `invalid_scope` (RFC 6749 §4.1.2.1) or an error page. */
    unknown: 'redirect' | 'page'
  }
  codeLifetimeSeconds: number
  newCode(): string
  /** Out-of-band redirect URI and where the browser is sent to read the code. */
  oob?: {
    redirectUri: string
    location(base: string, code: string): string
    /** Deny with nothing to redirect to. */
    deny(): Response
  }
  /** Skip the consent page when the user already approved these (or more) scopes for this client. */
  skipApprovedConsent: boolean
  /**
   * PKCE (RFC 7636): absent, `code_challenge` is ignored (as by a server that predates it);
   * present, the challenge is checked here (`checkPkceRequest`) and bound to the code.
   */
  pkce?: PkceProfile
  /**
   * A provider's own check of the request, after client, redirect URI and response_type passed
   * (Zapier: `response_mode` must be `query`); an error redirects like the engine's own.
   */
  check?(params: Params): { error: AuthorizeErrorCode; description?: string } | undefined
  /** Query parameters of an error redirect (deny, invalid_scope, unsupported_response_type, …). */
  errorParams(code: AuthorizeErrorCode, state: string | undefined, description?: string): Record<string, string | undefined>
  users(data: Data): Array<{ id: number; label: string }>
  /**
   * The grant subjects a user may choose on the consent page; the first is the default (and what
   * `consent: allow` grants). `params` are the authorize parameters (BookingSync's `account_id`
   * pre-selects an account by putting it first).
   */
  choices(data: Data, userId: number, params: Params): SubjectChoice[]
  errorPage(kind: AuthorizePageError, ctx: RequestContext, code?: AuthorizeErrorCode): Response
  consentPage(view: ConsentView, ctx: RequestContext): Response
}

const authorizeParams = z.object({
  client_id: z.string().optional(),
  redirect_uri: z.string().optional(),
  response_type: z.string().optional(),
  scope: z.string().optional(),
  state: z.string().optional(),
})

/**
 * GET: validate the request, then consent (page, or at once per the consent mode).
 * POST: the consent page's decision, re-validated from scratch (the form is never trusted).
 */
export async function handleAuthorizationRequest<Data>(
  rt: ProviderRuntime<Data, unknown>,
  profile: AuthorizeProfile<Data>,
  ctx: RequestContext,
): Promise<Response> {
  return authorizationDecision(rt, profile, ctx)
}

async function authorizationDecision<Data>(
  rt: ProviderRuntime<Data, unknown>,
  profile: AuthorizeProfile<Data>,
  ctx: RequestContext,
): Promise<Response> {
  const isDecision = ctx.method === 'POST'
  const params = await ctx.params(isDecision ? ['form'] : ['query'])
  // A repeated parameter is as bad as a wrong one: validate the shape, then read each as a string.
  const shape = validateParams(authorizeParams, params)
  const p = shape.ok ? shape.value : undefined
  // RFC 6749 §4.1.2.1: without a valid client and redirect URI there is nobody safe to redirect to.
  const client = rt.client(params.client_id)
  if (!client) return profile.errorPage('unknown_client', ctx)
  const redirectUri = typeof params.redirect_uri === 'string' ? params.redirect_uri : undefined
  if (!redirectUri || !client.redirectUris.includes(redirectUri)) return profile.errorPage('bad_redirect_uri', ctx)
  const isOob = profile.oob !== undefined && redirectUri === profile.oob.redirectUri
  const state = p?.state
  // Nothing is redirected to the out-of-band URI: deny has its own answer, other errors a page.
  const fail = (code: AuthorizeErrorCode, description?: string): Response =>
    !isOob
      ? redirect(withParams(redirectUri, profile.errorParams(code, state, description)))
      : code === 'access_denied'
        ? profile.oob!.deny()
        : profile.errorPage('unredirectable', ctx, code)
  if (!p) return fail('invalid_request')
  if (profile.responseType === 'required' && p.response_type !== 'code') return fail('unsupported_response_type')
  const own = profile.check?.(params)
  if (own) return fail(own.error, own.description)
  let challenge: PkceChallenge | undefined
  if (profile.pkce) {
    const checkedPkce = checkPkceRequest(profile.pkce, client, params)
    if (!checkedPkce.ok) return fail('invalid_request', checkedPkce.description)
    challenge = checkedPkce.challenge
  }

  const requested = (p.scope ?? '').split(profile.scopes.separator).filter(Boolean)
  const allowed = client.scopes ?? profile.scopes.known
  if (requested.some((s) => !profile.scopes.known.includes(s) || !allowed.includes(s))) {
    return profile.scopes.unknown === 'page' ? profile.errorPage('invalid_scope', ctx) : fail('invalid_scope')
  }
  const scopes = unique([...(requested.length ? requested : (profile.scopes.defaults ?? [])), ...(profile.scopes.always ?? [])])
  const issue = (subject: GrantSubject): Response => {
    const code = issueAuthorizationCode(rt, profile, client, redirectUri, scopes, subject, challenge)
    rememberApproval(rt, client.clientId, subject, scopes)
    if (isOob) return redirect(profile.oob!.location(ctx.base, code))
    return redirect(withParams(redirectUri, { code, state }))
  }

  const users = profile.users(rt.data)
  if (isDecision) {
    if (params.decision !== 'allow') return fail('access_denied')
    const userId = Number(params.user_id)
    const choice = profile.choices(rt.data, userId, params).find((c) => c.value === params.subject)
    if (!users.some((u) => u.id === userId) || !choice) return profile.errorPage('invalid_subject', ctx)
    return issue(choice.subject)
  }

  const mode = rt.consent()
  const defaultUser = rt.defaultUserId()
  const defaultChoice = profile.choices(rt.data, defaultUser, params)[0]
  if (mode === 'deny') return fail('access_denied')
  if (mode === 'allow' && defaultChoice) return issue(defaultChoice.subject)
  if (profile.skipApprovedConsent && defaultChoice && isApproved(rt, client.clientId, defaultChoice.subject, scopes)) {
    return issue(defaultChoice.subject)
  }
  const hidden: Record<string, string> = {}
  for (const [k, v] of Object.entries(params)) if (typeof v === 'string') hidden[k] = v
  return profile.consentPage(
    { client, scopes, hidden, users, userId: defaultUser, choices: users.flatMap((u) => profile.choices(rt.data, u.id, params)), action: ctx.url.pathname },
    ctx,
  )
}

function approvalKey(clientId: string, subject: GrantSubject): string {
  return `${clientId}|${subject.userId}|${subject.teamId}|${subject.accountId}`
}

function rememberApproval(rt: ProviderRuntime<unknown, unknown>, clientId: string, subject: GrantSubject, scopes: string[]): void {
  const key = approvalKey(clientId, subject)
  const set = rt.approvals.get(key) ?? new Set<string>()
  for (const s of scopes) set.add(s)
  rt.approvals.set(key, set)
}

function isApproved(rt: ProviderRuntime<unknown, unknown>, clientId: string, subject: GrantSubject, scopes: string[]): boolean {
  const set = rt.approvals.get(approvalKey(clientId, subject))
  return !!set && scopes.every((s) => set.has(s))
}

/**
 * RFC 6749 §4.1.2: a short-lived, single-use code bound to client, redirect URI and scopes
 * (and, RFC 7636 §4.4, to a PKCE challenge when one was sent).
 */
export function issueAuthorizationCode(
  rt: ProviderRuntime<unknown, unknown>,
  profile: { codeLifetimeSeconds: number; newCode(): string },
  client: Client,
  redirectUri: string,
  scopes: string[],
  subject: GrantSubject,
  pkce?: PkceChallenge,
): string {
  const now = rt.clock.now()
  const code = profile.newCode()
  rt.codes.set(code, {
    clientId: client.clientId,
    redirectUri,
    scopes,
    ...subject,
    issuedAt: now,
    expiresAt: now + profile.codeLifetimeSeconds * 1000,
    revokedAt: null,
    ...(pkce ? { codeChallenge: pkce.codeChallenge, codeChallengeMethod: pkce.codeChallengeMethod } : {}),
  }, now)
  return code
}

/**
 * Takes a code out of the store: single use, so it is deleted whatever the outcome
 * (RFC 6749 §4.1.2 "MUST NOT be used more than once"). Returns it only if it was still valid.
 */
export function consumeAuthorizationCode(rt: ProviderRuntime<unknown, unknown>, code: string): CodeEntry | undefined {
  const found = rt.codes.lookup(code, rt.clock.now())
  if (found.state === 'unknown') return undefined
  rt.codes.delete(code)
  return found.state === 'valid' ? found.entry : undefined
}

// ---------------------------------------------------------------------------------------------
// PKCE — RFC 7636 (and RFC 9700 §2.1.1, the current best practice)
// ---------------------------------------------------------------------------------------------

export type { PkceMethod }

/** What a provider's PKCE support is: which transforms, and who must use it. */
export interface PkceProfile {
  /** Accepted `code_challenge_method`s (RFC 7636 §4.3); a challenge without a method is `plain`. */
  methods: readonly PkceMethod[]
  /**
   * Who must send a challenge: `always` (OAuth 2.1), `public-clients` (RFC 9700 §2.1.1 for
   * clients without a secret), or `never` (optional; enforced only for codes that have one).
   */
  required: 'always' | 'public-clients' | 'never'
}

export interface PkceChallenge {
  codeChallenge: string
  codeChallengeMethod: PkceMethod
}

/**
 * RFC 7636 §4.4.1's example wordings, used as `error_description` of the `invalid_request`
 * redirect (and `malformed`, ours, for a challenge outside §4.2's syntax).
 */
export const PKCE_ERRORS = {
  required: 'code challenge required',
  unsupportedMethod: 'transform algorithm not supported',
  malformed: 'code challenge malformed',
} as const

/** RFC 7636 §4.1 / §4.2: `43*128unreserved`, unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~". */
const PKCE_SYNTAX = /^[A-Za-z0-9\-._~]{43,128}$/

function pkceRequired(pkce: PkceProfile, client: Client): boolean {
  return pkce.required === 'always' || (pkce.required === 'public-clients' && client.public === true)
}

/**
 * RFC 7636 §4.4.1, the authorization request's `code_challenge` and `code_challenge_method`:
 * missing where required, a method not in `methods` (no method means `plain`, §4.3), a repeated
 * parameter, a challenge outside §4.2's syntax, or a method without a challenge are all
 * `invalid_request`. Returns the challenge to bind to the code, if any.
 */
export function checkPkceRequest(
  pkce: PkceProfile,
  client: Client,
  params: Params,
): { ok: true; challenge: PkceChallenge | undefined } | { ok: false; description: string } {
  const challenge = params.code_challenge
  const method = params.code_challenge_method
  if (challenge === undefined) {
    // A method alone is a client that lost its challenge on the way: say so rather than ignore it.
    if (method !== undefined || pkceRequired(pkce, client)) return { ok: false, description: PKCE_ERRORS.required }
    return { ok: true, challenge: undefined }
  }
  if (typeof challenge !== 'string' || !PKCE_SYNTAX.test(challenge)) return { ok: false, description: PKCE_ERRORS.malformed }
  const resolved = method === undefined ? 'plain' : method
  if (typeof resolved !== 'string' || !pkce.methods.includes(resolved as PkceMethod)) return { ok: false, description: PKCE_ERRORS.unsupportedMethod }
  return { ok: true, challenge: { codeChallenge: challenge, codeChallengeMethod: resolved as PkceMethod } }
}

/**
 * RFC 7636 §4.6, at the token endpoint: the `code_verifier` must transform into the code's
 * challenge (compared in constant time). Also refused, with the same `invalid_grant`:
 * a missing or malformed (§4.1) verifier for a code that has a challenge; a verifier for a code
 * that has none (RFC 9700 §2.1.1: the PKCE downgrade attack); a code without a challenge for a
 * client that must use PKCE. Returns `true` when the exchange may go on.
 */
export function verifyPkce(pkce: PkceProfile, client: Client, code: CodeEntry, verifier: string | undefined): boolean {
  if (code.codeChallenge === undefined || code.codeChallengeMethod === undefined) {
    return verifier === undefined && !pkceRequired(pkce, client)
  }
  if (verifier === undefined || !PKCE_SYNTAX.test(verifier)) return false
  const transformed = code.codeChallengeMethod === 'S256' ? createHash('sha256').update(verifier, 'ascii').digest('base64url') : verifier
  return safeEqual(transformed, code.codeChallenge)
}

// ---------------------------------------------------------------------------------------------
// Client authentication — RFC 6749 §2.3.1
// ---------------------------------------------------------------------------------------------

/**
 * `basic`: RFC 6749 §2.3.1 HTTP Basic; `body`: `client_id` + `client_secret` in the body;
 * `none`: a public client (`Client.public`) by its `client_id` in the body, without a secret
 * (RFC 6749 §2.1, RFC 7591 §2.2 `none`).
 */
export type ClientAuthMethod = 'basic' | 'body' | 'none'
/** RFC 6749 §2.3.1 form-urlencodes id and secret inside Basic; Doorkeeper does not decode them. */
export type BasicEncoding = 'form-urlencoded' | 'raw'

/**
 * The client a token request authenticates as, or `undefined` (→ `invalid_client`).
 * Basic wins when both are present (Doorkeeper and oauthlib read the header first).
 * Secrets are compared in constant time. A public client never authenticates with a secret
 * (it has none; an empty `client_secret` must not match its empty one): only through `none`,
 * when neither Basic credentials nor a `client_secret` were sent.
 */
export function authenticateClient(
  rt: ProviderRuntime<unknown, unknown>,
  ctx: RequestContext,
  params: Params,
  methods: readonly ClientAuthMethod[],
  basicEncoding: BasicEncoding = 'form-urlencoded',
): Client | undefined {
  const basic = methods.includes('basic') ? basicCredentials(ctx.headers, basicEncoding) : undefined
  if (methods.includes('none') && !basic && params.client_secret === undefined) {
    const candidate = rt.client(params.client_id)
    return candidate?.public === true ? candidate : undefined
  }
  const id = basic?.id ?? (methods.includes('body') ? params.client_id : undefined)
  const secret = basic?.secret ?? (methods.includes('body') ? params.client_secret : undefined)
  if (typeof id !== 'string' || typeof secret !== 'string') return undefined
  // A client_id in the body that contradicts the authenticated one is another client's request.
  if (basic && params.client_id !== undefined && params.client_id !== basic.id) return undefined
  const client = rt.client(id)
  // Compare even for unknown clients so timing does not tell which ids exist.
  const ok = safeEqual(secret, client?.clientSecret ?? '\u0000no-client')
  return client && ok && client.public !== true ? client : undefined
}

// ---------------------------------------------------------------------------------------------
// Tokens — RFC 6749 §5.1
// ---------------------------------------------------------------------------------------------

export interface TokenFormats {
  accessLifetimeSeconds: number
  /** `null`: refresh tokens never expire by themselves. */
  refreshLifetimeSeconds: number | null
  newAccessToken(entry: TokenEntry): string
  newRefreshToken(entry: TokenEntry): string
}

export interface IssuedTokens {
  access: string
  accessEntry: TokenEntry
  refresh: string | null
  refreshEntry: TokenEntry | null
}

/** Issues an access token, and a refresh token with it when `withRefresh`. */
export function issueTokens(
  rt: ProviderRuntime<unknown, unknown>,
  formats: TokenFormats,
  grant: { clientId: string; subject: GrantSubject; scopes: string[]; grantType: GrantType; withRefresh: boolean },
): IssuedTokens {
  const now = rt.clock.now()
  // Written out rather than spread: one object shape for every entry keeps the stores fast.
  const entry = (kind: TokenEntry['kind'], expiresAt: number | null, pair: string | null): TokenEntry => ({
    clientId: grant.clientId,
    userId: grant.subject.userId,
    teamId: grant.subject.teamId,
    accountId: grant.subject.accountId,
    kind,
    scopes: grant.scopes,
    issuedAt: now,
    grantType: grant.grantType,
    expiresAt,
    revokedAt: null,
    pair,
    firstUsedAt: null,
    revokeOnFirstUse: [],
  })
  const accessEntry = entry('access', now + formats.accessLifetimeSeconds * 1000, null)
  const access = formats.newAccessToken(accessEntry)
  let refresh: string | null = null
  let refreshEntry: TokenEntry | null = null
  if (grant.withRefresh) {
    refreshEntry = entry('refresh', formats.refreshLifetimeSeconds === null ? null : now + formats.refreshLifetimeSeconds * 1000, access)
    refresh = formats.newRefreshToken(refreshEntry)
    accessEntry.pair = refresh
    rt.refreshTokens.set(refresh, refreshEntry, now)
  }
  rt.accessTokens.set(access, accessEntry, now)
  return { access, accessEntry, refresh, refreshEntry }
}

/**
 * How a refresh retires what it replaces. `immediate`: the old pair is revoked at once.
 * `on-use`: when the new access token is first used (Doorkeeper's `refresh_token_revoked_on_use`).
 * `subject`: every earlier refresh token of the same client and subject (user, team, account) is
 * revoked at once, not only the one presented; access tokens live on until they expire.
 */
export type RotationMode = 'immediate' | 'on-use' | 'subject'

/**
 * RFC 6749 §6 with rotation (RFC 9700 §4.14.2): a new access AND refresh token, and the old ones
 * retired per `mode`. Synchronous from lookup to revocation, so of two concurrent refreshes with
 * one token exactly one wins.
 */
export function rotateRefreshToken(
  rt: ProviderRuntime<unknown, unknown>,
  formats: TokenFormats,
  old: { token: string; entry: TokenEntry },
  scopes: string[],
  mode: RotationMode,
): IssuedTokens {
  const issued = issueTokens(rt, formats, {
    clientId: old.entry.clientId,
    subject: { userId: old.entry.userId, teamId: old.entry.teamId, accountId: old.entry.accountId },
    scopes,
    grantType: 'refresh_token',
    withRefresh: true,
  })
  if (mode === 'subject') {
    revokeRefreshTokensOf(rt, old.entry.clientId, old.entry, issued.refresh)
    return issued
  }
  const previous = [old.token, ...(old.entry.pair ? [old.entry.pair] : [])]
  if (mode === 'immediate') revokeTokens(rt, previous)
  else issued.accessEntry.revokeOnFirstUse = previous
  return issued
}

/** Revokes every refresh token of one client and subject, except `keep`; returns how many. */
export function revokeRefreshTokensOf(rt: ProviderRuntime<unknown, unknown>, clientId: string, subject: GrantSubject, keep: string | null = null): number {
  const now = rt.clock.now()
  let count = 0
  for (const [token, entry] of rt.refreshTokens.entriesOf(clientId)) {
    if (token === keep || entry.userId !== subject.userId || entry.teamId !== subject.teamId || entry.accountId !== subject.accountId) continue
    if (rt.refreshTokens.revoke(token, now)) count++
  }
  return count
}

/** Revokes tokens wherever they are stored (access or refresh). */
export function revokeTokens(rt: ProviderRuntime<unknown, unknown>, tokens: readonly string[]): void {
  const now = rt.clock.now()
  for (const t of tokens) {
    rt.refreshTokens.revoke(t, now)
    rt.accessTokens.revoke(t, now)
  }
}

// ---------------------------------------------------------------------------------------------
// The token endpoint — RFC 6749 §4.1.3, §4.4, §6 (BookingSync and Zapier; cal.com has its own order)
// ---------------------------------------------------------------------------------------------

export interface TokenEndpointProfile {
  paramSources: readonly ParamSource[]
  clientAuth: readonly ClientAuthMethod[]
  /** How Basic credentials are decoded (default `form-urlencoded`, RFC 6749 §2.3.1). */
  basicEncoding?: BasicEncoding
  formats: TokenFormats
  /** PKCE at the code exchange (RFC 7636 §4.5-4.6): `code_verifier` checked with `verifyPkce`. */
  pkce?: PkceProfile
  /**
   * Where the refresh grant's token is read: the body's `refresh_token` (RFC 6749 §6, the
   * default) and, when it is absent, `Authorization: Bearer` (cal.com's older endpoint).
   */
  refreshTokenFrom?: readonly ('body' | 'bearer')[]
  grants: {
    /** `false`: an endpoint that only refreshes (`authorization_code` is then unsupported). */
    authorization_code: boolean
    refresh_token: { rotation: RotationMode }
    /** Scopes a client-credentials token may carry, and what it gets when it asks for none. */
    client_credentials: { allowed: readonly string[]; defaults: readonly string[] } | false
  }
  /** How the `scope` parameter of refresh / client-credentials requests is split. */
  scopeSeparator: RegExp
  /** Error for a failed step; `description` is the provider's wording or undefined. */
  error(code: 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type' | 'invalid_scope', hint?: string): ProviderError
  /** The success body (RFC 6749 §5.1) in the provider's own keys. */
  body(issued: IssuedTokens): Record<string, unknown>
  /** Headers of a success (RFC 6749 §5.1: no-store, no-cache) and its content type. */
  headers?: HeaderMap
}

const tokenParams = z.object({
  grant_type: z.string().min(1),
  code: z.string().optional(),
  redirect_uri: z.string().optional(),
  refresh_token: z.string().optional(),
  scope: z.string().optional(),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
})

/**
 * What the control API calls a request to a shared token endpoint: `refresh` for
 * `grant_type=refresh_token`, `token` otherwise (faults target each separately).
 */
export function tokenEndpointKind(sources: readonly ParamSource[]) {
  return async (ctx: RequestContext): Promise<'token' | 'refresh'> => {
    const params = await ctx.params(sources).catch((): Params => ({}))
    return params.grant_type === 'refresh_token' ? 'refresh' : 'token'
  }
}

/** Check order: request shape → grant type → client → grant (→ PKCE, once the code is consumed). */
export async function handleTokenRequest(
  rt: ProviderRuntime<unknown, unknown>,
  profile: TokenEndpointProfile,
  ctx: RequestContext,
): Promise<Response> {
  let params: Params
  try {
    params = await ctx.params(profile.paramSources)
  } catch {
    throw profile.error('invalid_request', 'malformed body')
  }
  const checked = validateParams(tokenParams, params)
  if (!checked.ok) throw profile.error('invalid_request', checked.field)
  const p = checked.value
  const grantType = p.grant_type
  const supported =
    (grantType === 'authorization_code' && profile.grants.authorization_code) ||
    grantType === 'refresh_token' ||
    (grantType === 'client_credentials' && profile.grants.client_credentials)
  if (!supported) throw profile.error('unsupported_grant_type')
  const client = authenticateClient(rt, ctx, params, profile.clientAuth, profile.basicEncoding)
  if (!client) throw profile.error('invalid_client')
  const now = rt.clock.now()
  let issued: IssuedTokens

  if (grantType === 'authorization_code') {
    if (!p.code) throw profile.error('invalid_request', 'code')
    if (p.redirect_uri === undefined) throw profile.error('invalid_request', 'redirect_uri')
    // Read only where PKCE is on: elsewhere `code_verifier` is a parameter like any unknown one.
    const verifier = profile.pkce ? params.code_verifier : undefined
    if (verifier !== undefined && typeof verifier !== 'string') throw profile.error('invalid_request', 'code_verifier')
    const found = rt.codes.lookup(p.code, now)
    // RFC 6749 §4.1.3: issued to this client, for this redirect_uri.
    if (found.state === 'unknown' || found.entry.clientId !== client.clientId) throw profile.error('invalid_grant')
    if (found.state !== 'valid') {
      rt.codes.delete(p.code)
      throw profile.error('invalid_grant')
    }
    if (found.entry.redirectUri !== p.redirect_uri) throw profile.error('invalid_grant')
    const entry = consumeAuthorizationCode(rt, p.code)!
    // After consuming: a failed verifier burns the code, so verifiers cannot be guessed in turn.
    if (profile.pkce && !verifyPkce(profile.pkce, client, entry, verifier)) throw profile.error('invalid_grant', 'code_verifier')
    issued = issueTokens(rt, profile.formats, {
      clientId: client.clientId,
      subject: { userId: entry.userId, teamId: entry.teamId, accountId: entry.accountId },
      scopes: entry.scopes,
      grantType,
      withRefresh: true,
    })
  } else if (grantType === 'refresh_token') {
    const from = profile.refreshTokenFrom ?? ['body']
    const refreshToken = (from.includes('body') ? p.refresh_token : undefined) ?? (from.includes('bearer') ? bearerToken(ctx.headers) : undefined)
    if (!refreshToken) throw profile.error('invalid_request', 'refresh_token')
    const found = rt.refreshTokens.lookup(refreshToken, now)
    if (found.state !== 'valid' || found.entry.clientId !== client.clientId) throw profile.error('invalid_grant')
    const scopes = narrowScopes(found.entry.scopes, p.scope, profile.scopeSeparator)
    if (!scopes) throw profile.error('invalid_scope')
    issued = rotateRefreshToken(rt, profile.formats, { token: refreshToken, entry: found.entry }, scopes, profile.grants.refresh_token.rotation)
  } else {
    const cc = profile.grants.client_credentials as { allowed: readonly string[]; defaults: readonly string[] }
    const requested = (p.scope ?? '').split(profile.scopeSeparator).filter(Boolean)
    const mayHave = (s: string) => cc.allowed.includes(s) && (client.scopes === null || client.scopes.includes(s))
    if (requested.some((s) => !mayHave(s))) throw profile.error('invalid_scope')
    issued = issueTokens(rt, profile.formats, {
      clientId: client.clientId,
      subject: { userId: null, teamId: null, accountId: null },
      scopes: requested.length ? unique(requested) : [...cc.defaults],
      grantType,
      withRefresh: false,
    })
  }
  return textResponse(JSON.stringify(profile.body(issued)), {
    status: 200,
    headers: { 'content-type': 'application/json', ...NO_STORE, ...profile.headers },
  })
}

/** RFC 6749 §6: a refresh may ask for the same or fewer scopes; `undefined` when it asks for more. */
export function narrowScopes(granted: string[], requested: string | undefined, separator: RegExp): string[] | undefined {
  if (requested === undefined) return granted
  const wanted = unique(requested.split(separator).filter(Boolean))
  if (wanted.length === 0) return granted
  return wanted.every((s) => granted.includes(s)) ? wanted : undefined
}

// ---------------------------------------------------------------------------------------------
// Protected resources — RFC 6750
// ---------------------------------------------------------------------------------------------

export type ResourceAuth =
  | { ok: true; token: string; entry: TokenEntry }
  | { ok: false; reason: 'missing' | 'invalid' | 'expired' | 'revoked' | 'insufficient_scope' }

/**
 * Checks a bearer access token (RFC 6750 §2.1) and that it carries ONE of `anyOfScopes`
 * (empty: any token). The first use of a rotated token revokes its predecessors (on-use rotation).
 */
export function authenticateBearer(
  rt: ProviderRuntime<unknown, unknown>,
  token: string | undefined,
  anyOfScopes: readonly string[] = [],
): ResourceAuth {
  if (!token) return { ok: false, reason: 'missing' }
  const now = rt.clock.now()
  const found: Lookup<TokenEntry> = rt.accessTokens.lookup(token, now)
  if (found.state === 'unknown') return { ok: false, reason: 'invalid' }
  if (found.state !== 'valid') return { ok: false, reason: found.state }
  const entry = found.entry
  if (entry.firstUsedAt === null) {
    entry.firstUsedAt = now
    if (entry.revokeOnFirstUse.length) {
      revokeTokens(rt, entry.revokeOnFirstUse)
      entry.revokeOnFirstUse = []
    }
  }
  if (anyOfScopes.length && !anyOfScopes.some((s) => entry.scopes.includes(s))) return { ok: false, reason: 'insufficient_scope' }
  return { ok: true, token, entry }
}

export { bearerToken }

export function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)]
}
