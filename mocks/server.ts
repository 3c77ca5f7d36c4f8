/**
 * The standalone server (docs/server.md): every provider under its prefix, the index at `/`,
 * the control API under `/__admin`, and tenants under `/t/<tenant>/…`.
 *
 * Every absolute URL the fakes build starts with the public URL (`publicUrl`, default
 * `http://<host>:<port>`); request targets are resolved against it, never against the Host header,
 * and a Host that does not name this server is refused. The control API answers loopback peers,
 * and others only with `Authorization: Bearer <adminToken>`; a cross-site Origin is refused.
 */
import { timingSafeEqual } from 'node:crypto'
import { hostname, networkInterfaces } from 'node:os'
import { createAdminApp } from './admin.ts'
import { createDashboardApp } from './dashboard/index.ts'
import { type ConnectionInfo, type FetchHandler, type NodeServerLimits, listen } from './adapters/node-http.ts'
import type { BuiltinProviderId, ProviderId } from './engine/controls.ts'
import { z } from 'zod'
import { html, json, page, requestUrl } from './engine/http.ts'
import { htmlDocument } from './engine/pages.ts'
import { type Fakes, type FakesOptions, createFakes } from './fakes.ts'
import type { StateFile } from './state.ts'
import { TENANT_NAME, TenantLimitError, type TenantOptions, Tenants } from './tenants.ts'

export interface ServerOptions extends Omit<FakesOptions, 'mount' | 'bases' | 'origin' | 'pathPrefix'> {
  /** Default 4010; 0 picks a free port. */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
  /**
   * The URL clients reach the server at (`https://fakes.ci.example`): every absolute URL the fakes
   * build (redirects, `Link` headers, the out-of-band page) starts with it, and its host is one the
   * server answers to. Default `http://<host>:<port>`.
   */
  publicUrl?: string
  /** Lets a non-loopback peer use the control API with `Authorization: Bearer <adminToken>`. */
  adminToken?: string
  /** More `Host` values the server answers to (`fakes.internal:4010`). */
  allowedHosts?: readonly string[]
  tenants?: TenantOptions
  limits?: NodeServerLimits
  /** Called with one line per answered request (`GET /calcom/… 200 1.2 ms`); default: none. */
  onRequest?: (line: string) => void
  /** Warnings at start (e.g. listening beyond loopback); default `console.warn`. */
  warn?: (message: string) => void
  /**
   * The default tenant's state kept in a file across restarts (`serve --state`, ./state.ts): loaded
   * at start, every change written before the answer that follows it leaves.
   */
  state?: StateFile
}

export interface RunningServer {
  /** The default tenant's fakes (the un-prefixed paths). */
  fakes: Fakes
  tenants: Tenants
  /** The public URL (no trailing slash). */
  url: string
  /** Where the socket listens (`http://127.0.0.1:4010`). */
  listenUrl: string
  close(): Promise<void>
}

/** What `GET /` lists for one provider. */
export function describeProvider(fakes: Fakes, provider: ProviderId) {
  const def = fakes.definition(provider)
  const bases = fakes.bases(provider)
  const base = Object.values(bases)[0]!
  const demo = fakes.demoClient(provider)
  return {
    id: provider,
    name: def.title,
    baseUrl: base,
    endpoints: Object.fromEntries(Object.entries(def.endpoints).map(([k, path]) => [k, `${base}${path}`])),
    demoClient: { clientId: demo.clientId, clientSecret: demo.clientSecret, redirectUris: demo.redirectUris },
    options: fakes.options(provider),
  }
}

/** What the index page's "try it" links ask for, in each provider's own scope separator. */
const TRY_SCOPES: Record<Exclude<BuiltinProviderId, 'calcom'>, string> = {
  bookingsync: 'public rentals_read bookings_read',
  zapier: 'profile zap',
  oauth2: 'profile email',
}
/**
 * The scopes "try it" asks for: cal.com's depend on its era (the new scope set since 2026); a
 * user-defined provider's asks for none, so it gets its declared defaults (RFC 6749 §3.3).
 */
