/**
 * The check catalog: every behaviour the suite judges, with its severity (the source's wording:
 * MUST → a failure, SHOULD → a warning) and its references. Scenarios report findings against
 * these ids; nothing else defines a check.
 */
import type { ProviderId } from '../mocks/engine/controls.ts'
import type { ConformanceProfile } from './profiles.ts'
import { REFERENCES, type ReferenceKey, type SpecReference } from './references.ts'

export type Severity = 'MUST' | 'SHOULD'

/** A provider doc section, resolved per provider (`@refresh` → `calcom-refresh`, …). */
type ProviderSection = 'authorize' | 'code' | 'token' | 'refresh' | 'api' | 'oob'
type RefSpec = ReferenceKey | `@${ProviderSection}`

export interface CheckDefinition {
  id: string
  /** Short title. */
  name: string
  /** One line: what a conforming client does. */
  description: string
  severity: Severity
  refs: readonly RefSpec[]
  /** Providers the check applies to (default: all). */
  appliesTo?: (profile: ConformanceProfile) => boolean
}

const check = (c: CheckDefinition): CheckDefinition => c

export const CHECKS = [
  // 1. The authorization request.
  check({ id: 'login-redirect', name: 'Login redirects to the authorize endpoint', description: 'GET /login answers 302 to the provider\'s authorize URL', severity: 'MUST', refs: ['contract-5', '@authorize', 'rfc6749-4.1.1'] }),
  check({ id: 'authorize-client-id', name: 'Registered client_id', description: 'the authorization request carries the registered client_id', severity: 'MUST', refs: ['rfc6749-4.1.1', '@authorize'] }),
  check({ id: 'authorize-redirect-uri', name: 'Registered redirect_uri', description: 'the authorization request carries the registered redirect_uri, exactly', severity: 'MUST', refs: ['rfc6749-4.1.1', '@authorize'] }),
  check({ id: 'authorize-response-type', name: 'response_type=code', description: 'the authorization request says response_type=code', severity: 'MUST', refs: ['rfc6749-4.1.1', '@authorize'], appliesTo: (p) => p.requiresResponseType }),
  check({ id: 'authorize-scope', name: 'Requested scope', description: 'the authorization request asks for the configured scope (OAUTH_SCOPE)', severity: 'MUST', refs: ['rfc6749-3.3', '@authorize'] }),
  check({ id: 'state-unguessable', name: 'Unguessable state', description: 'state is present and carries at least 128 bits (length × charset estimate)', severity: 'MUST', refs: ['rfc6749-10.12', 'rfc6749-10.10'] }),
  check({ id: 'state-per-login', name: 'Fresh state per login', description: 'every login sends a state never sent before', severity: 'MUST', refs: ['rfc6749-10.12'] }),
  check({ id: 'no-secret-in-url', name: 'No client_secret in the URL', description: 'the client secret never appears in the authorize URL nor in any request URL', severity: 'MUST', refs: ['rfc6749-2.3.1', 'rfc6749-10.3'] }),
  // 2. Happy path.
  check({ id: 'callback-success', name: 'Callback completes', description: 'after consent /callback answers 2xx, and the fake issued tokens', severity: 'MUST', refs: ['contract-5', 'rfc6749-4.1.3'] }),
  check({ id: 'token-request', name: 'Well-formed code exchange', description: 'the code is exchanged by POST to the documented token endpoint with grant_type=authorization_code and the code received', severity: 'MUST', refs: ['rfc6749-4.1.3', '@token'] }),
  check({ id: 'token-redirect-uri', name: 'Same redirect_uri at exchange', description: 'the exchange sends the redirect_uri of the authorization request, identical', severity: 'MUST', refs: ['rfc6749-4.1.3', '@token'] }),
  check({ id: 'token-client-auth', name: 'Accepted client authentication', description: 'the token request authenticates the client the way the provider accepts, never in the URL', severity: 'MUST', refs: ['rfc6749-2.3.1', '@token'] }),
  check({ id: 'resource-success', name: 'Resource call works', description: '/resource answers 2xx and the fake served the resource endpoint with 2xx', severity: 'MUST', refs: ['contract-5', '@api'] }),
  check({ id: 'bearer-header', name: 'Access token in the Authorization header', description: 'every API call sends Authorization: Bearer and never puts the access token in the URL', severity: 'MUST', refs: ['rfc6750-2.1', 'rfc6750-5.3', 'rfc6749-10.3', '@api'] }),
  // 3./4. Rejected callbacks.
  check({ id: 'state-mismatch-rejected', name: 'Tampered state rejected', description: 'a callback whose state was altered answers non-2xx and makes no token request', severity: 'MUST', refs: ['rfc6749-10.12'] }),
  check({ id: 'state-missing-rejected', name: 'Missing state rejected', description: 'a callback without state answers non-2xx and makes no token request', severity: 'MUST', refs: ['rfc6749-10.12'] }),
  check({ id: 'denied-callback-rejected', name: 'Denied consent is a failure', description: 'the callback after Deny (error=access_denied, or cal.com\'s bare "Go back" redirect) answers non-2xx and makes no token request', severity: 'MUST', refs: ['rfc6749-4.1.2.1', '@authorize'] }),
  // 5. Expired code.
  check({ id: 'expired-code-fails', name: 'Expired code is a failure', description: 'a code delivered after its lifetime: /callback non-2xx, /resource non-2xx', severity: 'MUST', refs: ['rfc6749-4.1.2', '@code'] }),
  // 6./7. Refresh.
  check({ id: 'refresh-on-expiry', name: 'Refresh on expiry', description: 'after the access token expires /resource still answers 2xx, through a refresh the fake accepted', severity: 'MUST', refs: ['rfc6749-6', '@refresh'] }),
  check({ id: 'refresh-request', name: 'Well-formed refresh', description: 'the refresh request has the documented shape (cal.com before 2026: the refresh token in Authorization: Bearer at its refresh endpoint; otherwise the refresh_token grant with client auth)', severity: 'MUST', refs: ['rfc6749-6', '@refresh'] }),
  check({ id: 'refresh-rotation', name: 'Rotated refresh token used', description: 'after a rotation the next refresh presents the new refresh token, never an old one', severity: 'MUST', refs: ['rfc6749-6', 'rfc6749-10.4', '@refresh'], appliesTo: (p) => p.rotatesRefreshTokens }),
  check({ id: 'long-session', name: 'Refresh again and again', description: 'three expiries in a row: each refreshed and /resource 2xx (keeps the refresh token the provider gave, with or without rotation)', severity: 'MUST', refs: ['rfc6749-6', 'rfc6749-10.4', '@refresh'] }),
  // 8. Revoked grant.
  check({ id: 'revoked-grant-fails', name: 'Revoked grant is a failure', description: 'after revocation and expiry /resource answers non-2xx', severity: 'MUST', refs: ['rfc6749-5.2', 'contract-5'] }),
  check({ id: 'no-refresh-loop', name: 'At most one refresh per call', description: 'a failing refresh is not retried: at most one refresh request per /resource call', severity: 'MUST', refs: ['rfc6749-5.2', 'contract-5'] }),
  check({ id: 'keeps-answering', name: 'Client survives a dead grant', description: 'after the grant died the client still answers /resource and /login', severity: 'MUST', refs: ['contract-5'] }),
  // 9. Out-of-band.
  check({ id: 'oob-exchange', name: 'Out-of-band code exchange', description: 'a code pasted to POST /oob is exchanged with redirect_uri=urn:ietf:wg:oauth:2.0:oob → 2xx', severity: 'MUST', refs: ['@oob', 'rfc8252-7.1', 'rfc6749-4.1.3'], appliesTo: (p) => p.oob !== null }),
  // 10. Single-use codes.
  check({ id: 'code-single-use', name: 'Codes used once', description: 'the client never presents the same authorization code twice (a replayed callback included)', severity: 'MUST', refs: ['rfc6749-4.1.2', 'rfc6749-10.5'] }),
  // 12. PKCE, metadata, iss: the generic provider and user-defined ones (docs/providers/oauth2.md).
  check({ id: 'pkce-challenge', name: 'PKCE challenge (S256)', description: 'every authorization request carries code_challenge_method=S256 and a fresh code_challenge of 43 base64url characters', severity: 'MUST', refs: ['rfc9700-2.1.1', 'rfc7636-4.2'], appliesTo: (p) => p.pkce === true }),
  check({ id: 'pkce-verifier', name: 'PKCE verifier at exchange', description: 'the code exchange sends the code_verifier whose S256 transform is the code_challenge of that login', severity: 'MUST', refs: ['rfc7636-4.5', 'rfc9700-2.1.1'], appliesTo: (p) => p.pkce === true }),
  check({ id: 'metadata-endpoints', name: 'Endpoints as the metadata names them', description: 'every request the client sends to the provider goes to an endpoint the metadata document names (or fetches that document at its RFC 8414 location)', severity: 'MUST', refs: ['rfc8414-3', 'rfc8414-3.3'], appliesTo: (p) => p.metadata === true }),
  check({ id: 'iss-mismatch-rejected', name: 'Wrong iss rejected', description: 'a callback whose iss is not the issuer answers non-2xx and makes no token request', severity: 'MUST', refs: ['rfc9207-2.4', 'rfc9700-4.4.2'], appliesTo: (p) => p.iss === true }),
  check({ id: 'iss-missing-rejected', name: 'Missing iss rejected', description: 'a callback without iss, from a provider whose metadata says it sends one, answers non-2xx and makes no token request', severity: 'MUST', refs: ['rfc9207-2.4'], appliesTo: (p) => p.iss === true }),
  // 11. Transient failure.
  check({ id: 'token-error-reported', name: 'Failed exchange is a failure', description: 'a 503 from the token endpoint makes /callback non-2xx and stores nothing (/resource non-2xx)', severity: 'MUST', refs: ['rfc6749-5.2', 'contract-5'] }),
  check({ id: 'recovers-after-error', name: 'Next login works after a failure', description: 'after a failed exchange a new login completes (/callback 2xx)', severity: 'MUST', refs: ['contract-5'] }),
] as const satisfies readonly CheckDefinition[]

export type CheckId = (typeof CHECKS)[number]['id']
export const CHECK_IDS: readonly CheckId[] = CHECKS.map((c) => c.id)
const byId = new Map<string, CheckDefinition>(CHECKS.map((c) => [c.id, c]))

export function checkDefinition(id: string): CheckDefinition {
  const found = byId.get(id)
  if (!found) throw new Error(`unknown check "${id}"`)
  return found
}

export function isCheckId(id: string): id is CheckId {
  return byId.has(id)
}

export function appliesTo(id: CheckId, profile: ConformanceProfile): boolean {
  return checkDefinition(id).appliesTo?.(profile) ?? true
}

/** The references of a check, with provider doc sections resolved for `provider`. */
export function referencesFor(id: CheckId, provider: ProviderId): SpecReference[] {
  const all: Record<string, SpecReference> = REFERENCES
  return checkDefinition(id)
    .refs.map((r) => (r.startsWith('@') ? all[`${provider}-${r.slice(1)}`] : all[r]))
    .filter((r): r is SpecReference => r !== undefined)
}
