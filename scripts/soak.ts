/**
 * `npm run soak` (not part of `npm test`): the reliability run of issue 13, against the standalone
 * server started as a child process (`serve --port 0 --quiet`), a fresh one per phase, so that a
 * crash is seen as an exit or a signal and memory is the server's alone.
 *
 *   fuzz      every endpoint `GET /` lists and every control route `GET /__admin` lists: 10,000
 *             hostile requests each (seeded), then each non-default option profile (eras,
 *             Doorkeeper release, rotation, token path) and the clock at its far end, 1,000 per
 *             endpoint; 10,000 raw-socket
 *             cases; 500 half-sent connections held open during normal traffic
 *   race      per rotating provider, 100 trials of 20 concurrent refreshes of one refresh token
 *   soak      100,000 full flows, the clock moved past every lifetime every 2,000; then
 *             everything revoked and swept; RSS and heap before, peak, after; bytes per live token
 *   body      1,000 POSTs of a 1 MiB hostile body, 10 at a time
 *
 * Options: --quick (small counts: seconds to a minute or two), --seed N (default: random, printed),
 * --only fuzz,race,soak,body, --replay "<target>#<index>" (regenerate one fuzz request from the
 * seed, print it and send it to a fresh server; `raw#<index>` for a raw case).
 * Exit 1 when a criterion fails.
 */
import { randomInt } from 'node:crypto'
import { loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { type BodyLimitResult, bodyLimit } from './soak/bodylimit.ts'
import { ServerChild } from './soak/child.ts'
import { type EnduranceResult, type TokenCost, endurance, mb, tokenCost } from './soak/endurance.ts'
import { Admin, type Discovery, ProviderFlows, discover } from './soak/flows.ts'
import { type Finding, type FuzzResult, answersIndex, controlOf, fuzz } from './soak/fuzz.ts'
import { type HostileRequest, describeBytes, hostileRequest } from './soak/hostile.ts'
import { Client, RawConnection } from './soak/http.ts'
import { type RaceResult, refreshRace } from './soak/race.ts'
import { type HoldResult, type RawResult, holdPartialConnections, rawCase, rawFuzz, runRawCase } from './soak/raw.ts'
import { Rng, mixSeed } from './soak/rng.ts'
import { fuzzContext, fuzzTargets } from './soak/targets.ts'

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    seed: { type: 'string' },
    only: { type: 'string' },
    replay: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
})
if (values.help) {
  console.log('usage: npm run soak -- [--quick] [--seed N] [--only fuzz,race,soak,body] [--replay "<target>#<index>"]')
  process.exit(0)
}

const seed = values.seed !== undefined ? Number(values.seed) >>> 0 : randomInt(1, 2 ** 31)
const quick = values.quick ?? false
const only = new Set((values.only ?? 'fuzz,race,soak,body').split(',').map((s) => s.trim()))

const N = quick
  ? { perTarget: 150, perProfileTarget: 30, raw: 300, held: 100, trials: 10, concurrent: 20, flows: 3000, epoch: 500, warmup: 2600, costFlows: 500, posts: 100 }
  : { perTarget: 10_000, perProfileTarget: 1000, raw: 10_000, held: 500, trials: 100, concurrent: 20, flows: 100_000, epoch: 2000, warmup: 3000, costFlows: 10_000, posts: 1000 }
const WORKERS = 16

/**
 * Other states the fuzz also covers (the default is every endpoint's 10,000): each non-default
 * option profile, and the fakes' clock pushed as far as the control API lets it go.
 */
const PROFILES: Array<{ provider: 'calcom' | 'bookingsync' | 'zapier' | '*'; options: Record<string, unknown> }> = [
  { provider: '*', options: { clock: 'as far as the control API allows' } },
  { provider: 'calcom', options: { era: 'pages-router' } },
  { provider: 'calcom', options: { era: 'pages-router-2024' } },
  { provider: 'calcom', options: { era: 'app-router' } },
  { provider: 'calcom', options: { era: 'app-router-2025-11' } },
  { provider: 'bookingsync', options: { doorkeeper: '5.6.9' } },
  { provider: 'bookingsync', options: { rotation: 'on-use' } },
  { provider: 'zapier', options: { noSlashToken: 'redirect' } },
  { provider: 'zapier', options: { noSlashToken: 'not_found' } },
]

