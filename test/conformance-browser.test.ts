/**
 * `--browser`: the suite drives /login and the consent page in a real Chromium (one launch for
 * this file; a tab — a context and its page — reused from one scenario to the next, emptied between). Every check must come out as over plain HTTP: the
 * reference client passes everything on all three providers, broken clients fail the same checks
 * in both modes, and a client that keeps its login in a session cookie passes here as it does
 * over plain HTTP (whose user agent keeps cookies too).
 *
 * Needs Debian's Chromium: the headless shell (`apt-get install -y chromium-headless-shell`), which
 * a run prefers, and the full browser (`apt-get install -y chromium`), which one test runs as the
 * fallback; without them the file FAILS with a message saying so.
 */
import { createServer } from 'node:http'
import type { Browser as PlaywrightBrowser } from 'playwright-core'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumUserAgent } from '../conformance/chromium-launch.ts'
import type { ClientConfig } from '../conformance/drivers/driver.ts'
import type { ProviderId } from '../mocks/engine/controls.ts'
import { CHROMIUM_PATH, launchChromium } from '../conformance/chromium-launch.ts'
import { type CheckId, type ChromiumBrowser, type ConformanceReport } from '../conformance/index.ts'
import type { UserAgentSession } from '../conformance/runner.ts'
import { runConformance } from './slow-machine.ts'

let browser: ChromiumBrowser

beforeAll(async () => {
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
})

const node = (file: string) => `node fixtures/clients/${file}`

/** A client that sets a cookie at /login and shows the cookies it gets on any other route; and a scenario's session for it. */
async function cookieEchoClient() {
  const client = createServer((req, res) => {
    if (req.url === '/login') res.writeHead(200, { 'set-cookie': 'sid=first-scenario; Path=/; HttpOnly' }).end('ok')
    else res.end(`cookies: ${req.headers.cookie ?? '(none)'}`)
  })
  await new Promise<void>((resolve) => client.listen(0, '127.0.0.1', resolve))
  const callbackUrl = `http://127.0.0.1:${(client.address() as AddressInfo).port}/callback`
  const session = { config: { provider: 'zapier', redirectUri: callbackUrl } as ClientConfig, callbackUrl } as UserAgentSession
  return { session, close: () => client.close() }
}
/** Browser contexts open now (each tab is one). */
const contexts = () => (browser as unknown as PlaywrightBrowser).contexts().length
const statuses = (report: ConformanceReport) => Object.fromEntries(report.providers.flatMap((p) => p.checks.map((c) => [`${p.provider}:${c.id}`, c.status])))
const failed = (report: ConformanceReport) => report.providers.flatMap((p) => p.checks.filter((c) => c.status === 'FAILURE').map((c) => c.id)).sort()

