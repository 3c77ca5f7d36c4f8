import { lightRequest, setFetchedFrom } from './engine/http.ts'
import type { ProviderApp } from './engine/provider.ts'
import type { Fakes } from './fakes.ts'

export interface CreateFetchOptions {
  /** Where requests to other URLs go (default: the global `fetch` at the time of the call). */
  fallback?: typeof fetch
}

/** fetch's redirect statuses (Fetch §4.4). */
const REDIRECTS = new Set([301, 302, 303, 307, 308])
/** Methods fetch writes in upper case whatever the case given (Fetch §2.2.1 "normalize"). */
const NORMALIZED = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'])
/** Headers dropped when a redirect turns the request into a GET (Fetch §4.4 step 12). */
const BODY_HEADERS = ['content-encoding', 'content-language', 'content-location', 'content-type', 'content-length']

/**
 * A `fetch` function for clients that accept one (openid-client's `customFetch`, ky, ofetch,
 * `oauth4webapi`'s `[customFetch]`, your own code): requests to the fakes' URLs are answered in
 * this process, without msw and without a socket, and every other URL goes to `fallback` (the
 * global fetch). What a client sees is what fetch would give it through msw: the provider's
 * status, headers and body, redirects followed unless `redirect: 'manual'` (or refused with
 * `'error'`), `response.url` and `response.redirected` set. About five times msw's rate: the
 * Request is not built as an undici Request, nor the response body as a stream, unless the
 * client asks for them (`npm run bench`).
 *
 * @example
 * const fakes = createFakes()
 * fakes.setConsent('calcom', 'allow')
 * const fetch = createFetch(fakes)
 * const demo = fakes.demoClient('calcom')
 * const authorize = await fetch(`https://app.cal.com/auth/oauth2/authorize?client_id=${demo.clientId}&redirect_uri=${encodeURIComponent(demo.redirectUris[0]!)}&scope=PROFILE_READ&state=s`, { redirect: 'manual' })
 * const code = new URL(authorize.headers.get('location')!).searchParams.get('code')!
 * const tokens = await fetch('https://app.cal.com/api/auth/oauth/token', {
 *   method: 'POST',
 *   body: new URLSearchParams({ grant_type: 'authorization_code', code, client_id: demo.clientId, client_secret: demo.clientSecret, redirect_uri: demo.redirectUris[0]! }),
 * }).then((r) => r.json())
 * await fetch('https://example.org/') // not a fake: the real fetch
 */
export function createFetch(fakes: Fakes, options: CreateFetchOptions = {}): typeof fetch {
  const apps: ProviderApp[] = fakes.providers.map((p) => fakes.app(p))
  const fallback = (input: string | URL | Request, init?: RequestInit) => (options.fallback ?? globalThis.fetch)(input, init)
  const appFor = (url: URL) => apps.find((app) => app.serves(url))

  async function fakeFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    if (input instanceof Request) {
      const request = init === undefined ? input : new Request(input, init)
      const url = new URL(request.url)
      if (!appFor(url)) return fallback(request)
      request.signal.throwIfAborted()
      return follow(url, request.method, request.headers, request.body ? new Uint8Array(await request.arrayBuffer()) : null, request.redirect, request.signal)
    }
    let url: URL
    try {
      url = new URL(input)
    } catch (cause) {
      throw new TypeError(`Failed to parse URL from ${String(input)}`, { cause })
    }
    if (!appFor(url)) return fallback(input, init)
    init?.signal?.throwIfAborted()
    const given = init?.method ?? 'GET'
    const method = NORMALIZED.has(given.toUpperCase()) ? given.toUpperCase() : given
    const body = init?.body ?? null
    if (body !== null && (method === 'GET' || method === 'HEAD')) throw new TypeError('Request with GET/HEAD method cannot have body.')
    const headers = new Headers(init?.headers)
    let bytes: Uint8Array | null
    if (body === null) bytes = null
    else if (typeof body === 'string' || body instanceof URLSearchParams) {
      // What fetch's body extraction adds (Fetch §5.2 "extract a body").
      if (!headers.has('content-type')) headers.set('content-type', typeof body === 'string' ? 'text/plain;charset=UTF-8' : 'application/x-www-form-urlencoded;charset=UTF-8')
      bytes = Buffer.from(body.toString(), 'utf8')
    } else if (body instanceof ArrayBuffer) bytes = new Uint8Array(body.slice(0))
    else if (ArrayBuffer.isView(body)) bytes = new Uint8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength))
    else {
      // FormData, Blob, a stream…: fetch's own Request encodes them (boundary, type).
      const request = new Request(url, { ...init, method })
      return follow(url, request.method, request.headers, new Uint8Array(await request.arrayBuffer()), request.redirect, request.signal)
    }
    return follow(url, method, headers, bytes, init?.redirect ?? 'follow', init?.signal ?? null)
  }

  /** Answers one request and, per `redirect`, the redirects it leads to (at most 20, as fetch). */
  async function follow(url: URL, method: string, headers: Headers, body: Uint8Array | null, redirect: RequestRedirect, signal: AbortSignal | null): Promise<Response> {
    for (let hops = 0; ; hops++) {
      const app = appFor(url)
      if (!app) {
        // A redirect out of the fakes (to the client's own callback, say): the real fetch takes over.
        return fallback(url, { method, headers, body: body === null ? null : Buffer.from(body), redirect, ...(signal ? { signal } : {}) })
      }
      const response = (await app(lightRequest(url.href, method, headers, body ?? new Uint8Array(0), url)))!
      signal?.throwIfAborted()
      const location = response.headers.get('location')
      if (!REDIRECTS.has(response.status) || location === null || redirect === 'manual') return setFetchedFrom(response, url.href, hops > 0)
      if (redirect === 'error') throw new TypeError('fetch failed', { cause: new Error('unexpected redirect') })
      if (hops === 20) throw new TypeError('fetch failed', { cause: new Error('redirect count exceeded') })
      const next = new URL(location, url)
      if (response.status === 303 ? method !== 'HEAD' : (response.status === 301 || response.status === 302) && method === 'POST') {
        method = 'GET'
        body = null
        headers = new Headers(headers)
        for (const name of BODY_HEADERS) headers.delete(name)
      }
      if (next.origin !== url.origin) {
        // Fetch §4.4 step 13 and undici: credentials do not follow a redirect to another origin.
        headers = new Headers(headers)
        for (const name of ['authorization', 'proxy-authorization', 'cookie']) headers.delete(name)
      }
      url = next
    }
  }

  return fakeFetch as typeof fetch
}
