/**
 * The soak: many full OAuth flows (authorize with consent `allow`, code exchange, an API call,
 * some refreshes and revocations) across every provider, in epochs; after each epoch the fakes'
 * clock moves past every lifetime (`POST /__admin/clock`), so what was issued expires and is swept
 * as new grants arrive. Then every grant is revoked, the clock moves past the 24 h retention, a
 * little traffic lets the sweeps run, and memory must be back where it started.
 *
 * Each concurrent worker is its own registered app (one per provider): cal.com rotates refresh
 * tokens per client and user, so two flows of one app would legitimately revoke each other's.
 *
 * Memory is read through `measure` (the child's heap after a full GC, and its RSS); the tests run
 * this without it.
 */
import type { Memory } from './child.ts'
import { Admin, FlowError, PAST_EVERY_LIFETIME_SECONDS, type ProviderFlows, RETENTION_SECONDS } from './flows.ts'
import { type Client, pool } from './http.ts'
import { Rng, mixSeed } from './rng.ts'

export interface EnduranceOptions {
  seed: number
  flows: number
  /** Flows between two clock moves. */
  epoch: number
  concurrency: number
  /** Flows before the "before" measurement (JIT, and the request log filled to its cap). */
  warmup: number
  refreshRate?: number
  revokeRate?: number
  measure?: (gc: boolean) => Promise<Memory>
  /** The highest RSS since `reset` (the child's 100 ms sampler). */
  peak?: { reset(): void; read(): number }
  log?: (line: string) => void
}

export interface EnduranceResult {
  flows: number
  failedFlows: number
  errorsByStep: Record<string, number>
  examples: string[]
  requests: number
  fiveXX: number
  serverErrors: string[]
  clockMoves: number
  /** Refresh tokens alive when the last epoch ended (BookingSync and Zapier ones never expire). */
  liveRefreshTokensAtEnd: number
  memory?: {
    cold: Memory
    before: Memory
    endOfSoak: Memory
    peakRss: number
    after: Memory
  }
}

export interface Apps {
  /** Per provider: one registered app per worker. */
  byProvider: ProviderFlows[][]
  all: Array<{ flows: ProviderFlows; clientId: string }>
}

/** Registers `workers` apps per provider (`soak-<provider>-<n>`), plus the demo client, for revocation. */
export async function registerApps(admin: Admin, providers: readonly ProviderFlows[], workers: number): Promise<Apps> {
  const byProvider: ProviderFlows[][] = []
  const all: Apps['all'] = []
  for (const flows of providers) {
    const apps: ProviderFlows[] = []
    for (let w = 0; w < workers; w++) {
      const app = await admin.registerClient(flows.id, `soak-${flows.id}-${w}`, flows.redirectUri)
      apps.push(flows.asApp(app))
      all.push({ flows: flows.asApp(app), clientId: app.clientId })
    }
    all.push({ flows, clientId: flows.info.demoClient.clientId })
    byProvider.push(apps)
  }
  return { byProvider, all }
}

/** Revokes every grant of every app (`POST /__admin/revoke`), the way an uninstall would. */
export async function revokeAll(admin: Admin, apps: Apps): Promise<void> {
  for (const { flows, clientId } of apps.all) await admin.revoke(flows.id, clientId)
}

/** Past every lifetime and the retention after it, then one flow per provider: every store sweeps. */
export async function sweep(admin: Admin, apps: Apps): Promise<void> {
  await admin.advanceClock(PAST_EVERY_LIFETIME_SECONDS + RETENTION_SECONDS + 3600)
  for (const apps_ of apps.byProvider) {
    const f = apps_[0]!
    await f.exchange(await f.authorize('sweep'))
  }
}

