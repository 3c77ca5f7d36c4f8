/**
 * PKCE — RFC 7636, as each provider's server implements it. The RFC leaves room (which methods,
 * who must use it, what a stray verifier means) and the real servers fill it differently, so a
 * provider declares its `PkceProfile` as data and the engine applies it:
 *
 * - oauthlib (Zapier): optional; `plain` and `S256`, `plain` when no method is given; a stored
 *   challenge makes the verifier mandatory ("Code verifier required."); a verifier for a code
 *   without a challenge is ignored.
 * - cal.com (OAuthService era): `S256` only; required for public clients, and for confidential
 *   ones that sent a challenge.
 * - the generic RFC provider: the strict reading of RFC 7636 and RFC 9700 §2.1.1.
 */
import { createHash } from 'node:crypto'
import type { Client } from './clients.ts'
import { safeEqual } from './crypto.ts'
import type { Params } from './params.ts'
import type { CodeEntry, PkceMethod } from './provider.ts'

export type { PkceMethod }

export interface PkceProfile {
  /** Accepted `code_challenge_method`s (RFC 7636 §4.3). */
  methods: readonly PkceMethod[]
  /** The method of a challenge sent without one (RFC 7636 §4.3: `plain`). */
  defaultMethod: PkceMethod
  /**
   * Who must send a challenge: `always` (OAuth 2.1), `public-clients` (RFC 9700 §2.1.1 for clients
   * without a secret), or `never` (optional; enforced only for codes that have one).
   */
  required: 'always' | 'public-clients' | 'never'
  /** Refuse a challenge or verifier outside RFC 7636 §4.1's `43*128unreserved` (oauthlib and cal.com do not check). */
  checkSyntax: boolean
  /**
   * A verifier sent for a code that has no challenge: `ignore` it (oauthlib), or refuse it with
   * `invalid_grant` (RFC 9700 §2.1.1: the PKCE downgrade attack).
   */
  verifierWithoutChallenge: 'ignore' | 'invalid_grant'
  /** The error of a missing verifier for a code that has a challenge (oauthlib: `invalid_request`). */
  missingVerifier: 'invalid_request' | 'invalid_grant'
  /** Words of the authorize errors (RFC 7636 §4.4.1 gives examples, servers use their own). */
  descriptions: { required: string; unsupportedMethod: string; malformed: string }
  /** The words of the token endpoint's missing-verifier error, when the server has them. */
  missingVerifierDescription?: string
}

/** RFC 7636 §4.4.1's example wordings. */
export const RFC7636_DESCRIPTIONS = {
  required: 'code challenge required',
  unsupportedMethod: 'transform algorithm not supported',
  malformed: 'code challenge malformed',
} as const

export interface PkceChallenge {
  codeChallenge: string
  codeChallengeMethod: PkceMethod
}

/** RFC 7636 §4.1 / §4.2: `43*128unreserved`, unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~". */
const PKCE_SYNTAX = /^[A-Za-z0-9\-._~]{43,128}$/

export function pkceRequired(pkce: PkceProfile, client: Client): boolean {
  return pkce.required === 'always' || (pkce.required === 'public-clients' && client.public === true)
}

/**
 * RFC 7636 §4.4.1, the authorization request's `code_challenge` and `code_challenge_method`:
 * missing where required, a method not in `methods`, a repeated parameter, or (with `checkSyntax`)
 * a challenge outside §4.2's syntax are `invalid_request`. Returns the challenge to bind to the code.
 */
export function checkPkceRequest(
  pkce: PkceProfile,
  client: Client,
  params: Params,
): { ok: true; challenge: PkceChallenge | undefined } | { ok: false; description: string } {
  const challenge = params.code_challenge
  const method = params.code_challenge_method
  if (challenge === undefined || challenge === '') {
    // A method alone is a client that lost its challenge on the way: say so rather than ignore it.
    if ((method !== undefined && pkce.checkSyntax) || pkceRequired(pkce, client)) return { ok: false, description: pkce.descriptions.required }
    return { ok: true, challenge: undefined }
  }
  if (typeof challenge !== 'string' || (pkce.checkSyntax && !PKCE_SYNTAX.test(challenge))) return { ok: false, description: pkce.descriptions.malformed }
  const resolved = method === undefined || method === '' ? pkce.defaultMethod : method
  if (typeof resolved !== 'string' || !pkce.methods.includes(resolved as PkceMethod)) return { ok: false, description: pkce.descriptions.unsupportedMethod }
  return { ok: true, challenge: { codeChallenge: challenge, codeChallengeMethod: resolved as PkceMethod } }
}

export type PkceVerdict = { ok: true } | { ok: false; error: 'invalid_request' | 'invalid_grant'; description?: string }

/**
 * RFC 7636 §4.6, at the token endpoint: the `code_verifier` must transform into the code's
 * challenge (compared in constant time). A code without a challenge for a client that must use
 * PKCE is refused like a missing verifier.
 */
export function verifyPkce(pkce: PkceProfile, client: Client, code: CodeEntry, verifier: unknown): PkceVerdict {
  const missing = (): PkceVerdict => ({ ok: false, error: pkce.missingVerifier, ...(pkce.missingVerifierDescription ? { description: pkce.missingVerifierDescription } : {}) })
  if (verifier !== undefined && typeof verifier !== 'string') return { ok: false, error: 'invalid_request' }
  if (code.codeChallenge === undefined || code.codeChallengeMethod === undefined) {
    if (pkceRequired(pkce, client)) return missing()
    if (verifier !== undefined && pkce.verifierWithoutChallenge === 'invalid_grant') return { ok: false, error: 'invalid_grant' }
    return { ok: true }
  }
  if (verifier === undefined || verifier === '') return missing()
  if (pkce.checkSyntax && !PKCE_SYNTAX.test(verifier)) return { ok: false, error: 'invalid_grant' }
  const transformed = code.codeChallengeMethod === 'S256' ? createHash('sha256').update(verifier, 'ascii').digest('base64url') : verifier
  return safeEqual(transformed, code.codeChallenge) ? { ok: true } : { ok: false, error: 'invalid_grant' }
}
