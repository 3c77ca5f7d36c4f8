/**
 * The authorization endpoint — RFC 6749 §4.1.1–§4.1.2 (code) and §4.2 (implicit) — as each
 * provider's server runs it. What differs between the real servers is data in `AuthorizeProfile`:
 * the order of the checks, whether an error after the redirect URI is known is redirected
 * (RFC 6749 §4.1.2.1, oauthlib) or rendered (Doorkeeper's `handle_auth_errors :render`), how the
 * redirect URI is matched, which response types exist, and when consent is skipped.
 */
import { createHmac, randomBytes } from 'node:crypto'
import type { Client } from './clients.ts'
import { randomBase64url, safeEqual } from './crypto.ts'
import { redirect, withParams } from './http.ts'
import { type RedirectUriMatch, latestGrantKey, redirectUriAllowed, unique } from './oauth.ts'
import { type Params, paramRecord } from './params.ts'
import { type PkceChallenge, type PkceProfile, checkPkceRequest } from './pkce.ts'
import type { CodeEntry, GrantSubject, ProviderRuntime, RequestContext, TokenEntry } from './provider.ts'
import { ORDER_SLOT } from './store.ts'

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
  /** The page's anti-forgery field (Rails' `authenticity_token`, Django's `csrfmiddlewaretoken`). */
  csrf: { name: string; value: string }
}

/** The checks of an authorization request, in the order a provider runs them. */
export type AuthorizeCheck = 'client' | 'redirect_uri' | 'response_type' | 'pkce' | 'scope' | 'provider'

/** Why an authorization request failed; the provider turns it into its own page or redirect. */
export type AuthorizeFailureReason =
  | 'duplicate_parameter'
  | 'missing_client_id'
  | 'unknown_client'
  | 'missing_redirect_uri'
  | 'invalid_redirect_uri'
  | 'mismatching_redirect_uri'
  | 'missing_response_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'missing_scope'
  | 'pkce'
  | 'provider'
  | 'access_denied'
  | 'invalid_subject'
  | 'csrf'

export interface AuthorizeFailure {
  reason: AuthorizeFailureReason
  /** The RFC 6749 §4.1.2.1 / §5.2 error code (`invalid_request`, `invalid_client`, …). */
  error: string
  /** The provider's words, when it has them. */
  description?: string
  /** The parameter a `duplicate_parameter` names. */
  param?: string
  /** Shown on the error page even where the provider redirects its other errors. */
  page?: boolean
}

/** How a provider answers an error it does not redirect: its own error page. */
export interface AuthorizeErrorPage {
  (failure: AuthorizeFailure, ctx: RequestContext): Response
}

/** The implicit grant (RFC 6749 §4.2): the token in the redirect's fragment. */
export interface ImplicitProfile {
  /** Issues the access token (no refresh token: RFC 6749 §4.2.2). */
  issue(rt: ProviderRuntime<unknown, unknown>, client: Client, subject: GrantSubject, scopes: string[]): { token: string; entry: TokenEntry }
  /** The fragment parameters, in the provider's order. */
  fragment(issued: { token: string; entry: TokenEntry }, state: string | undefined): Record<string, string | undefined>
  /** Where an out-of-band implicit grant sends the browser (Doorkeeper: the token info page). */
  oobLocation?(base: string, token: string): string
}