export async function endurance(client: Client, providers: readonly ProviderFlows[], options: EnduranceOptions): Promise<EnduranceResult> {
  const log = options.log ?? (() => {})
  const admin = new Admin(client)
  const refreshRate = options.refreshRate ?? 0.3
  const revokeRate = options.revokeRate ?? 0.2
  const requestsBefore = [...client.statuses.values()].reduce((a, b) => a + b, 0)
  const errorsBefore = client.serverErrorCount
  const cold = options.measure ? await options.measure(true) : undefined
  await admin.consent('*', 'allow')
  const apps = await registerApps(admin, providers, options.concurrency)
  const result: EnduranceResult = { flows: 0, failedFlows: 0, errorsByStep: {}, examples: [], requests: 0, fiveXX: 0, serverErrors: [], clockMoves: 0, liveRefreshTokensAtEnd: 0 }
  const live = new Set<string>()

  const runFlows = async (count: number, offset: number, counted: boolean) => {
    await pool(count, options.concurrency, async (k, worker) => {
      const i = offset + k
      const rng = new Rng(mixSeed(options.seed, 7, i))
      const f = apps.byProvider[i % apps.byProvider.length]![worker]!
      try {
        let t = await f.exchange(await f.authorize(`soak-${i}`))
        await f.api(t.access)
        if (t.refresh && rng.chance(refreshRate)) {
          const old = t.refresh
          t = await f.refresh(old)
          live.delete(old)
          await f.api(t.access)
        }
        if (t.refresh && f.info.endpoints.revoke && rng.chance(revokeRate)) await f.revoke(t.refresh)
        else if (t.refresh && f.id !== 'calcom') live.add(t.refresh)
      } catch (error) {
        if (!counted) throw error
        result.failedFlows++
        const step = error instanceof FlowError ? `${f.id} ${error.step}` : `${f.id} ${error instanceof Error ? error.name : 'error'}`
        result.errorsByStep[step] = (result.errorsByStep[step] ?? 0) + 1
        if (result.examples.length < 10) result.examples.push(`flow ${i} (${f.id}): ${error instanceof Error ? error.message : String(error)}`)
      }
      if (counted) result.flows++
    })
  }

  // Warm-up, then everything it issued revoked and swept: the baseline.
  await runFlows(options.warmup, 1_000_000_000, false)
  await revokeAll(admin, apps)
  await sweep(admin, apps)
  live.clear()
  const before = options.measure ? await options.measure(true) : undefined
  options.peak?.reset()
  log(`  soak baseline: ${options.warmup} warm-up flows revoked and swept${before ? `; RSS ${mb(before.rss)}, heap ${mb(before.heapUsed)}` : ''}`)

  const started = Date.now()
  for (let done = 0, e = 0; done < options.flows; e++) {
    const count = Math.min(options.epoch, options.flows - done)
    await runFlows(count, done, true)
    done += count
    // Past every lifetime: the next epoch's grants find only expired ones, which the sweeps drop.
    await admin.advanceClock(PAST_EVERY_LIFETIME_SECONDS)
    result.clockMoves++
    if (options.measure && (e % 10 === 9 || done === options.flows)) {
      const m = await options.measure(false)
      log(`  soak ${String(done).padStart(7)}/${options.flows} flows, ${result.failedFlows} failed, ${((Date.now() - started) / 1000).toFixed(0)} s; RSS ${mb(m.rss)}, heap ${mb(m.heapUsed)}, live refresh tokens ${live.size}`)
    }
  }
  result.liveRefreshTokensAtEnd = live.size
  const endOfSoak = options.measure ? await options.measure(true) : undefined
  const peakRss = options.peak?.read() ?? Number.NaN
  // Every grant revoked, the clock past every lifetime and the retention: the sweeps must free it all.
  await revokeAll(admin, apps)
  await sweep(admin, apps)
  const after = options.measure ? await options.measure(true) : undefined
  if (cold && before && endOfSoak && after) result.memory = { cold, before, endOfSoak, peakRss, after }
  result.requests = [...client.statuses.values()].reduce((a, b) => a + b, 0) - requestsBefore
  result.fiveXX = client.serverErrorCount - errorsBefore
  result.serverErrors = client.serverErrors.slice(0, 10)
  return result
}

export interface TokenCost {
  provider: string
  /** Distinct tokens issued and alive (access and refresh). */
  tokens: number
  heapDelta: number
  rssDelta: number
  bytesPerTokenHeap: number
  bytesPerTokenRss: number
}

/**
 * Bytes per live token: `flows` code exchanges per provider (two live tokens each, nothing
 * revoked or expired), the heap measured after a full GC before and after each provider's.
 */
export async function tokenCost(client: Client, providers: readonly ProviderFlows[], flows: number, concurrency: number, measure: (gc: boolean) => Promise<Memory>): Promise<TokenCost[]> {
  const admin = new Admin(client)
  await admin.consent('*', 'allow')
  const apps = await registerApps(admin, providers, concurrency)
  const out: TokenCost[] = []
  for (const [pi, byWorker] of apps.byProvider.entries()) {
    const tokens = new Set<string>()
    const before = await measure(true)
    await pool(flows, concurrency, async (_k, worker) => {
      const f = byWorker[worker]!
      const t = await f.exchange(await f.authorize())
      tokens.add(t.access)
      if (t.refresh) tokens.add(t.refresh)
    })
    const after = await measure(true)
    out.push({
      provider: providers[pi]!.id,
      tokens: tokens.size,
      heapDelta: after.heapUsed - before.heapUsed,
      rssDelta: after.rss - before.rss,
      bytesPerTokenHeap: (after.heapUsed - before.heapUsed) / tokens.size,
      bytesPerTokenRss: (after.rss - before.rss) / tokens.size,
    })
  }
  return out
}

export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`