const out = (line = '') => console.log(line)
const load = () => loadavg().map((l) => l.toFixed(2)).join(', ')

/** A phase against its own fresh server; a crash or a thrown error is recorded, not fatal to the others. */
interface PhaseServer {
  server: ServerChild
  client: Client
  discovery: Discovery
}

const phaseErrors: string[] = []
const crashes: string[] = []
const internalErrors: string[] = []

async function withServer<T>(name: string, run: (s: PhaseServer) => Promise<T>): Promise<T | undefined> {
  const server = await ServerChild.start()
  const client = new Client(server, server.hostHeader, 64)
  try {
    const discovery = await discover(client)
    return await run({ server, client, discovery })
  } catch (error) {
    phaseErrors.push(`${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
    return undefined
  } finally {
    if (server.crashed) crashes.push(`${name}: the server died (${server.death()}); its last stderr lines:\n    ${server.stderrTail().slice(-15).join('\n    ')}`)
    for (const line of server.internalErrors()) internalErrors.push(`${name}: ${line}`)
    client.close()
    await server.stop()
  }
}

const measureOf = (server: ServerChild) => (gc: boolean) => server.memory(gc)
const peakOf = (server: ServerChild) => ({ reset: () => server.resetPeak(), read: () => server.peakRss() })

// ---------------------------------------------------------------------------------------------
// --replay
// ---------------------------------------------------------------------------------------------

if (values.replay) {
  const [name, indexText] = values.replay.split('#')
  const index = Number(indexText)
  await withServer('replay', async ({ server, client, discovery }) => {
    const ctx = await fuzzContext(server, client, discovery)
    if (name === 'raw') {
      const paths = fuzzTargets(discovery).map((t) => t.path)
      const c = rawCase(new Rng(mixSeed(seed, 0xffff, index)), ctx, paths)
      out(`seed ${seed}, raw case #${index} (${c.kind}, expect ${c.expect}, send ${JSON.stringify(c.send)}):\n${describeBytes(c.bytes, 100_000)}`)
      const r = await runRawCase(server, c)
      out(`→ ${r.responses.map((x) => `${x.status} ${x.body.toString('utf8').slice(0, 300)}`).join('\n→ ') || '(no answer)'}; closed ${r.closed}, error ${r.error ?? '-'}, timed out ${r.timedOut}`)
      return
    }
    const targets = fuzzTargets(discovery)
    const ti = targets.findIndex((t) => t.name === name)
    if (ti < 0) throw new Error(`no target "${name}"; targets: ${targets.map((t) => t.name).join(' | ')}`)
    const req = hostileRequest(new Rng(mixSeed(seed, ti, index)), ctx, targets[ti]!)
    out(`seed ${seed}, ${name} #${index} (expect ${req.expect}):\n${describeBytes(req.bytes, 100_000)}`)
    const connection = new RawConnection(server)
    const r = await connection.send(req.bytes, { head: req.head })
    connection.close()
    out(r.response ? `→ ${r.response.status} ${JSON.stringify(r.response.headers)}\n${r.response.body.toString('utf8').slice(0, 2000)}` : `→ no answer: closed ${r.closed}, error ${r.error ?? '-'}, timed out ${r.timedOut ?? false}`)
    out(`server alive: ${server.alive()}, answers GET /: ${await answersIndex(server)}`)
  })
  for (const e of [...phaseErrors, ...crashes, ...internalErrors]) out(e)
  process.exit(phaseErrors.length + crashes.length ? 1 : 0)
}

// ---------------------------------------------------------------------------------------------
// The phases
// ---------------------------------------------------------------------------------------------