function tryScope(p: Described): string | undefined {
  if (p.id === 'calcom') return (p.options as { era?: string }).era === 'oauth-service' ? 'BOOKING_READ PROFILE_READ' : 'READ_BOOKING,READ_PROFILE'
  return TRY_SCOPES[p.id as Exclude<BuiltinProviderId, 'calcom'>]
}
const OOB = 'urn:ietf:wg:oauth:2.0:oob'

type Described = ReturnType<typeof describeProvider>

/** An authorize URL for the demo client: its first http(s) redirect URI (or another given), a state and scopes. */
export function tryItUrl(p: Described, redirectUri?: string): string | undefined {
  const authorize = p.endpoints.authorize
  const uri = redirectUri ?? p.demoClient.redirectUris.find((u) => /^https?:\/\//i.test(u))
  if (!authorize || !uri) return undefined
  const url = new URL(authorize)
  const scope = tryScope(p)
  url.search = new URLSearchParams({ client_id: p.demoClient.clientId, redirect_uri: uri, response_type: 'code', ...(scope !== undefined ? { scope } : {}), state: `try-${p.id}` }).toString()
  return url.toString()
}

const indexStyle = `
*{box-sizing:border-box}body{margin:0;font-family:ui-sans-serif,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f6f7f9;color:#1f2937;line-height:1.5}
.top{background:#111827;color:#fff;padding:2rem 1.5rem 2.25rem}.top>div,.wrap{max-width:64rem;margin:0 auto}
.top h1{margin:0;font-size:1.75rem;letter-spacing:-.02em}.top p{margin:.35rem 0 0;color:#d1d5db}.top code{background:#1f2937;color:#e5e7eb}
.wrap{padding:1.5rem}
section{background:#fff;border:1px solid #e5e7eb;border-radius:.75rem;padding:1.25rem 1.5rem;margin:0 0 1.25rem;border-top:4px solid var(--c)}
.head{display:flex;align-items:center;gap:1rem;flex-wrap:wrap}
h2{margin:0;font-size:1.25rem}h2 small{display:block;font-size:.8rem;font-weight:400;color:#6b7280}
.try{margin-left:auto;display:flex;gap:.5rem;flex-wrap:wrap}
a.btn{display:inline-block;background:var(--c);color:#fff;text-decoration:none;font-weight:600;font-size:.875rem;padding:.5rem 1rem;border-radius:.4rem}
a.btn.alt{background:#fff;color:var(--c);border:1px solid var(--c)}a.btn:focus-visible{outline:2px solid #111827;outline-offset:2px}
h3{font-size:.8rem;text-transform:uppercase;letter-spacing:.05em;color:#6b7280;margin:1.1rem 0 .4rem}
table{border-collapse:collapse;width:100%;font-size:.875rem}td,th{text-align:left;padding:.3rem .5rem;border-top:1px solid #f0f1f3;vertical-align:top}th{font-weight:600;width:12rem;color:#374151}
code{font:.85em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f3f4f6;padding:.1rem .3rem;border-radius:.25rem;word-break:break-all}
.hint{font-size:.8rem;color:#6b7280;margin:.5rem 0 0}
footer{color:#6b7280;font-size:.8rem;padding:0 1.5rem 2rem;max-width:64rem;margin:0 auto}`

const COLORS: Record<BuiltinProviderId, string> = { calcom: '#111827', bookingsync: '#1f8dd6', zapier: '#FF4F00', oauth2: '#4f46e5' }

function indexPage(providers: Described[], origin: string): string {
  const sections = providers.map((p) => {
    const tryIt = tryItUrl(p)
    const oob = p.demoClient.redirectUris.includes(OOB) ? tryItUrl(p, OOB) : undefined
    return page`<section id="${p.id}" style="--c:${COLORS[p.id as BuiltinProviderId] ?? '#374151'}">
<div class="head"><h2>${p.name} <small>${p.baseUrl}</small></h2>
<div class="try">${tryIt ? page`<a class="btn" id="try-${p.id}" href="${tryIt}">Try it: sign in with ${p.name}</a>` : ''}${oob ? page`<a class="btn alt" id="try-${p.id}-oob" href="${oob}">Try out-of-band</a>` : ''}</div></div>
<h3>Demo client</h3>
<table>
<tr><th>client_id</th><td><code>${p.demoClient.clientId}</code></td></tr>
<tr><th>client_secret</th><td><code>${p.demoClient.clientSecret}</code></td></tr>
<tr><th>redirect URIs</th><td>${p.demoClient.redirectUris.map((u, i) => page`${i ? ', ' : ''}<code>${u}</code>`)}</td></tr>
<tr><th>scope (try it)</th><td><code>${tryScope(p) ?? '(the defaults)'}</code></td></tr>
</table>
<h3>Endpoints</h3>
<table>${Object.entries(p.endpoints).map(([k, v]) => page`<tr><th>${k}</th><td><code>${v}</code></td></tr>`)}</table>
${tryIt ? page`<p class="hint">“Try it” opens the consent page; after Allow the browser goes to the demo redirect URI, which only answers if you run an app there.</p>` : ''}
</section>`
  })
  const body = page`<div class="top"><div><h1>oauth-fakes</h1>
<p>Fake OAuth authorization servers for ${providers.map((p, i) => page`${i ? (i === providers.length - 1 ? ' and ' : ', ') : ''}<a href="#${p.id}" style="color:#fff">${p.name}</a>`)}. Every consent page lets you pick one of the demo users.</p>
<p>Control API: <code>${origin}/__admin</code> (clients, clock, consent, revoke, faults, requests, reset: see the README). JSON of this page: <code>Accept: application/json</code>.</p></div></div>
<div class="wrap">
${sections}
</div>
<footer>Everything here is in memory; <code>POST ${origin}/__admin/reset</code> goes back to the fixtures.</footer>`
  return htmlDocument({ title: 'oauth-fakes', style: indexStyle, body })
}

function indexResponse(fakes: Fakes, request: Request, publicUrl: string): Response {
  const providers = fakes.providers.map((p) => describeProvider(fakes, p))
  if ((request.headers.get('accept') ?? '').includes('application/json')) {
    const optionValues = Object.fromEntries(fakes.providers.map((p) => [p, optionsDescription(fakes, p)]))
    return json({ providers, admin: `${publicUrl}/__admin`, options: optionValues })
  }
  return html(indexPage(providers, publicUrl))
}

/** Each option of a provider with its allowed values and default (docs/server.md: `GET /` lists them). */
function optionsDescription(fakes: Fakes, provider: ProviderId): Record<string, unknown> {
  const schema = z.toJSONSchema(fakes.definition(provider).optionsSchema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, Record<string, unknown>> }
  const out: Record<string, unknown> = {}
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    out[name] = { ...(prop.enum ? { values: prop.enum } : { type: prop.type }), default: prop.default, ...(prop.description ? { description: prop.description } : {}) }
  }
  return out
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/

/** Whether the peer is this machine (the control API trusts it without a token). */
export function isLoopback(address: string | undefined): boolean {
  return address !== undefined && LOOPBACK.test(address)
}

/** `Host` header value → normalized `host[:port]` (default port dropped), or null for garbage. */
function normalizeHost(value: string, protocol = 'http:'): string | null {
  if (!value || /[\s/\\@?#]/.test(value)) return null
  try {
    return new URL(`${protocol}//${value}`).host
  } catch {
    return null
  }
}

/** Every `Host` this server answers to. */
function allowedHostSet(publicUrl: URL, host: string, port: number, extra: readonly string[]): Set<string> {
  const names = new Set<string>()
  const add = (h: string, protocol = 'http:') => {
    const n = normalizeHost(h, protocol)
    if (n) names.add(n)
  }
  add(publicUrl.host, publicUrl.protocol)
  for (const name of ['localhost', '127.0.0.1', '[::1]']) add(`${name}:${port}`)
  const wildcard = host === '0.0.0.0' || host === '::' || host === ''
  if (!wildcard) add(`${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`)
  else {
    add(`${hostname()}:${port}`)
    for (const list of Object.values(networkInterfaces())) {
      for (const i of list ?? []) add(`${i.family === 'IPv6' ? `[${i.address.split('%')[0]}]` : i.address}:${port}`)
    }
  }
  for (const h of extra) add(h)
  return names
}

const refuse = (status: number, error: string) => json({ error }, status)

function tokenMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.byteLength === b.byteLength && timingSafeEqual(a, b)
}

/** Starts the standalone server. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1'
  const warn = options.warn ?? ((m: string) => console.warn(m))
  const { port: _port, host: _host, publicUrl: _publicUrl, adminToken, allowedHosts = [], tenants: tenantOptions, limits, onRequest, warn: _warn, state, ...fakesOptions } = options
  // Known once listening (port 0 picks one): the fakes are created after `listen`, before the first request.
  let publicUrl!: URL
  let base = ''
  let allowed!: Set<string>
  let fakes!: Fakes
  let tenants!: Tenants
  const origins = () => new Set([publicUrl.origin, ...[...allowed].map((h) => `http://${h}`)])

  function adminGuard(request: Request, connection: ConnectionInfo): Response | undefined {
    const origin = request.headers.get('origin')
    if (origin !== null && !origins().has(origin)) return refuse(403, `origin: the control API refuses cross-site requests (Origin ${origin})`)
    const site = request.headers.get('sec-fetch-site')
    if (site !== null && site !== 'same-origin' && site !== 'none') return refuse(403, `origin: the control API refuses ${site} requests`)
    if (isLoopback(connection.remoteAddress)) return undefined
    if (!adminToken) return refuse(403, 'authorization: the control API answers this machine only; set OAUTH_FAKES_ADMIN_TOKEN (or adminToken) to allow other peers')
    const given = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '')?.[1]
    if (!given || !tokenMatches(given, adminToken)) {
      return json({ error: 'authorization: a non-loopback peer needs Authorization: Bearer <admin token>' }, 401, { 'www-authenticate': 'Bearer realm="oauth-fakes admin"' })
    }
    return undefined
  }

  const adminApps = new WeakMap<Fakes, ReturnType<typeof createAdminApp>>()
  const adminOf = (f: Fakes, prefix: string) => {
    let app = adminApps.get(f)
    if (!app) adminApps.set(f, (app = createAdminApp(f, prefix)))
    return app
  }
  // The dashboard answers its own paths under the admin prefix (and a browser's GET of the prefix); the rest is the control API's.
  const dashboards = new WeakMap<Fakes, ReturnType<typeof createDashboardApp>>()
  const adminOrDashboard = async (f: Fakes, prefix: string, tenant: string | null, request: Request) => {
    let dashboard = dashboards.get(f)
    if (!dashboard) dashboards.set(f, (dashboard = createDashboardApp({ fakes: f, prefix, tenant, tenants: () => tenants.list(), root: base })))
    return (await dashboard(request)) ?? adminOf(f, prefix)(request)
  }

  const route: FetchHandler = async (request, connection) => {
    const url = requestUrl(request)
    const hostHeader = request.headers.get('host')
    const hostOk = hostHeader !== null && allowed.has(normalizeHost(hostHeader) ?? '')
    let path = url.pathname
    if (base) {
      if (path !== base && !path.startsWith(`${base}/`)) return refuse(404, 'not found')
      path = path.slice(base.length) || '/'
    }
    const isAdmin = (p: string) => p === '/__admin' || p.startsWith('/__admin/')
    if (!hostOk) {
      // DNS rebinding and Host-based tricks: only names of this server are answered.
      return isAdmin(path) || /^\/t\/[^/]+\/__admin(\/|$)/.test(path) ? refuse(403, `host: ${hostHeader ?? '(none)'} is not a name of this server`) : refuse(421, `host: ${hostHeader ?? '(none)'} is not a name of this server`)
    }
    // A tenant's path, or (RFC 8414 §3.1) a well-known document inserted before a tenant's provider path.
    const tenantMatch = /^(\/\.well-known\/[^/]+)?\/t\/([^/]+)(\/.*)?$/.exec(path)
    if (tenantMatch) {
      const name = tenantMatch[2]!
      const rest = tenantMatch[3] ?? '/'
      // The control API is never reached through a well-known path.
      const admin = tenantMatch[1] === undefined && isAdmin(rest)
      if (!TENANT_NAME.test(name)) return refuse(400, 'tenant: must be 1-64 characters of A-Z a-z 0-9 . _ -')
      if (admin) {
        const denied = adminGuard(request, connection)
        if (denied) return denied
        if (rest === '/__admin/reset' && request.method === 'POST') {
          tenants.drop(name)
          return json({ ok: true, tenant: name, dropped: true })
        }
      }
      let tenantFakes: Fakes
      try {
        tenantFakes = tenants.get(name)
      } catch (error) {
        if (error instanceof TenantLimitError) return refuse(503, error.message)
        throw error
      }
      if (admin) return adminOrDashboard(tenantFakes, `${base}/t/${name}/__admin`, name, request)
      return (await tenantFakes.fetch(request)) ?? refuse(404, 'not found')
    }
    const served = await fakes.fetch(request)
    if (served) return served
    if (isAdmin(path)) {
      const denied = adminGuard(request, connection)
      if (denied) return denied
      return adminOrDashboard(fakes, `${base}/__admin`, null, request)
    }
    if (path === '/') return indexResponse(fakes, request, publicUrl.href.replace(/\/+$/, ''))
    return undefined
  }
  // With a state file, what a request changed is on disk before its answer leaves.
  const handler: FetchHandler = state
    ? async (request, connection) => {
        try {
          return await route(request, connection)
        } finally {
          state.flush()
        }
      }
    : route

  const running = await listen([handler], {
    ...limits,
    port: options.port ?? 4010,
    host,
    origin: ({ host: h, port }) => {
      publicUrl = new URL(options.publicUrl ?? `http://${h === '0.0.0.0' || h === '[::]' ? hostname() : h}:${port}`)
      base = publicUrl.pathname.replace(/\/+$/, '')
      allowed = allowedHostSet(publicUrl, host, port, allowedHosts)
      const origin = publicUrl.origin
      fakes = createFakes({ ...fakesOptions, mount: 'prefixes', origin, pathPrefix: base })
      state?.attach(fakes)
      tenants = new Tenants((name) => createFakes({ ...fakesOptions, mount: 'prefixes', origin, pathPrefix: `${base}/t/${name}` }), tenantOptions)
      return origin
    },
    onAnswer: onRequest ? (l) => onRequest(`${l.method} ${l.path} ${l.status} ${l.ms.toFixed(1)} ms`) : undefined,
  })
  if (!isLoopback(host === 'localhost' ? '127.0.0.1' : host)) {
    warn(`oauth-fakes: listening on ${host}, beyond this machine: the fakes answer anyone who can reach ${running.url}. ${adminToken ? 'The control API needs the admin token from other peers.' : 'The control API answers this machine only (set OAUTH_FAKES_ADMIN_TOKEN to allow others).'}${options.publicUrl ? '' : ` Absolute URLs use ${publicUrl.origin}; set --public-url if clients reach the server by another name.`}`)
  }
  const sweeper = setInterval(() => tenants.sweep(), 60_000)
  sweeper.unref()
  return {
    fakes,
    tenants,
    url: publicUrl.href.replace(/\/+$/, ''),
    listenUrl: running.url,
    close: async () => {
      clearInterval(sweeper)
      await running.close()
      state?.close()
    },
  }
}
