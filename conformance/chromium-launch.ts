/**
 * Starting Chromium for `--browser`: Debian's /usr/bin/chromium driven by playwright-core, which
 * is an optional dependency: it is imported here, when a browser run asks for it, and its absence
 * is a one-line error that says how to install it.
 */
import { existsSync } from 'node:fs'
import type { Browser as PlaywrightBrowser } from 'playwright-core'
import type { ChromiumBrowser } from './browser-types.ts'
import type { UserAgentFactory } from './runner.ts'

/** Debian's Chromium (`apt-get install -y chromium`); `npx playwright install` cannot download here. */
export const CHROMIUM_PATH = '/usr/bin/chromium'
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** Chromium or playwright-core is missing, or Chromium does not start (the CLI exits 2). */
export class BrowserUnavailableError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'BrowserUnavailableError'
  }
}

export interface LaunchOptions {
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

/** One headless Chromium for a whole run; throws BrowserUnavailableError with the fix. */
export async function launchChromium(options: LaunchOptions = {}): Promise<ChromiumBrowser> {
  const executablePath = options.executablePath ?? CHROMIUM_PATH
  const install = '`apt-get update && apt-get install -y chromium` (npx playwright install cannot download here)'
  if (!existsSync(executablePath)) throw new BrowserUnavailableError(`--browser needs Chromium at ${executablePath}, which is missing. Install it with ${install}.`)
  const { chromium } = await playwright()
  const handle = options.handleSignals ?? true
  try {
    const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, handleSIGINT: handle, handleSIGTERM: handle, handleSIGHUP: handle })
    return browser as unknown as ChromiumBrowser
  } catch (error) {
    throw new BrowserUnavailableError(`could not start Chromium at ${executablePath}: ${(error as Error).message.split('\n')[0]}. Reinstall it with ${install}.`)
  }
}

/**
 * The user agent of a `--browser` run: each scenario on a tab of `browser`, reused from one scenario
 * to the next (./chromium.ts). `close()` closes its tabs, not the browser.
 */
export async function chromiumUserAgent(browser: ChromiumBrowser, options: { timeoutMs?: number; screenshots?: boolean; tabs?: number } = {}): Promise<UserAgentFactory & { close(): Promise<void> }> {
  const { chromiumUserAgent: create } = await import('./chromium.ts')
  return create(browser as unknown as PlaywrightBrowser, options)
}