out(`oauth-fakes soak — seed ${seed}${quick ? ' (--quick)' : ''}; Node ${process.version}; load average ${load()}`)
const t0 = Date.now()

let fuzzResult: FuzzResult | undefined
const profileResults: Array<{ profile: string; result: FuzzResult }> = []
let rawResult: RawResult | undefined
let holdResult: HoldResult | undefined
if (only.has('fuzz')) {
  out(`\n== fuzz: ${N.perTarget} hostile requests per endpoint and control route`)
  await withServer('fuzz', async ({ server, client, discovery }) => {
    const ctx = await fuzzContext(server, client, discovery)
    fuzzResult = await fuzz(server, ctx, fuzzTargets(discovery), { seed, perTarget: N.perTarget, log: out })
  })
  out(`\n== fuzz under the other option profiles, and with the clock at its far end: ${N.perProfileTarget} per endpoint`)
  await withServer('fuzz-profiles', async ({ server, client }) => {
    const admin = new Admin(client)
    for (const [pi, profile] of PROFILES.entries()) {
      await admin.reset()
      if (profile.provider !== '*') await admin.options(profile.provider, profile.options)
      else {
        // 100 years at a time until the control API refuses (the end of what a Date can hold).
        let moves = 0
        while (moves < 5000 && (await client.postJson('/__admin/clock', { advanceSeconds: 100 * 365 * 24 * 3600 })).status === 200) moves++
        out(`  the clock moved ${moves} × 100 years before the control API refused`)
      }
      const discovery = await discover(client)
      const ctx = await fuzzContext(server, client, discovery, 2)
      const label = `${profile.provider} ${JSON.stringify(profile.options)}`
      // Only this provider's endpoints (every provider's for the clock), and of the control routes
      // only those that read (the others would undo the state under test).
      const targets = fuzzTargets(discovery)
        .filter((t) => (profile.provider === '*' ? t.kind === 'provider' || t.method === 'GET' : t.provider === profile.provider))
        .map((t) => ({ ...t, name: `${t.name} ${JSON.stringify(profile.options)}` }))
      out(`  profile ${label}`)
      // A reset would take the clock back: those few requests are not sent under that profile.
      const skip = profile.provider === '*' ? (req: HostileRequest) => req.method === 'POST' && controlOf(req.target)?.action === 'reset' && controlOf(req.target)?.prefix === '' : undefined
      const result = await fuzz(server, ctx, targets, { seed: mixSeed(seed, 1000 + pi), perTarget: N.perProfileTarget, log: out, ...(skip ? { skip } : {}) })
      if (result.skipped) out(`  (${result.skipped} requests that would reset the fakes not sent)`)
      profileResults.push({ profile: label, result })
    }
  })
  out(`\n== raw sockets: ${N.raw} cases, then ${N.held} half-sent connections held open`)
  await withServer('raw', async ({ server, client, discovery }) => {
    const ctx = await fuzzContext(server, client, discovery)
    const paths = fuzzTargets(discovery).map((t) => t.path)
    rawResult = await rawFuzz(server, ctx, paths, { seed, cases: N.raw, log: out })
    holdResult = await holdPartialConnections(server, ctx, N.held, 200)
    out(`  held ${holdResult.held} half-sent connections: ${holdResult.normalAnswered}/${holdResult.normalRequests} normal requests answered meanwhile; server alive ${server.alive()}`)
  })
}

