/**
 * `npm run conformance -- --provider <calcom|bookingsync|zapier|all> --client "<command>" [--browser]`
 * (contract §5). Exit status: 0 every check passed, 1 some check failed (or a baseline entry is
 * stale), 2 usage error, the client could not be started, or `--browser` without Chromium.
 */
import { writeFile } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import type { Browser as PlaywrightBrowser } from 'playwright-core'
import { PROVIDER_IDS, type ProviderId } from '../mocks/engine/controls.ts'
import { loadBaseline } from './baseline.ts'
import { BrowserUnavailableError, CHROMIUM_PATH, launchChromium } from './chromium.ts'
import { ClientStartError } from './drivers/driver.ts'
import { killAllClients } from './drivers/process-client.ts'
import { renderHtml } from './reporters/html.ts'
import { renderJson } from './reporters/json.ts'
import { renderJunit } from './reporters/junit.ts'
import { renderText } from './reporters/text.ts'
import { runConformance } from './run.ts'
import { UsageError } from './runner.ts'

const USAGE = `usage: npm run conformance -- --provider <calcom|bookingsync|zapier|all> --client "<command>"
  [--browser] [--reporter text|json|junit|html] [--output FILE] [--expected-failures FILE] [--scenario ID]... [--verbose]

  --provider            which fake(s) to run the client against (comma-separated, or all)
  --client              the client command, started through a shell with PORT and OAUTH_* set
  --browser             drive /login and the consent page in a real headless Chromium
                        (${CHROMIUM_PATH}; a fresh context per scenario, so the client's cookies
                        and JavaScript work) instead of plain HTTP requests
  --reporter            text (default), json, junit, or html (one self-contained page: each
                        scenario's requests as a sequence diagram, failing ones marked)
  --output              write the report to FILE (the text summary still goes to stdout)
  --expected-failures   a baseline of known failures: "check-id" or "provider:check-id" per line
  --scenario            run only this scenario (repeatable)
  --verbose             also explain skipped checks`

const REPORTERS = { text: (r: Parameters<typeof renderText>[0]) => renderText(r), json: renderJson, junit: renderJunit, html: renderHtml } as const

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
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: false,
    }).values
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`)
    return 2
  }
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  let browser: PlaywrightBrowser | undefined
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
            if (!(PROVIDER_IDS as readonly string[]).includes(p)) throw new UsageError(`unknown provider "${p}" (calcom, bookingsync, zapier or all)`)
            return p as ProviderId
          })
    const reporter = values.reporter as keyof typeof REPORTERS
    if (!(reporter in REPORTERS)) throw new UsageError(`unknown reporter "${values.reporter}" (text, json, junit or html)`)
    if (reporter !== 'text' && !values.output) throw new UsageError(`--reporter ${reporter} needs --output FILE`)
    const expectedFailures = values['expected-failures'] ? await loadBaseline(values['expected-failures']) : []
    // One Chromium for the whole run; the signal handler above closes it when interrupted.
    if (values.browser) browser = await launchChromium({ handleSignals: false })
    // Screenshots of the consent pages cost time and bytes: only for the report that shows them.
    const report = await runConformance({ providers, command: values.client, expectedFailures, scenarios: values.scenario, browser, screenshots: reporter === 'html' })
    // The readable summary always goes to stdout; machine formats go to --output.
    console.log(renderText(report, { verbose: values.verbose }))
    if (values.output) await writeFile(values.output, REPORTERS[reporter](report))
    return report.ok ? 0 : 1
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`error: ${error.message}\n\n${USAGE}`)
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

// Run as a script (`tsx conformance/cli.ts …`); tests import `main` instead.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exit(await main(process.argv.slice(2)))
