/**
 * The standalone server (contract §2): every provider under its prefix, the index at `/`,
 * the control API under `/__admin`.
 */
import { createAdminApp } from './admin.ts'
import { type FetchHandler, listen } from './adapters/node-http.ts'
import type { ProviderId } from './engine/controls.ts'
import { html, json, page } from './engine/http.ts'
import { htmlDocument } from './engine/pages.ts'
import { type Fakes, type FakesOptions, createFakes } from './fakes.ts'

export interface ServerOptions extends Omit<FakesOptions, 'mount' | 'bases'> {
  port?: number
  host?: string
}

export interface RunningServer {
  fakes: Fakes
  url: string
  close(): Promise<void>
}

/** What `GET /` lists for one provider. */
export function describeProvider(fakes: Fakes, provider: ProviderId, origin: string) {
  const def = fakes.definition(provider)
  const base = `${origin}/${provider}`
  const demo = fakes.demoClient(provider)
  return {
    id: provider,
    name: def.title,
    baseUrl: base,
    endpoints: Object.fromEntries(Object.entries(def.endpoints).map(([k, path]) => [k, `${base}${path}`])),
    demoClient: { clientId: demo.clientId, clientSecret: demo.clientSecret, redirectUris: demo.redirectUris },
  }
}

/** What the index page's "try it" links ask for, in each provider's own scope separator. */
const TRY_SCOPES: Record<ProviderId, string> = {
  calcom: 'READ_BOOKING,READ_PROFILE',
  bookingsync: 'public rentals_read bookings_read',
  zapier: 'profile zap',
}
const OOB = 'urn:ietf:wg:oauth:2.0:oob'

type Described = ReturnType<typeof describeProvider>

/** An authorize URL for the demo client: its first http(s) redirect URI (or another given), a state and scopes. */
export function tryItUrl(p: Described, redirectUri?: string): string | undefined {
  const authorize = p.endpoints.authorize
  const uri = redirectUri ?? p.demoClient.redirectUris.find((u) => /^https?:\/\//i.test(u))
  if (!authorize || !uri) return undefined
  const url = new URL(authorize)
  url.search = new URLSearchParams({ client_id: p.demoClient.clientId, redirect_uri: uri, response_type: 'code', scope: TRY_SCOPES[p.id], state: `try-${p.id}` }).toString()
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

const COLORS: Record<ProviderId, string> = { calcom: '#111827', bookingsync: '#1f8dd6', zapier: '#FF4F00' }

function indexPage(providers: Described[], origin: string): string {
  const sections = providers.map((p) => {
    const tryIt = tryItUrl(p)
    const oob = p.demoClient.redirectUris.includes(OOB) ? tryItUrl(p, OOB) : undefined
    return page`<section id="${p.id}" style="--c:${COLORS[p.id]}">
<div class="head"><h2>${p.name} <small>${p.baseUrl}</small></h2>
<div class="try">${tryIt ? page`<a class="btn" id="try-${p.id}" href="${tryIt}">Try it: sign in with ${p.name}</a>` : ''}${oob ? page`<a class="btn alt" id="try-${p.id}-oob" href="${oob}">Try out-of-band</a>` : ''}</div></div>
<h3>Demo client</h3>
<table>
<tr><th>client_id</th><td><code>${p.demoClient.clientId}</code></td></tr>
<tr><th>client_secret</th><td><code>${p.demoClient.clientSecret}</code></td></tr>
<tr><th>redirect URIs</th><td>${p.demoClient.redirectUris.map((u, i) => page`${i ? ', ' : ''}<code>${u}</code>`)}</td></tr>
<tr><th>scope (try it)</th><td><code>${TRY_SCOPES[p.id]}</code></td></tr>
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

function indexApp(fakes: Fakes): FetchHandler {
  return async (request) => {
    const url = new URL(request.url)
    if (url.pathname !== '/') return undefined
    const providers = fakes.providers.map((p) => describeProvider(fakes, p, url.origin))
    if ((request.headers.get('accept') ?? '').includes('application/json')) return json({ providers, admin: `${url.origin}/__admin` })
    return html(indexPage(providers, url.origin))
  }
}

/** Starts the standalone server. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const fakes = createFakes({ ...options, mount: 'prefixes' })
  // The providers first: token requests are what the server answers most.
  const running = await listen([(r) => fakes.fetch(r), createAdminApp(fakes), indexApp(fakes)], { port: options.port ?? 4010, host: options.host ?? '127.0.0.1' })
  return { fakes, url: running.url, close: running.close }
}
