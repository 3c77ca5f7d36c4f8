/**
 * `oauth-fakes conform --provider <calcom|bookingsync|zapier|all> --client "<command>" [--browser]` (`npm run conformance -- …` from a clone)
 * (docs/client-contract.md §5). Exit status: 0 every check passed, 1 some check failed (or a baseline entry is
 * stale), 2 usage error, the client could not be started, or `--browser` without Chromium.
 */
import { writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { PROVIDER_IDS, type ProviderId } from '../mocks/engine/controls.ts'
import { CALCOM_ERAS, type CalcomEraId } from '../mocks/providers/calcom/profile.ts'
import { loadBaseline } from './baseline.ts'
import type { ChromiumBrowser } from './browser-types.ts'
import { BrowserUnavailableError, CHROMIUM_PATHS, launchChromium } from './chromium-launch.ts'
import type { ProgressEvent } from './runner.ts'
import { ClientStartError } from './drivers/driver.ts'
import { killAllClients } from './drivers/process-client.ts'
import type { ConformanceReport } from './report.ts'
import { renderText } from './reporters/text.ts'
import { runConformance } from './run.ts'
import { UsageError } from './runner.ts'

const USAGE = `usage: oauth-fakes conform --provider <calcom|bookingsync|zapier|all> --client "<command>"
  [--era <id|all>] [--browser [--chromium PATH]] [--reporter text|json|junit|html] [--output FILE]
  [--expected-failures FILE] [--scenario ID]... [--client-clock faketime|offset-file]
  [--start-timeout S] [--route-timeout S] [--verbose] [--quiet]
  (from a clone: npm run conformance -- …)

  --provider            which fake(s) to run the client against (comma-separated, or all)
  --client              the client command, started through a shell with PORT and OAUTH_* set
  --era                 cal.com's era(s): ${CALCOM_ERAS.join(', ')} (comma-separated), or all;
                        each is judged and reported on its own (default: oauth-service, today's)
  --browser             drive /login and the consent page in a real headless Chromium (a tab
                        per scenario, blank and without cookies, so the client's cookies and
                        JavaScript work) instead of plain HTTP requests
  --chromium            the Chromium that --browser runs (default: ${CHROMIUM_PATHS[0]} when
                        installed, else ${CHROMIUM_PATHS[1]})
  --reporter            text (default), json, junit, or html (one self-contained page: each
                        scenario's requests as a sequence diagram, failing ones marked)
  --output              write the report to FILE (the text summary still goes to stdout)
  --expected-failures   a baseline of known failures: "check-id" or "provider:check-id" per line
  --scenario            run only this scenario (repeatable)
  --client-clock        how the client's clock follows the fakes': faketime (default: Debian's
                        libfaketime when installed, and OAUTH_CLOCK_OFFSET_FILE) or offset-file
  --start-timeout       seconds the client may take to open its port (default 10)
  --route-timeout       seconds one of the client's routes may take to answer (default 5)
  --verbose             also explain skipped checks
  --quiet               no progress lines (they go to stderr on a terminal, never in CI)`

// The file formats are loaded when asked for (junit-report-builder alone is a tenth of a second).
const REPORTERS: Record<'text' | 'json' | 'junit' | 'html', (r: ConformanceReport) => Promise<string>> = {
  text: async (r) => renderText(r),
  json: async (r) => (await import('./reporters/json.ts')).renderJson(r),
  junit: async (r) => (await import('./reporters/junit.ts')).renderJunit(r),
  html: async (r) => (await import('./reporters/html.ts')).renderHtml(r),
}

export async function main(argv: string[]): Promise<number> {
  let values
  try {
    values = parseArgs({
      args: argv,
      options: {
        provider: { type: 'string' },
        client: { type: 'string' },
        reporter: { type: 'string', default: 'text' },
        output: { type: 'string' },
        'expected-failures': { type: 'string' },
        scenario: { type: 'string', multiple: true },
        verbose: { type: 'boolean', default: false },
        browser: { type: 'boolean', default: false },
        chromium: { type: 'string' },
        era: { type: 'string' },
        'client-clock': { type: 'string' },
        'start-timeout': { type: 'string' },
        'route-timeout': { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: false,
    }).values
  } catch (error) {
    // One line, like any CLI: the usage is a `--help` away.
    console.error(`oauth-fakes conform: ${(error as Error).message.split('\n')[0]} (see --help)`)
    return 2
  }
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  let browser: ChromiumBrowser | undefined
  // Ctrl-C / kill: no client process group and no Chromium outlives the suite.
  const interrupted = (signal: NodeJS.Signals) => {
    killAllClients()
    const close = browser ? browser.close().catch(() => {}) : Promise.resolve()
    const timeout = new Promise((resolve) => setTimeout(resolve, 3_000).unref())
    void Promise.race([close, timeout]).finally(() => {
      // Once more: a scenario may have started a client while the browser closed.
      killAllClients()
      process.exit(signal === 'SIGINT' ? 130 : 143)
    })
  }
  process.on('SIGINT', interrupted)
  process.on('SIGTERM', interrupted)
  try {
    if (!values.provider || !values.client) throw new UsageError('--provider and --client are required')
    const providers: ProviderId[] =
      values.provider === 'all'
        ? [...PROVIDER_IDS]
        : values.provider.split(',').map((p) => {
            if (!(PROVIDER_IDS as readonly string[]).includes(p)) throw new UsageError(`unknown provider "${p}" (${PROVIDER_IDS.join(', ')} or all)`)
            return p as ProviderId
          })
    const reporter = values.reporter as keyof typeof REPORTERS
    if (!(reporter in REPORTERS)) throw new UsageError(`unknown reporter "${values.reporter}" (text, json, junit or html)`)
    if (reporter !== 'text' && !values.output) throw new UsageError(`--reporter ${reporter} needs --output FILE`)
    const expectedFailures = values['expected-failures'] ? await loadBaseline(values['expected-failures']) : []
    let eras: CalcomEraId[] | 'all' | undefined
    if (values.era !== undefined) {
      if (!providers.includes('calcom')) throw new UsageError('--era is for cal.com: add --provider calcom (or all)')
      eras =
        values.era === 'all'
          ? 'all'
          : values.era.split(',').map((e) => {
              if (!(CALCOM_ERAS as readonly string[]).includes(e)) throw new UsageError(`unknown cal.com era "${e}" (${CALCOM_ERAS.join(', ')}, or all)`)
              return e as CalcomEraId
            })
    }
    if (values.chromium !== undefined && !values.browser) throw new UsageError('--chromium is for --browser: add --browser')
    if (values.chromium === '') throw new UsageError('--chromium needs a path')
    const clientClock = values['client-clock'] ?? 'faketime'
    if (clientClock !== 'faketime' && clientClock !== 'offset-file') throw new UsageError(`unknown --client-clock "${clientClock}" (faketime or offset-file)`)
    const seconds = (flag: 'start-timeout' | 'route-timeout'): number | undefined => {
      const text = values[flag]
      if (text === undefined) return undefined
      const n = Number(text)
      if (!Number.isFinite(n) || n <= 0 || n > 3600) throw new UsageError(`--${flag} "${text}": a number of seconds, 0 < S <= 3600`)
      return n * 1000
    }
    const startTimeoutMs = seconds('start-timeout')
    const routeTimeoutMs = seconds('route-timeout')
    // Progress on a terminal only: CI logs stay the summary.
    const progress = !values.quiet && process.stderr.isTTY && !process.env.CI
    const onProgress = progress
      ? (e: ProgressEvent) => process.stderr.write(`  [${String(e.done).padStart(String(e.total).length)}/${e.total}] ${(e.profile.variant ? `${e.profile.provider}/${e.profile.variant}` : e.profile.provider).padEnd(24)} ${e.scenario.padEnd(24)} ${e.status === 'failed' ? '✗' : e.status === 'skipped' ? '-' : '✓'} ${(e.ms / 1000).toFixed(1)} s\n`)
      : undefined
    // One Chromium for the whole run; the signal handler above closes it when interrupted.
    if (values.browser) browser = await launchChromium({ handleSignals: false, ...(values.chromium !== undefined ? { executablePath: values.chromium } : {}) })
    // Screenshots of the consent pages cost time and bytes: only for the report that shows them.
    const report = await runConformance({ providers, eras, command: values.client, expectedFailures, scenarios: values.scenario, browser, clientClock, onProgress, screenshots: reporter === 'html', ...(startTimeoutMs ? { startTimeoutMs } : {}), ...(routeTimeoutMs ? { routeTimeoutMs } : {}) })
    // The readable summary always goes to stdout; machine formats go to --output.
    console.log(renderText(report, { verbose: values.verbose }))
    if (values.output) await writeFile(values.output, await REPORTERS[reporter](report))
    return report.ok ? 0 : 1
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`oauth-fakes conform: ${error.message} (see --help)`)
      return 2
    }
    if (error instanceof ClientStartError) {
      console.error(`error: ${error.message}`)
      if (error.stderr.trim()) console.error(`--- client stderr ---\n${error.stderr.trimEnd()}\n---`)
      return 2
    }
    if (error instanceof BrowserUnavailableError) {
      console.error(`error: ${error.message}`)
      return 2
    }
    throw error
  } finally {
    process.off('SIGINT', interrupted)
    process.off('SIGTERM', interrupted)
    await browser?.close().catch(() => {})
  }
}
