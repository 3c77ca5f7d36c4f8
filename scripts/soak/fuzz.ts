/**
 * The fuzz runner: for each target (every endpoint `GET /` lists, every control `GET /__admin`
 * lists), `perTarget` hostile requests from ./hostile.ts over keep-alive raw connections, in
 * batches; after each batch the server must still be running and answer `GET /`.
 *
 * Counted as failures: a 5xx (except the three deliberate kinds below), a well-framed request the
 * server closed the connection on without answering, no answer within the timeout, a server that
 * died or stopped answering. Deliberate, and counted apart:
 * - 503 capacity refusals (a full grant store, the tenant limit);
 * - answers to requests that were in flight while a fault injected through `POST /__admin/faults`
 *   was pending (the fuzzer resets the fakes right after each one it manages to inject);
 * - cal.com's emulated 500 (pages/app-router eras, a non-string `client_secret`: cal.com's own
 *   `createHash().update()` crash, reproduced on purpose by the fake).
 */
import type { Target } from './child.ts'
import { type HostileRequest, type FuzzContext, type FuzzTarget, describeBytes, hostileRequest } from './hostile.ts'
import { Client, type RawResponse, RawConnection, header, pool } from './http.ts'
import { Rng, mixSeed } from './rng.ts'

export interface Finding {
  kind: '5xx' | 'unanswered' | 'timeout' | 'malformed-answer' | 'crash' | 'unhealthy' | 'internal-error'
  target: string
  /** Request index within the target (with the seed, regenerates the request: `--replay`). */
  index: number
  detail: string
  request?: string
}

export interface TargetStats {
  name: string
  requests: number
  statuses: Record<string, number>
  fiveXX: number
  excused: number
  expectedCloses: number
  unanswered: number
  timeouts: number
}

export interface FuzzResult {
  seed: number
  requests: number
  targets: TargetStats[]
  /** 5xx answers that are failures. */
  fiveXX: number
  excused: { capacity503: number; injectedFault: number; emulated500: number }
  /** Connections closed without an answer where Node may do so (CONNECT, Upgrade, what its parser refuses). */
  expectedCloses: number
  /** Well-framed requests left without an answer (a reset or close). */
  unanswered: number
  timeouts: number
  healthChecks: number
  healthFailures: number
  crashed: boolean
  internalErrors: number
  skipped: number
  findings: Finding[]
}

export interface FuzzOptions {
  seed: number
  perTarget: number
  concurrency?: number
  batch?: number
  /** Per-request answer timeout (default 20 s). */
  timeoutMs?: number
  /** Requests not to send (counted in `skipped`): e.g. a reset that would undo the state under test. */
  skip?: (req: HostileRequest) => boolean
  log?: (line: string) => void
}

/** Tracks faults the fuzzer injected through the control API, so their answers are not blamed. */
class FaultGuard {
  armed = 0
  generation = 0
}

/** cal.com's deliberate 500 for a non-string `client_secret` in its Next.js-parser eras. */
function emulatedCalcom500(req: HostileRequest, res: RawResponse): boolean {
  if (res.status !== 500 || !/\/api\/auth\/oauth\/(token|refreshToken)/.test(req.target)) return false
  const text = res.body.toString('utf8')
  if (text !== '' && text !== 'Internal Server Error') return false
  const body = req.body.toString('utf8')
  try {
    const parsed = JSON.parse(body) as unknown
    if (parsed && typeof parsed === 'object' && 'client_secret' in parsed && typeof (parsed as { client_secret: unknown }).client_secret !== 'string') return true
  } catch {
    // not JSON: a form whose repeated client_secret Next.js makes an array
  }
  return new URLSearchParams(body).getAll('client_secret').length > 1
}

function capacity503(res: RawResponse): boolean {
  if (res.status !== 503) return false
  const text = res.body.toString('utf8')
  return /live codes or tokens|tenants: at most/.test(text)
}

/** The control (`faults`, `reset`, …) a request target reaches as the server resolves it, and its tenant prefix. */
export function controlOf(target: string): { prefix: string; action: string } | undefined {
  let pathname: string
  try {
    pathname = new URL(target.startsWith('/') ? `http://x${target}` : target).pathname
  } catch {
    return undefined
  }
  const m = /^((?:\/t\/[^/]+)?)\/__admin\/([^/]+)$/.exec(pathname)
  return m ? { prefix: m[1] ?? '', action: m[2]! } : undefined
}

function faultsPrefix(target: string): string | undefined {
  const control = controlOf(target)
  return control?.action === 'faults' ? control.prefix : undefined
}

/**
 * `GET /` (JSON) answers 200 with the providers, on a fresh connection (a pooled one may have
 * been closed by the server's keep-alive timeout as it was reused); three tries.
 */
export async function answersIndex(target: Target): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const client = new Client(target, target.hostHeader, 1)
    try {
      const a = await client.request('GET', '/', { headers: { accept: 'application/json', connection: 'close' }, timeoutMs: 15_000 })
      if (a.status === 200 && a.text.includes('"providers"')) return true
    } catch {
      // tried again below
    } finally {
      client.close()
    }
  }
  return false
}

