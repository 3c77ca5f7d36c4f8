/**
 * The OAuth 2.0 pieces every provider is made of, named after the RFC sections they implement:
 * redirect URI matching, client authentication, issuing and rotating tokens, bearer checks.
 * The endpoints built from them are ./authorize.ts and ./token-endpoint.ts; PKCE is ./pkce.ts.
 * Providers configure them with data (their profile); they never branch on a provider's id.
 */
import type { Client } from './clients.ts'
import { safeEqual } from './crypto.ts'
import { basicCredentials, bearerToken } from './http.ts'
import type { Params } from './params.ts'
import type { GrantSubject, GrantType, ProviderRuntime, RequestContext, TokenEntry } from './provider.ts'
import { type Lookup, ORDER_SLOT } from './store.ts'

// ---------------------------------------------------------------------------------------------
// Redirect URIs — RFC 6749 §3.1.2
// ---------------------------------------------------------------------------------------------

/**
 * How a requested `redirect_uri` is matched with the registered ones.
 * - `exact`: RFC 6749 §3.1.2.3 simple string comparison (cal.com, the generic provider).
 * - `doorkeeper`: the request's query is ignored and a registered URI's query params must all be
 *   present (doorkeeper-gem/doorkeeper lib/doorkeeper/oauth/helpers/uri_checker.rb `matches?`).
 * - `django-oauth-toolkit`: same scheme, host, port and path, the registered query params a subset
 *   of the request's, and a loopback URI registered without a port matching any port (RFC 8252 §7.3;
 *   jazzband/django-oauth-toolkit@3.0.1:oauth2_provider/models.py `redirect_to_uri_allowed`).
 */
export type RedirectUriMatch = 'exact' | 'doorkeeper' | 'django-oauth-toolkit'

export function redirectUriAllowed(mode: RedirectUriMatch, given: string, registered: readonly string[]): boolean {
  if (mode === 'exact') return registered.includes(given)
  let url: URL
  try {
    url = new URL(given)
  } catch {
    return false
  }
  return registered.some((r) => {
    let reg: URL
    try {
      reg = new URL(r)
    } catch {
      return false
    }
    const regParams = [...reg.searchParams]
    if (!regParams.every(([k, v]) => url.searchParams.getAll(k).includes(v))) return false
    if (mode === 'doorkeeper') return `${url.origin}${url.pathname}` === `${reg.origin}${reg.pathname}`
    const loopback = reg.protocol === 'http:' && ['127.0.0.1', '[::1]'].includes(reg.hostname) && reg.port === ''
    const sameHost = loopback ? url.hostname === reg.hostname : url.host === reg.host
    return url.protocol === reg.protocol && sameHost && url.pathname === reg.pathname
  })
}

/** The last key made, and what it was made of: the stores and `latestGrants` of one issue ask in a row. */
let lastGrantKey: ({ clientId: string; key: string } & GrantSubject) | null = null

/**
 * The key of a client's grants to one subject (a user, a team or an account). Issuing a pair asks
 * for it three times in a row (two token stores' groups and `latestGrants`), which keep it for as
 * long as the subject has tokens: the same string each time, one copy per subject, not three.
 */
export function latestGrantKey(clientId: string, subject: GrantSubject): string {
  const last = lastGrantKey
  if (last !== null && last.clientId === clientId && last.userId === subject.userId && last.teamId === subject.teamId && last.accountId === subject.accountId) return last.key
  // `join` writes one flat string; a template literal would keep a tree of its parts.
  const key = [clientId, String(subject.userId), String(subject.teamId), String(subject.accountId)].join('|')
  lastGrantKey = { clientId, userId: subject.userId, teamId: subject.teamId, accountId: subject.accountId, key }
  return key
}

/** The token stores' group of a token (./store.ts `groupOf`): its client and subject, `null` without a subject. */
export function subjectGroup(entry: { clientId: string } & GrantSubject): string | null {
  return entry.userId === null && entry.teamId === null && entry.accountId === null ? null : latestGrantKey(entry.clientId, entry)
}

