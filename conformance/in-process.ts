/**
 * In-process mode, for TypeScript client libraries: the same scenarios, the fakes served through
 * msw on the providers' real URLs (`https://app.cal.com`, …), the client an object whose methods
 * stand for the routes. Scenarios run one after another (msw intercepts this process's fetch,
 * so two sets of fakes cannot be up at once). The suite plays the browser over plain HTTP here:
 * `--browser` (Chromium) is for client commands, whose routes a browser can visit; an object has none.
 *
 * @example
 * const report = await runConformanceInProcess({
 *   provider: 'calcom',
 *   client: (config) => new MyOAuthClient(config), // { loginUrl, handleCallback, callResource }
 * })
 * expect(report.ok).toBe(true)
 */
import type { SetupServerApi } from 'msw/node'
import { setupServer } from 'msw/node'
import { createHandlers } from '../mocks/adapters/msw.ts'
import type { ProviderId } from '../mocks/engine/controls.ts'
import { createFakes } from '../mocks/fakes.ts'
import type { CustomProviderSpec } from '../mocks/providers/custom.ts'
import { type BaselineEntry, applyBaseline, parseBaseline } from './baseline.ts'
import type { ClientConfig } from './drivers/driver.ts'
import { type InProcessClient, ObjectClient } from './drivers/object-client.ts'
import type { CalcomEraId } from '../mocks/providers/calcom/profile.ts'
import type { ConformanceProfile } from './profiles.ts'
import { profilesFor } from './run.ts'
import { type ConformanceReport, buildReport } from './report.ts'
import { type Stage, endpointsOf, runScenarios } from './runner.ts'

export type { InProcessClient } from './drivers/object-client.ts'

export interface InProcessOptions {
  provider: ProviderId | readonly ProviderId[]
  /** cal.com's eras to judge (`all`, or a list); each is its own report. */
  eras?: readonly CalcomEraId[] | 'all'
  /** Builds a fresh client for each scenario from the run's configuration. */
  client: (config: ClientConfig) => InProcessClient
  /** Known failures, as in an `--expected-failures` file: `check-id` or `provider:check-id`. */
  expectedFailures?: readonly string[]
  scenarios?: readonly string[]
  /**
   * An msw server the test file already runs: the fakes' handlers are added with `server.use`
   * for each scenario and removed with `server.resetHandlers()` after it. Without one, the suite
   * starts (and closes) its own.
   */
  server?: SetupServerApi
  /** How long one client call may take (default 5 s). */
  timeoutMs?: number
  /** The redirect URI registered for the client (default `http://127.0.0.1/callback`). */
  redirectUri?: string
  /** User-defined providers (docs/providers/custom.md) that `provider` may name. */
  customProviders?: readonly CustomProviderSpec[]
}

export async function runConformanceInProcess(options: InProcessOptions): Promise<ConformanceReport> {
  const startedAt = new Date()
  const providers: ProviderId[] = typeof options.provider === 'string' ? [options.provider] : [...options.provider]
  const expected: BaselineEntry[] = parseBaseline((options.expectedFailures ?? []).join('\n'), 'expectedFailures')
  const own = options.server ? null : setupServer()
  const server = options.server ?? own!
  // Only the fakes' hosts are handled; anything else the client calls goes out as usual.
  own?.listen({ onUnhandledRequest: 'bypass' })
  try {
    const createStage = async (profile: ConformanceProfile): Promise<Stage> => {
      const provider = profile.provider
      const fakes = createFakes({ providers: [provider], options: { [provider]: profile.options }, customProviders: options.customProviders })
      const endpoints = endpointsOf(fakes, profile)
      const bases = fakes.bases(provider)
      const primary = Object.keys(bases)[0]!
      const hostOf = profile.hostOf
      server.use(...createHandlers(fakes))
      return {
        fakes,
        baseUrl: bases[primary]!,
        url: (key) => `${bases[hostOf[key] ?? primary]}${endpoints[key]}`,
        transport: async (request) => (await fakes.fetch(request)) ?? new Response('no fake serves this URL', { status: 404 }),
        close: async () => server.resetHandlers(),
      }
    }
    const reports = await runScenarios({
      profiles: profilesFor(providers, options.eras, options.customProviders),
      // An object's clock cannot be moved: `config.clock.offsetSeconds()` tells how far the fakes' moved.
      clientClock: 'none',
      createStage,
      launcher: {
        prepare: async () => ({
          redirectUri: options.redirectUri ?? 'http://127.0.0.1/callback',
          start: async (config) => new ObjectClient(options.client(config), options.timeoutMs),
        }),
      },
      concurrency: 1,
      scenarios: options.scenarios,
    })
    const stale = applyBaseline(reports, expected)
    return buildReport('in-process', startedAt, reports, stale)
  } finally {
    own?.close()
  }
}