export interface AuthorizeProfile<Data> {
  /** The checks in the provider's order (after the duplicate check). */
  order: readonly AuthorizeCheck[]
  /**
   * Errors found once client and redirect URI are valid: `redirect` them to the client
   * (RFC 6749 §4.1.2.1), or `render` the error page (Doorkeeper's default).
   */
  onError: 'redirect' | 'render'
  /** Parameters whose repetition is refused with an error page (oauthlib). Default: none. */
  duplicates?: readonly string[]
  /**
   * `required`: only the listed types; a missing one is `missing`'s error. `ignored`: never read
   * (cal.com's pages).
   */
  responseTypes: 'ignored' | { code: true; token?: ImplicitProfile; missing: { error: string; description?: string } | 'unsupported' }
  /** `query` only (default), or also `fragment` (oauthlib's `response_mode`). */
  responseModes?: readonly ('query' | 'fragment')[]
  scopes: {
    known: readonly string[]
    /** How the `scope` parameter is split (cal.com: `/[, ]+/`, RFC 6749 §3.3: spaces). */
    separator: RegExp
    /**
     * The requested scopes of a raw `scope` parameter, when the server does not simply split on
     * `separator` and drop empty parts: oauthlib's `scope_to_list` (`scope.strip().split(" ")`)
     * keeps them, so `scope=` asks for the unknown scope "".
     */
    parse?: (raw: string | undefined) => string[]
    /** Granted whether requested or not (BookingSync's `public`). */
    always?: readonly string[]
    /** Granted when no scope is requested. */
    defaults?: readonly string[]
    /** An unknown scope: `fail` per `onError`, or always the error `page`. */
    unknown: 'fail' | 'page'
    /** The error code and words of an unknown scope (default `invalid_scope`, no words). */
    error?: { error: string; description?: string }
    /** Refuse a request without scope (`missing_scope` page), e.g. a cal.com client with registered scopes. */
    required?: (client: Client) => boolean
  }
  /** How `redirect_uri` is compared with the registered ones (default `exact`). */
  redirectUriMatch?: RedirectUriMatch
  /** Without `redirect_uri`: refuse (default), or use the client's only registered URI (oauthlib + DOT). */
  redirectUriDefault?: 'none' | 'sole-registered'
  /**
   * `redirect_uri=` (empty): absent (default, like Rails' `blank?`), or `given`, a value that is
   * then no absolute URI (oauthlib tests `redirect_uri is not None`).
   */
  redirectUriEmpty?: 'absent' | 'given'
  /** `registered`: the page never reads `redirect_uri` and always sends the user to the client's (first) registered URI (cal.com's pages until 2026). */
  redirectUriFrom?: 'request' | 'registered'
  codeLifetimeSeconds: number
  newCode(): string
  /** Give each code a grant id (`CodeEntry.grantId`) its tokens inherit (the generic provider revokes grants whole). */
  trackGrants?: boolean
  /** Out-of-band redirect URI and where the browser is sent to read the code. */
  oob?: {
    redirectUri: string
    /** Any client may use it, registered or not (Doorkeeper ≤ 5.0). */
    anyClient?: boolean
    location(base: string, code: string): string
    /** Deny with nothing to redirect to. */
    deny(state: string | undefined): Response
  }
  /**
   * Consent without a page: the user already approved this (provider rules over the latest grant,
   * a trusted client, `approval_prompt=auto`).
   */
  skipConsent?(rt: ProviderRuntime<Data, unknown>, request: { client: Client; subject: GrantSubject; scopes: string[]; params: Params }): boolean
  /** PKCE (RFC 7636): absent, `code_challenge` is ignored (as by a server that predates it). */
  pkce?: PkceProfile
  /**
   * A provider's own check, where `order` puts `provider`; an error is answered like the engine's
   * own. `userId` is the signed-in user: the consent form's `user_id`, else the default user.
   */
  check?(params: Params, client: Client, userId: number): AuthorizeFailure | undefined
  /** Query parameters of an error redirect (deny, invalid_scope, …). */
  errorParams(failure: AuthorizeFailure, state: string | undefined): Record<string, string | undefined>
  /** Where "deny" sends the user (default: an `access_denied` error redirect). cal.com's old pages: the bare redirect URI. */
  denyRedirect?: (redirectUri: string, state: string | undefined) => string
  /** Where a granted code is sent (default: `redirect_uri` with `code` and `state` added and encoded). */
  codeRedirect?: (redirectUri: string, code: string, state: string | undefined) => string
  users(data: Data): Array<{ id: number; label: string }>
  /**
   * The grant subjects a user may choose on the consent page; the first is the default (and what
   * `consent: allow` grants). `params` are the authorize parameters.
   */
  choices(data: Data, userId: number, params: Params): SubjectChoice[]
  errorPage: AuthorizeErrorPage
  consentPage(view: ConsentView, ctx: RequestContext): Response
  /** The consent form's anti-forgery field name (default `csrf_token`). */
  csrfField?: string
}

/** Consent-page tokens are valid this long (a person reading the page). */
const CSRF_LIFETIME_MS = 3600_000
/** Per process: a page from a previous run of the server cannot be posted. */
const CSRF_KEY = randomBytes(32)