const races: RaceResult[] = []
if (only.has('race')) {
  out(`\n== refresh races: ${N.trials} trials × ${N.concurrent} concurrent refreshes`)
  await withServer('race', async ({ client, discovery }) => {
    await new Admin(client).consent('*', 'allow')
    for (const info of discovery.providers) {
      const flows = new ProviderFlows(client, info)
      const r = await refreshRace(flows, { name: `${info.id} ${info.endpoints.refresh?.replace(`/${info.id}`, '')}`, trials: N.trials, concurrent: N.concurrent })
      races.push(r)
      out(`  ${r.name.padEnd(44)} winners per trial ${JSON.stringify(r.winnersHistogram)}; losers ${JSON.stringify(r.losers)}; winner's token refreshes again ${r.chainOk}/${r.trials}`)
      if (info.endpoints.v2Token) {
        const v2 = await refreshRace(flows, {
          name: `${info.id} ${info.endpoints.v2Token.replace(`/${info.id}`, '')}`,
          trials: N.trials,
          concurrent: N.concurrent,
          send: (c, token) => c.postJson(info.endpoints.v2Token!, { client_id: info.demoClient.clientId, client_secret: info.demoClient.clientSecret, grant_type: 'refresh_token', refresh_token: token }),
        })
        races.push(v2)
        out(`  ${v2.name.padEnd(44)} winners per trial ${JSON.stringify(v2.winnersHistogram)}; losers ${JSON.stringify(v2.losers)}; winner's token refreshes again ${v2.chainOk}/${v2.trials}`)
      }
    }
  })
}

let soakResult: EnduranceResult | undefined
let costs: TokenCost[] | undefined
if (only.has('soak')) {
  out(`\n== soak: ${N.flows} flows, the clock moved past every lifetime every ${N.epoch}`)
  await withServer('soak', async ({ server, client, discovery }) => {
    const providers = discovery.providers.map((p) => new ProviderFlows(client, p))
    soakResult = await endurance(client, providers, { seed, flows: N.flows, epoch: N.epoch, concurrency: WORKERS, warmup: N.warmup, measure: measureOf(server), peak: peakOf(server), log: out })
    out(`\n== bytes per live token: ${N.costFlows} code exchanges per provider, heap after a full GC`)
    costs = await tokenCost(client, providers, N.costFlows, WORKERS, measureOf(server))
    for (const c of costs) out(`  ${c.provider.padEnd(12)} ${c.tokens} live tokens: heap +${mb(c.heapDelta)} → ${c.bytesPerTokenHeap.toFixed(0)} B/token; RSS +${mb(c.rssDelta)} → ${c.bytesPerTokenRss.toFixed(0)} B/token`)
  })
}

let body: BodyLimitResult | undefined
if (only.has('body')) {
  out(`\n== body limit: ${N.posts} POSTs of a 1 MiB hostile body, 10 at a time`)
  await withServer('body', async ({ server, client, discovery }) => {
    // Warm: the code paths the bodies take, once, before the baseline.
    await bodyLimit(client, discovery, { seed, posts: 20, concurrency: 10, answersNormally: async () => true })
    body = await bodyLimit(client, discovery, {
      seed,
      posts: N.posts,
      concurrency: 10,
      measure: measureOf(server),
      peak: peakOf(server),
      answersNormally: async () => {
        if (!(await answersIndex(server))) return false
        await new Admin(client).consent('*', 'allow')
        for (const info of discovery.providers) {
          const f = new ProviderFlows(client, info)
          const t = await f.exchange(await f.authorize())
          await f.api(t.access)
        }
        return true
      },
    })
    out(`  ${body.posts} answered: ${JSON.stringify(body.statuses)}`)
  })
}

// ---------------------------------------------------------------------------------------------
// Summary
// ---------------------------------------------------------------------------------------------

interface Row {
  what: string
  figure: string
  ok: boolean | null
}
const rows: Row[] = []
const row = (what: string, figure: string, ok: boolean | null) => rows.push({ what, figure, ok })
const findings: Array<Finding & { phase: string }> = []
const pct = (a: number, b: number) => `${(((a - b) / b) * 100).toFixed(1)}%`

