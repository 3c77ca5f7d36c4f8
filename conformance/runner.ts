/**
 * Runs the scenarios for each provider and folds their findings into one result per check.
 * Every scenario gets fresh fakes (the fakes' clock is shared by all their providers, and the
 * scenarios move it) and a fresh client; scenarios run side by side up to `concurrency`.
 */
import type { ProviderId, RecordedRequest } from '../mocks/engine/controls.ts'
import type { Fakes } from '../mocks/fakes.ts'
import { Browser, type Transport } from './browser.ts'
import { ClientClock, type ClientClockMode } from './client-clock.ts'
import { CHECKS, type CheckId, appliesTo, checkDefinition, referencesFor, type Severity } from './checks.ts'
import { type ClientConfig, type ClientDriver, ClientNoAnswerError } from './drivers/driver.ts'
import { type ConformanceProfile, type EndpointKey, OOB_REDIRECT_URI } from './profiles.ts'
import type { Endpoints } from './recorded.ts'
import type { SpecReference } from './references.ts'
import { SCENARIOS, type Scenario, judgeWholeLog, scenarioId } from './scenarios.ts'
import { type Finding, HttpUserAgent, PreconditionFailed, ScenarioRun, type UserAgent } from './scenario-run.ts'
import { parseRequest } from './recorded.ts'

export type CheckStatus = 'SUCCESS' | 'FAILURE' | 'WARNING' | 'SKIPPED'

/** One check's verdict for one provider (the MCP conformance check shape). */
export interface CheckResult {
  id: CheckId
  provider: ProviderId
  name: string
  description: string
  severity: Severity
  status: CheckStatus
  specReferences: SpecReference[]
  details: {
    expected: string
    actual: string
    /** The scenario(s) that judged it. */
    scenario: string
    /** The relevant requests the fake recorded. */
    requests: string[]
  }
  /** Set by the baseline: a known failure that does not fail the run. */
  expectedFailure?: boolean
}

export interface ProviderReport {
  provider: ProviderId
  /** The variant judged (cal.com's era), when the run had several. */
  variant: string | null
  title: string
  checks: CheckResult[]
  durationMs: number
  /** What each scenario did, for reports that show it (the HTML report's timelines). */
  scenarios: ScenarioTrace[]
}

/** One scenario's run: its findings and every request the fake recorded, with the answers. */
export interface ScenarioTrace {
  provider: ProviderId
  variant: string | null
  /** The scenario id (`happy-path`, …) and title. */
  scenario: string
  title: string
  /** `failed`: a MUST or SHOULD check failed here; `skipped`: nothing was judged. */
  status: 'passed' | 'failed' | 'skipped'
  findings: Finding[]
  /** The fake's request log for this scenario, oldest first (ids are the log's). */
  requests: RecordedRequest[]
  /** Ids in `requests` that a failed finding points at. */
  failingRequestIds: number[]
  /** PNG screenshots (base64) of provider pages a `--browser` run went through. */
  screenshots: Array<{ title: string; png: string }>
}

/** Fakes for one scenario, wherever they run (a server on a free port, or in-process msw). */
export interface Stage {
  fakes: Fakes
  /** The provider's base URL, as the client sees it. */
  baseUrl: string
  url(endpoint: EndpointKey): string
  /** How the suite's browser reaches the fakes. */
  transport: Transport
  close(): Promise<void>
}

/** Brings up a client for one scenario: `prepare` first (it may reserve a port for the redirect URI). */
export interface ClientLauncher {
  prepare(): Promise<{ redirectUri: string; start(config: ClientConfig): Promise<ClientDriver> }>
}

/** What a user agent other than the default (plain HTTP) gets to know about one scenario. */
export interface UserAgentSession {
  stage: Stage
  config: ClientConfig
  /** The client's registered callback URL (`http://127.0.0.1:<port>/callback`), also in oob scenarios. */
  callbackUrl: string
}

/** One scenario's user's browser (`--browser`: a Chromium context). */
export interface UserAgentHandle {
  /** Logs in and consents. */
  agent: UserAgent
  /** The driver the scenario reaches the started client through (the browser's cookies). */
  drive(client: ClientDriver): ClientDriver
  /** Screenshots of the provider pages this scenario's browser went through (base64 PNG). */
  screenshots?(): Array<{ title: string; png: string }>
  close(): Promise<void>
}

/** Opens the user's browser for one scenario, while its client starts. */
export type UserAgentFactory = (session: UserAgentSession) => Promise<UserAgentHandle>

/** One scenario done (progress for a terminal). */
export interface ProgressEvent {
  done: number
  total: number
  profile: ConformanceProfile
  scenario: string
  status: ScenarioTrace['status']
  ms: number
}

