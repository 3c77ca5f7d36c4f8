/**
 * Starting Chromium for `--browser`: Debian's Chromium headless shell (or its full browser) driven
 * by playwright-core, which is an optional dependency: it is imported here, when a browser run asks
 * for it, and its absence is a one-line error that says how to install it.
 */
import { existsSync } from 'node:fs'
import type { Browser as PlaywrightBrowser } from 'playwright-core'
import type { ChromiumBrowser } from './browser-types.ts'
import type { UserAgentFactory } from './runner.ts'

/** Debian's Chromium, the full browser (`apt-get install -y chromium`); `npx playwright install` cannot download here. */
export const CHROMIUM_PATH = '/usr/bin/chromium'
/**
 * Debian's Chromium headless shell (`apt-get install -y chromium-headless-shell`): the same engine,
 * network stack and cookies without the browser's UI — what Playwright itself runs for
 * `headless: true` since 1.49 (https://github.com/microsoft/playwright/issues/33566). The full
 * browser's new headless mode keeps its UI processes (the omnibox popup's WebUI renderer alone is
 * ~2 CPU-s of a run): a `--browser` run of the reference client takes ~10 s in the shell against
 * ~15 s in the full browser on a 2-core machine (README, Performance).
 */
export const CHROMIUM_HEADLESS_SHELL_PATH = '/usr/bin/chromium-headless-shell'
/** The Chromiums a run looks for, in order, when none is named. */
export const CHROMIUM_PATHS: readonly string[] = [CHROMIUM_HEADLESS_SHELL_PATH, CHROMIUM_PATH]
const INSTALL = '`apt-get update && apt-get install -y chromium-headless-shell` (or `chromium`; npx playwright install cannot download here)'

/** The Chromium a run uses when none is named: the first of `CHROMIUM_PATHS` installed, or undefined. */
export function defaultChromiumPath(exists: (path: string) => boolean = existsSync): string | undefined {
  return CHROMIUM_PATHS.find((path) => exists(path))
}

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** Chromium or playwright-core is missing, or Chromium does not start (the CLI exits 2). */
export class BrowserUnavailableError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'BrowserUnavailableError'
  }
}

export interface LaunchOptions {
  /** The Chromium to run (default: `defaultChromiumPath()`, the headless shell when installed, else the full browser). */
  executablePath?: string
  /**
   * Let Playwright close the browser on SIGINT/SIGTERM/SIGHUP (its default). The CLI turns this
   * off and closes the browser itself, after killing the clients.
   */
  handleSignals?: boolean
}

/** playwright-core, or the error that says how to get it. */
async function playwright(): Promise<typeof import('playwright-core')> {
  try {
    return await import('playwright-core')
  } catch {
    throw new BrowserUnavailableError('--browser needs the optional package playwright-core: npm install playwright-core')
  }
}

/**
 * The Chromium to launch: the one named (`--chromium`, `chromiumPath`, `executablePath`), else
 * `defaultChromiumPath()`; BrowserUnavailableError, saying what to do, when it is not there.
 */
export function chromiumToLaunch(named: string | undefined, exists: (path: string) => boolean = existsSync): string {
  if (named === undefined) {
    const path = defaultChromiumPath(exists)
    if (path === undefined) throw new BrowserUnavailableError(`--browser needs Chromium, and neither ${CHROMIUM_PATHS.join(' nor ')} is installed. Install it with ${INSTALL}.`)
    return path
  }
  if (!exists(named)) throw new BrowserUnavailableError(`--browser needs Chromium at ${named}, which is missing: name another, or name none to run Debian's (${CHROMIUM_PATHS.join(', else ')}).`)
  return named
}

/** One headless Chromium for a whole run; throws BrowserUnavailableError with the fix. */
export async function launchChromium(options: LaunchOptions = {}): Promise<ChromiumBrowser> {
  const executablePath = chromiumToLaunch(options.executablePath)
  const { chromium } = await playwright()
  const handle = options.handleSignals ?? true
  try {
    const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, handleSIGINT: handle, handleSIGTERM: handle, handleSIGHUP: handle })
    return browser as unknown as ChromiumBrowser
  } catch (error) {
    throw launchFailure(executablePath, error as Error)
  }
}

/** A Chromium that would not start: its path, the first line of Playwright's error, and (for Debian's own) how to reinstall it. */
export function launchFailure(path: string, error: Error): BrowserUnavailableError {
  // Reinstalling is the fix for Debian's own; a Chromium of the user's is theirs to mend.
  const fix = CHROMIUM_PATHS.includes(path) ? ` Reinstall it with ${INSTALL}.` : ''
  return new BrowserUnavailableError(`could not start Chromium at ${path}: ${error.message.split('\n')[0]}.${fix}`)
}

/**
 * The user agent of a `--browser` run: each scenario on a tab of `browser`, reused from one scenario
 * to the next (./chromium.ts). `close()` closes its tabs, not the browser.
 */
export async function chromiumUserAgent(browser: ChromiumBrowser, options: { timeoutMs?: number; screenshots?: boolean; tabs?: number } = {}): Promise<UserAgentFactory & { close(): Promise<void> }> {
  const { chromiumUserAgent: create } = await import('./chromium.ts')
  return create(browser as unknown as PlaywrightBrowser, options)
}
