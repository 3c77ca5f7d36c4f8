/**
 * `--browser`: the suite drives /login and the consent page in a real Chromium (one launch for
 * this file, a fresh context per scenario). Every check must come out as over plain HTTP: the
 * reference client passes everything on all three providers, broken clients fail the same checks
 * in both modes, and a client that keeps its login in a session cookie — which plain HTTP cannot
 * carry — passes only here.
 *
 * Needs Chromium at /usr/bin/chromium (`apt-get install -y chromium`); without it the file FAILS
 * with a message saying so.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ProviderId } from '../mocks/engine/controls.ts'
import { BrowserUnavailableError, launchChromium } from '../conformance/chromium.ts'
import { type CheckId, type ConformanceReport, runConformance } from '../conformance/index.ts'

let browser: Browser

beforeAll(async () => {
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
})

const node = (file: string) => `node fixtures/clients/${file}`
const statuses = (report: ConformanceReport) => Object.fromEntries(report.providers.flatMap((p) => p.checks.map((c) => [`${p.provider}:${c.id}`, c.status])))
const failed = (report: ConformanceReport) => report.providers.flatMap((p) => p.checks.filter((c) => c.status === 'FAILURE').map((c) => c.id)).sort()

/**
 * The reference client behind a session cookie, as web apps keep a login: /login issues `sid`
 * (HttpOnly, SameSite=Lax); /callback, /oob and /resource answer 401 without a session. A `sid` this
 * process never issued (a cookie leaking from another scenario's browser) is refused with 400.
 */
function cookieClient(): string {
  const reference = pathToFileURL(resolve('fixtures/clients/reference.mjs')).href
  const file = join(mkdtempSync(join(tmpdir(), 'conformance-browser-')), 'cookie-session-client.mjs')
  writeFileSync(
    file,
    `import { randomBytes } from 'node:crypto'
import { createServer, request } from 'node:http'
import { configFromEnv, createClient } from ${JSON.stringify(reference)}
const config = configFromEnv(process.env)
const inner = createClient(config).listen(0, '127.0.0.1')
await new Promise((r) => inner.once('listening', r))
const sessions = new Set()
createServer((req, res) => {
  const sid = /(?:^|;\\s*)sid=([^;]+)/.exec(req.headers.cookie ?? '')?.[1]
  const refuse = (status, text) => { res.writeHead(status, { 'content-type': 'text/plain' }); res.end(text) }
  if (sid && !sessions.has(sid)) return refuse(400, 'a session this client never started')
  const headers = {}
  if (req.url.startsWith('/login')) {
    const fresh = randomBytes(16).toString('hex')
    sessions.add(fresh)
    headers['set-cookie'] = 'sid=' + fresh + '; Path=/; HttpOnly; SameSite=Lax'
  } else if (!sid) return refuse(401, 'no session: log in first')
  const upstream = request({ host: '127.0.0.1', port: inner.address().port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode, { ...answer.headers, ...headers })
    answer.pipe(res)
  })
  req.pipe(upstream)
}).listen(config.port, '127.0.0.1')
`,
  )
  return `node ${file}`
}

describe('conformance suite in a real browser (--browser)', () => {
  it('passes every check for the reference client on cal.com, BookingSync and Zapier', { timeout: 90_000 }, async () => {
    const report = await runConformance({ providers: ['calcom', 'bookingsync', 'zapier'], command: node('reference.mjs'), browser })
    const notPassed = report.providers.flatMap((p) => p.checks.filter((c) => c.status !== 'SUCCESS').map((c) => `${p.provider}:${c.id} ${c.status}: ${c.details.actual}`))
    expect(notPassed).toEqual([])
    expect(report.ok).toBe(true)
    expect(report.providers.find((p) => p.provider === 'bookingsync')!.checks.map((c) => c.id)).toContain('oob-exchange')
  })

  const BROKEN: Array<{ file: string; provider: ProviderId; scenarios: string[]; fails: CheckId[] }> = [
    // Tampered, missing and replayed callbacks: what the browser captured, altered and delivered.
    { file: 'ignores-state.mjs', provider: 'calcom', scenarios: ['happy-path', 'state-validation'], fails: ['code-single-use', 'state-mismatch-rejected', 'state-missing-rejected'] },
    // Deny clicked on the consent page; and the out-of-band code read off the provider's page.
    { file: 'denied-is-success.mjs', provider: 'bookingsync', scenarios: ['user-denies', 'out-of-band'], fails: ['denied-callback-rejected'] },
  ]

  it.each(BROKEN)('$file against $provider fails exactly $fails, as over plain HTTP', { timeout: 30_000 }, async ({ file, provider, scenarios, fails }) => {
    const options = { providers: [provider], command: node(`broken/${file}`), scenarios }
    const [http, real] = [await runConformance(options), await runConformance({ ...options, browser })]
    expect(failed(real)).toEqual([...fails].sort())
    expect(statuses(real)).toEqual(statuses(http))
  })

  it('carries the cookies a client sets at /login to its other routes, and none from another scenario', { timeout: 30_000 }, async () => {
    const options = { providers: ['zapier' as const], command: cookieClient(), scenarios: ['authorization-request', 'happy-path', 'state-validation'] }
    const real = await runConformance({ ...options, browser })
    expect(real.providers[0]!.checks.filter((c) => c.status !== 'SUCCESS' && c.status !== 'SKIPPED').map((c) => `${c.id}: ${c.details.actual}`)).toEqual([])
    expect(real.ok).toBe(true)
    // Over plain HTTP the same client cannot even sign in: no cookie comes back to /callback.
    const http = await runConformance(options)
    expect(failed(http)).toContain('callback-success')
  })

  it('says how to install Chromium when it is missing', async () => {
    const launch = launchChromium({ executablePath: '/nonexistent/chromium' })
    await expect(launch).rejects.toBeInstanceOf(BrowserUnavailableError)
    await expect(launch).rejects.toThrow(/apt-get install -y chromium/)
  })
})
