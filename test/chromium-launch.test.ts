/**
 * Which Chromium `--browser` runs, and what it says when there is none: no Chromium is needed here
 * (test/conformance-browser.test.ts runs the suite in one).
 */
import { describe, expect, it } from 'vitest'
import { BrowserUnavailableError, CHROMIUM_HEADLESS_SHELL_PATH, CHROMIUM_PATH, chromiumToLaunch, defaultChromiumPath, launchChromium, launchFailure } from '../conformance/chromium-launch.ts'
import { UsageError } from '../conformance/runner.ts'
import { runConformance } from './slow-machine.ts'

const installed = (...paths: string[]) => (path: string) => paths.includes(path)
const reference = 'node fixtures/clients/reference.mjs'

describe('the Chromium of a --browser run', () => {
  it('is the headless shell when it is installed, else the full browser', () => {
    expect(defaultChromiumPath(installed(CHROMIUM_PATH, CHROMIUM_HEADLESS_SHELL_PATH))).toBe(CHROMIUM_HEADLESS_SHELL_PATH)
    expect(defaultChromiumPath(installed(CHROMIUM_PATH))).toBe(CHROMIUM_PATH)
    expect(defaultChromiumPath(installed())).toBeUndefined()
    expect(chromiumToLaunch(undefined, installed(CHROMIUM_PATH, CHROMIUM_HEADLESS_SHELL_PATH))).toBe(CHROMIUM_HEADLESS_SHELL_PATH)
    expect(chromiumToLaunch(undefined, installed(CHROMIUM_PATH))).toBe(CHROMIUM_PATH)
  })

  it('is the one named, whatever is installed', () => {
    expect(chromiumToLaunch('/opt/chrome', installed('/opt/chrome', CHROMIUM_HEADLESS_SHELL_PATH))).toBe('/opt/chrome')
    expect(chromiumToLaunch(CHROMIUM_PATH, installed(CHROMIUM_PATH, CHROMIUM_HEADLESS_SHELL_PATH))).toBe(CHROMIUM_PATH)
  })

  it('says how to install one when none is there, and what to do when the one named is missing', async () => {
    expect(() => chromiumToLaunch(undefined, installed())).toThrow(BrowserUnavailableError)
    expect(() => chromiumToLaunch(undefined, installed())).toThrow(/neither \/usr\/bin\/chromium-headless-shell nor \/usr\/bin\/chromium is installed\. Install it with `apt-get update && apt-get install -y chromium-headless-shell`/)
    expect(() => chromiumToLaunch('/opt/chrome', installed(CHROMIUM_PATH))).toThrow(/--browser needs Chromium at \/opt\/chrome, which is missing: name another, or name none to run Debian's \(\/usr\/bin\/chromium-headless-shell, else \/usr\/bin\/chromium\)\.$/)
    await expect(launchChromium({ executablePath: '/nonexistent/chromium' })).rejects.toThrow(/Chromium at \/nonexistent\/chromium, which is missing/)
  })

  it('that will not start is named, with its own first line of error, and no apt-get advice when it is not Debian\'s', async () => {
    // /bin/false starts and exits at once: Playwright's launch fails.
    const launch = launchChromium({ executablePath: '/bin/false' })
    await expect(launch).rejects.toBeInstanceOf(BrowserUnavailableError)
    const message = await launch.catch((error: Error) => error.message)
    expect(message).toMatch(/^could not start Chromium at \/bin\/false: \S/)
    expect(message).not.toMatch(/apt-get/)
    // Debian's own gets the line that reinstalls it.
    const debian = launchFailure(CHROMIUM_HEADLESS_SHELL_PATH, new Error('Failed to launch\nmore lines'))
    expect(debian.message).toBe(`could not start Chromium at ${CHROMIUM_HEADLESS_SHELL_PATH}: Failed to launch. Reinstall it with \`apt-get update && apt-get install -y chromium-headless-shell\` (or \`chromium\`; npx playwright install cannot download here).`)
  })

  it('runConformance launches the chromiumPath it is given, and refuses one it would not use', async () => {
    const options = { providers: ['zapier' as const], command: reference, scenarios: ['happy-path'] }
    await expect(runConformance({ ...options, browser: true, chromiumPath: '/nonexistent/chromium' })).rejects.toThrow(/Chromium at \/nonexistent\/chromium, which is missing/)
    await expect(runConformance({ ...options, chromiumPath: CHROMIUM_PATH })).rejects.toThrow(UsageError)
    await expect(runConformance({ ...options, browser: false, chromiumPath: CHROMIUM_PATH })).rejects.toThrow(/chromiumPath is for browser: true/)
    await expect(runConformance({ ...options, browser: true, chromiumPath: '' })).rejects.toThrow(/chromiumPath is empty/)
  })
})