if (fuzzResult) {
  const f = fuzzResult
  const profiles = profileResults.map((p) => p.result)
  const all = [f, ...profiles]
  const sum = (pick: (r: FuzzResult) => number) => all.reduce((s, r) => s + pick(r), 0)
  const minPerTarget = Math.min(...f.targets.map((t) => t.requests))
  row('fuzz: hostile requests', `${f.requests} (${f.targets.length} targets, ≥ ${minPerTarget} each) + ${sum((r) => r.requests) - f.requests} under ${PROFILES.length - 1} other option profiles and with the clock at its far end`, minPerTarget >= N.perTarget)
  row('fuzz: 5xx answers', `${sum((r) => r.fiveXX)} (deliberate, not counted: ${sum((r) => r.excused.capacity503)} capacity 503, ${sum((r) => r.excused.injectedFault)} injected faults, ${sum((r) => r.excused.emulated500)} cal.com emulated 500)`, sum((r) => r.fiveXX) === 0)
  row('fuzz: unanswered well-formed requests', `${sum((r) => r.unanswered)} (closes Node may make — CONNECT, Upgrade, what its parser refuses: ${sum((r) => r.expectedCloses)})`, sum((r) => r.unanswered) === 0)
  row('fuzz: requests never answered (timeout)', `${sum((r) => r.timeouts)}`, sum((r) => r.timeouts) === 0)
  row('fuzz: health checks (alive, GET / 200)', `${sum((r) => r.healthChecks) - sum((r) => r.healthFailures)}/${sum((r) => r.healthChecks)}`, sum((r) => r.healthFailures) === 0 && !all.some((r) => r.crashed))
  for (const r of all) findings.push(...r.findings.map((x) => ({ ...x, phase: 'fuzz' })))
}
if (rawResult) {
  const r = rawResult
  row('raw sockets: cases', `${r.cases} (${Object.keys(r.byKind).length} kinds)`, r.cases >= N.raw)
  row('raw sockets: 5xx / unanswered / hangs', `${r.fiveXX} / ${r.unanswered} / ${r.timeouts} (closed without an answer where allowed: ${r.closedWithoutAnswer})`, r.fiveXX === 0 && r.unanswered === 0 && r.timeouts === 0)
  row('raw sockets: health checks', `${r.healthChecks - r.healthFailures}/${r.healthChecks}`, r.healthFailures === 0 && !r.crashed)
  findings.push(...r.findings.map((x) => ({ ...x, phase: 'raw' })))
}
if (holdResult) row('slowloris: normal requests answered while half-sent connections held', `${holdResult.normalAnswered}/${holdResult.normalRequests} with ${holdResult.held} held`, holdResult.normalAnswered === holdResult.normalRequests)
for (const r of races) {
  row(`race ${r.name}: winners per trial`, `${JSON.stringify(r.winnersHistogram)} over ${r.trials} trials × ${r.concurrent}`, r.exactlyOne === r.trials && r.trials === N.trials)
  row(`race ${r.name}: losers`, `${Object.entries(r.losers).map(([k, v]) => `${v}× ${k}`).join(', ')}; 5xx ${r.fiveXX}; transport errors ${r.transportErrors}; winner's token works ${r.chainOk}/${r.trials}`, r.wrongLosers === 0 && r.fiveXX === 0 && r.transportErrors === 0 && r.chainOk === r.trials)
}
if (only.has('race') && races.length === 0) row('race', 'did not run', false)
if (soakResult) {
  const s = soakResult
  row('soak: flows', `${s.flows} flows, ${s.requests} requests, ${s.clockMoves} clock moves past every lifetime; failed flows ${s.failedFlows}${s.failedFlows ? ` ${JSON.stringify(s.errorsByStep)}` : ''}`, s.failedFlows === 0 && s.flows >= N.flows)
  row('soak: 5xx answers', `${s.fiveXX}`, s.fiveXX === 0)
  if (s.memory) {
    const m = s.memory
    row('soak: RSS cold / before (warm) / peak / end of soak / after sweep', `${mb(m.cold.rss)} / ${mb(m.before.rss)} / ${mb(m.peakRss)} / ${mb(m.endOfSoak.rss)} / ${mb(m.after.rss)}`, null)
    row('soak: memory back within 10% of the start (RSS after a full GC)', `after sweep ${mb(m.after.rss)} vs before ${mb(m.before.rss)}: ${pct(m.after.rss, m.before.rss)}`, m.after.rss <= m.before.rss * 1.1)
    row('soak: heap before / end of soak / after sweep (after a full GC)', `${mb(m.before.heapUsed)} / ${mb(m.endOfSoak.heapUsed)} / ${mb(m.after.heapUsed)} (${pct(m.after.heapUsed, m.before.heapUsed)})`, m.after.heapUsed <= m.before.heapUsed * 1.1)
    row('soak: live refresh tokens at the end of the soak', `${s.liveRefreshTokensAtEnd} (BookingSync and Zapier ones never expire): heap +${mb(m.endOfSoak.heapUsed - m.before.heapUsed)} → ${((m.endOfSoak.heapUsed - m.before.heapUsed) / Math.max(1, s.liveRefreshTokensAtEnd)).toFixed(0)} B each`, null)
  }
  for (const e of s.examples) findings.push({ kind: 'unanswered', phase: 'soak', target: 'flow', index: -1, detail: e })
  for (const e of s.serverErrors) findings.push({ kind: '5xx', phase: 'soak', target: 'flow', index: -1, detail: e })
}
if (only.has('soak') && !soakResult) row('soak', 'did not complete', false)
for (const c of costs ?? []) row(`bytes per live token: ${c.provider}`, `${c.bytesPerTokenHeap.toFixed(0)} B heap, ${c.bytesPerTokenRss.toFixed(0)} B RSS (${c.tokens} live tokens)`, null)
if (body) {
  const b = body
  row('body limit: POSTs of 1 MiB', `${b.posts}/${N.posts} answered, ${b.concurrency} at a time: ${JSON.stringify(b.statuses)}; at-limit refused ${b.atLimitRefused}, limit+1 not refused ${b.overLimitAccepted}`, b.posts === N.posts && b.overLimitAccepted === 0 && b.transportErrors === 0)
  row('body limit: 5xx answers', `${b.fiveXX}`, b.fiveXX === 0)
  if (b.memory) {
    const m = b.memory
    row('body limit: heap above its start (no GC / after a full GC)', `+${mb(m.after.heapUsed - m.before.heapUsed)} / +${mb(m.afterGc.heapUsed - m.before.heapUsed)} (limit +100 MB); RSS ${mb(m.before.rss)} → peak ${mb(m.peakRss)} → ${mb(m.afterGc.rss)}`, m.after.heapUsed - m.before.heapUsed < 100 * 1024 * 1024)
  }
  row('body limit: the server answers normally after', `${b.answersAfter ? 'yes' : 'no'} (GET /, and a flow per provider)`, b.answersAfter)
  for (const e of b.examples) findings.push({ kind: '5xx', phase: 'body', target: 'body', index: -1, detail: e })
}
if (only.has('body') && !body) row('body limit', 'did not complete', false)
row('crashes (server exit or signal)', `${crashes.length}`, crashes.length === 0)
row('internal errors the server printed', `${internalErrors.length}`, internalErrors.length === 0)
row('phases that threw', `${phaseErrors.length}`, phaseErrors.length === 0)

out(`\n== summary — seed ${seed}${quick ? ' (--quick)' : ''}, ${((Date.now() - t0) / 60_000).toFixed(1)} min, load average now ${load()}`)
const width = Math.max(...rows.map((r) => r.what.length))
for (const r of rows) out(`${r.ok === null ? '    ' : r.ok ? 'ok  ' : 'FAIL'}  ${r.what.padEnd(width)}  ${r.figure}`)
if (findings.length) {
  out(`\nfindings (first 30; reproduce with --seed ${seed} --replay "<target>#<index>"):`)
  for (const f of findings.slice(0, 30)) out(`  [${f.phase} ${f.kind}] ${f.target}${f.index >= 0 ? ` #${f.index}` : ''}: ${f.detail}${f.request ? `\n      request: ${f.request}` : ''}`)
}
for (const e of [...crashes, ...phaseErrors, ...internalErrors.slice(0, 20)]) out(`\n${e}`)
const failed = rows.some((r) => r.ok === false)
out(failed ? '\nFAIL' : '\nall criteria met')
process.exit(failed ? 1 : 0)
