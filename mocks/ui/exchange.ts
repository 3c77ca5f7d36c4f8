/**
 * Reading a recorded exchange (a request log entry) for people: a one-line summary of the call
 * and of the answer, the parameters of its body, and the codes and tokens it carried. The
 * dashboard and the HTML conformance report both show these; nothing here renders HTML.
 */
import { STATUS_CODES } from 'node:http'
import type { RecordedRequest } from '../engine/log.ts'

export type GrantKind = 'code' | 'access' | 'refresh' | 'token'

/** A code or token seen in an exchange, and where. */
export interface InvolvedGrant {
  kind: GrantKind
  value: string
  /** `request`: the client sent it; `response`: the fake answered it. */
  side: 'request' | 'response'
  /** Where exactly ("Authorization: Bearer", "body refresh_token", "Location code"). */
  where: string
}

export const GRANT_KIND_LABEL: Record<GrantKind, string> = {
  code: 'authorization code',
  access: 'access token',
  refresh: 'refresh token',
  token: 'token',
}

/** The media type of a content-type header, lower-cased, without parameters. */
export function mediaTypeOf(headers: Record<string, string>): string {
  return (headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase()
}

/**
 * The parameters of a request body, when it is a form, JSON object or multipart form; `null` for
 * anything else (or a body that does not parse: the raw text still shows).
 */
export function bodyParams(headers: Record<string, string>, body: string): Array<[string, string]> | null {
  if (!body) return null
  const type = mediaTypeOf(headers)
  if (type === 'application/x-www-form-urlencoded') return [...new URLSearchParams(body)]
  if (type === 'application/json' || type.endsWith('+json')) {
    try {
      const parsed: unknown = JSON.parse(body)
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null
      return Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])
    } catch {
      return null
    }
  }
  if (type === 'multipart/form-data') return multipartFields(headers['content-type'] ?? '', body)
  return null
}

/** The text fields of a multipart body (Zapier accepts multipart refreshes). */
function multipartFields(contentType: string, body: string): Array<[string, string]> | null {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1]
  if (!boundary) return null
  const fields: Array<[string, string]> = []
  for (const part of body.split(`--${boundary}`)) {
    const split = part.indexOf('\r\n\r\n')
    if (split < 0) continue
    const name = /name="([^"]*)"/i.exec(part.slice(0, split))?.[1]
    if (name === undefined) continue
    fields.push([name, part.slice(split + 4).replace(/\r\n$/, '')])
  }
  return fields
}

/** The JSON of a body, when it is JSON. */
export function jsonBody(headers: Record<string, string>, body: string): unknown {
  const type = mediaTypeOf(headers)
  if (!body || !(type === 'application/json' || type.endsWith('+json'))) return undefined
  try {
    return JSON.parse(body) as unknown
  } catch {
    return undefined
  }
}

const firstString = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)

/** Every code and token an exchange carried, in the order they appear, each value once per side. */
export function involvedGrants(r: RecordedRequest): InvolvedGrant[] {
  const found: InvolvedGrant[] = []
  const add = (kind: GrantKind, value: unknown, side: InvolvedGrant['side'], where: string) => {
    if (typeof value !== 'string' || !value || value.length > 4096) return
    if (found.some((g) => g.value === value && g.side === side)) return
    found.push({ kind, value, side, where })
  }
  // The request: Authorization, query, body.
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(r.headers.authorization ?? '')?.[1]
  // cal.com's refresh endpoint takes the REFRESH token as the Bearer token.
  if (bearer) add(r.endpoint === 'refresh' ? 'refresh' : 'access', bearer, 'request', 'Authorization: Bearer')
  for (const [key, kind] of [['code', 'code'], ['refresh_token', 'refresh'], ['access_token', 'access']] as const) add(kind, firstString(r.query[key]), 'request', `query ${key}`)
  for (const [key, value] of bodyParams(r.headers, r.body) ?? []) {
    if (key === 'code') add('code', value, 'request', 'body code')
    else if (key === 'refresh_token') add('refresh', value, 'request', 'body refresh_token')
    else if (key === 'access_token') add('access', value, 'request', 'body access_token')
    // BookingSync's /oauth/revoke takes either kind as `token`.
    else if (key === 'token') add('token', value, 'request', 'body token')
  }
  // The answer: a redirect with a code, a token response, BookingSync's out-of-band code page.
  const location = r.response.headers.location
  if (location && URL.canParse(location, r.url)) add('code', new URL(location, r.url).searchParams.get('code') ?? undefined, 'response', 'Location code')
  const json = jsonBody(r.response.headers, r.response.body)
  if (json && typeof json === 'object' && !Array.isArray(json)) {
    const o = json as Record<string, unknown>
    add('access', o.access_token, 'response', 'body access_token')
    add('refresh', o.refresh_token, 'response', 'body refresh_token')
  }
  const oob = /<code id="authorization_code">([^<]+)<\/code>/.exec(r.response.body)?.[1]
  if (oob) add('code', oob.trim(), 'response', 'code page')
  return found
}