export interface RunOptions {
  /** What to judge: a provider's profile each (several cal.com eras are several profiles). */
  profiles: readonly ConformanceProfile[]
  /** Fakes for one scenario, with the profile's options. */
  createStage(profile: ConformanceProfile): Promise<Stage>
  launcher: ClientLauncher
  /** The user's browser; default: the suite plays it over plain HTTP (./browser.ts). */
  userAgent?: UserAgentFactory
  /** Scenarios at once (runConformance: 4 per core, at most 8; they mostly wait on child processes and sockets). */
  concurrency?: number
  /** Only these scenarios (ids), for focused runs and tests. */
  scenarios?: readonly string[]
  /**
   * How the client's clock follows the fakes' (./client-clock.ts): `faketime` (default; libfaketime
   * when installed, and the offset file), `offset-file` (the file only), `none` (in-process objects).
   */
  clientClock?: ClientClockMode | 'none'
  /** Called after each scenario. */
  onProgress?(event: ProgressEvent): void
}

/** The profile's endpoint paths, from the running fake. */
export function endpointsOf(fakes: Fakes, profile: ConformanceProfile): Endpoints {
  const declared = fakes.definition(profile.provider).endpoints
  const keys = profile.endpointKeys
  const missing = (['authorize', 'token', 'resource'] as const).filter((k) => !declared[keys[k]])
  if (missing.length) throw new UsageError(`the ${profile.provider} fake does not declare its ${missing.join(', ')} endpoint(s)`)
  const token = declared[keys.token]!
  // docs/client-contract.md §5: OAUTH_REFRESH_URL is cal.com's refresh endpoint, and the token URL elsewhere.
  return { authorize: declared[keys.authorize]!, token, refresh: declared[keys.refresh] ?? token, resource: declared[keys.resource]! }
}

/** Bad input from the user (docs/client-contract.md §5: exit 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

async function runScenario(scenario: Scenario, profile: ConformanceProfile, options: RunOptions): Promise<ScenarioTrace> {
  const stage = await options.createStage(profile)
  let client: ClientDriver | undefined
  let browser: UserAgentHandle | undefined
  const clock = options.clientClock === 'none' ? undefined : await ClientClock.create(options.clientClock ?? 'faketime')
  try {
    const endpoints = endpointsOf(stage.fakes, profile)
    const prepared = await options.launcher.prepare()
    // A fresh registration per run, in the provider's real format (docs/client-contract.md §5).
    const { clientId, clientSecret } = profile.credentials()
    stage.fakes.registerClient({ provider: profile.provider, clientId, clientSecret, redirectUris: [prepared.redirectUri, OOB_REDIRECT_URI], name: 'Conformance client' })
    const config: ClientConfig = {
      provider: profile.provider,
      baseUrl: stage.baseUrl,
      authorizeUrl: stage.url('authorize'),
      tokenUrl: stage.url('token'),
      refreshUrl: stage.url('refresh'),
      resourceUrl: stage.url('resource'),
      clientId,
      clientSecret,
      redirectUri: scenario.oob ? OOB_REDIRECT_URI : prepared.redirectUri,
      scope: profile.scope,
      ...(profile.metadata ? { issuer: stage.baseUrl } : {}),
      ...(profile.pkce ? { pkce: 'S256' as const } : {}),
      clock: { offsetSeconds: () => clock?.offsetSeconds ?? 0, ...(clock ? { env: clock.env() } : {}) },
    }
    // The browser (with --browser) opens while the client starts.
    const [started, opened] = await Promise.allSettled([prepared.start(config), options.userAgent?.({ stage, config, callbackUrl: prepared.redirectUri })])
    if (started.status === 'fulfilled') client = started.value
    if (opened.status === 'fulfilled') browser = opened.value
    if (started.status === 'rejected') throw started.reason
    if (opened.status === 'rejected') throw opened.reason
    const launched = started.value
    const agent: UserAgent = browser?.agent ?? new HttpUserAgent(new Browser(stage.transport), launched, config, profile)
    const run = new ScenarioRun(scenario.id, profile, stage.fakes, config, endpoints, agent, browser ? browser.drive(launched) : launched, clock)
    try {
      await scenario.run(run)
    } catch (error) {
      if (error instanceof PreconditionFailed) {
        for (const c of scenario.checks) if (!run.findings.some((f) => f.check === c)) run.skip(c, error.message)
      } else if (error instanceof ClientNoAnswerError) {
        for (const c of scenario.checks) if (!run.findings.some((f) => f.check === c)) run.report(c, false, 'an answer from the client', error.message)
      } else throw error
    }
    for (const c of scenario.checks) if (appliesTo(c, profile) && !run.findings.some((f) => f.check === c)) run.skip(c, 'not reached')
    const requests = stage.fakes.requests(profile.provider)
    judgeWholeLog(run, await Promise.all(requests.map(parseRequest)))
    const failed = run.findings.filter((f) => !f.ok && !f.skipped)
    return {
      provider: profile.provider,
      variant: profile.variant,
      scenario: scenario.id,
      title: scenario.title,
      status: failed.length ? 'failed' : run.findings.some((f) => !f.skipped) ? 'passed' : 'skipped',
      findings: run.findings,
      requests,
      failingRequestIds: [...new Set(failed.flatMap((f) => f.requestIds ?? []))],
      screenshots: browser?.screenshots?.() ?? [],
    }
  } finally {
    await browser?.close()
    await client?.close()
    await stage.close()
    await clock?.close()
  }
}

/** Folds findings into one result per applicable check: any failure fails it; nothing judged skips it. */
export function foldFindings(profile: ConformanceProfile, findings: Finding[]): CheckResult[] {
  return CHECKS.filter((c) => appliesTo(c.id, profile)).map((c) => {
    const def = checkDefinition(c.id)
    const mine = findings.filter((f) => f.check === c.id)
    const judged = mine.filter((f) => !f.skipped)
    const failed = judged.filter((f) => !f.ok)
    const shown = failed[0] ?? judged[0] ?? mine[0]
    const status: CheckStatus = failed.length ? (def.severity === 'MUST' ? 'FAILURE' : 'WARNING') : judged.length ? 'SUCCESS' : 'SKIPPED'
    const scenarios = [...new Set((failed.length ? failed : judged.length ? judged : mine).map((f) => f.scenario))]
    return {
      id: c.id,
      provider: profile.provider,
      name: def.name,
      description: def.description,
      severity: def.severity,
      status,
      specReferences: referencesFor(c.id, profile.provider),
      details: {
        expected: shown?.expected || def.description,
        actual: shown ? (shown.skipped ? `not judged: ${shown.actual}` : shown.actual) : 'no scenario judged it',
        scenario: scenarios.join(', '),
        requests: failed.flatMap((f) => f.requests ?? []).slice(0, 12),
      },
    }
  })
}

