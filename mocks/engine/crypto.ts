import { type KeyObject, createHmac, createSecretKey, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * Random bytes from a pool refilled 64 KiB at a time from the CSPRNG: one `randomBytes` call per
 * token cost more than everything else the token endpoint does (measured with `npm run bench`).
 * Every byte is used once.
 */
const POOL_SIZE = 64 * 1024
let pool = randomBytes(POOL_SIZE)
let offset = 0

function take(n: number): Buffer {
  if (n > POOL_SIZE) return randomBytes(n)
  if (offset + n > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE)
    offset = 0
  }
  const out = pool.subarray(offset, offset + n)
  offset += n
  return out
}

/** `n` random bytes as base64url without padding (cal.com codes: 40 bytes → 54 characters). */
export function randomBase64url(bytes: number): string {
  return take(bytes).toString('base64url')
}

/** `n` random bytes as lowercase hex (Doorkeeper tokens: 32 bytes → 64 characters). */
export function randomHex(bytes: number): string {
  return take(bytes).toString('hex')
}

const ALNUM = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'latin1')

/**
 * The same ASCII text as one flat string. A string made by concatenation stays a tree of its parts
 * (32 bytes a node), and one made by `slice` keeps the whole string it was cut from, wherever it is
 * kept — a store key too: hashing it does not flatten it. For codes and tokens, kept by the
 * hundred thousand, the copy saves ~100 bytes each. Only for ASCII: other text would not survive.
 */
export function asciiFlat(text: string): string {
  return Buffer.from(text, 'latin1').toString('latin1')
}

/** A random alphanumeric string of `length` characters, unbiased (rejection sampling). */
export function randomAlphanumeric(length: number): string {
  const out = Buffer.allocUnsafe(length)
  let filled = 0
  while (filled < length) {
    const bytes = take(length * 2)
    for (let i = 0; i < bytes.length && filled < length; i++) {
      const byte = bytes[i]!
      // 248 = 4 * 62: bytes above it would favour the first characters.
      if (byte < 248) out[filled++] = ALNUM[byte % 62]!
    }
  }
  return out.toString('latin1')
}

/**
 * Compares two secrets in constant time (crypto.timingSafeEqual).
 */
export function safeEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  // Only the length can be learnt (secrets' lengths are not secret); the comparison of
  // contents takes the same time wherever they differ.
  if (a.byteLength !== b.byteLength) {
    timingSafeEqual(b, b)
    return false
  }
  return timingSafeEqual(a, b)
}

/** HMAC keys imported once per secret (importing the key on every signature was measurable). */
const hmacKeys = new Map<string, KeyObject>()
function hmacKey(secret: string): KeyObject {
  let key = hmacKeys.get(secret)
  if (!key) {
    if (hmacKeys.size > 100) hmacKeys.clear()
    hmacKeys.set(secret, (key = createSecretKey(Buffer.from(secret))))
  }
  return key
}

const JWT_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')

/** A compact HS256 JWT (RFC 7519), as `jsonwebtoken.sign(payload, secret)` writes it. */
export function signJwtHs256(payload: Record<string, unknown>, secret: string): string {
  const header = JWT_HEADER
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url')
  const signingInput = `${header}.${body}`
  const signature = createHmac('sha256', hmacKey(secret)).update(signingInput).digest('base64url')
  return asciiFlat(`${signingInput}.${signature}`)
}

/** A compact JWT's part (its header or payload) as the JSON object it encodes; `undefined` for anything else. Unverified. */
export function jwtPart(part: string | undefined): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8'))
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/**
 * Verifies an HS256 JWT's signature and `exp` (in seconds, against `nowSeconds`).
 * Returns the payload, or `undefined` for anything malformed, forged or expired.
 */
export function verifyJwtHs256(token: string, secret: string, nowSeconds: number): Record<string, unknown> | undefined {
  const parts = token.split('.')
  if (parts.length !== 3) return undefined
  const [header, body, signature] = parts as [string, string, string]
  const expected = createHmac('sha256', hmacKey(secret)).update(`${header}.${body}`).digest('base64url')
  if (!safeEqual(signature, expected)) return undefined
  if (jwtPart(header)?.alg !== 'HS256') return undefined
  const payload = jwtPart(body)
  if (!payload) return undefined
  if (typeof payload.exp === 'number' && payload.exp <= nowSeconds) return undefined
  return payload
}
