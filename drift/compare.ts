/**
 * What of an answer the drift check compares, with what legitimately differs between a real server
 * and the fake taken out: token and code values (only a JSON body's shape is kept: keys and value
 * types), timestamps and request ids (values never compared; their headers not read), host names
 * (a URL under a base becomes `{host key}` + path, message text has the bases replaced by
 * `<base>`). Then `diff` lists where two observations differ.
 */
import type { Aspect } from './probes.ts'

/** A JSON value's shape: a primitive type name, an object's keys, an array's element shape (`null`: an empty array). */
export type Shape = 'string' | 'number' | 'boolean' | 'null' | { object: Record<string, Shape> } | { array: Shape | null } | { union: string[] }

/** Headers compared, normalised (`null`: absent). Location is its own aspect. */
export const COMPARED_HEADERS = ['content-type', 'www-authenticate', 'cache-control', 'pragma', 'allow'] as const
export type ComparedHeader = (typeof COMPARED_HEADERS)[number]

export interface LocationShape {
  /** Host keys whose base the URL is under (several when hosts share one base), or `null` for a URL elsewhere. */
  hosts: string[] | null
  /** The path below that base, or the whole `origin + path` of a URL elsewhere (the client's redirect URI). */
  path: string
  /** Query parameter names, sorted. */
  query: string[]
  /** Fragment parameter names, sorted (the implicit flow). */
  fragment: string[]
  /** RFC 6749 §4.1.2.1: the error and its description, when the redirect carries them. */
  error: string | null
  error_description: string | null
}

export interface Observation {
  status: number
  /** How the body reads: JSON, an HTML page, other text, or nothing. */
  kind: 'json' | 'html' | 'text' | 'empty'
  /** A JSON body's shape. */
  shape?: Shape
  /** Error words in an error answer (status ≥ 400): `error`, `error_description`, `message`, … by JSON path. */
  messages?: Record<string, string | number | boolean | null>
  /** In a success answer, the values of `VALUE_KEYS` (constants such as `token_type`, not tokens). */
  values?: Record<string, string | number | boolean | null>
  /** A short plain-text body (Next.js's "Invalid JSON"), whole; longer ones are cut at `TEXT_LIMIT`. */
  text?: string
  headers: Record<ComparedHeader, string | null>
  location: LocationShape | null
}

export interface Difference {
  /** `status`, `body`, `messages`, `headers`, `location`. */
  aspect: Aspect
  /** What inside it: a JSON path (`error_description`, `errors[0].code`), a header name, a location part. */
  field: string
  real: string
  fake: string
}

/** Keys whose values are an error's words, compared by value in error answers. */
export const MESSAGE_KEYS: ReadonlySet<string> = new Set(['error', 'error_description', 'error_code', 'error_uri', 'message', 'detail', 'title', 'code', 'status', 'statusCode', 'errors', 'reason'])

/** Top-level keys of a success answer compared by value: a token answer's constants (`bearer` vs `Bearer`, 7200). */
export const VALUE_KEYS: readonly string[] = ['token_type', 'expires_in']

export const TEXT_LIMIT = 200

/**
 * Keys whose values are secrets, collected to be masked in the report: in a JSON body (where
 * `code` is an error's code, not a secret) and in a redirect's query or fragment (where `code` is
 * an authorization code).
 */
export const SECRET_KEYS: ReadonlySet<string> = new Set(['access_token', 'refresh_token', 'id_token', 'client_secret', 'token', 'secret'])
export const LOCATION_SECRET_KEYS: ReadonlySet<string> = new Set([...SECRET_KEYS, 'code'])

export interface ObserveOptions {
  /** This side's base URL per host key. */
  bases: Readonly<Record<string, string>>
  /** The request's URL (a relative Location is resolved against it). */
  url: string
  method: string
  /** Called with every value that looks like a secret (see `SECRET_KEYS`). */
  secret?: (value: string) => void
}