/** A scope set as one string, whatever the order (the access token store's `tagOf`). */
export function scopeTag(scopes: readonly string[]): string {
  return scopes.length === 1 ? scopes[0]! : [...new Set(scopes)].sort().join(' ')
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

export interface ClientAuthProfile {
  methods: readonly ClientAuthMethod[]
  /** Default `form-urlencoded`. */
  basicEncoding?: BasicEncoding
}

/**
 * Whether the request carries client credentials at all (Doorkeeper's `Credentials#blank?`: an id
 * without a secret counts as none). Refresh requests at Doorkeeper ≤ 5.0 may come without any.
 */
export function clientCredentialsGiven(ctx: RequestContext, params: Params, auth: ClientAuthProfile): boolean {
  if (auth.methods.includes('basic') && basicCredentials(ctx.headers, auth.basicEncoding)) return true
  return auth.methods.includes('body') && typeof params.client_id === 'string' && params.client_id !== '' && typeof params.client_secret === 'string' && params.client_secret !== ''
}

/**
 * The client a token request authenticates as, or `undefined` (→ `invalid_client`).
 * Basic wins when both are present (Doorkeeper and oauthlib read the header first).
 * Secrets are compared in constant time. A public client never authenticates with a secret
 * (it has none; an empty `client_secret` must not match its empty one): only through `none`,
 * when neither Basic credentials nor a `client_secret` were sent.
 */
export function authenticateClient(rt: ProviderRuntime<unknown, unknown>, ctx: RequestContext, params: Params, auth: ClientAuthProfile): Client | undefined {
  const methods = auth.methods
  const basic = methods.includes('basic') ? basicCredentials(ctx.headers, auth.basicEncoding) : undefined
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
  /** A new token's text; it may set the entry's `extras` (what the text carries beyond it). */
  newAccessToken(entry: TokenEntry): string
  newRefreshToken(entry: TokenEntry): string
  /**
   * The key a new token is stored under, for a provider that keys by part of the text
   * (`ProviderDefinition.tokenKeys`); a flat string, never a slice of the text (it would keep the
   * whole text alive). Default: the text.
   */
  keyOf?(kind: TokenEntry['kind'], text: string, entry: TokenEntry): string
}

/** The `revokeOnFirstUse` of a token that retires nothing: one shared, frozen empty list. */
export const NOTHING_TO_REVOKE: string[] = Object.freeze([]) as unknown as string[]

const internedScopes = new Map<string, string[]>()

/**
 * One shared array per scope set (in its order): every token of a grant holds its scopes, and a
 * million tokens mostly hold a handful of sets. Frozen; at most 10,000 sets are kept.
 */
export function sharedScopes(scopes: readonly string[]): string[] {
  const key = scopes.join('\u0000')
  let shared = internedScopes.get(key)
  if (!shared) {
    if (internedScopes.size >= 10_000) internedScopes.clear()
    internedScopes.set(key, (shared = Object.freeze([...scopes]) as unknown as string[]))
  }
  return shared
}

export interface IssuedTokens {
  /** The access token's text (what the client is answered). */
  access: string
  /** Its key in the store (the text itself but where `TokenFormats.keyOf` says otherwise). */
  accessKey: string
  accessEntry: TokenEntry
  refresh: string | null
  refreshKey: string | null
  refreshEntry: TokenEntry | null
}

/** Issues an access token, and a refresh token with it when `withRefresh`. */
export function issueTokens(
  rt: ProviderRuntime<unknown, unknown>,
  formats: TokenFormats,
  grant: { clientId: string; subject: GrantSubject; scopes: string[]; grantType: GrantType; withRefresh: boolean; grantId?: string | null },
): IssuedTokens {
  const now = rt.clock.now()
  const scopes = sharedScopes(grant.scopes)
  // Written out rather than spread: one object shape for every entry keeps the stores fast.
  const entry = (kind: TokenEntry['kind'], expiresAt: number | null, pair: string | null): TokenEntry => ({
    clientId: grant.clientId,
    userId: grant.subject.userId,
    teamId: grant.subject.teamId,
    accountId: grant.subject.accountId,
    kind,
    scopes,
    issuedAt: now,
    grantType: grant.grantType,
    expiresAt,
    revokedAt: null,
    pair,
    firstUsedAt: null,
    revokeOnFirstUse: NOTHING_TO_REVOKE,
    grantId: grant.grantId ?? null,
    extras: null,
    [ORDER_SLOT]: 0,
  })
  const accessEntry = entry('access', now + formats.accessLifetimeSeconds * 1000, null)
  const access = formats.newAccessToken(accessEntry)
  const accessKey = formats.keyOf ? formats.keyOf('access', access, accessEntry) : access
  let refresh: string | null = null
  let refreshKey: string | null = null
  let refreshEntry: TokenEntry | null = null
  if (grant.withRefresh) {
    refreshEntry = entry('refresh', formats.refreshLifetimeSeconds === null ? null : now + formats.refreshLifetimeSeconds * 1000, accessKey)
    refresh = formats.newRefreshToken(refreshEntry)
    refreshKey = formats.keyOf ? formats.keyOf('refresh', refresh, refreshEntry) : refresh
    accessEntry.pair = refreshKey
    rt.refreshTokens.set(refreshKey, refreshEntry, now)
  }
  rt.accessTokens.set(accessKey, accessEntry, now)
  if (rt.latestGrants) {
    const group = subjectGroup(accessEntry)
    if (group !== null) rt.latestGrants.set(group, accessKey)
  }
  return { access, accessKey, accessEntry, refresh, refreshKey, refreshEntry }
}

/**
 * How a refresh retires what it replaces. `immediate`: the old pair is revoked at once.
 * `on-use`: when the new access token is first used (Doorkeeper's `refresh_token_revoked_on_use`).
 * `subject`: every earlier refresh token of the same client and subject (user, team, account) is
 * revoked at once, not only the one presented; access tokens live on until they expire.
 * `refresh-only`: the presented refresh token is revoked at once; access tokens live on.
 * `none`: no new refresh token (RFC 6749 §6 "MAY issue a new refresh token"): the presented one
 * stays valid, and the answer carries none.
 */
export type RotationMode = 'immediate' | 'on-use' | 'subject' | 'refresh-only' | 'none'

/**
 * RFC 6749 §6 with rotation (RFC 9700 §4.14.2): a new access AND refresh token, and the old ones
 * retired per `mode`. Synchronous from lookup to revocation, so of two concurrent refreshes with
 * one token exactly one wins.
 */
export function rotateRefreshToken(
  rt: ProviderRuntime<unknown, unknown>,
  formats: TokenFormats,
  /** The refresh token presented: its store key and entry. */
  old: { key: string; entry: TokenEntry },
  scopes: string[],
  mode: RotationMode,
): IssuedTokens {
  const issued = issueTokens(rt, formats, {
    clientId: old.entry.clientId,
    subject: { userId: old.entry.userId, teamId: old.entry.teamId, accountId: old.entry.accountId },
    scopes,
    grantType: 'refresh_token',
    withRefresh: mode !== 'none',
    grantId: old.entry.grantId ?? null,
  })
  if (mode === 'none') return issued
  if (mode === 'refresh-only') {
    rt.refreshTokens.revoke(old.key, rt.clock.now())
    return issued
  }
  if (mode === 'subject') {
    revokeRefreshTokensOf(rt, old.entry.clientId, old.entry, issued.refreshKey)
    return issued
  }
  const previous = [old.key, ...(old.entry.pair ? [old.entry.pair] : [])]
  if (mode === 'immediate') revokeTokens(rt, previous)
  else issued.accessEntry.revokeOnFirstUse = previous
  return issued
}

/**
 * Revokes every refresh token of one client and subject, except `keep` (a store key); returns how many.
 * O(live tokens of that subject): the refresh token store groups its entries by client and subject.
 */
export function revokeRefreshTokensOf(rt: ProviderRuntime<unknown, unknown>, clientId: string, subject: GrantSubject, keep: string | null = null): number {
  const now = rt.clock.now()
  let count = 0
  for (const [token] of rt.refreshTokens.liveOf(latestGrantKey(clientId, subject))) {
    if (token !== keep && rt.refreshTokens.revoke(token, now)) count++
  }
  return count
}

/** Revokes tokens, by their store keys, wherever they are stored (access or refresh). */
export function revokeTokens(rt: ProviderRuntime<unknown, unknown>, tokens: readonly string[]): void {
  const now = rt.clock.now()
  for (const t of tokens) {
    rt.refreshTokens.revoke(t, now)
    rt.accessTokens.revoke(t, now)
  }
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
 * The access token of a request (RFC 6750 §2.1 header; with `query`, also §2.3's URI parameters,
 * e.g. Doorkeeper's default `access_token_methods`: the header, then `access_token`, then
 * `bearer_token`).
 */
export function requestAccessToken(ctx: RequestContext, query: readonly string[] = []): string | undefined {
  const fromHeader = bearerToken(ctx.headers)
  if (fromHeader) return fromHeader
  for (const name of query) {
    const value = ctx.url.searchParams.get(name)
    if (value) return value
  }
  return undefined
}

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
  const key = rt.tokenKey('access', token)
  if (key === undefined) return { ok: false, reason: 'invalid' }
  const found: Lookup<TokenEntry> = rt.accessTokens.lookup(key, now)
  if (found.state === 'unknown') return { ok: false, reason: 'invalid' }
  if (found.state !== 'valid') return { ok: false, reason: found.state }
  const entry = found.entry
  if (entry.firstUsedAt === null) {
    entry.firstUsedAt = now
    if (entry.revokeOnFirstUse.length) {
      revokeTokens(rt, entry.revokeOnFirstUse)
      entry.revokeOnFirstUse = NOTHING_TO_REVOKE
    }
    rt.accessTokens.touch(key)
  }
  if (anyOfScopes.length && !anyOfScopes.some((s) => entry.scopes.includes(s))) return { ok: false, reason: 'insufficient_scope' }
  return { ok: true, token, entry }
}

export { bearerToken }

export function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)]
}