/** The consent page's anti-forgery token: bound to the authorize parameters and an issue time. */
export function consentToken(params: Params, now: number): string {
  const issued = Math.floor(now / 1000).toString(36)
  return `${issued}.${csrfMac(params, issued)}`
}

function csrfMac(params: Params, issued: string): string {
  const bound = ['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'code_challenge'].map((k) => `${k}=${typeof params[k] === 'string' ? params[k] : ''}`).join('&')
  return createHmac('sha256', CSRF_KEY).update(`${issued}|${bound}`).digest('base64url')
}

function consentTokenValid(token: unknown, params: Params, now: number): boolean {
  if (typeof token !== 'string') return false
  const [issued, mac] = token.split('.', 2)
  if (!issued || !mac) return false
  const at = Number.parseInt(issued, 36) * 1000
  if (!Number.isFinite(at) || now - at > CSRF_LIFETIME_MS || at - now > 60_000) return false
  return safeEqual(mac, csrfMac(params, issued))
}

/**
 * A consent decision posted by a browser must come from the provider's own page: a same-origin
 * Origin (or none) and the page's token. A request with no browser signals at all (no Origin, no
 * `Sec-Fetch-Site`) is a script using the documented consent parameters, and passes without a
 * token. `Sec-Fetch-Mode` alone is no such signal: browsers send it together with
 * `Sec-Fetch-Site`, while Node's fetch (undici) sends `sec-fetch-mode: cors` on every request.
 */
function consentPostAllowed(ctx: RequestContext, params: Params, field: string, now: number): boolean {
  const origin = ctx.headers.get('origin')
  const site = ctx.headers.get('sec-fetch-site')
  const browser = origin !== null || site !== null
  if (!browser) return true
  if (site !== null && site !== 'same-origin' && site !== 'none') return false
  if (origin !== null && origin !== new URL(ctx.base).origin) return false
  return consentTokenValid(params[field], params, now)
}

/**
 * GET: validate the request, then consent (page, or at once per the consent mode).
 * POST: the consent page's decision, re-validated from scratch (the form is never trusted).
 */
export async function handleAuthorizationRequest<Data>(
  rt: ProviderRuntime<Data, unknown>,
  profile: AuthorizeProfile<Data>,
  ctx: RequestContext,
): Promise<Response> {
  const isDecision = ctx.method === 'POST'
  const params = await ctx.params(isDecision ? ['form'] : ['query'])
  const page = (failure: AuthorizeFailure) => profile.errorPage(failure, ctx)
  for (const name of profile.duplicates ?? []) {
    if (Array.isArray(params[name])) return page({ reason: 'duplicate_parameter', error: 'invalid_request', param: name })
  }
  // Everything else reads single values: a repeated parameter counts as absent.
  const str = (name: string) => (typeof params[name] === 'string' ? (params[name] as string) : undefined)
  const state = str('state')
  let client: Client | undefined
  let redirectUri: string | undefined
  let challenge: PkceChallenge | undefined
  let scopes: string[] = []
  let implicit = false
  // Known once client and redirect URI passed: only then may an error go back to the client.
  const redirectable = () => client !== undefined && redirectUri !== undefined && !isOob()
  const isOob = () => profile.oob !== undefined && redirectUri === profile.oob.redirectUri
  const fail = (failure: AuthorizeFailure): Response => {
    if (failure.page || profile.onError === 'render' || !redirectable()) return page(failure)
    return errorRedirect(failure)
  }
  const errorRedirect = (failure: AuthorizeFailure): Response => {
    const params = profile.errorParams(failure, state)
    return redirect(implicit ? withFragment(redirectUri!, params) : withParams(redirectUri!, params))
  }

  for (const check of profile.order) {
    if (check === 'client') {
      const id = str('client_id')
      if (!id) return page({ reason: 'missing_client_id', error: 'invalid_request' })
      client = rt.client(id)
      if (!client) return page({ reason: 'unknown_client', error: 'invalid_client' })
    } else if (check === 'redirect_uri') {
      const given = str('redirect_uri')
      const registered = client?.redirectUris ?? []
      if (profile.redirectUriFrom === 'registered') {
        redirectUri = registered[0]
        if (redirectUri === undefined) return page({ reason: 'missing_redirect_uri', error: 'invalid_request' })
      } else if (given === undefined || (given === '' && profile.redirectUriEmpty !== 'given')) {
        if (profile.redirectUriDefault === 'sole-registered' && registered.length === 1) redirectUri = registered[0]
        else return page({ reason: 'missing_redirect_uri', error: 'invalid_request' })
      } else if (profile.oob && given === profile.oob.redirectUri && (profile.oob.anyClient || registered.includes(given))) {
        redirectUri = given
      } else if (!URL.canParse(given) || given.includes('#')) {
        return page({ reason: 'invalid_redirect_uri', error: 'invalid_request' })
      } else if (!redirectUriAllowed(profile.redirectUriMatch ?? 'exact', given, registered)) {
        return page({ reason: 'mismatching_redirect_uri', error: 'invalid_request' })
      } else redirectUri = given
    } else if (check === 'response_type') {
      if (profile.responseTypes === 'ignored') continue
      const type = str('response_type')
      if (type === 'token' && profile.responseTypes.token) implicit = true
      else if (type !== 'code') {
        if (type === undefined && profile.responseTypes.missing !== 'unsupported') {
          return fail({ reason: 'missing_response_type', ...profile.responseTypes.missing })
        }
        return fail({ reason: 'unsupported_response_type', error: 'unsupported_response_type' })
      }
    } else if (check === 'pkce') {
      if (!profile.pkce || !client || implicit) continue
      const checked = checkPkceRequest(profile.pkce, client, params)
      if (!checked.ok) return fail({ reason: 'pkce', error: 'invalid_request', description: checked.description })
      challenge = checked.challenge
    } else if (check === 'scope') {
      const raw = str('scope')
      const requested = unique(profile.scopes.parse ? profile.scopes.parse(raw) : (raw ?? '').split(profile.scopes.separator).filter(Boolean))
      if (requested.length === 0 && client && profile.scopes.required?.(client)) return page({ reason: 'missing_scope', error: 'invalid_scope' })
      const allowed = client?.scopes ?? profile.scopes.known
      if (requested.some((s) => !profile.scopes.known.includes(s) || !allowed.includes(s))) {
        const failure: AuthorizeFailure = { reason: 'invalid_scope', ...(profile.scopes.error ?? { error: 'invalid_scope' }) }
        return profile.scopes.unknown === 'page' ? page(failure) : fail(failure)
      }
      scopes = unique([...(requested.length ? requested : (profile.scopes.defaults ?? [])), ...(profile.scopes.always ?? [])])
    } else if (check === 'provider') {
      const acting = isDecision && Number.isInteger(Number(params.user_id)) ? Number(params.user_id) : rt.defaultUserId()
      const own = client ? profile.check?.(params, client, acting) : undefined
      if (own) return fail(own)
    }
  }
  if (!client || redirectUri === undefined) throw new Error('an authorize profile must check client and redirect_uri')
  const theClient = client
  const theRedirect = redirectUri

  const issue = (subject: GrantSubject): Response => {
    if (implicit) {
      const grant = (profile.responseTypes as { token: ImplicitProfile }).token
      const issued = grant.issue(rt as ProviderRuntime<unknown, unknown>, theClient, subject, scopes)
      if (isOob() && grant.oobLocation) return redirect(grant.oobLocation(ctx.base, issued.token))
      return redirect(withFragment(theRedirect, grant.fragment(issued, state)))
    }
    const code = issueAuthorizationCode(rt, profile, theClient, theRedirect, scopes, subject, challenge, profile.redirectUriDefault === 'sole-registered' && str('redirect_uri') === undefined)
    if (isOob()) return redirect(profile.oob!.location(ctx.base, code))
    if (str('response_mode') === 'fragment' && profile.responseModes?.includes('fragment')) return redirect(withFragment(theRedirect, { code, state }))
    return redirect(profile.codeRedirect ? profile.codeRedirect(theRedirect, code, state) : withParams(theRedirect, { code, state }))
  }
  const deny = (): Response => {
    if (isOob()) return profile.oob!.deny(state)
    if (profile.denyRedirect) return redirect(profile.denyRedirect(theRedirect, state))
    return errorRedirect({ reason: 'access_denied', error: 'access_denied' })
  }

  if (isDecision) {
    if (!consentPostAllowed(ctx, params, profile.csrfField ?? 'csrf_token', rt.clock.now())) return page({ reason: 'csrf', error: 'invalid_request' })
    if (params.decision !== 'allow') return deny()
    const userId = Number(params.user_id)
    const choice = profile.choices(rt.data, userId, params).find((c) => c.value === params.subject)
    if (!profile.users(rt.data).some((u) => u.id === userId) || !choice) return page({ reason: 'invalid_subject', error: 'invalid_request' })
    return issue(choice.subject)
  }

  const mode = rt.consent()
  const defaultUser = rt.defaultUserId()
  const defaultChoice = profile.choices(rt.data, defaultUser, params)[0]
  if (mode === 'deny') return deny()
  if (mode === 'allow' && defaultChoice) return issue(defaultChoice.subject)
  if (defaultChoice && profile.skipConsent?.(rt, { client: theClient, subject: defaultChoice.subject, scopes, params })) return issue(defaultChoice.subject)
  const users = profile.users(rt.data)
  // Every parameter by its name, `__proto__` too (a plain `{}` would drop it).
  const hidden = paramRecord<string>()
  for (const [k, v] of Object.entries(params)) if (typeof v === 'string') hidden[k] = v
  return profile.consentPage(
    {
      client: theClient,
      scopes,
      hidden,
      users,
      userId: defaultUser,
      choices: users.flatMap((u) => profile.choices(rt.data, u.id, params)),
      action: ctx.url.pathname,
      csrf: { name: profile.csrfField ?? 'csrf_token', value: consentToken(params, rt.clock.now()) },
    },
    ctx,
  )
}

/**
 * `https://app/cb?x=1` + `{a, b}` → `https://app/cb?x=1#a=…&b=…` (the implicit grant and
 * `response_mode=fragment`): the redirect URI keeps its own query (RFC 6749 §4.2.2, §3.1.2 "MUST
 * retain"); only the new parameters go in the fragment (Doorkeeper `URIBuilder.uri_with_fragment`,
 * oauthlib `add_params_to_uri(..., fragment=True)`).
 */
function withFragment(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri)
  const fragment = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) if (value !== undefined) fragment.append(key, value)
  url.hash = fragment.toString()
  return url.toString()
}