/** Normalises an answer: status, body kind and shape, error words, the headers that matter, Location. */
export function observe(status: number, headers: Headers, body: string, options: ObserveOptions): Observation {
  const contentType = headers.get('content-type')
  const obs: Observation = {
    status,
    kind: 'empty',
    headers: {
      'content-type': normaliseContentType(contentType),
      'www-authenticate': normaliseChallenge(headers.get('www-authenticate')),
      'cache-control': normaliseList(headers.get('cache-control'), (d) => d.toLowerCase()),
      pragma: headers.get('pragma')?.trim().toLowerCase() ?? null,
      allow: normaliseList(headers.get('allow'), (m) => m.toUpperCase()),
    },
    location: location(headers.get('location'), options),
  }
  // A HEAD answer has no body, whatever a server or the fake puts in its Response.
  if (options.method === 'HEAD' || body.trim() === '') return obs
  const trimmed = body.trim()
  const json = /json/i.test(contentType ?? '') || /^[[{]/.test(trimmed) ? parseJson(trimmed) : undefined
  if (json !== undefined) {
    obs.kind = 'json'
    obs.shape = shapeOf(json.value)
    collectSecrets(json.value, options.secret)
    if (status >= 400) obs.messages = messagesOf(json.value, options.bases)
    else if (json.value !== null && typeof json.value === 'object' && !Array.isArray(json.value)) {
      const record = json.value as Record<string, unknown>
      const values = Object.fromEntries(VALUE_KEYS.filter((k) => isPrimitive(record[k])).map((k) => [k, record[k] as string | number | boolean | null]))
      if (Object.keys(values).length) obs.values = values
    }
  } else if (/html/i.test(contentType ?? '') || /^<(!doctype|html|head|body)\b/i.test(trimmed)) {
    obs.kind = 'html'
  } else {
    obs.kind = 'text'
    const text = replaceBases(trimmed, options.bases)
    obs.text = text.length > TEXT_LIMIT ? `${text.slice(0, TEXT_LIMIT)}…` : text
  }
  return obs
}

const isPrimitive = (v: unknown): boolean => v === null || ['string', 'number', 'boolean'].includes(typeof v)

function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown }
  } catch {
    return undefined
  }
}

/** `application/json;charset=UTF-8` and `application/json; charset=utf-8` are the same to a client. */
export function normaliseContentType(value: string | null): string | null {
  if (value === null) return null
  const [type = '', ...params] = value.split(';').map((p) => p.trim())
  const kept = params.filter(Boolean).map((p) => {
    const [k = '', v = ''] = p.split('=')
    return `${k.trim().toLowerCase()}=${v.trim().replace(/^"|"$/g, '').toLowerCase()}`
  })
  return [type.toLowerCase(), ...kept.sort()].join('; ')
}