/** A long value cut to its start, for labels (`a1b2c3d4…`). */
export function shortValue(value: string, keep = 10): string {
  return value.length <= keep + 1 ? value : `${value.slice(0, keep)}…`
}

/** "GET", "/oauth/token/" and a hint of what kind of call it is (`grant_type=refresh_token`). */
export function callSummary(r: RecordedRequest): { method: string; path: string; hint: string } {
  const hints: string[] = []
  const params = new Map(bodyParams(r.headers, r.body) ?? [])
  const grantType = params.get('grant_type') ?? firstString(r.query.grant_type)
  if (grantType) hints.push(`grant_type=${grantType}`)
  const decision = params.get('decision')
  if (decision) hints.push(`decision=${decision}`)
  const clientId = firstString(r.query.client_id) ?? (r.endpoint === 'authorize' ? params.get('client_id') : undefined)
  if (clientId && !grantType) hints.push(`client_id=${shortValue(clientId, 24)}`)
  return { method: r.method, path: r.path, hint: hints.join(' ') }
}

/** The reason phrase of a status (`401` → `Unauthorized`). */
export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? ''
}

/** The status class for colours: `s2`, `s3`, `s4`, `s5`. */
export function statusClass(status: number): string {
  return `s${Math.min(5, Math.max(1, Math.floor(status / 100)))}`
}

function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
}

/** A few words on what the fake answered: where it redirected, which tokens, which error, which page. */
export function answerSummary(r: RecordedRequest): string {
  const res = r.response
  const location = res.headers.location
  if (location && URL.canParse(location, r.url)) {
    const to = new URL(location, r.url)
    const parts = [`→ ${to.protocol === 'urn:' ? to.href : `${to.host}${to.pathname}`}`]
    const code = to.searchParams.get('code')
    const error = to.searchParams.get('error')
    if (code) parts.push(`code=${shortValue(code, 8)}`)
    if (error) parts.push(`error=${error}`)
    return parts.join(' ')
  }
  const json = jsonBody(res.headers, res.body)
  if (json && typeof json === 'object') {
    const o = json as Record<string, unknown>
    const tokens = ['access_token', 'refresh_token'].filter((k) => typeof o[k] === 'string')
    if (tokens.length) return tokens.join(' + ')
    if (typeof o.error === 'string') return `error=${o.error}`
    if (typeof o.message === 'string') return o.message
    const errors = o.errors
    if (Array.isArray(errors) && errors[0] && typeof errors[0] === 'object') {
      const first = errors[0] as Record<string, unknown>
      const code = first.code ?? first.title ?? first.detail
      if (typeof code === 'string') return `errors: ${code}`
    }
    const keys = Array.isArray(json) ? [`${json.length} items`] : Object.keys(o).slice(0, 4)
    return `JSON ${Array.isArray(json) ? keys[0] : `{${keys.join(', ')}${Object.keys(o).length > 4 ? ', …' : ''}}`}`
  }
  const type = mediaTypeOf(res.headers)
  if (type === 'text/html') {
    const title = /<title>([^<]*)<\/title>/i.exec(res.body)?.[1]
    return title ? `page “${decodeEntities(title.trim())}”` : 'HTML page'
  }
  if (!res.body) return ''
  return type || 'body'
}

/** `12:00:01` and `.234` of a fake-clock ISO time (UTC), and its date. */
export function clockParts(iso: string): { date: string; time: string; ms: string } {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return { date: '', time: iso, ms: '' }
  const s = d.toISOString()
  return { date: s.slice(0, 10), time: s.slice(11, 19), ms: s.slice(19, 23) }
}

/** `1 h 30 min`, `2 min 1 s`, `45 s`, `3 d 4 h` — a duration for people. */
export function formatDuration(ms: number): string {
  const negative = ms < 0
  let s = Math.round(Math.abs(ms) / 1000)
  const d = Math.floor(s / 86400)
  s -= d * 86400
  const h = Math.floor(s / 3600)
  s -= h * 3600
  const m = Math.floor(s / 60)
  s -= m * 60
  const parts = d ? [`${d} d`, h ? `${h} h` : ''] : h ? [`${h} h`, m ? `${m} min` : ''] : m ? [`${m} min`, s ? `${s} s` : ''] : [`${s} s`]
  return `${negative ? '-' : ''}${parts.filter(Boolean).join(' ')}`
}
