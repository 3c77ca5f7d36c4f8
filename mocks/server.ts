/**
 * The standalone server (contract §2): every provider under its prefix, the index at `/`,
 * the control API under `/__admin`.
 */
import { createAdminApp } from './admin.ts'
import { type FetchHandler, listen } from './adapters/node-http.ts'
import type { ProviderId } from './engine/controls.ts'
import { escapeHtml, html, json } from './engine/http.ts'
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

function indexApp(fakes: Fakes): FetchHandler {
  return async (request) => {
    const url = new URL(request.url)
    if (url.pathname !== '/') return undefined
    const providers = fakes.providers.map((p) => describeProvider(fakes, p, url.origin))
    if ((request.headers.get('accept') ?? '').includes('application/json')) return json({ providers, admin: `${url.origin}/__admin` })
    const rows = providers
      .map(
        (p) => `<section><h2>${escapeHtml(p.name)} <small>${escapeHtml(p.baseUrl)}</small></h2>
<dl>${Object.entries(p.endpoints).map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd><code>${escapeHtml(v)}</code></dd>`).join('')}
<dt>demo client</dt><dd><code>${escapeHtml(p.demoClient.clientId)}</code> / <code>${escapeHtml(p.demoClient.clientSecret)}</code>, redirect <code>${escapeHtml(p.demoClient.redirectUris.join(' '))}</code></dd></dl></section>`,
      )
      .join('\n')
    return html(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>oauth-fakes</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1f2937}code{background:#f3f4f6;padding:0 .25rem;border-radius:.25rem}dt{font-weight:600;margin-top:.5rem}small{color:#6b7280;font-weight:400}section{border:1px solid #e5e7eb;border-radius:.5rem;padding:1rem;margin:1rem 0}</style>
</head><body><h1>oauth-fakes</h1><p>Fake OAuth authorization servers. Control API: <code>${escapeHtml(url.origin)}/__admin</code> (see the README).</p>
${rows}</body></html>`)
  }
}

/** Starts the standalone server. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const fakes = createFakes({ ...options, mount: 'prefixes' })
  const running = await listen([indexApp(fakes), createAdminApp(fakes), (r) => fakes.fetch(r)], { port: options.port ?? 4010, host: options.host ?? '127.0.0.1' })
  return { fakes, url: running.url, close: running.close }
}