/** `Bearer realm="api",error="x"` and `Bearer error="x", realm="api"` alike: the scheme, then the parameters by name. */
export function normaliseChallenge(value: string | null): string | null {
  if (value === null) return null
  const trimmed = value.trim()
  const scheme = /^[^\s,]+/.exec(trimmed)?.[0] ?? ''
  const rest = trimmed.slice(scheme.length)
  const params: string[] = []
  for (const m of rest.matchAll(/([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) params.push(`${m[1]!.toLowerCase()}="${m[2] ?? m[3] ?? ''}"`)
  return [scheme.toLowerCase().replace(/^./, (c) => c.toUpperCase()), params.sort().join(', ')].filter(Boolean).join(' ')
}

/** A comma-separated list whose order does not matter (Cache-Control directives, Allow methods). */
function normaliseList(value: string | null, each: (item: string) => string): string | null {
  if (value === null) return null
  return value
    .split(',')
    .map((v) => each(v.trim()))
    .filter(Boolean)
    .sort()
    .join(', ')
}

/** Longest base first, so `/t/x/calcom` wins over `/t/x`. */
function basesByLength(bases: Readonly<Record<string, string>>): Array<[string, string]> {
  return Object.entries(bases)
    .map(([k, b]): [string, string] => [k, b.replace(/\/+$/, '')])
    .sort((a, b) => b[1].length - a[1].length)
}

/** Host names out of text: every base URL becomes `<base>`. */
export function replaceBases(text: string, bases: Readonly<Record<string, string>>): string {
  let out = text
  for (const [, base] of basesByLength(bases)) if (base) out = out.split(base).join('<base>')
  return out
}

function location(value: string | null, options: ObserveOptions): LocationShape | null {
  if (value === null) return null
  let url: URL
  try {
    url = new URL(value, options.url)
  } catch {
    return { hosts: null, path: `(not a URL) ${value.slice(0, TEXT_LIMIT)}`, query: [], fragment: [], error: null, error_description: null }
  }
  const hash = new URLSearchParams(url.hash.replace(/^#/, ''))
  for (const [k, v] of [...url.searchParams, ...hash]) if (LOCATION_SECRET_KEYS.has(k) && v) options.secret?.(v)
  const target = `${url.origin}${url.pathname}`
  const sorted = basesByLength(options.bases)
  const match = sorted.find(([, base]) => target === base || target.startsWith(`${base}/`))
  const hosts = match ? sorted.filter(([, base]) => base === match[1]).map(([k]) => k).sort() : null
  return {
    hosts,
    path: match ? target.slice(match[1].length) || '/' : target,
    query: [...new Set(url.searchParams.keys())].sort(),
    fragment: [...new Set(hash.keys())].sort(),
    error: url.searchParams.get('error') ?? hash.get('error'),
    error_description: url.searchParams.get('error_description') ?? hash.get('error_description'),
  }
}

// ---------------------------------------------------------------------------------------------
// JSON shapes and messages
// ---------------------------------------------------------------------------------------------

export function shapeOf(value: unknown): Shape {
  if (value === null) return 'null'
  if (Array.isArray(value)) return { array: value.reduce<Shape | null>((acc, v) => (acc === null ? shapeOf(v) : merge(acc, shapeOf(v))), null) }
  if (typeof value === 'object') return { object: Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, shapeOf(v)])) }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return typeof value as 'string' | 'number' | 'boolean'
  return 'null'
}

/** The shape of two array elements together: objects merge their keys, other mixes become a union. */
function merge(a: Shape, b: Shape): Shape {
  if (a === 'null') return b
  if (b === 'null') return a
  if (typeof a === 'object' && typeof b === 'object' && 'object' in a && 'object' in b) {
    const keys = new Set([...Object.keys(a.object), ...Object.keys(b.object)])
    return { object: Object.fromEntries([...keys].map((k) => [k, a.object[k] === undefined ? b.object[k]! : b.object[k] === undefined ? a.object[k] : merge(a.object[k], b.object[k])])) }
  }
  if (typeof a === 'object' && typeof b === 'object' && 'array' in a && 'array' in b) return { array: a.array === null ? b.array : b.array === null ? a.array : merge(a.array, b.array) }
  const names = new Set([...typeNames(a), ...typeNames(b)])
  return names.size === 1 ? a : { union: [...names].sort() }
}

function typeNames(s: Shape): string[] {
  if (typeof s === 'string') return [s]
  if ('union' in s) return s.union
  return ['object' in s ? 'object' : 'array']
}

/** A shape in one line: `{access_token:string,expires_in:number}`. */
export function describeShape(s: Shape | undefined): string {
  if (s === undefined) return '(none)'
  if (typeof s === 'string') return s
  if ('union' in s) return s.union.join('|')
  if ('array' in s) return s.array === null ? '[]' : `[${describeShape(s.array)}]`
  return `{${Object.entries(s.object)
    .map(([k, v]) => `${k}:${describeShape(v)}`)
    .join(',')}}`
}

/** The error words of a JSON body by path: `error`, `errors[0].code`, `error.details.message`… */
function messagesOf(value: unknown, bases: Readonly<Record<string, string>>): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {}
  const walk = (v: unknown, path: string, inMessage: boolean) => {
    if (v === null || typeof v !== 'object') {
      if (inMessage) out[path] = typeof v === 'string' ? replaceBases(v, bases) : (v as number | boolean | null)
      return
    }
    if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, `${path}[${i}]`, inMessage))
      return
    }
    // Only the named keys: an id or a timestamp inside an error object is not an error's words.
    for (const [k, child] of Object.entries(v as Record<string, unknown>)) walk(child, path ? `${path}.${k}` : k, MESSAGE_KEYS.has(k))
  }
  walk(value, '', false)
  return out
}

function collectSecrets(value: unknown, secret: ((value: string) => void) | undefined): void {
  if (!secret || value === null || typeof value !== 'object') return
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === 'string' && SECRET_KEYS.has(k) && v) secret(v)
    else collectSecrets(v, secret)
  }
}

// ---------------------------------------------------------------------------------------------
// Diff
// ---------------------------------------------------------------------------------------------

const show = (v: unknown): string => (v === null || v === undefined ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v))

