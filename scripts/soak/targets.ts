/** The fuzz targets and context, from what the server says it serves. */
import type { Target } from './child.ts'
import { Admin, type Discovery, ProviderFlows } from './flows.ts'
import type { FuzzContext, FuzzTarget } from './hostile.ts'
import type { Client } from './http.ts'

/** Every endpoint of every provider (one target per distinct path), then every control route. */
export function fuzzTargets(discovery: Discovery): FuzzTarget[] {
  const targets: FuzzTarget[] = []
  for (const p of discovery.providers) {
    const byPath = new Map<string, string[]>()
    for (const [name, path] of Object.entries(p.endpoints)) byPath.set(path, [...(byPath.get(path) ?? []), name])
    for (const [path, names] of byPath) targets.push({ name: `${p.id} ${names.join('/')}`, kind: 'provider', provider: p.id, path })
  }
  for (const c of discovery.controls) targets.push({ name: `admin ${c.method} ${c.path}`, kind: 'admin', method: c.method, path: c.path })
  return targets
}

/** The demo clients, a few real codes and tokens where the default flow works (consent set to `allow` to get them), a tenant pool. */
export async function fuzzContext(target: Target, client: Client, discovery: Discovery, flowsPerProvider = 5): Promise<FuzzContext> {
  const tokens: string[] = []
  await new Admin(client).consent('*', 'allow')
  for (const info of discovery.providers) {
    const flows = new ProviderFlows(client, info)
    for (let i = 0; i < flowsPerProvider; i++) {
      // Best effort: under some option profiles (cal.com's older eras) the default flow does not apply.
      try {
        tokens.push(await flows.authorize())
        const t = await flows.exchange(await flows.authorize())
        tokens.push(t.access)
        if (t.refresh) tokens.push(t.refresh)
      } catch {
        break
      }
    }
  }
  return {
    hostHeader: target.hostHeader,
    port: target.port,
    providers: discovery.providers.map((p) => ({ id: p.id, clientId: p.demoClient.clientId, clientSecret: p.demoClient.clientSecret, redirectUris: p.demoClient.redirectUris })),
    tokens,
    tenants: ['ci-1', 'ci-2', 'job.42', 'a_b-c', 'T'],
  }
}