describe('conformance suite in a real browser (--browser)', () => {
  // The scenarios where the browser does something (log in, consent, deny, the oob page); the
  // others only call the client's routes, which the browser reaches the same way.
  const BROWSER_SCENARIOS = ['authorization-request', 'happy-path', 'state-validation', 'user-denies', 'out-of-band']

  it('passes every check for the reference client on cal.com, BookingSync and Zapier', { timeout: 600_000 }, async () => {
    const report = await runConformance({ providers: ['calcom', 'bookingsync', 'zapier'], command: node('reference.mjs'), browser, scenarios: BROWSER_SCENARIOS })
    // Only the scenarios above ran: the checks they judge pass, the others are not judged.
    const wrong = report.providers.flatMap((p) => p.checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING').map((c) => `${p.provider}:${c.id} ${c.status}: ${c.details.actual}`))
    expect(wrong).toEqual([])
    const passed = report.providers.flatMap((p) => p.checks.filter((c) => c.status === 'SUCCESS').map((c) => `${p.provider}:${c.id}`))
    for (const id of ['calcom:callback-success', 'bookingsync:denied-callback-rejected', 'zapier:state-mismatch-rejected', 'bookingsync:oob-exchange']) expect(passed).toContain(id)
    expect(report.ok).toBe(true)
    expect(report.providers.find((p) => p.provider === 'bookingsync')!.checks.map((c) => c.id)).toContain('oob-exchange')
  })

  const BROKEN: Array<{ file: string; provider: ProviderId; scenarios: string[]; fails: CheckId[] }> = [
    // Tampered, missing and replayed callbacks: what the browser captured, altered and delivered.
    { file: 'ignores-state.mjs', provider: 'calcom', scenarios: ['happy-path', 'state-validation'], fails: ['code-single-use', 'state-mismatch-rejected', 'state-missing-rejected'] },
    // Deny clicked on the consent page; and the out-of-band code read off the provider's page.
    { file: 'denied-is-success.mjs', provider: 'bookingsync', scenarios: ['user-denies', 'out-of-band'], fails: ['denied-callback-rejected'] },
  ]

  it.each(BROKEN)('$file against $provider fails exactly $fails, as over plain HTTP', { timeout: 300_000 }, async ({ file, provider, scenarios, fails }) => {
    const options = { providers: [provider], command: node(`broken/${file}`), scenarios }
    const [http, real] = [await runConformance(options), await runConformance({ ...options, browser })]
    expect(failed(real)).toEqual([...fails].sort())
    expect(statuses(real)).toEqual(statuses(http))
  })

  it('reuses a tab from one scenario to the next, without the cookies of the one before', { timeout: 120_000 }, async () => {
    const client = await cookieEchoClient()
    const contextsBefore = contexts()
    const userAgent = await chromiumUserAgent(browser)
    try {
      const first = await userAgent(client.session)
      const driver = first.drive({} as never)
      await driver.login()
      expect((await driver.resource()).body).toBe('cookies: sid=first-scenario')
      await first.close()
      const second = await userAgent(client.session)
      expect((await second.drive({} as never).resource()).body).toBe('cookies: (none)')
      await second.close()
      // One tab served both scenarios.
      expect(contexts()).toBe(contextsBefore + 1)
    } finally {
      await userAgent.close()
      client.close()
    }
    expect(contexts()).toBe(contextsBefore)
  })

  it('holds a scenario beyond the tab limit until a tab is free, which it gets emptied', { timeout: 120_000 }, async () => {
    const client = await cookieEchoClient()
    const contextsBefore = contexts()
    const userAgent = await chromiumUserAgent(browser, { tabs: 1 })
    try {
      const [first, second] = [await userAgent(client.session), await userAgent(client.session)]
      let secondDone = false
      const secondResource = second
        .drive({} as never)
        .resource()
        .then((answer) => ((secondDone = true), answer))
      const driver = first.drive({} as never)
      await driver.login()
      expect((await driver.resource()).body).toBe('cookies: sid=first-scenario')
      // The second scenario waits for the one tab, which the first still holds.
      expect(secondDone).toBe(false)
      expect(contexts()).toBe(contextsBefore + 1)
      await first.close()
      expect((await secondResource).body).toBe('cookies: (none)')
      await second.close()
      expect(contexts()).toBe(contextsBefore + 1)
    } finally {
      await userAgent.close()
      client.close()
    }
  })

  it('fails the scenarios waiting for a tab, instead of hanging them, when no tab can be opened', async () => {
    const broken = { newContext: async () => Promise.reject(new Error('Chromium is gone')) } as unknown as ChromiumBrowser
    const userAgent = await chromiumUserAgent(broken, { tabs: 1 })
    const session = { config: { provider: 'zapier', redirectUri: 'http://127.0.0.1:9/callback' } as ClientConfig, callbackUrl: 'http://127.0.0.1:9/callback' } as UserAgentSession
    const [first, second] = [await userAgent(session), await userAgent(session)]
    await expect(first.drive({} as never).resource()).rejects.toThrow(/Chromium is gone/)
    await expect(second.drive({} as never).resource()).rejects.toThrow(/Chromium is gone/)
    await Promise.all([first.close(), second.close(), userAgent.close()])
  })

  it('a session-cookie client passes over plain HTTP exactly as in Chromium', { timeout: 300_000 }, async () => {
    const options = { providers: ['zapier' as const], command: node('cookie-session.mjs'), scenarios: ['authorization-request', 'happy-path', 'state-validation', 'access-expired'] }
    const [http, real] = [await runConformance(options), await runConformance({ ...options, browser })]
    expect(real.providers[0]!.checks.filter((c) => c.status !== 'SUCCESS' && c.status !== 'SKIPPED').map((c) => `${c.id}: ${c.details.actual}`)).toEqual([])
    expect(real.ok).toBe(true)
    expect(statuses(http)).toEqual(statuses(real))
  })

  it('passes in the full browser too (what runs where the headless shell is not installed)', { timeout: 300_000 }, async () => {
    const report = await runConformance({ providers: ['bookingsync'], command: node('reference.mjs'), scenarios: ['happy-path', 'out-of-band'], browser: true, chromiumPath: CHROMIUM_PATH })
    expect(report.providers[0]!.checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING').map((c) => `${c.id}: ${c.details.actual}`)).toEqual([])
    expect(report.providers[0]!.checks.filter((c) => c.status === 'SUCCESS').map((c) => c.id)).toEqual(expect.arrayContaining(['callback-success', 'oob-exchange']))
    expect(report.ok).toBe(true)
  })
})
