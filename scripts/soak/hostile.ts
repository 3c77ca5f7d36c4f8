/**
 * Hostile requests, as bytes, from a seeded generator: mutated methods, paths (traversal, encoded,
 * overlong, absolute-form, tenants), query strings (repeated, huge, unicode, NUL), headers (bogus
 * Content-Type, huge values, duplicated Authorization, malformed Basic, wrong Host, CSRF signals)
 * and bodies (malformed JSON/form/multipart, deep nesting, binary, up to past the body limit).
 *
 * Every request is framed correctly (its Content-Length, or chunked encoding, matches its body)
 * unless it is meant not to be: a keep-alive connection stays usable, and what comes back is the
 * server's answer to exactly this request. Framing attacks are ./raw.ts's.
 */
import { METHODS as NODE_METHODS } from 'node:http'
import type { Rng } from './rng.ts'
import type { ProviderId } from './flows.ts'

/** What a request is aimed at. */
export interface FuzzTarget {
  /** `calcom token`, `admin POST /__admin/clock`. */
  name: string
  kind: 'provider' | 'admin'
  provider?: ProviderId
  /** The path on the server (`/calcom/api/auth/oauth/token`, `/__admin/clock`). */
  path: string
  /** The method the route is documented with (admin routes). */
  method?: string
}

/** What the generator may put in a request: the server's names and some real credentials. */
export interface FuzzContext {
  hostHeader: string
  port: number
  /** Provider id → its demo client and its prefix. */
  providers: Array<{ id: ProviderId; clientId: string; clientSecret: string; redirectUris: string[] }>
  /** Real tokens and codes obtained before fuzzing (they may be spent or rotated by then). */
  tokens: string[]
  /** Tenant names the fuzzer may use (a small pool: each tenant is a whole set of fakes). */
  tenants: readonly string[]
}

export interface HostileRequest {
  bytes: Buffer
  method: string
  /** The request target as sent. */
  target: string
  head: boolean
  /**
   * `answer`: a well-framed request that must be answered. `close-ok`: Node may close the
   * connection without an answer (CONNECT with no handler, an Upgrade).
   */
  expect: 'answer' | 'close-ok'
  /** Close the connection after this request (Node ignores what follows an Upgrade request on it). */
  closeAfter: boolean
  /** The body, for the classifier (e.g. cal.com's emulated 500 on a non-string secret). */
  body: Buffer
  contentType: string | undefined
}

// ---------------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------------

const PARAM_NAMES = [
  'grant_type', 'code', 'redirect_uri', 'client_id', 'client_secret', 'refresh_token', 'scope', 'state', 'response_type',
  'code_challenge', 'code_challenge_method', 'code_verifier', 'token', 'token_type_hint', 'decision', 'user_id', 'subject',
  'csrf_token', 'authenticity_token', 'csrfmiddlewaretoken', 'access_token', 'bearer_token', 'apiKey', 'page', 'per_page',
  'limit', 'offset', 'after', 'account_id', 'response_mode', 'approval_prompt', 'show_account_selector', 'prompt', 'nonce',
  'provider', 'format', 'assertion', 'username', 'password', 'expand', 'include', 'id', 'ids', 'fields',
] as const
const PROTO_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__proto__[admin]', 'constructor[prototype][x]', 'a[]', 'a[b][c]', '', ' ', 'grant_type[]']

const HTTP_METHODS = new Set(NODE_METHODS)

const HOSTILE_STRINGS = [
  '', ' ', '\u0000', '%00', 'null', 'undefined', 'true', 'false', '[]', '{}', '0', '-1', '1e309', 'NaN', 'Infinity', '99999999999999999999999',
  '0x10', '1.5', '-0', '%zz', '%', '%%', '+', '&', '=', '?', '#', '/', '\\', '..', '../../../../etc/passwd', '..%2f..%2fetc%2fpasswd',
  'javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'http://evil.example/cb', 'https://evil.example', '//evil.example',
  'urn:ietf:wg:oauth:2.0:oob', '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "' OR 1=1 --", '${jndi:ldap://x/a}',
  '{{7*7}}', '%s%s%s%n', '\r\nSet-Cookie: x=1', '\u202e\u0041', '\ud800', '\udfff', '\ufeff', 'ü', '𝕏', '😀', '\u0085', '\u2028',
  'eyJhbGciOiJub25lIn0.eyJ1c2VySWQiOjEsInRva2VuX3R5cGUiOiJBY2Nlc3MgVG9rZW4ifQ.', 'a.b.c', 'eyJ.eyJ.', '....',
  'S256', 'plain', 'code', 'token', 'code token', 'id_token', 'allow', 'deny', 'authorization_code', 'refresh_token', 'client_credentials',
  'password', 'implicit', 'urn:ietf:params:oauth:grant-type:device_code', 'query', 'fragment', 'form_post', 'auto', 'force',
]

