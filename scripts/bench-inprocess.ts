/**
 * Child process of `npm run bench` for what runs in one process: it is bundled by esbuild (as a
 * build would compile it, without tsx's helpers) and prints one JSON line.
 *   flows PROVIDER ROUNDS N     full flows (authorize with consent allow → token → one API call)
 *                               through msw with the fakes' handlers, with a constant handler per
 *                               origin (the same requests) and with one constant RegExp handler:
 *                               N of each a round, the three taking turns by chunks of 25
 *   fetch PROVIDER ROUNDS N     the same flows through createFetch, in a process without msw: a
 *                               listening msw server in the same process slowed createFetch by a
 *                               quarter or more (Zapier 7,400 → 4,600 flows/s; measured, the cause
 *                               not pinned down), which a createFetch user without msw never pays
 *   latency PROVIDER LIVE ROUNDS K   each endpoint's median latency on empty fakes and on fakes
 *                               holding LIVE access+refresh pairs: K requests a side to warm up, then
 *                               ROUNDS × K timed, the two sides taking turns by chunks of 20
 *   memory PROVIDER N           heap bytes per live access+refresh pair (run with --expose-gc)
 *   sweep N                     the slowest writes while a store of N dead entries is swept
 */
import { PerformanceObserver } from 'node:perf_hooks'
import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { createHandlers, escapeRegExp } from '../mocks/adapters/msw.ts'
import type { ProviderId } from '../mocks/engine/controls.ts'
import { ExpiringStore, type StoredGrant } from '../mocks/engine/store.ts'
import { type Fakes, createFakes } from '../mocks/fakes.ts'
import { flow, form, providerSetup } from './flows.ts'
import { createFetch } from '../mocks/fetch.ts'

type Fetch = typeof fetch
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

async function timeFlows(n: number, run: () => Promise<void>): Promise<{ flowsPerSecond: number; cpuFlowsPerSecond: number }> {
  const cpu = process.cpuUsage()
  const started = performance.now()
  for (let i = 0; i < n; i++) await run()
  const wall = performance.now() - started
  const used = process.cpuUsage(cpu)
  return { flowsPerSecond: (n / wall) * 1000, cpuFlowsPerSecond: n / ((used.user + used.system) / 1e6) }
}

/** Flows a kind of the flows part runs before the next kind's turn. */
const FLOW_CHUNK = 25

async function flows(p: ProviderId, rounds: number, n: number) {
  // Generous limits: the bench measures flows, not BookingSync's hourly API quota.
  const fakes = createFakes({ providers: [p], options: { bookingsync: { rateLimit: 1_000_000_000 } } })
  fakes.setConsent(p, 'allow')
  const s = providerSetup(fakes, p)
  // The constant handler answers the same requests (same hosts) with fixed answers: one handler per
  // origin with a path, as one writes them. Not a goal: the same answers from ONE handler whose path
  // is a RegExp, registered as createHandlers registers the fakes (mocks/adapters/msw.ts), which
  // tells how much of the ratio is the registration and how much the fakes' answers.
  const constantAnswer = ({ request }: { request: Request }) => {
    if (request.method === 'GET' && request.url.startsWith(s.authorizeUrl.split('?')[0]!)) return new HttpResponse(null, { status: 302, headers: { location: `${s.redirectUri}?code=c0de&state=st4te` } })
    if (request.method === 'POST') return HttpResponse.json({ access_token: 'a'.repeat(40), token_type: 'bearer', expires_in: 3600, refresh_token: 'r'.repeat(40) })
    return HttpResponse.json({ id: 1, name: 'constant' })
  }
  const origins = [...new Set(Object.values(fakes.bases(p)).map((b) => new URL(b).origin))]
  const constant = origins.map((origin) => http.all(`${origin}/*`, constantAnswer))
  const constantOne = [http.all(new RegExp(`^(?:${origins.map((o) => `${escapeRegExp(o)}/.*`).join('|')})$`), constantAnswer)]
  const fakeHandlers = createHandlers(fakes)
  const server = setupServer(...fakeHandlers)
  server.listen({ onUnhandledRequest: 'error' })
  const runs = { fakes: fakeHandlers, constant, constantOne }
  const kinds = Object.keys(runs) as Array<keyof typeof runs>
  // Warm-up: every path compiled before anything is timed.
  for (const kind of kinds) {
    server.resetHandlers(...runs[kind])
    for (let i = 0; i < Math.min(300, n); i++) await flow(fetch, s)
  }
  const out: Array<{ msw: number; mswConstant: number; mswConstantOne: number; cpu: { msw: number; mswConstant: number; mswConstantOne: number } }> = []
  for (let r = 0; r < rounds; r++) {
    // The kinds take turns, a chunk of flows each, and which goes first rotates: a shared
    // machine's speed drifts within seconds, and a later run pays for the garbage of the earlier.
    const spent = Object.fromEntries(kinds.map((k) => [k, { wall: 0, cpu: 0 }])) as Record<keyof typeof runs, { wall: number; cpu: number }>
    for (let done = 0, turn = 0; done < n; done += FLOW_CHUNK, turn++) {
      const count = Math.min(FLOW_CHUNK, n - done)
      for (let i = 0; i < kinds.length; i++) {
        const kind = kinds[(turn + i) % kinds.length]!
        server.resetHandlers(...runs[kind])
        const t = await timeFlows(count, () => flow(fetch, s))
        spent[kind].wall += count / t.flowsPerSecond
        spent[kind].cpu += count / t.cpuFlowsPerSecond
      }
    }
    const rate = (kind: keyof typeof runs, what: 'wall' | 'cpu') => n / spent[kind][what]
    out.push({
      msw: rate('fakes', 'wall'),
      mswConstant: rate('constant', 'wall'),
      mswConstantOne: rate('constantOne', 'wall'),
      cpu: { msw: rate('fakes', 'cpu'), mswConstant: rate('constant', 'cpu'), mswConstantOne: rate('constantOne', 'cpu') },
    })
  }
  server.close()
  return out
}

