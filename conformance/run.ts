/**
 * The suite against a client COMMAND (any language): the fakes on a free port in this process,
 * the client a child process per scenario. This is what `npm run conformance` runs.
 */
import { availableParallelism } from 'node:os'
import type { Browser as PlaywrightBrowser } from 'playwright-core'
import type { ProviderId } from '../mocks/engine/controls.ts'
import { startServer } from '../mocks/server.ts'
import { type BaselineEntry, applyBaseline } from './baseline.ts'
import { chromiumUserAgent, launchChromium } from './chromium.ts'
import { ProcessClient, freePort } from './drivers/process-client.ts'
import { type ConformanceReport, buildReport } from './report.ts'
import { type ClientLauncher, type Stage, endpointsOf, runScenarios } from './runner.ts'

export interface CommandRunOptions {
  providers: readonly ProviderId[]
  /** The client command, run through `/bin/sh -c`. */
  command: string
  expectedFailures?: BaselineEntry[]
  scenarios?: readonly string[]
  /** Scenarios at once (default 6; with `browser`, half the CPU cores: Chromium is CPU-bound, and on 2 cores one at a time is fastest). */
  concurrency?: number
  /** How long the client may take to open its port (default 10 s, contract §5). */
  startTimeoutMs?: number
  /**
   * `--browser`: drive /login and the consent page in a real Chromium (a fresh context per
   * scenario) instead of plain HTTP. `true` launches /usr/bin/chromium for this run and closes it
   * (BrowserUnavailableError when it is missing); a Playwright `Browser` is used as is and left open.
   */
  browser?: boolean | PlaywrightBrowser
  /** With `browser`: keep screenshots of the provider pages in each scenario's trace (the HTML report shows them). */
  screenshots?: boolean
}

/** A standalone server (every provider under `/<id>`) on a free port, for one scenario. */
export async function createServerStage(provider: ProviderId): Promise<Stage> {
  const server = await startServer({ port: 0, providers: [provider] })
  const baseUrl = `${server.url}/${provider}`
  // Every host of a provider (Zapier's two) shares its prefix in the standalone server.
  const endpoints = endpointsOf(server.fakes, provider)
  return {
    fakes: server.fakes,
    baseUrl,
    url: (key) => `${baseUrl}${endpoints[key]}`,
    transport: (request) => fetch(request),
    close: () => server.close(),
  }
}

export function commandLauncher(command: string, startTimeoutMs?: number): ClientLauncher {
  return {
    async prepare() {
      const port = await freePort()
      return {
        redirectUri: `http://127.0.0.1:${port}/callback`,
        start: (config) => ProcessClient.start({ command, config, port, startTimeoutMs }),
      }
    },
  }
}

/** Runs the suite against a client command; throws ClientStartError or UsageError (exit 2). */
export async function runConformance(options: CommandRunOptions): Promise<ConformanceReport> {
  const startedAt = new Date()
  const own = options.browser === true ? await launchChromium() : null
  const browser = own ?? (typeof options.browser === 'object' ? options.browser : null)
  try {
    const providers = await runScenarios({
      providers: options.providers,
      createStage: createServerStage,
      launcher: commandLauncher(options.command, options.startTimeoutMs),
      userAgent: browser ? chromiumUserAgent(browser, { screenshots: options.screenshots }) : undefined,
      concurrency: options.concurrency ?? (browser ? Math.max(1, Math.floor(availableParallelism() / 2)) : undefined),
      scenarios: options.scenarios,
    })
    const stale = applyBaseline(providers, options.expectedFailures ?? [])
    return buildReport(options.command, startedAt, providers, stale)
  } finally {
    await own?.close()
  }
}