export async function fuzz(target: Target, ctx: FuzzContext, targets: readonly FuzzTarget[], options: FuzzOptions): Promise<FuzzResult> {
  const concurrency = options.concurrency ?? 16
  const batch = options.batch ?? 1000
  const log = options.log ?? (() => {})
  const client = new Client(target, target.hostHeader, 8)
  const guard = new FaultGuard()
  const result: FuzzResult = {
    seed: options.seed,
    requests: 0,
    targets: [],
    fiveXX: 0,
    excused: { capacity503: 0, injectedFault: 0, emulated500: 0 },
    expectedCloses: 0,
    unanswered: 0,
    timeouts: 0,
    healthChecks: 0,
    healthFailures: 0,
    crashed: false,
    internalErrors: 0,
    skipped: 0,
    findings: [],
  }
  const errorsBefore = target.internalErrors().length
  const addFinding = (f: Finding) => {
    if (result.findings.length < 200) result.findings.push(f)
  }
  const connections = Array.from({ length: concurrency }, () => new RawConnection(target))

  try {
    for (const [ti, t] of targets.entries()) {
      const stats: TargetStats = { name: t.name, requests: 0, statuses: {}, fiveXX: 0, excused: 0, expectedCloses: 0, unanswered: 0, timeouts: 0 }
      result.targets.push(stats)
      const recent: string[] = []
      for (let start = 0, b = 0; start < options.perTarget && !result.crashed; start += batch, b++) {
        const count = Math.min(batch, options.perTarget - start)
        // Provider endpoints see both consent modes: the page (ask) and an immediate grant (allow).
        if (t.kind === 'provider') await client.postJson('/__admin/consent', { provider: '*', mode: b % 2 ? 'ask' : 'allow' }).catch(() => undefined)
        await pool(count, concurrency, async (k, worker) => {
          const index = start + k
          // Each pool worker keeps its own connection (a request at a time on it).
          const connection = connections[worker]!
          const req = hostileRequest(new Rng(mixSeed(options.seed, ti, index)), ctx, t)
          if (options.skip?.(req)) {
            result.skipped++
            return
          }
          recent.push(`#${index} ${describeBytes(req.bytes, 300)}`)
          if (recent.length > concurrency * 2) recent.shift()
          const exposedAtStart = guard.armed > 0
          const generation = guard.generation
          const prefix = req.method === 'POST' ? faultsPrefix(req.target) : undefined
          if (prefix !== undefined) {
            guard.armed++
            guard.generation++
          }
          const sent = await connection.send(req.bytes, { head: req.head, timeoutMs: options.timeoutMs ?? 20_000 })
          if (req.closeAfter) connection.close()
          if (prefix !== undefined) {
            // A fault that took effect is undone at once (the reset also drops a tenant).
            if (sent.response && sent.response.status >= 200 && sent.response.status < 300) await client.request('POST', `${prefix}/__admin/reset`).catch(() => undefined)
            guard.armed--
          }
          const exposed = exposedAtStart || guard.armed > 0 || guard.generation !== generation
          stats.requests++
          result.requests++
          const where = { target: t.name, index, request: describeBytes(req.bytes) }
          if (sent.response) {
            const status = sent.response.status
            const cls = `${Math.floor(status / 100)}xx`
            stats.statuses[cls] = (stats.statuses[cls] ?? 0) + 1
            if (status >= 500) {
              if (capacity503(sent.response)) result.excused.capacity503++
              else if (exposed) result.excused.injectedFault++
              else if (emulatedCalcom500(req, sent.response)) result.excused.emulated500++
              else {
                stats.fiveXX++
                result.fiveXX++
                addFinding({ kind: '5xx', ...where, detail: `${status} ${header(sent.response, 'content-type') ?? ''} ${sent.response.body.toString('utf8').slice(0, 300)}` })
                return
              }
              stats.excused++
            }
          } else if (sent.timedOut) {
            stats.timeouts++
            result.timeouts++
            addFinding({ kind: 'timeout', ...where, detail: `no answer within ${options.timeoutMs ?? 20_000} ms` })
          } else if (sent.malformed) {
            addFinding({ kind: 'malformed-answer', ...where, detail: sent.malformed })
          } else if (req.expect === 'close-ok') {
            stats.expectedCloses++
            result.expectedCloses++
          } else {
            stats.unanswered++
            result.unanswered++
            addFinding({ kind: 'unanswered', ...where, detail: `connection closed without an answer${sent.error ? ` (${sent.error})` : ''}` })
          }
        })
        // After each batch: still running, still answering.
        result.healthChecks++
        const healthy = target.alive() && (await answersIndex(target))
        if (!target.alive()) {
          result.crashed = true
          addFinding({ kind: 'crash', target: t.name, index: start + count - 1, detail: `the server died (${target.death()}) during requests ${start}-${start + count - 1}; the last ones sent:\n    ${recent.join('\n    ')}` })
        } else if (!healthy) {
          result.healthFailures++
          addFinding({ kind: 'unhealthy', target: t.name, index: start + count - 1, detail: `GET / did not answer 200 after requests ${start}-${start + count - 1}` })
        }
      }
      log(`  fuzz ${t.name.padEnd(44)} ${String(stats.requests).padStart(6)} req  ${Object.entries(stats.statuses).sort().map(([k, v]) => `${k}:${v}`).join(' ')}${stats.fiveXX ? `  5xx FAIL:${stats.fiveXX}` : ''}${stats.unanswered ? `  unanswered:${stats.unanswered}` : ''}${stats.timeouts ? `  timeouts:${stats.timeouts}` : ''}`)
      if (result.crashed) break
    }
  } finally {
    for (const c of connections) c.close()
    client.close()
  }
  const errors = target.internalErrors().slice(errorsBefore)
  result.internalErrors = errors.length
  for (const line of errors.slice(0, 10)) addFinding({ kind: 'internal-error', target: '(server stderr)', index: -1, detail: line })
  return result
}