/** Full flows through createFetch (no msw in this process), per round. */
async function fetchFlows(p: ProviderId, rounds: number, n: number) {
  const fakes = createFakes({ providers: [p], options: { bookingsync: { rateLimit: 1_000_000_000 } } })
  fakes.setConsent(p, 'allow')
  const s = providerSetup(fakes, p)
  const fakeFetch = createFetch(fakes)
  // Warm-up, a round's worth: every path compiled and the request log (10,000 entries) full before
  // anything is timed (after 300 flows, the first timed round was the slowest of three in every run).
  for (let i = 0; i < n; i++) await flow(fakeFetch, s)
  const out: Array<{ createFetch: number; cpu: number }> = []
  for (let r = 0; r < rounds; r++) {
    const direct = await timeFlows(n, () => flow(fakeFetch, s))
    out.push({ createFetch: direct.flowsPerSecond, cpu: direct.cpuFlowsPerSecond })
  }
  return out
}

/** Fills `fakes` with `live` access+refresh pairs of `p`'s demo client through its token endpoint. */
async function fill(fakes: Fakes, p: ProviderId, live: number): Promise<void> {
  const s = providerSetup(fakes, p)
  const fetch = createFetch(fakes)
  for (let i = 0; i < live; i++) {
    // cal.com revokes a user's other refresh tokens at each refresh: its pairs belong to many users.
    const code = s.code(p === 'calcom' ? 100_000 + i : undefined)
    const res = await fetch(s.tokenUrl, form({ grant_type: 'authorization_code', code, redirect_uri: s.redirectUri, ...s.auth }))
    if (res.status !== 200) throw new Error(`fill ${p}: ${res.status} ${await res.text()}`)
    await res.text()
  }
}

interface Endpoint {
  name: string
  /**
   * `k` requests, each answered and its body read (codes and refresh tokens are single use: they
   * are made here, before the timing); each resolves to the status.
   */
  prepare(fetch: Fetch, k: number): Promise<Array<() => Promise<number>>>
}

