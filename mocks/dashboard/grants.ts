/**
 * The grants a provider holds, as the dashboard shows them: codes, access and refresh tokens with
 * their state on the fakes' clock.
 *
 * States: `live` (valid now), `expired` (its lifetime ran out), `revoked`, and two the stores do
 * not record but the dashboard infers, so that nothing in the engine changes for it:
 * - `rotated`: revoked BY A REFRESH. A revoked token is called rotated when a newer token of the
 *   same kind, client and subject was issued by a `refresh_token` grant between its issue and its
 *   revocation, and that newer token was not revoked at the same instant (a client-wide
 *   revocation revokes everything at once, rotation leaves the successor alive). A BookingSync
 *   `/oauth/revoke` of an old token after a refresh, before `on-use` rotation retired it, also
 *   reads as rotated: the one case the inference gets wrong.
 * - `consumed`: a code the log shows was issued but the store no longer holds: codes are deleted
 *   when exchanged (single use) and when their client is revoked.
 */
import type { CodeEntry, ProviderRuntime, TokenEntry } from '../engine/provider.ts'
import type { ExpiringStore } from '../engine/store.ts'
import type { GrantKind } from '../ui/exchange.ts'

export type GrantState = 'live' | 'expired' | 'revoked' | 'rotated' | 'consumed'

export interface GrantRow {
  kind: 'code' | 'access' | 'refresh'
  value: string
  clientId: string
  /** "user 1", "team 101", "user 11 · account 101", "app" (client credentials). */
  subject: string
  scopes: readonly string[]
  issuedAt: number
  expiresAt: number | null
  revokedAt: number | null
  state: GrantState
  /** How a token was obtained (`authorization_code`, `refresh_token`, `client_credentials`). */
  grantType: string | null
}

export const GRANT_STATE_LABEL: Record<GrantState, string> = {
  live: 'live',
  expired: 'expired',
  revoked: 'revoked',
  rotated: 'rotated',
  consumed: 'consumed',
}

function subjectOf(e: { userId: number | null; teamId: number | null; accountId: number | null }): string {
  const parts = [e.userId !== null ? `user ${e.userId}` : '', e.teamId !== null ? `team ${e.teamId}` : '', e.accountId !== null ? `account ${e.accountId}` : ''].filter(Boolean)
  return parts.length ? parts.join(' · ') : 'app'
}

const sameSubject = (a: Readonly<TokenEntry>, b: Readonly<TokenEntry>) => a.clientId === b.clientId && a.userId === b.userId && a.teamId === b.teamId && a.accountId === b.accountId

function baseState(e: { expiresAt: number | null; revokedAt: number | null }, now: number): 'live' | 'expired' | 'revoked' {
  if (e.revokedAt !== null) return 'revoked'
  if (e.expiresAt !== null && e.expiresAt <= now) return 'expired'
  return 'live'
}

/** `rotated` or `revoked` for a revoked token, by its successors in `store` (see the module comment). */
function revokedOrRotated(token: Readonly<TokenEntry>, store: ExpiringStore<TokenEntry>): 'revoked' | 'rotated' {
  const revokedAt = token.revokedAt!
  // Only the client's own tokens: O(tokens of that client), whatever the store holds.
  for (const [, o] of store.entriesOf(token.clientId)) {
    if (o !== token && o.grantType === 'refresh_token' && sameSubject(o, token) && o.issuedAt >= token.issuedAt && o.issuedAt <= revokedAt && o.revokedAt !== revokedAt) return 'rotated'
  }
  return 'revoked'
}

/** A stored code or token as a row, in the state given. */
function storedRow(kind: GrantRow['kind'], value: string, e: Readonly<CodeEntry | TokenEntry>, state: GrantRow['state'], grantType: GrantRow['grantType']): GrantRow {
  return { kind, value, clientId: e.clientId, subject: subjectOf(e), scopes: e.scopes, issuedAt: e.issuedAt, expiresAt: e.expiresAt, revokedAt: e.revokedAt, state, grantType }
}