async function pool<T>(tasks: Array<() => Promise<T>>, concurrency: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length)
  let next = 0
  let failure: unknown
  const worker = async () => {
    while (next < tasks.length && failure === undefined) {
      const i = next++
      try {
        results[i] = await tasks[i]!()
      } catch (error) {
        // The first hard error (a client that cannot start) stops the queue; running tasks finish.
        failure ??= error
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker))
  if (failure !== undefined) throw failure
  return results
}

/** Runs every applicable scenario for every profile; throws ClientStartError / UsageError. */
export async function runScenarios(options: RunOptions): Promise<ProviderReport[]> {
  const known = new Set(SCENARIOS.map((s) => s.id))
  for (const id of options.scenarios ?? []) if (!known.has(scenarioId(id))) throw new UsageError(`unknown scenario "${id}" (known: ${[...known].join(', ')})`)
  const wanted = options.scenarios?.map(scenarioId)
  const jobs: Array<{ profile: ConformanceProfile; run: () => Promise<ScenarioTrace> }> = []
  const started = new Map<ConformanceProfile, number>()
  const finished = new Map<ConformanceProfile, number>()
  let done = 0
  for (const profile of options.profiles) {
    for (const scenario of SCENARIOS) {
      if (scenario.appliesTo && !scenario.appliesTo(profile)) continue
      if (wanted && !wanted.includes(scenario.id)) continue
      jobs.push({
        profile,
        run: async () => {
          if (!started.has(profile)) started.set(profile, Date.now())
          const at = performance.now()
          const trace = await runScenario(scenario, profile, options)
          finished.set(profile, Date.now())
          options.onProgress?.({ done: ++done, total: jobs.length, profile, scenario: scenario.id, status: trace.status, ms: performance.now() - at })
          return trace
        },
      })
    }
  }
  const results = await pool(jobs.map((j) => j.run), options.concurrency ?? 6)
  return options.profiles.map((profile) => {
    const traces = results.filter((_, i) => jobs[i]!.profile === profile)
    const findings = traces.flatMap((t) => t.findings)
    return {
      provider: profile.provider,
      variant: profile.variant,
      title: profile.title,
      checks: foldFindings(profile, findings),
      durationMs: (finished.get(profile) ?? 0) - (started.get(profile) ?? 0),
      scenarios: traces,
    }
  })
}
