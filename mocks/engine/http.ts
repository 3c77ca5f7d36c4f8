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
 * A Response with a text body, built lazily. Status, status text and headers are its own, and so
 * are `text()`, `json()`, `arrayBuffer()` and `bytes()`, read from the text; `body`, `blob()`,
 * `formData()` and `clone()` come from a real `Response` made on first use (one whose body is
 * already used if the text was read). The node:http adapter never needs that real Response — it
 * sends `TEXT_BODY` — and an undici Response with its body stream costs more than the token
 * endpoint's own work (`npm run bench`). In-process, msw reads `body` and gets the real thing.
 * `instanceof Response` holds. `url` and `redirected` are `''` and `false` until `createFetch`
 * sets them, as fetch does (`setFetchedFrom`).
 */
export function textResponse(text: string, init: ResponseInit = {}, fresh = false): Response {
  const status = init.status ?? 200
  const headers = new Headers(init.headers)
  // What `new Response(string)` would add.
  if (!headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8')
  const light = Object.create(lightResponsePrototype()) as LightResponse
  // Plain fields read by the prototype's getters (`status`, `headers`, …): one object shape for
  // every answer, cheaper to build than own read-only properties (`npm run bench`).
  light[STATUS] = status
  light[STATUS_TEXT] = init.statusText ?? ''
  light[HEADERS] = headers
  light[TEXT_BODY] = text
  light[RESPONSE_URL] = ''
  light[REDIRECTED] = false
  if (fresh) light[FRESH_TEXT] = true
  return light as unknown as Response
}

/**
 * Sets fetch's `url` (the last URL of a redirect chain) and `redirected` on an answer, as
 * `createFetch` does: fields of a light Response (defining two own properties cost more), own
 * properties of any other.
 */
export function setFetchedFrom(response: Response, url: string, redirected: boolean): Response {
  if (Object.getPrototypeOf(response) === lightResponseProto) {
    const light = response as unknown as LightResponse
    light[RESPONSE_URL] = url
    light[REDIRECTED] = redirected
  } else {
    Object.defineProperty(response, 'url', { value: url, configurable: true })
    Object.defineProperty(response, 'redirected', { value: redirected, configurable: true })
  }
  return response
}

/**
 * Marks the text of a Response built here as freshly made (by `JSON.stringify`, say): it shares
 * no memory with a larger string, so the request log keeps it without copying it first.
 */
export const FRESH_TEXT: unique symbol = Symbol.for('oauth-fakes.fresh-text')
const STATUS = Symbol('status')
const RESPONSE_URL = Symbol('url')
const REDIRECTED = Symbol('redirected')
const STATUS_TEXT = Symbol('statusText')
const HEADERS = Symbol('headers')

const REAL_RESPONSE = Symbol('real response')
const BODY_USED = Symbol('body used')
type LightResponse = {
  status: number
  statusText: string
  headers: Headers
  [STATUS]: number
  [STATUS_TEXT]: string
  [HEADERS]: Headers
  [TEXT_BODY]: string
  [RESPONSE_URL]: string
  [REDIRECTED]: boolean
  [FRESH_TEXT]?: true
  [REAL_RESPONSE]?: Response
  [BODY_USED]?: true
}

/** The real Response behind a light one; its body is used already when the light one's was read. */
function realResponse(self: LightResponse): Response {
  if (!self[REAL_RESPONSE]) {
    const real = new Response(self[TEXT_BODY], { status: self.status, statusText: self.statusText, headers: self.headers })
    if (self[BODY_USED]) void real.text().catch(() => undefined)
    self[REAL_RESPONSE] = real
  }
  return self[REAL_RESPONSE]
}

/** The body's text, once (a second read fails as undici's does), without building a real Response. */
function readText(self: LightResponse): Promise<string> {
  if (self[BODY_USED]) return Promise.reject(new TypeError('Body is unusable: Body has already been read'))
  self[BODY_USED] = true
  return Promise.resolve(self[TEXT_BODY])
}

let lightResponseProto: object | undefined
/** Built on first use: reading `Response.prototype` loads undici, which a cold start need not wait for. */
function lightResponsePrototype(): object {
  if (lightResponseProto) return lightResponseProto
  const proto = lazyPrototype(Response.prototype, ['body'], ['blob', 'formData', 'clone'], realResponse)
  const own = <K extends string>(name: K, read: (self: LightResponse, text: string) => unknown) =>
    Object.defineProperty(proto, name, {
      value(this: LightResponse) {
        const real = this[REAL_RESPONSE] as unknown as Record<K, () => Promise<unknown>> | undefined
        return real ? real[name]() : readText(this).then((text) => read(this, text))
      },
    })
  own('text', (_, text) => text)
  own('json', (_, text) => JSON.parse(text) as unknown)
  own('bytes', (_, text) => new Uint8Array(Buffer.from(text, 'utf8')))
  own('arrayBuffer', (_, text) => new Uint8Array(Buffer.from(text, 'utf8')).buffer)
  // Own values of a light Response (`url` and `redirected`: what `setFetchedFrom` set).
  const getter = (name: string, get: (self: LightResponse) => unknown) => defineGetter(proto, name, get)
  getter('status', (self) => self[STATUS])
  getter('statusText', (self) => self[STATUS_TEXT])
  getter('headers', (self) => self[HEADERS])
  getter('ok', (self) => self[STATUS] >= 200 && self[STATUS] < 300)
  getter('redirected', (self) => self[REDIRECTED])
  getter('type', () => 'default')
  getter('url', (self) => self[RESPONSE_URL])
  getter('bodyUsed', (self) => self[REAL_RESPONSE]?.bodyUsed ?? self[BODY_USED] === true)
  lightResponseProto = proto
  return proto
}

const BUFFERED_REAL = Symbol('real request')
const REQUEST_URL = Symbol('url')
const REQUEST_METHOD = Symbol('method')
const REQUEST_HEADERS = Symbol('headers')
/** The URL of a light Request, parsed once by whoever made it (the engine reads it instead of parsing `url` again). */
export const PARSED_URL: unique symbol = Symbol.for('oauth-fakes.parsed-url')
type LightRequest = {
  url: string
  method: string
  headers: Headers
  [REQUEST_URL]: string
  [REQUEST_METHOD]: string
  [REQUEST_HEADERS]: Headers
  [BUFFERED_BODY]: Uint8Array
  [PARSED_URL]: URL | undefined
  [BUFFERED_REAL]?: Request
}

/** The request's URL: the one its maker parsed (`PARSED_URL`), else parsed now. */
export function requestUrl(request: Request): URL {
  return (request as Request & { [PARSED_URL]?: URL })[PARSED_URL] ?? new URL(request.url)
}

function realRequest(self: LightRequest): Request {
  self[BUFFERED_REAL] ??= new Request(self.url, {
    method: self.method,
    headers: self.headers,
    body: self.method === 'GET' || self.method === 'HEAD' ? null : Buffer.from(self[BUFFERED_BODY]),
  })
  return self[BUFFERED_REAL]
}

let lightRequestProto: object | undefined

/**
 * A Request whose `url`, `method` and `headers` are its own and whose body is already read
 * (`BUFFERED_BODY`): constructing an undici Request and reading its body stream costs more than
 * everything the engine does for a token request. Any other member builds the real Request on
 * first use. `instanceof Request` holds. The node:http adapter and `createFetch` make these.
 */
export function lightRequest(url: string, method: string, headers: Headers, body: Uint8Array, parsed?: URL): Request {
  const light = Object.create(lightRequestProto ?? lightRequestPrototype()) as LightRequest
  // Plain fields read by the prototype's getters, as for the light Response: one object shape for
  // every request, cheaper to build than three own read-only properties (~2 µs a request).
  light[REQUEST_URL] = url
  light[REQUEST_METHOD] = method
  light[REQUEST_HEADERS] = headers
  light[BUFFERED_BODY] = body
  light[PARSED_URL] = parsed
  return light as unknown as Request
}

function lightRequestPrototype(): object {
  const proto = lazyPrototype(
    Request.prototype,
    ['body', 'bodyUsed', 'signal', 'cache', 'credentials', 'destination', 'integrity', 'keepalive', 'mode', 'redirect', 'referrer', 'referrerPolicy', 'duplex'],
    ['arrayBuffer', 'blob', 'bytes', 'formData', 'json', 'text', 'clone'],
    realRequest,
  )
  const getter = (name: string, get: (self: LightRequest) => unknown) => defineGetter(proto, name, get)
  getter('url', (self) => self[REQUEST_URL])
  getter('method', (self) => self[REQUEST_METHOD])
  getter('headers', (self) => self[REQUEST_HEADERS])
  lightRequestProto = proto
  return proto
}

/** A getter `name` on `proto` answering `get(this)`: how a light Request or Response reads its own fields. */
function defineGetter<Self>(proto: object, name: string, get: (self: Self) => unknown): void {
  Object.defineProperty(proto, name, {
    get(this: Self) {
      return get(this)
    },
  })
}

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
  return textResponse(JSON.stringify(body), { status, headers: { 'content-type': contentType, ...headers } }, true)
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