function tokenRow(kind: 'access' | 'refresh', value: string, e: Readonly<TokenEntry>, store: ExpiringStore<TokenEntry>, now: number): GrantRow {
  const state = baseState(e, now)
  return storedRow(kind, value, e, state === 'revoked' ? revokedOrRotated(e, store) : state, e.grantType)
}

/** At most this many grants of each kind are shown, the newest (a log of a load test holds thousands). */
export const GRANTS_SHOWN = 60

/** A code the log shows the fake answered (the dashboard passes those of the requests it shows). */
export interface AnsweredCode {
  value: string
  clientId: string
  /** Fake-clock epoch ms of the answer. */
  at: number
}

/**
 * Newest last within a kind: the order the stores hold them (insertion). `answeredCodes` that the
 * store no longer holds are listed as `consumed`.
 */
export function listGrants(rt: ProviderRuntime, now: number, answeredCodes: readonly AnsweredCode[] = [], limit = GRANTS_SHOWN): { codes: GrantRow[]; access: GrantRow[]; refresh: GrantRow[]; total: Record<'codes' | 'access' | 'refresh', number> } {
  const codes = [...rt.codes.entries()]
  const access = [...rt.accessTokens.entries()]
  const refresh = [...rt.refreshTokens.entries()]
  const last = <T>(list: T[]) => list.slice(Math.max(0, list.length - limit))
  const codeRows = last(codes).map(([value, e]: readonly [string, Readonly<CodeEntry>]) => storedRow('code', value, e, baseState(e, now), null))
  const held = new Set(codes.map(([value]) => value))
  const consumed = answeredCodes
    .filter((c) => !held.has(c.value))
    .map((c): GrantRow => ({ kind: 'code', value: c.value, clientId: c.clientId, subject: '', scopes: [], issuedAt: c.at, expiresAt: null, revokedAt: null, state: 'consumed', grantType: null }))
  const allCodes = [...consumed, ...codeRows].sort((a, b) => a.issuedAt - b.issuedAt)
  return {
    codes: last(allCodes),
    // A token's text, not its store key (cal.com keeps a JWT under its signature: `ProviderRuntime.tokenText`).
    access: last(access).map(([key, e]) => tokenRow('access', rt.tokenText('access', key, e), e, rt.accessTokens, now)),
    refresh: last(refresh).map(([key, e]) => tokenRow('refresh', rt.tokenText('refresh', key, e), e, rt.refreshTokens, now)),
    total: { codes: codes.length, access: access.length, refresh: refresh.length },
  }
}

/**
 * The state now of a code or token seen in a request, `undefined` when the stores do not hold it:
 * never issued, swept a day after it died, or — a code — exchanged or revoked.
 */
export function grantStateOf(rt: ProviderRuntime, kind: GrantKind, value: string, now: number): GrantState | undefined {
  if (kind === 'code') {
    const found = rt.codes.lookup(value, now)
    // Not held: exchanged or revoked — or never issued; the caller says so in words.
    return found.state === 'unknown' ? undefined : found.state === 'valid' ? 'live' : found.state
  }
  const stores = kind === 'access' ? (['access'] as const) : kind === 'refresh' ? (['refresh'] as const) : (['access', 'refresh'] as const)
  for (const k of stores) {
    const store = k === 'access' ? rt.accessTokens : rt.refreshTokens
    const key = rt.tokenKey(k, value)
    if (key === undefined) continue
    const found = store.lookup(key, now)
    // Held under a part of its text (cal.com): the rest must be the stored token's too.
    if (found.state === 'unknown' || rt.tokenText(k, key, found.entry) !== value) continue
    if (found.state === 'valid') return 'live'
    if (found.state === 'expired') return 'expired'
    return revokedOrRotated(found.entry, store)
  }
  return undefined
}
