import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/** `n` random bytes as base64url without padding (cal.com codes: 40 bytes → 54 characters). */
export function randomBase64url(bytes: number): string {
  return randomBytes(bytes).toString('base64url')
}

/** `n` random bytes as lowercase hex (Doorkeeper tokens: 32 bytes → 64 characters). */
export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex')
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** A random alphanumeric string of `length` characters, unbiased (rejection sampling). */
export function randomAlphanumeric(length: number): string {
  let out = ''
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 4 * 62: bytes above it would favour the first characters.
      if (byte < 248) out += ALNUM[byte % 62]
      if (out.length === length) break
    }
  }
  return out
}

/**
 * Compares two secrets in constant time. Both sides are hashed first so that neither the
 * comparison nor an early length check tells an attacker how much of a guess was right.
 */
export function safeEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b) && given.length === expected.length
}

/** A compact HS256 JWT (RFC 7519), as `jsonwebtoken.sign(payload, secret)` writes it. */
export function signJwtHs256(payload: Record<string, unknown>, secret: string): string {
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url')
  const signature = createHmac('sha256', secret).update(`${header}.${body}`).digest('base64url')
  return `${header}.${body}.${signature}`
}

/**
 * Verifies an HS256 JWT's signature and `exp` (in seconds, against `nowSeconds`).
 * Returns the payload, or `undefined` for anything malformed, forged or expired.
 */
export function verifyJwtHs256(token: string, secret: string, nowSeconds: number): Record<string, unknown> | undefined {
  const parts = token.split('.')
  if (parts.length !== 3) return undefined
  const [header, body, signature] = parts as [string, string, string]
  const expected = createHmac('sha256', secret).update(`${header}.${body}`).digest('base64url')
  if (!safeEqual(signature, expected)) return undefined
  try {
    const head: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'))
    if (typeof head !== 'object' || head === null || (head as { alg?: unknown }).alg !== 'HS256') return undefined
    const payload: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'))
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined
    const exp = (payload as { exp?: unknown }).exp
    if (typeof exp === 'number' && exp <= nowSeconds) return undefined
    return payload as Record<string, unknown>
  } catch {
    return undefined
  }
}
