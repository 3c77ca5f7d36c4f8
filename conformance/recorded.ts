/**
 * Reading the fake's request log the way the checks need it: which requests were code
 * exchanges, refreshes or API calls, with their parameters and client authentication decoded.
 * Classified from the request itself (path + grant_type), not from the engine's own labels, so a
 * check sees exactly what the client sent.
 */
import type { RecordedRequest } from '../mocks/engine/controls.ts'
import { paramRecord } from '../mocks/engine/params.ts'

export type TokenKind = 'exchange' | 'refresh' | 'other'

export interface ParsedRequest {
  raw: RecordedRequest
  /** Query and body parameters (body wins), first value of each. */
  params: Record<string, string>
  bodyParams: Record<string, string>
  queryParams: Record<string, string>
  basic: { id: string; secret: string } | null
  bearer: string | null
}

export interface Endpoints {
  /** Provider-relative paths (`/api/auth/oauth/token`). */
  authorize: string
  token: string
  refresh: string
  resource: string
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

function header(r: RecordedRequest, name: string): string | undefined {
  const key = Object.keys(r.headers).find((k) => k.toLowerCase() === name)
  return key === undefined ? undefined : r.headers[key]
}

/** Form, JSON or multipart bodies; anything else yields no parameters. */
async function parseBody(r: RecordedRequest): Promise<Record<string, string>> {
  if (!r.body) return {}
  const type = (header(r, 'content-type') ?? '').toLowerCase()
  try {
    if (type.includes('json')) {
      const value: unknown = JSON.parse(r.body)
      if (!value || typeof value !== 'object') return {}
      return Object.fromEntries(Object.entries(value).filter(([, v]) => typeof v === 'string' || typeof v === 'number').map(([k, v]) => [k, String(v)]))
    }
    if (type.includes('multipart/form-data')) {
      const form = await new Response(r.body, { headers: { 'content-type': type } }).formData()
      const out = paramRecord<string>()
      form.forEach((v, k) => {
        if (typeof v === 'string' && !(k in out)) out[k] = v
      })
      return out
    }
    // No inherited names: `k in out` would skip `constructor`, and `out.__proto__ = v` would drop it.
    const out = paramRecord<string>()
    for (const [k, v] of new URLSearchParams(r.body)) if (!(k in out)) out[k] = v
    return out
  } catch {
    return {}
  }
}

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. */
function parseBasic(value: string | undefined): { id: string; secret: string } | null {
  const m = /^Basic\s+(.+)$/i.exec(value ?? '')
  if (!m?.[1]) return null
  const decoded = Buffer.from(m[1], 'base64').toString('utf8')
  const i = decoded.indexOf(':')
  if (i < 0) return null
  const dec = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '))
    } catch {
      return s
    }
  }
  return { id: dec(decoded.slice(0, i)), secret: dec(decoded.slice(i + 1)) }
}

export async function parseRequest(r: RecordedRequest): Promise<ParsedRequest> {
  const queryParams = paramRecord<string>()
  for (const [k, v] of Object.entries(r.query)) {
    const f = first(v)
    if (f !== undefined) queryParams[k] = f
  }
  const bodyParams = await parseBody(r)
  const auth = header(r, 'authorization')
  const bearer = /^Bearer\s+(.+)$/i.exec(auth ?? '')?.[1]?.trim() ?? null
  return { raw: r, params: { ...queryParams, ...bodyParams }, bodyParams, queryParams, basic: parseBasic(auth), bearer }
}

/** Code exchanges and refreshes, told apart by path and grant_type. */
export function tokenKind(p: ParsedRequest, endpoints: Endpoints): TokenKind | null {
  const path = p.raw.path
  if (path !== endpoints.token && path !== endpoints.refresh) return null
  if (path === endpoints.refresh && endpoints.refresh !== endpoints.token) return 'refresh'
  const grant = p.params.grant_type
  if (grant === 'refresh_token') return 'refresh'
  if (grant === 'authorization_code' || p.params.code !== undefined) return 'exchange'
  return 'other'
}

export function isResourceCall(p: ParsedRequest, endpoints: Endpoints): boolean {
  return p.raw.path === endpoints.resource
}

/** One line per request for failure reports; long values shortened, secrets shown (test tool). */
export function describeRequest(p: ParsedRequest): string {
  const short = (v: string) => (v.length > 24 ? `${v.slice(0, 12)}…${v.slice(-6)}` : v)
  const query = Object.keys(p.queryParams).length ? `?${Object.entries(p.queryParams).map(([k, v]) => `${k}=${short(v)}`).join('&')}` : ''
  const body = Object.keys(p.bodyParams).length ? ` body{${Object.entries(p.bodyParams).map(([k, v]) => `${k}=${short(v)}`).join(', ')}}` : ''
  const auth = p.bearer ? ` Authorization: Bearer ${short(p.bearer)}` : p.basic ? ` Authorization: Basic(${short(p.basic.id)}:…)` : ''
  return `${p.raw.method} ${p.raw.path}${query}${auth}${body} → ${p.raw.status}`
}