/** Where two observations differ, in the aspects asked for. */
export function diff(real: Observation, fake: Observation, aspects: readonly Aspect[]): Difference[] {
  const out: Difference[] = []
  const add = (aspect: Aspect, field: string, r: unknown, f: unknown) => out.push({ aspect, field, real: show(r), fake: show(f) })
  if (aspects.includes('status') && real.status !== fake.status) add('status', 'status', String(real.status), String(fake.status))
  if (aspects.includes('body')) {
    if (real.kind !== fake.kind) add('body', 'kind', real.kind, fake.kind)
    else if (real.kind === 'json') {
      // An error word on one side only is the messages' row (with its value), not also the body's.
      const worded = new Set([...Object.keys(real.messages ?? {}), ...Object.keys(fake.messages ?? {})].map((k) => k.replace(/\[\d+\]/g, '[]')))
      const inMessages = aspects.includes('messages') && real.status >= 400 && fake.status >= 400
      diffShape(real.shape!, fake.shape!, '', (field, r, f) => {
        if (inMessages && (r === '(absent)' || f === '(absent)') && worded.has(field)) return
        add('body', field || '(root)', r, f)
      })
      for (const key of VALUE_KEYS) {
        const rv = real.values?.[key]
        const fv = fake.values?.[key]
        // A key on one side only, or of another type, is already the shape's row.
        if (rv !== undefined && fv !== undefined && typeof rv === typeof fv && rv !== fv) add('body', `${key} value`, rv, fv)
      }
    }
  }
  if (aspects.includes('messages')) {
    const r = real.messages ?? {}
    const f = fake.messages ?? {}
    for (const key of [...new Set([...Object.keys(r), ...Object.keys(f)])].sort()) {
      if (!(key in r) || !(key in f) || r[key] !== f[key]) add('messages', key, key in r ? r[key] : undefined, key in f ? f[key] : undefined)
    }
    if (real.kind === 'text' && fake.kind === 'text' && real.text !== fake.text) add('messages', 'text', real.text, fake.text)
  }
  if (aspects.includes('headers')) {
    for (const h of Object.keys(real.headers) as ComparedHeader[]) if (real.headers[h] !== fake.headers[h]) add('headers', h, real.headers[h], fake.headers[h])
  }
  if (aspects.includes('location')) {
    const r = real.location
    const f = fake.location
    if (!r || !f) {
      if (r || f) add('location', 'location', r && describeLocation(r), f && describeLocation(f))
    } else {
      const sameHost = r.hosts === null || f.hosts === null ? r.hosts === f.hosts : r.hosts.some((h) => f.hosts!.includes(h))
      if (!sameHost || r.path !== f.path) add('location', 'target', describeTarget(r), describeTarget(f))
      if (r.query.join() !== f.query.join()) add('location', 'query keys', r.query.join(', ') || '(none)', f.query.join(', ') || '(none)')
      if (r.fragment.join() !== f.fragment.join()) add('location', 'fragment keys', r.fragment.join(', ') || '(none)', f.fragment.join(', ') || '(none)')
      if (r.error !== f.error) add('location', 'error', r.error, f.error)
      if (r.error_description !== f.error_description) add('location', 'error_description', r.error_description, f.error_description)
    }
  }
  return out
}

function describeTarget(l: LocationShape): string {
  return l.hosts ? `{${l.hosts.join('|')}}${l.path}` : l.path
}

export function describeLocation(l: LocationShape): string {
  const q = l.query.length ? `?${l.query.join('&')}` : ''
  const h = l.fragment.length ? `#${l.fragment.join('&')}` : ''
  return `${describeTarget(l)}${q}${h}`
}

/**
 * Shapes differ where a key is on one side only or a value's type differs. `null` matches any
 * type (an unset field of one account is a value in another), and an empty array any array.
 */
function diffShape(real: Shape, fake: Shape, path: string, add: (field: string, real: string, fake: string) => void): void {
  if (real === 'null' || fake === 'null') return
  const r = typeof real === 'object' ? real : null
  const f = typeof fake === 'object' ? fake : null
  if (r && f && 'object' in r && 'object' in f) {
    for (const key of [...new Set([...Object.keys(r.object), ...Object.keys(f.object)])]) {
      const child = path ? `${path}.${key}` : key
      const rv = r.object[key]
      const fv = f.object[key]
      if (rv === undefined || fv === undefined) add(child, rv === undefined ? '(absent)' : describeShape(rv), fv === undefined ? '(absent)' : describeShape(fv))
      else diffShape(rv, fv, child, add)
    }
    return
  }
  if (r && f && 'array' in r && 'array' in f) {
    if (r.array !== null && f.array !== null) diffShape(r.array, f.array, `${path}[]`, add)
    return
  }
  const rd = describeShape(real)
  const fd = describeShape(fake)
  if (rd !== fd) add(path, typeof real === 'object' && 'object' in real ? 'object' : rd, typeof fake === 'object' && 'object' in fake ? 'object' : fd)
}

// ---------------------------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------------------------

/** `sk…(32 chars)`: two characters and the length, never more (shorter secrets: the length only). */
export function maskSecret(secret: string): string {
  return secret.length >= 12 ? `${secret.slice(0, 2)}…(${secret.length} chars)` : `…(${secret.length} chars)`
}

/** Every secret of at least 4 characters replaced by its mask, everywhere in a string, longest first. */
export function maskText(text: string, secrets: Iterable<string>): string {
  let out = text
  for (const s of [...new Set(secrets)].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length)) out = out.split(s).join(maskSecret(s))
  return out
}

/** `maskText` over every string (keys too) of a JSON-like value. */
export function maskDeep<T>(value: T, secrets: Iterable<string>): T {
  const list = [...secrets]
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return maskText(v, list)
    if (Array.isArray(v)) return v.map(walk)
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [maskText(k, list), walk(x)]))
    return v
  }
  return walk(value) as T
}
