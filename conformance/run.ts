/**
 * The suite against a client COMMAND (any language): the fakes on a free port in this process,
 * the client a child process per scenario. This is what `npm run conformance` runs.
 */
import { randomBytes } from 'node:crypto'
import { availableParallelism } from 'node:os'
import type { ProviderId } from '../mocks/engine/controls.ts'
import type { CalcomEraId } from '../mocks/providers/calcom/profile.ts'
import { startServer } from '../mocks/server.ts'
import { type BaselineEntry, applyBaseline } from './baseline.ts'
import type { ChromiumBrowser } from './browser-types.ts'
import { chromiumUserAgent, launchChromium } from './chromium-launch.ts'
import { ProcessClient, freePort } from './drivers/process-client.ts'
import { httpTransport } from './http-request.ts'
import { type CustomProviderSpec, customProfiles } from '../mocks/providers/custom.ts'
import { type ConformanceProfile, calcomEraProfiles, conformanceProfile } from './profiles.ts'
import { type ConformanceReport, buildReport } from './report.ts'
import { type ClientLauncher, type RunOptions, type Stage, UsageError, endpointsOf, runScenarios } from './runner.ts'

export interface CommandRunOptions {
  providers: readonly ProviderId[]
  /** cal.com's eras to judge (`all`, or a list); default the fake's default era. Each era is its own report. */
  eras?: readonly CalcomEraId[] | 'all'
  /** The client command, run through `/bin/sh -c`. */
  command: string
  /** User-defined providers (docs/providers/custom.md) that `providers` may name. */
  customProviders?: readonly CustomProviderSpec[]
  expectedFailures?: BaselineEntry[]
  scenarios?: readonly string[]
  /** Scenarios at once (default: 4 per core, at most 8; with `browser`, one per core, on a tab per two cores: Chromium is CPU-bound). */
  concurrency?: number
  /** How long the client may take to open its port (default 10 s, docs/client-contract.md §5). */
  startTimeoutMs?: number
  /** How long one of the client's routes may take to answer (default 5 s). */
  routeTimeoutMs?: number
  /**
   * `--browser`: drive /login and the consent page in a real Chromium (a tab per scenario, blank
   * and without cookies) instead of plain HTTP. `true` launches Chromium for this run and closes it
   * (`chromiumPath`, or the headless shell when installed, else the full browser; BrowserUnavailableError
   * when it is missing); a browser from `launchChromium` is used as is and left open.
   */
  browser?: boolean | ChromiumBrowser
  /** With `browser: true`: the Chromium to launch (default `defaultChromiumPath()`). */
  chromiumPath?: string
  /** How the client's clock follows the fakes' (default `faketime`: libfaketime when installed, and the offset file). */
  clientClock?: 'faketime' | 'offset-file'
  /** Called after each scenario (the CLI's progress on a terminal). */
  onProgress?: RunOptions['onProgress']
  /** With `browser`: keep screenshots of the provider pages in each scenario's trace (the HTML report shows them). */
  screenshots?: boolean
}

/** The profiles a run judges: each provider, cal.com once per era asked for. */
export function profilesFor(providers: readonly ProviderId[], eras?: readonly CalcomEraId[] | 'all', customProviders: readonly CustomProviderSpec[] = []): ConformanceProfile[] {
  const declared = customProfiles(customProviders)
  return providers.flatMap((p) => (p === 'calcom' && eras !== undefined ? calcomEraProfiles(eras) : [conformanceProfile(p, {}, false, declared.find((d) => d.id === p))]))
}

/**
 * The fakes for a run: ONE standalone server, each scenario a tenant of it (`/t/<tenant>/…`, its
 * own clock, clients, grants and log), dropped when the scenario ends.
 */
export async function createTenantStages(customProviders: readonly CustomProviderSpec[] = []): Promise<{ createStage(profile: ConformanceProfile): Promise<Stage>; close(): Promise<void> }> {
  const server = await startServer({ port: 0, tenants: { maxTenants: 10_000 }, customProviders })
  // The suite's HTTP-mode browser reaches the fakes over their socket, as a user's browser would.
  const browser = httpTransport()
  let next = 0
  return {
    async createStage(profile) {
      const tenant = `s${++next}-${randomBytes(4).toString('hex')}`
      const fakes = server.tenants.get(tenant)
      if (Object.keys(profile.options).length) fakes.setOptions(profile.provider, profile.options)
      const base = `${server.url}/t/${tenant}/${profile.provider}`
      // Every host of a provider (Zapier's two, cal.com's app and api) shares its prefix in the standalone server.
      const endpoints = endpointsOf(fakes, profile)
      return {
        fakes,
        baseUrl: base,
        url: (key) => `${base}${endpoints[key]}`,
        transport: browser.transport,
        close: async () => {
          server.tenants.drop(tenant)
        },
      }
    },
    close: async () => {
      browser.close()
      await server.close()
    },
  }
}

export function commandLauncher(command: string, timeouts: { startTimeoutMs?: number; routeTimeoutMs?: number } = {}): ClientLauncher {
  return {
    async prepare() {
      const port = await freePort()
      return {
        redirectUri: `http://127.0.0.1:${port}/callback`,
        start: (config) => ProcessClient.start({ command, config, port, startTimeoutMs: timeouts.startTimeoutMs, requestTimeoutMs: timeouts.routeTimeoutMs }),
      }
    },
  }
}

/** Runs the suite against a client command; throws ClientStartError or UsageError (exit 2). */
export async function runConformance(options: CommandRunOptions): Promise<ConformanceReport> {
  const startedAt = new Date()
  if (options.chromiumPath !== undefined && options.browser !== true) throw new UsageError('chromiumPath is for browser: true (a browser from launchChromium was launched with its own)')
  if (options.chromiumPath === '') throw new UsageError('chromiumPath is empty: name a Chromium, or leave it out')
  const own = options.browser === true ? await launchChromium(options.chromiumPath !== undefined ? { executablePath: options.chromiumPath } : {}) : null
  const browser = own ?? (typeof options.browser === 'object' ? options.browser : null)
  const profiles = profilesFor(options.providers, options.eras, options.customProviders)
  const stages = await createTenantStages(options.customProviders)
  const cores = availableParallelism()
  // --browser: a tab per two cores (Chromium is CPU-bound), and twice as many scenarios, so that a
  // scenario's client starts while another scenario uses the tab.
  const tabs = Math.max(1, Math.floor(cores / 2))
  const userAgent = browser ? await chromiumUserAgent(browser, { screenshots: options.screenshots, tabs }) : undefined
  try {
    const providers = await runScenarios({
      profiles,
      createStage: stages.createStage,
      launcher: commandLauncher(options.command, { startTimeoutMs: options.startTimeoutMs, routeTimeoutMs: options.routeTimeoutMs }),
      userAgent,
      concurrency: options.concurrency ?? (browser ? 2 * tabs : Math.min(8, 4 * cores)),
      scenarios: options.scenarios,
      clientClock: options.clientClock ?? 'faketime',
      onProgress: options.onProgress,
    })
    const stale = applyBaseline(providers, options.expectedFailures ?? [])
    return buildReport(options.command, startedAt, providers, stale)
  } finally {
    await userAgent?.close()
    await stages.close()
    await own?.close()
  }
}
