/**
 * The cookies of the suite's HTTP-mode browser: one jar per scenario, kept and sent the way a
 * browser does (RFC 6265 §5, with the SameSite rules of RFC 6265bis §5.6.7), so that a client which
 * keeps `state` in a session cookie — passport, Authlib's Flask integration, arctic's guide — works
 * over plain HTTP exactly as it does in Chromium (`--browser`).
 *
 * - host-only unless `Domain` is given (and an IP address only takes a `Domain` equal to itself);
 * - the default path is the request path's directory; a cookie goes to its path and below;
 * - `Max-Age` wins over `Expires`; either in the past deletes the cookie; times are real time (a
 *   browser's own clock, which the suite never moves);
 * - `Secure` cookies are sent to `https:` and to loopback (`localhost`, 127.0.0.1, [::1]): the
 *   "potentially trustworthy" origins browsers treat alike;
 * - `SameSite=Strict` is not sent on a navigation from another site (the provider redirecting the
 *   browser back to `/callback`); `Lax` (and a cookie without `SameSite`, Chromium's default) is
 *   sent on that top-level GET; `None` always.
 */

interface StoredCookie {
  name: string
  value: string
  domain: string
  hostOnly: boolean
  path: string
  expiresAt: number | null
  secure: boolean
  sameSite: 'strict' | 'lax' | 'none'
  createdAt: number
}

/** Where a request comes from: the user at the client's own pages, or the provider's redirect back. */
export type RequestSite = 'same-site' | 'cross-site'

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])
const isIp = (host: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith('[')

function domainMatches(host: string, domain: string): boolean {
  return host === domain || (!isIp(host) && host.endsWith(`.${domain}`))
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true
  if (!requestPath.startsWith(cookiePath)) return false
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/'
}

function defaultPath(url: URL): string {
  const path = url.pathname
  if (!path.startsWith('/') || path.lastIndexOf('/') === 0) return '/'
  return path.slice(0, path.lastIndexOf('/'))
}

export class CookieJar {
  #cookies: StoredCookie[] = []
  readonly #now: () => number

  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  /** Stores the `Set-Cookie` headers of a response to `url`. */
  store(url: URL, setCookies: readonly string[]): void {
    for (const header of setCookies) this.#storeOne(url, header)
  }

  #storeOne(url: URL, header: string): void {
    const [pair = '', ...attrs] = header.split(';')
    const eq = pair.indexOf('=')
    if (eq <= 0) return
    const name = pair.slice(0, eq).trim()
    const value = pair.slice(eq + 1).trim()
    const host = url.hostname.toLowerCase()
    let domain = host
    let hostOnly = true
    let path = defaultPath(url)
    let expiresAt: number | null = null
    let maxAge: number | null = null
    let secure = false
    let sameSite: StoredCookie['sameSite'] = 'lax'
    for (const attr of attrs) {
      const i = attr.indexOf('=')
      const key = (i < 0 ? attr : attr.slice(0, i)).trim().toLowerCase()
      const v = i < 0 ? '' : attr.slice(i + 1).trim()
      if (key === 'domain' && v) {
        const d = v.replace(/^\./, '').toLowerCase()
        // RFC 6265 §5.3 step 6: a Domain the host does not match makes the whole cookie ignored.
        if (!domainMatches(host, d)) return
        domain = d
        hostOnly = false
      } else if (key === 'path' && v.startsWith('/')) path = v
      else if (key === 'expires') {
        const t = Date.parse(v)
        if (!Number.isNaN(t)) expiresAt = t
      } else if (key === 'max-age' && /^-?\d+$/.test(v)) maxAge = Number(v)
      else if (key === 'secure') secure = true
      else if (key === 'samesite') sameSite = v.toLowerCase() === 'strict' ? 'strict' : v.toLowerCase() === 'none' ? 'none' : 'lax'
    }
    if (maxAge !== null) expiresAt = maxAge <= 0 ? 0 : this.#now() + maxAge * 1000
    const existing = this.#cookies.find((c) => c.name === name && c.domain === domain && c.path === path)
    this.#cookies = this.#cookies.filter((c) => c !== existing)
    if (expiresAt !== null && expiresAt <= this.#now()) return // an expiry in the past deletes it
    this.#cookies.push({ name, value, domain, hostOnly, path, expiresAt, secure, sameSite, createdAt: existing?.createdAt ?? this.#now() })
  }

  /** The `Cookie` header for a request to `url` (undefined when none applies). */
  header(url: URL, site: RequestSite = 'same-site', method = 'GET'): string | undefined {
    const host = url.hostname.toLowerCase()
    const now = this.#now()
    this.#cookies = this.#cookies.filter((c) => c.expiresAt === null || c.expiresAt > now)
    const trustworthy = url.protocol === 'https:' || LOOPBACK.has(host) || LOOPBACK.has(url.host.replace(/:\d+$/, ''))
    const sendable = this.#cookies.filter((c) => {
      if (c.hostOnly ? host !== c.domain : !domainMatches(host, c.domain)) return false
      if (!pathMatches(url.pathname, c.path)) return false
      if (c.secure && !trustworthy) return false
      if (site === 'cross-site' && (c.sameSite === 'strict' || (c.sameSite === 'lax' && method !== 'GET'))) return false
      return true
    })
    if (!sendable.length) return undefined
    // RFC 6265 §5.4 step 2: longer paths first, then older cookies first.
    sendable.sort((a, b) => b.path.length - a.path.length || a.createdAt - b.createdAt)
    return sendable.map((c) => `${c.name}=${c.value}`).join('; ')
  }
}