async function json<T>(response: Promise<Response>): Promise<T> {
  const res = await response
  if (res.status >= 300) throw new Error(`${res.url}: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

/** A request whose answer is read whole; resolves to its status. */
const read = (response: Promise<Response>) => response.then(async (res) => (await res.text(), res.status))

function endpoints(fakes: Fakes, p: ProviderId): Endpoint[] {
  const s = providerSetup(fakes, p)
  const exchange = (fetch: Fetch) => json<{ access_token: string; refresh_token: string }>(fetch(s.tokenUrl, form({ grant_type: 'authorization_code', code: s.code(), redirect_uri: s.redirectUri, ...s.auth })))
  const bearer = (token: string): RequestInit => ({ headers: { authorization: `Bearer ${token}` } })
  const same = (k: number, make: () => Promise<number>) => Array.from({ length: k }, () => make)
  const list: Endpoint[] = [
    {
      name: 'authorize (consent page)',
      prepare: async (fetch, k) => {
        fakes.setConsent(p, 'ask')
        return same(k, () => read(fetch(s.consentPageUrl)))
      },
    },
    {
      name: 'authorize (consent allow)',
      prepare: async (fetch, k) => {
        fakes.setConsent(p, 'allow')
        return same(k, () => read(fetch(s.authorizeUrl, { redirect: 'manual' })))
      },
    },
    { name: 'token (authorization_code)', prepare: async (fetch, k) => Array.from({ length: k }, () => s.code()).map((code) => () => read(fetch(s.tokenUrl, form({ grant_type: 'authorization_code', code, redirect_uri: s.redirectUri, ...s.auth })))) },
    {
      name: 'refresh (rotating)',
      prepare: async (fetch, k) => {
        if (p === 'calcom') {
          // Each refresh revokes the user's earlier refresh tokens: one chain, each answer giving the next token.
          let current = (await exchange(fetch)).refresh_token
          return same(k, async () => {
            const res = await fetch('https://api.cal.com/v2/auth/oauth2/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: current, ...s.auth }) })
            current = ((await res.json()) as { refresh_token: string }).refresh_token
            return res.status
          })
        }
        const tokens: string[] = []
        for (let i = 0; i < k; i++) tokens.push((await exchange(fetch)).refresh_token)
        return tokens.map((refresh_token) => () => read(fetch(s.tokenUrl, form({ grant_type: 'refresh_token', refresh_token, ...s.auth }))))
      },
    },
    {
      name: 'API call (user token)',
      prepare: async (fetch, k) => {
        const { access_token } = await exchange(fetch)
        return same(k, () => read(fetch(s.apiUrl, bearer(access_token))))
      },
    },
  ]
  if (p === 'bookingsync' || p === 'zapier' || p === 'oauth2') {
    const cc = (fetch: Fetch) =>
      p === 'zapier'
        ? fetch(s.tokenUrl, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${s.demo.clientId}:${s.demo.clientSecret}`).toString('base64')}` }, body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'promotions:write' }) })
        : fetch(s.tokenUrl, form({ grant_type: 'client_credentials', ...s.auth }))
    list.push({ name: 'token (client_credentials)', prepare: async (fetch, k) => same(k, () => read(cc(fetch))) })
    list.push({
      name: 'API call (client-credentials token)',
      prepare: async (fetch, k) => {
        const { access_token } = await json<{ access_token: string }>(cc(fetch))
        // Zapier's one app-token endpoint deletes a promotion: an unknown id (404) after the token checks.
        if (p === 'zapier') return same(k, () => read(fetch('https://api.zapier.com/v2/promotions/none', { method: 'DELETE', ...bearer(access_token) })).then((status) => (status === 404 ? 200 : status)))
        // The generic provider's resource is a user's: its token is looked up by introspection (RFC 7662).
        if (p === 'oauth2') return same(k, () => read(fetch('https://oauth2.example/introspect', form({ token: access_token, ...s.auth }))))
        return same(k, () => read(fetch(s.apiUrl, bearer(access_token))))
      },
    })
  }
  if (p === 'bookingsync') {
    list.push({
      name: 'token info',
      prepare: async (fetch, k) => {
        const { access_token } = await exchange(fetch)
        return same(k, () => read(fetch('https://www.bookingsync.com/oauth/token/info', bearer(access_token))))
      },
    })
    list.push({
      name: 'revoke',
      prepare: async (fetch, k) => {
        const tokens: string[] = []
        for (let i = 0; i < k; i++) tokens.push((await exchange(fetch)).access_token)
        return tokens.map((token) => () => read(fetch('https://www.bookingsync.com/oauth/revoke', form({ token, ...s.auth }))))
      },
    })
  }
  return list
}

/** Requests a side of the latency part makes before the other side's turn. */
const LATENCY_CHUNK = 20

async function latency(p: ProviderId, live: number, rounds: number, k: number) {
  const options = { providers: [p], options: { bookingsync: { rateLimit: 1_000_000_000 } }, logLimits: { maxEntries: 1000 } }
  const empty = createFakes(options)
  const full = createFakes(options)
  const filled = performance.now()
  await fill(full, p, live)
  const fillSeconds = (performance.now() - filled) / 1000
  const sides = [
    { name: 'empty', fakes: empty, fetch: createFetch(empty), endpoints: endpoints(empty, p) },
    { name: 'full', fakes: full, fetch: createFetch(full), endpoints: endpoints(full, p) },
  ] as const
  const result: Record<string, { emptyUs: number; fullUs: number; ratio: number }> = {}
  for (let e = 0; e < sides[0].endpoints.length; e++) {
    const name = sides[0].endpoints[e]!.name
    // Every request is made before any is timed: k to warm up, then k a round.
    const n = k * (rounds + 1)
    const requests = [await sides[0].endpoints[e]!.prepare(sides[0].fetch, n), await sides[1].endpoints[e]!.prepare(sides[1].fetch, n)] as const
    const times: [number[], number[]] = [[], []]
    // The sides take turns, a chunk of requests each, and the side that goes first alternates: a
    // shared machine's speed drifts within seconds (the same endpoint's batches ranged over 3× in
    // one process), and side by side both sides see the same drift, neither always after the other.
    for (let start = 0, turn = 0; start < n; start += LATENCY_CHUNK, turn++) {
      for (const side of turn % 2 === 0 ? ([0, 1] as const) : ([1, 0] as const)) {
        for (let i = start; i < Math.min(n, start + LATENCY_CHUNK); i++) {
          const started = performance.now()
          const status = await requests[side][i]!()
          const took = performance.now() - started
          if (status >= 400) throw new Error(`${p} ${name} (${sides[side].name}): ${status}`)
          // The first k of each side warm up.
          if (i >= k) times[side].push(took * 1000)
        }
      }
    }
    const [emptyUs, fullUs] = [median(times[0]), median(times[1])]
    result[name] = { emptyUs, fullUs, ratio: emptyUs / fullUs }
  }
  return { fillSeconds, liveAccess: full.runtime(p).accessTokens.size, liveRefresh: full.runtime(p).refreshTokens.size, endpoints: result }
}

async function memory(p: ProviderId, n: number) {
  const gc = (globalThis as { gc?: () => void }).gc
  if (!gc) throw new Error('memory: run with --expose-gc')
  // The request log would count: one entry.
  const fakes = createFakes({ providers: [p], logLimits: { maxEntries: 1 } })
  await fill(fakes, p, 500)
  gc()
  gc()
  const before = process.memoryUsage().heapUsed
  const rt = fakes.runtime(p)
  const sizes = [rt.accessTokens.size, rt.refreshTokens.size]
  await fill(fakes, p, n)
  gc()
  gc()
  // Read before anything else is made: the sample below copies the whole store (`entries()`).
  const after = process.memoryUsage().heapUsed
  const pairs = Math.max(rt.accessTokens.size - sizes[0]!, rt.refreshTokens.size - sizes[1]!)
  const [key, entry] = [...rt.refreshTokens.entries()].at(-1)!
  const access = entry.pair === null ? undefined : rt.accessTokens.lookup(entry.pair, 0)
  const accessChars = access && access.state !== 'unknown' ? rt.tokenText('access', entry.pair!, access.entry).length : 0
  return { pairs, bytesPerPair: (after - before) / pairs, tokenChars: rt.tokenText('refresh', key, entry).length + accessChars }
}

/** Writes while N dead entries are swept: the slowest write not overlapping a GC pause, and the GC pauses. */
async function sweep(n: number) {
  const gcs: Array<{ start: number; end: number }> = []
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push({ start: e.startTime, end: e.startTime + e.duration })
  })
  observer.observe({ entryTypes: ['gc'] })
  const store = new ExpiringStore<StoredGrant>({ retainSeconds: 1, sweepEverySeconds: 1 })
  for (let i = 0; i < n; i++) store.set(`dead-${i}`, { clientId: 'c', expiresAt: 1000, revokedAt: null }, 0)
  const writes: Array<{ start: number; end: number }> = []
  let now = 10_000
  while (store.lookup(`dead-${n - 1}`, now).state !== 'unknown') {
    const start = performance.now()
    store.set(`live-${now}`, { clientId: 'c', expiresAt: null, revokedAt: null }, now++)
    writes.push({ start, end: performance.now() })
  }
  // Let the observer deliver its entries: Node queues them past the next turn of the event loop
  // (one setImmediate sees none), so this waits a tenth of a second of real time.
  await new Promise((resolve) => setTimeout(resolve, 100))
  observer.disconnect()
  const clean = writes.filter((w) => !gcs.some((g) => g.start < w.end && g.end > w.start)).map((w) => w.end - w.start)
  // The old way: one write walks the whole store.
  const whole = new ExpiringStore<StoredGrant>({ retainSeconds: 1 })
  for (let i = 0; i < n; i++) whole.set(`dead-${i}`, { clientId: 'c', expiresAt: 1000, revokedAt: null }, 0)
  const started = performance.now()
  whole.sweep(10_000)
  return { writes: writes.length, slowestWriteMs: Math.max(...clean), p99WriteMs: [...clean].sort((a, b) => b - a)[Math.floor(clean.length / 100)]!, slowestGcMs: Math.max(0, ...gcs.map((g) => g.end - g.start)), wholeSweepMs: performance.now() - started }
}

const [mode, ...args] = process.argv.slice(2)
const provider = args[0] as ProviderId
let result: unknown
if (mode === 'flows') result = await flows(provider, Number(args[1] ?? 3), Number(args[2] ?? 1000))
else if (mode === 'fetch') result = await fetchFlows(provider, Number(args[1] ?? 3), Number(args[2] ?? 3000))
else if (mode === 'latency') result = await latency(provider, Number(args[1] ?? 100_000), Number(args[2] ?? 3), Number(args[3] ?? 300))
else if (mode === 'memory') result = await memory(provider, Number(args[1] ?? 50_000))
else if (mode === 'sweep') result = await sweep(Number(args[0] ?? 200_000))
else throw new Error(`unknown mode ${mode}`)
console.log(JSON.stringify(result))