/**
 * RFC 6749 §4.1.2: a short-lived, single-use code bound to client, redirect URI and scopes
 * (and, RFC 7636 §4.4, to a PKCE challenge when one was sent).
 */
export function issueAuthorizationCode(
  rt: ProviderRuntime<unknown, unknown>,
  profile: { codeLifetimeSeconds: number; newCode(): string; trackGrants?: boolean },
  client: Client,
  redirectUri: string,
  scopes: string[],
  subject: GrantSubject,
  pkce?: PkceChallenge,
  redirectUriOmitted = false,
): string {
  const now = rt.clock.now()
  const code = profile.newCode()
  const entry: CodeEntry = {
    clientId: client.clientId,
    redirectUri,
    scopes,
    ...subject,
    issuedAt: now,
    expiresAt: now + profile.codeLifetimeSeconds * 1000,
    revokedAt: null,
    ...(pkce ? { codeChallenge: pkce.codeChallenge, codeChallengeMethod: pkce.codeChallengeMethod } : {}),
    ...(profile.trackGrants ? { grantId: randomBase64url(12) } : {}),
    ...(redirectUriOmitted ? { redirectUriOmitted: true as const } : {}),
    [ORDER_SLOT]: 0,
  }
  rt.codes.set(code, entry, now)
  return code
}

/**
 * The newest access token issued to this client for this subject (its key), if it is still in the
 * store. Only for a provider that keeps them (`ProviderDefinition.keepsLatestGrants`): for another
 * it throws — "none" would be a wrong answer, and a silent one.
 */
export function latestGrant(rt: ProviderRuntime<unknown, unknown>, clientId: string, subject: GrantSubject): { key: string; entry: TokenEntry; state: 'valid' | 'expired' | 'revoked' } | undefined {
  if (!rt.latestGrants) throw new Error(`${rt.id} does not keep its latest grants (keepsLatestGrants in its definition)`)
  const key = rt.latestGrants.get(latestGrantKey(clientId, subject))
  if (!key) return undefined
  const found = rt.accessTokens.lookup(key, rt.clock.now())
  return found.state === 'unknown' ? undefined : { key, entry: found.entry, state: found.state }
}