const UNICODE = ['é', 'ü', 'ß', '中文', '𝕏', '😀', '\u0000', '\u200b', '\u202e', '\ufeff', '\uffff', '\u0301', 'Ⅻ', 'ﬁ']

function hostileString(rng: Rng): string {
  const r = rng.float()
  if (r < 0.55) return rng.pick(HOSTILE_STRINGS)
  if (r < 0.7) return rng.string(rng.size(4096))
  if (r < 0.8) return Array.from({ length: rng.int(1, 20) }, () => rng.pick(UNICODE)).join('')
  if (r < 0.9) return rng.bytes(rng.int(1, 64)).toString('latin1')
  return rng.pick(HOSTILE_STRINGS).repeat(rng.int(2, 500))
}

/** A plausible value for `name`, or a hostile one. */
function valueFor(rng: Rng, ctx: FuzzContext, provider: FuzzContext['providers'][number] | undefined, name: string): string {
  if (rng.chance(0.4)) return hostileString(rng)
  const p = provider ?? rng.pick(ctx.providers)
  const other = rng.pick(ctx.providers)
  switch (name) {
    case 'client_id':
      return rng.weighted([[6, p.clientId], [1, other.clientId], [1, `${p.clientId}x`], [1, p.clientId.toUpperCase()]])
    case 'client_secret':
      return rng.weighted([[6, p.clientSecret], [1, other.clientSecret], [1, p.clientSecret.slice(0, -1)]])
    case 'redirect_uri': {
      const uri = rng.pick(p.redirectUris)
      return rng.weighted([[6, uri], [1, `${uri}/`], [1, `${uri}?x=1`], [1, `${uri}#frag`], [1, uri.replace('http', 'HTTP')], [1, `${uri}%00`], [1, uri.replace(/:\d+/, ':1')]])
    }
    case 'grant_type':
      return rng.pick(['authorization_code', 'refresh_token', 'client_credentials', 'password', 'implicit', 'urn:ietf:params:oauth:grant-type:jwt-bearer', 'AUTHORIZATION_CODE'])
    case 'code':
    case 'refresh_token':
    case 'token':
    case 'access_token':
    case 'bearer_token':
    case 'assertion':
      return ctx.tokens.length && rng.chance(0.6) ? rng.pick(ctx.tokens) : rng.string(rng.pick([30, 43, 54, 64, 336, 411]), 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.')
    case 'scope':
      return rng.pick(['PROFILE_READ', 'READ_BOOKING,READ_PROFILE', 'public rentals_read', 'profile zap', 'zap:account:all', 'profile', 'BOOKING_READ EVENT_TYPE_READ', 'public', 'openid', ' ', ',,,', 'profile\tzap'])
    case 'response_type':
      return rng.pick(['code', 'token', 'code token', 'id_token', 'CODE', 'none'])
    case 'code_challenge':
      return rng.pick([rng.string(43, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_'), rng.string(rng.int(1, 200)), '='])
    case 'code_challenge_method':
      return rng.pick(['S256', 'plain', 's256', 'S512', ''])
    case 'code_verifier':
      return rng.string(rng.pick([10, 42, 43, 64, 128, 129, 300]), 'abcdefghijklmnopqrstuvwxyz0123456789-._~')
    case 'decision':
      return rng.pick(['allow', 'deny', 'Allow', '1'])
    case 'user_id':
    case 'account_id':
    case 'id':
      return rng.pick(['1', '2', '11', '101', '0', '-1', 'abc', '1e3', '9007199254740993', '1.5'])
    case 'subject':
      return rng.pick(['1:personal', '1:team:101', '11:account:101', 'x', '1:team:999999'])
    case 'page':
    case 'per_page':
    case 'limit':
    case 'offset':
    case 'after':
      return rng.pick(['1', '0', '-1', '100', '100000', '1e9', 'abc', '2.5', '9007199254740993'])
    case 'provider':
      return rng.pick(['calcom', 'bookingsync', 'zapier', '*', 'CALCOM', 'x'])
    case 'format':
      return rng.pick(['json', 'ndjson', 'xml'])
    case 'apiKey':
      return rng.pick([`cal_live_${'0'.repeat(31)}1`, 'cal_x', rng.string(40)])
    default:
      return rng.string(rng.int(0, 40))
  }
}

/** Percent-encodes the UTF-8 bytes of `s` (lone surrogates become U+FFFD, as in a browser). */
function encode(s: string): string {
  try {
    return encodeURIComponent(s)
  } catch {
    // a lone surrogate: byte by byte below
  }
  let out = ''
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b)
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

type Pairs = Array<[string, string]>

function paramPairs(rng: Rng, ctx: FuzzContext, provider: FuzzContext['providers'][number] | undefined): Pairs {
  const pairs: Pairs = []
  const n = rng.weighted([[5, rng.int(1, 6)], [3, rng.int(6, 15)], [1, 0], [1, rng.int(15, 300)]])
  for (let i = 0; i < n; i++) {
    const name = rng.chance(0.9) ? rng.pick(PARAM_NAMES) : rng.chance(0.5) ? rng.pick(PROTO_NAMES) : hostileString(rng)
    pairs.push([name, valueFor(rng, ctx, provider, name)])
    // Repeated parameters: the same name again, with another value.
    if (rng.chance(0.1)) pairs.push([name, valueFor(rng, ctx, provider, name)])
  }
  return pairs
}

/** Pairs → a query/form string, encoded properly, partly, or not at all. */
function formString(rng: Rng, pairs: Pairs): string {
  const mode = rng.weighted([[8, 'encoded'], [1, 'plus'], [1, 'raw'], [1, 'broken']] as const)
  const part = (s: string) => (mode === 'encoded' ? encode(s) : mode === 'plus' ? encode(s).replace(/%20/g, '+') : mode === 'raw' ? s : rng.chance(0.5) ? `${encode(s)}%` : s.replace(/./g, (c) => (rng.chance(0.1) ? '%zz' : c)))
  const sep = rng.weighted([[12, '&'], [1, '&&'], [1, ';'], [1, '&amp;']])
  return pairs.map(([k, v]) => (rng.chance(0.05) ? part(k) : `${part(k)}=${part(v)}`)).join(sep)
}

// ---------------------------------------------------------------------------------------------
// Bodies
// ---------------------------------------------------------------------------------------------

const CONTENT_TYPES = [
  'application/x-www-form-urlencoded', 'application/json', 'multipart/form-data; boundary=zz', 'text/plain', 'application/x-www-form-urlencoded; charset=utf-8',
  'application/json; charset=utf-8', 'application/json; charset=utf-16', 'application/json; charset=utf-7', 'APPLICATION/JSON', ' application/json ',
  'application/json;;;', 'application/x-www-form-urlencoded, application/json', 'multipart/form-data', 'multipart/form-data; boundary=', 'multipart/form-data; boundary="a b"',
  'multipart/mixed; boundary=zz', 'application/vnd.api+json', 'application/merge-patch+json', 'text/html', 'application/xml', 'image/png', '*/*', '', ';', '/', 'a/b/c',
  'application/octet-stream', 'application/x-www-form-urlencoded; boundary=zz', 'application/json; charset=', 'application/jsonx', 'json',
]

interface Body {
  bytes: Buffer
  contentType: string | undefined
}

function deepJson(rng: Rng): string {
  const depth = rng.weighted([[4, rng.int(10, 2000)], [2, rng.int(2000, 50_000)], [1, rng.int(50_000, 200_000)]])
  const open = rng.pick(['[', '{"a":'])
  const close = open === '[' ? ']' : '}'
  return `${open.repeat(depth)}${rng.chance(0.5) ? '1' : ''}${rng.chance(0.7) ? close.repeat(depth) : ''}`
}

function jsonValue(rng: Rng, ctx: FuzzContext, provider: FuzzContext['providers'][number] | undefined, name: string, depth = 0): unknown {
  const r = rng.float()
  if (r < 0.55 || depth > 3) return valueFor(rng, ctx, provider, name)
  if (r < 0.65) return rng.pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER])
  if (r < 0.7) return rng.pick([true, false, null])
  if (r < 0.8) return Array.from({ length: rng.int(0, 5) }, () => jsonValue(rng, ctx, provider, name, depth + 1))
  return Object.fromEntries(Array.from({ length: rng.int(0, 4) }, () => [rng.pick(PARAM_NAMES), jsonValue(rng, ctx, provider, name, depth + 1)]))
}

const MALFORMED_JSON = ['{', '{"grant_type":', '[', '{"a":1,}', "{'a':1}", '{"a":NaN}', '{"a":Infinity}', '{"a":1}{"b":2}', '/* c */{"a":1}', '{"a":"\\u00"}', '{"a":"\\x41"}',
  '{"a":01}', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', '"just a string"', '123', 'null', 'true', '{"a":1', '\ufeff{"a":1}', '{"a":"\ud800"}',
  '{"a":1,"a":2,"a":3}', '', ' ', '\u0000', '{"a":"b"}\u0000']

function multipart(rng: Rng, pairs: Pairs): Body {
  const boundary = rng.weighted([[6, 'zz'], [1, rng.string(70)], [1, rng.string(200)], [1, '']])
  const parts = pairs.map(([k, v]) => {
    const disposition = rng.weighted([[8, `form-data; name="${k}"`], [1, 'form-data'], [1, `form-data; name="${k}"; filename="${'../'.repeat(5)}x"`], [1, 'attachment']])
    return `--${boundary}\r\nContent-Disposition: ${disposition}\r\n${rng.chance(0.1) ? `Content-Type: ${rng.pick(CONTENT_TYPES)}\r\n` : ''}\r\n${v}\r\n`
  })
  if (rng.chance(0.05)) for (let i = 0, n = rng.int(100, 3000); i < n; i++) parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="p${i}"\r\n\r\nx\r\n`)
  const end = rng.weighted([[7, `--${boundary}--\r\n`], [1, ''], [1, `--${boundary}`], [1, '--wrong--\r\n']])
  const typeBoundary = rng.weighted([[7, boundary], [1, 'other'], [1, `"${boundary}"`]])
  return { bytes: Buffer.from(parts.join('') + end, 'utf8'), contentType: rng.chance(0.9) ? `multipart/form-data; boundary=${typeBoundary}` : rng.pick(CONTENT_TYPES) }
}

function hostileBody(rng: Rng, ctx: FuzzContext, target: FuzzTarget, provider: FuzzContext['providers'][number] | undefined): Body {
  const kind = rng.weighted([
    [30, 'form'], [18, 'json'], [8, 'malformed-json'], [6, 'multipart'], [3, 'deep-json'], [3, 'binary'], [6, 'empty'], [1, 'huge-value'], [1, 'many-params'], [0.2, 'near-limit'], [0.2, 'over-limit'],
    ...(target.kind === 'admin' ? ([[30, 'admin-json']] as const) : []),
  ] as const)
  const typed = (bytes: Buffer, natural: string): Body => ({ bytes, contentType: rng.chance(0.8) ? natural : rng.chance(0.9) ? rng.pick(CONTENT_TYPES) : undefined })
  switch (kind) {
    case 'form':
      return typed(Buffer.from(formString(rng, paramPairs(rng, ctx, provider)), 'utf8'), 'application/x-www-form-urlencoded')
    case 'json': {
      const obj: Record<string, unknown> = {}
      for (const [k] of paramPairs(rng, ctx, provider)) obj[k] = jsonValue(rng, ctx, provider, k)
      return typed(Buffer.from(JSON.stringify(rng.chance(0.1) ? [obj] : obj), 'utf8'), 'application/json')
    }
    case 'admin-json':
      return typed(Buffer.from(adminJson(rng, ctx, target), 'utf8'), 'application/json')
    case 'malformed-json':
      return typed(Buffer.from(rng.pick(MALFORMED_JSON), 'utf8'), 'application/json')
    case 'multipart':
      return multipart(rng, paramPairs(rng, ctx, provider))
    case 'deep-json':
      return typed(Buffer.from(deepJson(rng), 'utf8'), 'application/json')
    case 'binary':
      return typed(rng.bytes(rng.size(65_536)), rng.pick(CONTENT_TYPES))
    case 'empty':
      return typed(Buffer.alloc(0), rng.pick(CONTENT_TYPES))
    case 'huge-value': {
      const name = rng.pick(PARAM_NAMES)
      const size = rng.int(10_000, 400_000)
      return rng.chance(0.5)
        ? typed(Buffer.from(`${name}=${'A'.repeat(size)}`), 'application/x-www-form-urlencoded')
        : typed(Buffer.from(JSON.stringify({ [name]: 'A'.repeat(size) })), 'application/json')
    }
    case 'many-params': {
      const n = rng.int(1000, 60_000)
      const name = rng.chance(0.5) ? rng.pick(PARAM_NAMES) : 'a'
      return typed(Buffer.from(Array.from({ length: n }, (_, i) => (rng.chance(0.5) ? `${name}=${i}` : `k${i}=v`)).join('&')), 'application/x-www-form-urlencoded')
    }
    case 'near-limit':
      return typed(Buffer.alloc(1024 * 1024 - rng.int(0, 64), rng.pick(['a', '[', '&', '='])), rng.pick(CONTENT_TYPES))
    case 'over-limit':
      return typed(Buffer.alloc(1024 * 1024 + rng.int(1, 4096), rng.pick(['a', '{', '%'])), rng.pick(CONTENT_TYPES))
  }
}

/** A control API body: the route's own shape with some fields mutated. */
function adminJson(rng: Rng, ctx: FuzzContext, target: FuzzTarget): string {
  const p = rng.pick(ctx.providers)
  const action = target.path.split('/').pop() ?? ''
  const shapes: Record<string, () => Record<string, unknown>> = {
    clients: () => ({
      provider: p.id,
      clientId: rng.chance(0.8) ? `fuzz-${rng.int(0, 20)}` : hostileString(rng),
      clientSecret: rng.chance(0.8) ? 'fuzz-secret' : hostileString(rng),
      redirectUris: rng.chance(0.8) ? [rng.pick(['https://a.test/cb', 'http://127.0.0.1:3000/callback', 'urn:ietf:wg:oauth:2.0:oob', 'myapp://cb'])] : [hostileString(rng)],
      ...(rng.chance(0.3) ? { name: hostileString(rng) } : {}),
      ...(rng.chance(0.3) ? { scopes: rng.chance(0.5) ? null : [rng.pick(['profile', 'PROFILE_READ', 'public', hostileString(rng)])] } : {}),
      ...(rng.chance(0.1) ? { logo: rng.chance(0.5) ? 'x'.repeat(rng.int(0, 150_000)) : null } : {}),
      ...(rng.chance(0.2) ? { public: rng.chance(0.5) } : {}),
      ...(rng.chance(0.2) ? { status: rng.pick(['approved', 'pending', 'rejected', 'x']) } : {}),
      ...(rng.chance(0.1) ? { trusted: rng.chance(0.5), ownerUserId: rng.pick([1, -1, 1.5, 2 ** 60]) } : {}),
    }),
    clock: () => ({ advanceSeconds: rng.pick([0, 1, 60, 600, 3600, 86_400, 31 * 86_400, 1e9, 100 * 365 * 24 * 3600, 100 * 365 * 24 * 3600 + 1, -1, 0.5, 1e308, 2 ** 53]) }),
    consent: () => ({ provider: rng.pick([p.id, '*', 'x']), mode: rng.pick(['ask', 'allow', 'deny', 'ALLOW']) }),
    revoke: () => ({ provider: p.id, clientId: rng.chance(0.7) ? p.clientId : hostileString(rng) }),
    faults: () => ({
      provider: rng.pick([p.id, 'x']),
      endpoint: rng.pick(['token', 'refresh', 'authorize', 'api', 'x']),
      status: rng.pick([200, 201, 302, 400, 401, 403, 404, 418, 429, 500, 502, 503, 504, 599, 600, 99, 204, 304]),
      times: rng.pick([1, 2, 10, 1_000_000, 0, -1, 1.5]),
    }),
    options: () => ({
      provider: p.id,
      options: rng.pick([
        { era: rng.pick(['pages-router', 'pages-router-2024', 'app-router', 'app-router-2025-11', 'oauth-service', 'x']) },
        { jwtSecret: hostileString(rng) },
        { doorkeeper: rng.pick(['4.2.6', '5.6.9', '6']) },
        { rotation: rng.pick(['immediate', 'on-use', 'never']) },
        { rateLimit: rng.pick([1, 1000, 1e9, 0, -1, 1.5]) },
        { noSlashToken: rng.pick(['serve', 'redirect', 'not_found', 'x']) },
        { unknown: 1 },
        {},
      ]),
    }),
  }
  const shape = shapes[action]?.() ?? { provider: p.id }
  // Mutations: a field of the wrong type, a missing field, an unknown field, prototype keys.
  const keys = Object.keys(shape)
  for (let i = 0, n = rng.weighted([[5, 0], [3, 1], [2, rng.int(2, 4)]]); i < n && keys.length; i++) {
    const key = rng.pick(keys)
    const op = rng.int(0, 3)
    if (op === 0) delete shape[key]
    else if (op === 1) shape[key] = jsonValue(rng, ctx, undefined, key)
    else if (op === 2) shape[rng.pick([...PROTO_NAMES, 'extra'])] = jsonValue(rng, ctx, undefined, key)
    else shape[key] = rng.pick([null, [], {}, 0, '', true])
  }
  const text = JSON.stringify(shape)
  return rng.chance(0.05) ? text.replace('{', '{"__proto__":{"polluted":true},') : text
}

// ---------------------------------------------------------------------------------------------
// Paths, methods, headers
// ---------------------------------------------------------------------------------------------

function mutatePath(rng: Rng, ctx: FuzzContext, path: string): string {
  const r = rng.int(0, 29)
  const otherPrefix = `/${rng.pick(ctx.providers).id}`
  switch (r) {
    case 0:
      return path.endsWith('/') ? path.slice(0, -1) : `${path}/`
    case 1:
      return path.toUpperCase()
    case 2:
      return `${path}/${rng.string(rng.int(1, 20))}`
    case 3:
      return `${path}/../${rng.pick(['__admin/reset', '__admin/clock', 'etc/passwd', '..', ''])}`
    case 4:
      return `/..${path}`
    case 5:
      return path.replace(/\//g, '//')
    case 6:
      return path.replace(/\//g, rng.pick(['%2F', '%2f', '%252F', '/./', '\\']))
    case 7:
      return path.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`)
    case 8:
      return `${path}${rng.pick(['%00', '%', '%zz', '%c0%ae', '%ff', ';jsessionid=x', '%2e%2e%2f', '..;/', '%u002e'])}`
    case 9:
      return `${path}/${'a'.repeat(rng.pick([255, 1024, 4096, 8000, 15_000, 17_000, 40_000]))}`
    case 10:
      return `${path}/${rng.pick(UNICODE)}`
    case 11:
      return `http://${ctx.hostHeader}${path}`
    case 12:
      return `${rng.pick(['http://evil.example', 'https://127.0.0.1:1', 'http://[::1]', 'ftp://x'])}${path}`
    case 13:
      return `/t/${rng.pick(ctx.tenants)}${path}`
    case 14:
      return `/t/${rng.pick(['..', '.', 'a b', 'x'.repeat(65), '%2e%2e', '', 'ü', 'a/b'])}${path}`
    case 15:
      return path.replace(/^\/[^/]+/, otherPrefix)
    case 16:
      return path.replace(/^\/[^/]+/, '')
    case 17:
      return `${path}/%2e%2e/%2e%2e/__admin/reset`
    case 18:
      return `${path}${'/'.repeat(rng.int(2, 50))}`
    case 19:
      return `${path}/./.`
    case 20:
      return `//${path}`
    default:
      return path
  }
}

function query(rng: Rng, ctx: FuzzContext, provider: FuzzContext['providers'][number] | undefined, target: FuzzTarget): string {
  if (rng.chance(0.3)) return ''
  if (target.path.endsWith('/requests') && rng.chance(0.995)) {
    // The log can hold 64 MiB (seconds to stream): nearly every read of it asks for a little.
    const pairs: Pairs = [['limit', String(rng.int(1, 20))]]
    if (rng.chance(0.5)) pairs.push(['after', rng.pick(['0', '-1', '1e3', 'abc', '99999999'])])
    if (rng.chance(0.5)) pairs.push([rng.pick(['provider', 'format', 'x', '__proto__']), valueFor(rng, ctx, provider, 'provider')])
    if (rng.chance(0.2)) pairs.push(['limit', String(rng.int(1, 5))])
    return `?${formString(rng, pairs)}`
  }
  const pairs = paramPairs(rng, ctx, provider)
  if (rng.chance(0.05)) pairs.push([rng.pick(PARAM_NAMES), 'Q'.repeat(rng.pick([2000, 8000, 14_000, 20_000]))])
  return `?${formString(rng, pairs)}${rng.chance(0.05) ? rng.pick(['&', '?', '#', '%', '&=&=', '\u0000']) : ''}`
}

const METHODS: ReadonlyArray<readonly [number, string]> = [
  [25, 'GET'], [35, 'POST'], [4, 'PUT'], [4, 'DELETE'], [4, 'PATCH'], [5, 'HEAD'], [5, 'OPTIONS'], [1, 'TRACE'], [1, 'PROPFIND'], [0.5, 'CONNECT'], [0.5, 'SEARCH'], [0.5, 'LOCK'],
  [1, 'post'], [1, 'get'], [1, 'FOO'], [0.3, 'GE T'], [0.3, 'A'.repeat(300)], [0.2, ''], [0.3, 'PRI'], [0.3, 'M-SEARCH'], [0.3, 'QUERY'],
]

function authorization(rng: Rng, ctx: FuzzContext, provider: FuzzContext['providers'][number] | undefined): string[] {
  const p = provider ?? rng.pick(ctx.providers)
  const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64')
  const one = () =>
    rng.weighted([
      [4, `Basic ${b64(`${p.clientId}:${p.clientSecret}`)}`],
      [2, `Bearer ${ctx.tokens.length ? rng.pick(ctx.tokens) : rng.string(40)}`],
      [1, 'Basic !!!'],
      [1, `Basic ${b64('no-colon')}`],
      [1, `Basic ${b64(':')}`],
      [1, `Basic ${b64('a:b:c')}`],
      [1, `Basic ${b64(`${encode(p.clientId)}:${encode(p.clientSecret)}`)}`],
      [1, `Basic ${b64('%zz:%zz')}`],
      [1, `Basic ${b64(rng.bytes(rng.int(1, 64)).toString('latin1'))}`],
      [1, `Basic ${b64(`${p.clientId}:${p.clientSecret}`).replace(/=+$/, '')}`],
      [1, 'Basic'],
      [1, 'Basic '],
      [1, `basic   ${b64(`${p.clientId}:${p.clientSecret}`)}`],
      [1, 'Bearer'],
      [1, 'Bearer '],
      [1, 'Bearer a b'],
      [1, `Bearer ${'x'.repeat(rng.pick([100, 5000, 12_000]))}`],
      [1, 'bearer a.b.c'],
      [1, 'Digest username="x"'],
      [1, `Token token="${rng.string(20)}"`],
      [1, rng.string(rng.int(0, 30))],
    ])
  const n = rng.weighted([[5, 0], [8, 1], [2, 2], [0.3, rng.int(3, 30)]])
  return Array.from({ length: n }, one)
}

/** A header value may not hold CR, LF or NUL in a well-framed request; the rest of latin1 goes. */
const headerSafe = (s: string) => s.replace(/[\r\n\0]/g, ' ')

/** One hostile request for `target`. */
export function hostileRequest(rng: Rng, ctx: FuzzContext, target: FuzzTarget): HostileRequest {
  const provider = target.provider ? ctx.providers.find((p) => p.id === target.provider) : undefined
  let method = rng.chance(0.15) && target.method ? target.method : rng.weighted(METHODS)
  // Admin routes: their own method most of the time, so the body is read.
  if (target.kind === 'admin' && target.method && rng.chance(0.6)) method = target.method
  const path = rng.chance(0.55) ? target.path : mutatePath(rng, ctx, target.path)
  const requestTarget = rng.chance(0.002) ? '*' : `${path}${query(rng, ctx, provider, target)}`
  const withBody = method !== 'GET' && method !== 'HEAD' ? rng.chance(0.9) : rng.chance(0.05)
  const body: Body = withBody ? hostileBody(rng, ctx, target, provider) : { bytes: Buffer.alloc(0), contentType: undefined }

  const lines: string[] = []
  const version = rng.weighted([[60, 'HTTP/1.1'], [1, 'HTTP/1.0'], [0.2, 'HTTP/2.0'], [0.2, 'HTTP/1.2']])
  const host = rng.weighted([
    [92, [ctx.hostHeader]],
    [1, []],
    [1, ['evil.example']],
    [1, [`localhost:${ctx.port}`]],
    [1, [`[::1]:${ctx.port}`]],
    [1, [ctx.hostHeader, 'evil.example']],
    [1, [`${ctx.hostHeader}@evil.example`]],
    [1, ['']],
    [0.5, ['h'.repeat(3000)]],
  ])
  for (const h of host) lines.push(`Host: ${h}`)
  for (const a of authorization(rng, ctx, provider)) lines.push(`Authorization: ${headerSafe(a)}`)
  if (body.contentType !== undefined || rng.chance(0.05)) {
    const types = rng.chance(0.05) ? [body.contentType ?? '', rng.pick(CONTENT_TYPES)] : [body.contentType ?? rng.pick(CONTENT_TYPES)]
    for (const t of types) lines.push(`Content-Type: ${rng.chance(0.01) ? t + '; x='.repeat(rng.int(100, 2000)) : t}`)
  }
  if (rng.chance(0.4)) lines.push(`Accept: ${rng.pick(['application/json', 'application/x-ndjson', 'text/html', '*/*', 'text/html,application/json;q=0.9', 'text/event-stream', 'garbage/;;', ''])}`)
  if (rng.chance(0.05)) lines.push(`Origin: ${rng.pick([`http://${ctx.hostHeader}`, 'http://evil.example', 'null', ''])}`)
  if (rng.chance(0.05)) lines.push(`Sec-Fetch-Site: ${rng.pick(['same-origin', 'cross-site', 'none', 'same-site', 'x'])}`)
  if (rng.chance(0.03)) lines.push(`Cookie: ${headerSafe(hostileString(rng)).slice(0, 4000)}`)
  if (rng.chance(0.03)) lines.push(`X-Forwarded-Host: evil.example`, `X-Forwarded-Proto: https`, `X-Forwarded-For: 10.0.0.1`)
  if (rng.chance(0.02)) lines.push(`X-Request-Id: ${headerSafe(hostileString(rng)).slice(0, 8000)}`)
  if (rng.chance(0.02)) lines.push(`Last-Event-ID: ${rng.pick(['1', '-1', '1e99', 'x'])}`)
  if (rng.chance(0.02)) for (let i = 0, n = rng.int(10, 200); i < n; i++) lines.push(`X-Fuzz-${i}: ${rng.string(rng.int(0, 40))}`)
  if (rng.chance(0.01)) lines.push(`X-Big: ${'b'.repeat(rng.pick([4000, 12_000, 20_000]))}`)
  if (rng.chance(0.02)) lines.push(`${rng.string(rng.int(1, 20), "!#$%&'*+-.^_`|~abcXYZ09")}: ${headerSafe(rng.bytes(rng.int(0, 30)).toString('latin1'))}`)
  // Node stops parsing a connection after an Upgrade request (it answers it, then ignores what follows): the connection is not reused.
  const upgrade = rng.chance(0.003)
  if (upgrade) lines.push('Connection: Upgrade', `Upgrade: ${rng.pick(['websocket', 'h2c', 'foo'])}`)
  const expectContinue = body.bytes.length > 0 && rng.chance(0.02)
  if (expectContinue) lines.push('Expect: 100-continue')
  else if (rng.chance(0.005)) lines.push(`Expect: ${rng.pick(['100-continue', 'x-nope'])}`)
  const chunked = body.bytes.length > 0 && rng.chance(0.05)
  if (chunked) lines.push('Transfer-Encoding: chunked')
  else if (withBody || rng.chance(0.5)) lines.push(`Content-Length: ${body.bytes.length}`)
  // Shuffle a little: header order must not matter.
  if (rng.chance(0.2)) lines.reverse()

  const headText = `${method} ${requestTarget} ${version}\r\n${lines.join('\r\n')}\r\n\r\n`
  const head = Buffer.from(headText, 'utf8')
  // What Node's parser refuses (it answers 400/431 and closes, and may reset a connection whose
  // body it never read): such a request may go unanswered.
  const parserRefuses =
    !HTTP_METHODS.has(method) ||
    method === 'PRI' ||
    !/^HTTP\/1\.[01]$/.test(version) ||
    /[\x00-\x20\x7f]/.test(requestTarget) ||
    !/^(\/|\*$|https?:\/\/)/i.test(requestTarget) ||
    lines.some((l) => /[\x00-\x08\x0a-\x1f\x7f]/.test(l)) ||
    head.length > 16 * 1024 - 64 ||
    (host.length !== 1 && version === 'HTTP/1.1')
  let payload = body.bytes
  if (chunked) {
    const pieces: Buffer[] = []
    for (let offset = 0; offset < payload.length; ) {
      const size = Math.min(payload.length - offset, rng.int(1, 65_536))
      pieces.push(Buffer.from(`${size.toString(16)}${rng.chance(0.05) ? ';ext=1' : ''}\r\n`), payload.subarray(offset, offset + size), Buffer.from('\r\n'))
      offset += size
    }
    pieces.push(Buffer.from('0\r\n\r\n'))
    payload = Buffer.concat(pieces)
  }
  return {
    bytes: Buffer.concat([head, payload]),
    method,
    target: requestTarget,
    head: method === 'HEAD',
    closeAfter: upgrade || method === 'CONNECT',
    expect: method === 'CONNECT' || upgrade || parserRefuses ? 'close-ok' : 'answer',
    body: body.bytes,
    contentType: body.contentType,
  }
}

/** A request as one printable line: the bytes (escaped, cut) and its length. */
export function describeBytes(bytes: Buffer, max = 700): string {
  const text = bytes.subarray(0, max).toString('latin1')
  return `${JSON.stringify(text)}${bytes.length > max ? ` … (${bytes.length} bytes in all)` : ''}`
}
