/**
 * Authorization grants (RFC 6749 §1.3) as a whole: every code, access and refresh token that
 * descends from one authorization carries its `grantId` (`AuthorizeProfile.trackGrants`), so a
 * provider can revoke them together: a replayed code (RFC 6749 §4.1.2 "SHOULD revoke … all tokens
 * previously issued based on that authorization code"), a revoked refresh token (RFC 7009 §2.1),
 * a reused rotated refresh token (RFC 9700 §4.14.2, oidc-provider's reuse detection).
 */
import type { ProviderRuntime } from './provider.ts'

/**
 * Revokes every access and refresh token of `clientId` that carries `grantId`; returns how many
 * were still valid. O(tokens of that client).
 */
export function revokeGrant(rt: ProviderRuntime<unknown, unknown>, clientId: string, grantId: string | null | undefined): number {
  if (!grantId) return 0
  const now = rt.clock.now()
  let count = 0
  for (const store of [rt.accessTokens, rt.refreshTokens]) {
    const keys: string[] = []
    for (const [key, entry] of store.entriesOf(clientId)) if (entry.grantId === grantId) keys.push(key)
    for (const key of keys) if (store.revoke(key, now)) count++
  }
  return count
}
