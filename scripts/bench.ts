/**
 * `npm run bench`: the standalone token and refresh endpoints under load, side by side with a bare
 * node:http server doing the minimum a token endpoint does, and their ratio.
 *
 * autocannon against 127.0.0.1 only; each run is bounded (BENCH_SECONDS, default 4 s). Servers run
 * in child processes so the load generator does not share their event loop.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import autocannon from 'autocannon'

const seconds = Number(process.env.BENCH_SECONDS ?? 4)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10)
const perProvider = Number(process.env.BENCH_GRANTS ?? 60_000)

interface Grants {
  url: string
  grants: Record<string, { codes: string[]; refreshTokens: string[]; redirectUri: string }>
}

async function startChild(kind: 'fakes' | 'bare', provider = ''): Promise<{ child: ChildProcess; info: Grants }> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./bench-server.ts', import.meta.url).pathname, kind, String(perProvider), provider], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve)
    child.once('exit', (code) => reject(new Error(`bench server (${kind}) exited with ${code}`)))
  })
  return { child, info: JSON.parse(line) as Grants }
}

type Req = { method: 'POST'; path: string; headers: Record<string, string>; body: string }

/** One untimed second first (JIT warm-up, for the ceiling as for the fakes), then the measured run. */
async function load(url: string, next: () => Req | undefined): Promise<{ rps: number; p99: number; errors: number; non2xx: number }> {
  await run(url, next, 1)
  return run(url, next, seconds)
}

async function run(url: string, next: () => Req | undefined, duration: number): Promise<{ rps: number; p99: number; errors: number; non2xx: number }> {
  const first = next()!
  const result = await autocannon({
    url,
    connections,
    duration,
    requests: [
      {
        ...first,
        setupRequest: (req) => {
          const r = next()
          return r ? { ...req, ...r } : req
        },
      },
    ],
  })
  return { rps: result.requests.average, p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx }
}

const form = (values: Record<string, string>) => new URLSearchParams(values).toString()
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }


/** The ceiling, measured before AND after the fakes: on a shared VM it drifts by a third between runs. */
async function ceilingRun() {
  const bare = await startChild('bare')
  const result = await load(bare.info.url, () => ({ method: 'POST', path: '/token', headers: FORM, body: form({ grant_type: 'client_credentials', client_id: 'bench', client_secret: 'bench' }) }))
  bare.child.kill()
  return result
}
const bareBefore = await ceilingRun()

const { createFakes } = await import('../mocks/fakes.ts')
const catalogue = createFakes()
const rows: Array<{ name: string; rps: number; p99: number; errors: number; non2xx: number }> = []
for (const provider of catalogue.providers) {
  const fakes = await startChild('fakes', provider)
  const grants = fakes.info.grants[provider]!
  const def = catalogue.definition(provider)
  const demo = catalogue.demoClient(provider)
  const base = `/${provider}`
  const auth = { client_id: demo.clientId, client_secret: demo.clientSecret }
  let codeIndex = 0
  rows.push({
    name: `${provider} token (authorization_code)`,
    ...(await load(fakes.info.url, () => {
      const code = grants.codes[codeIndex++]
      return code ? { method: 'POST', path: `${base}${def.endpoints.token}`, headers: FORM, body: form({ grant_type: 'authorization_code', code, redirect_uri: grants.redirectUri, ...auth }) } : undefined
    })),
  })
  let refreshIndex = 0
  // cal.com's refresh endpoint is its own and reads the refresh token from the Authorization header.
  const separateRefresh = def.endpoints.refresh !== def.endpoints.token
  rows.push({
    name: `${provider} refresh`,
    ...(await load(fakes.info.url, () => {
      const token = grants.refreshTokens[separateRefresh ? 0 : refreshIndex++]
      if (!token) return undefined
      return separateRefresh
        ? { method: 'POST', path: `${base}${def.endpoints.refresh}`, headers: { ...FORM, authorization: `Bearer ${token}` }, body: form({ grant_type: 'refresh_token', ...auth }) }
        : { method: 'POST', path: `${base}${def.endpoints.refresh}`, headers: FORM, body: form({ grant_type: 'refresh_token', refresh_token: token, ...auth }) }
    })),
  })
  fakes.child.kill()
}

const bareAfter = await ceilingRun()
const ceiling = (bareBefore.rps + bareAfter.rps) / 2
rows.unshift({ name: 'bare node:http, before', ...bareBefore }, { name: 'bare node:http, after', ...bareAfter })
console.log(`\n${connections} connections, ${seconds} s per run, 127.0.0.1, Node ${process.version}\n`)
console.log(`${'endpoint'.padEnd(40)} ${'req/s'.padStart(9)} ${'p99 ms'.padStart(7)} ${'ratio'.padStart(6)}  notes`)
for (const r of rows) {
  const notes = [r.errors ? `${r.errors} errors` : '', r.non2xx ? `${r.non2xx} non-2xx` : ''].filter(Boolean).join(', ')
  console.log(`${r.name.padEnd(40)} ${r.rps.toFixed(0).padStart(9)} ${String(r.p99).padStart(7)} ${(r.rps / ceiling).toFixed(2).padStart(6)}  ${notes}`)
}
const worst = Math.min(...rows.slice(2).map((r) => r.rps / ceiling))
console.log(`\nceiling = mean of the two bare runs: ${ceiling.toFixed(0)} req/s; lowest ratio of a fake endpoint: ${worst.toFixed(2)} (goal >= 0.30)`)
