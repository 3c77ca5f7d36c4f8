/** Small Response builders shared by every provider. */

export type HeaderMap = Record<string, string>

/**
 * A request body an adapter has already read (the node:http adapter reads it with Node's own
 * streams, which costs a fraction of a web stream). The engine reads it instead of `request.body`.
 */
export const BUFFERED_BODY: unique symbol = Symbol.for('oauth-fakes.buffered-body')
/** The text of a Response built here, so an adapter can send it without reading the stream back. */
export const TEXT_BODY: unique symbol = Symbol.for('oauth-fakes.text-body')

/**
 * A Response with a text body, built lazily. Status, status text and headers are its own; the
 * body (and every method that reads it) comes from a real `Response` made on first use. The
 * node:http adapter never needs that real Response — it sends `TEXT_BODY` — and an undici
 * Response with its body stream costs more than the token endpoint's own work (`npm run bench`).
 * In-process, msw reads the body and gets the real thing. `instanceof Response` holds.
 */
export function textResponse(text: string, init: ResponseInit = {}): Response {
  const status = init.status ?? 200
  const headers = new Headers(init.headers)
  // What `new Response(string)` would add.
  if (!headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8')
  const light = Object.create(lightResponsePrototype) as LightResponse
  Object.defineProperties(light, {
    status: { value: status },
    statusText: { value: init.statusText ?? '' },
    headers: { value: headers },
    ok: { value: status >= 200 && status < 300 },
    redirected: { value: false },
    type: { value: 'default' },
    url: { value: '' },
    [TEXT_BODY]: { value: text },
  })
  return light as unknown as Response
}

const REAL_RESPONSE = Symbol('real response')
type LightResponse = { status: number; statusText: string; headers: Headers; [TEXT_BODY]: string; [REAL_RESPONSE]?: Response }

function realResponse(self: LightResponse): Response {
  self[REAL_RESPONSE] ??= new Response(self[TEXT_BODY], { status: self.status, statusText: self.statusText, headers: self.headers })
  return self[REAL_RESPONSE]
}

const lightResponsePrototype = lazyPrototype(Response.prototype, ['body', 'bodyUsed'], ['arrayBuffer', 'blob', 'bytes', 'formData', 'json', 'text', 'clone'], realResponse)

/**
 * A prototype that is a `base` (so `instanceof` holds) whose listed getters and methods are
 * answered by the real object `materialize` builds on first use. The light Request of the node
 * adapter and the light Response here are made with it.
 */
export function lazyPrototype<Self>(base: object, getters: readonly string[], methods: readonly string[], materialize: (self: Self) => object): object {
  const proto: object = Object.create(base)
  for (const key of getters) {
    Object.defineProperty(proto, key, {
      get(this: Self) {
        return (materialize(this) as Record<string, unknown>)[key]
      },
    })
  }
  for (const key of methods) {
    Object.defineProperty(proto, key, {
      value(this: Self, ...args: unknown[]) {
        const real = materialize(this) as Record<string, (...a: unknown[]) => unknown>
        return real[key]!.apply(real, args)
      },
    })
  }
  return proto
}

/** A JSON answer; `contentType` lets BookingSync say `application/vnd.api+json; charset=utf-8`. */
export function json(body: unknown, status = 200, headers: HeaderMap = {}, contentType = 'application/json'): Response {
  return textResponse(JSON.stringify(body), { status, headers: { 'content-type': contentType, ...headers } })
}

export function html(body: string, status = 200, headers: HeaderMap = {}): Response {
  return textResponse(body, { status, headers: { 'content-type': 'text/html; charset=utf-8', ...headers } })
}

export function redirect(location: string, status = 302, headers: HeaderMap = {}): Response {
  return new Response(null, { status, headers: { location, ...headers } })
}

/** RFC 6749 §5.1: token responses MUST carry these. */
export const NO_STORE: HeaderMap = { 'cache-control': 'no-store', pragma: 'no-cache' }

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

/**
 * A tagged template that escapes every interpolated value unless it is `raw(...)` output.
 * Consent pages are built with it so that nothing a client sends (name, scope, state) can
 * inject markup.
 */
export function page(strings: TemplateStringsArray, ...values: unknown[]): RawHtml {
  let out = strings[0] ?? ''
  values.forEach((value, i) => {
    out += renderValue(value) + (strings[i + 1] ?? '')
  })
  return new RawHtml(out)
}

export class RawHtml {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html
  }
}

/** Marks already-safe markup (the output of `page`) so that `page` does not escape it again. */
export function raw(markup: string): RawHtml {
  return new RawHtml(markup)
}

function renderValue(value: unknown): string {
  if (value instanceof RawHtml) return value.html
  if (Array.isArray(value)) return value.map(renderValue).join('')
  if (value === false || value === null || value === undefined) return ''
  return escapeHtml(value)
}

/**
 * Adds parameters to a registered redirect URI, keeping the query it already has
 * (RFC 6749 §3.1.2: "MUST retain" it) and encoding every value.
 */
export function withParams(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri)
  for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.append(key, value)
  return url.toString()
}

/** The HTTP Basic credentials of a request (RFC 6749 §2.3.1: each part form-urlencoded). */
export function basicCredentials(headers: Headers, encoding: 'form-urlencoded' | 'raw' = 'form-urlencoded'): { id: string; secret: string } | undefined {
  const header = headers.get('authorization')
  const match = header?.match(/^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i)
  if (!match) return undefined
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  if (encoding === 'raw') return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) }
  try {
    return { id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')), secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')) }
  } catch {
    return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) }
  }
}

/** The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1), if any. */
export function bearerToken(headers: Headers): string | undefined {
  const match = headers.get('authorization')?.match(/^Bearer\s+(\S+)\s*$/i)
  return match?.[1]
}
