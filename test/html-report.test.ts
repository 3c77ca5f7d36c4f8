/**
 * `--reporter html`: the report of a failing client opens in Chromium (from a file, loading
 * nothing from the network) with the failing scenario first, its timeline drawn and the failing
 * request marked and open; a `--browser` run embeds the consent page it went through; nothing a
 * client sends becomes markup. Full-page screenshot: test-results/screenshots/report.png.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { main } from '../conformance/cli.ts'
import type { ChromiumBrowser } from '../conformance/browser-types.ts'
import type { ConformanceReport } from '../conformance/report.ts'
import { renderHtml } from '../conformance/reporters/html.ts'
import { SLOW_MACHINE_FLAGS, runConformance } from './slow-machine.ts'
import { launchChromium, screenshot } from './browser-helpers.ts'

const RESULTS = join(process.cwd(), 'test-results')
const neverRefreshes = 'node fixtures/clients/broken/never-refreshes.mjs'
const reference = 'node fixtures/clients/reference.mjs'

let browser: Browser
let report: ConformanceReport
let reportFile: string

beforeAll(async () => {
  browser = await launchChromium()
  report = await runConformance({ providers: ['zapier'], command: neverRefreshes, scenarios: ['happy-path', 'access-expired'] })
  await mkdir(RESULTS, { recursive: true })
  reportFile = join(RESULTS, 'report.html')
  await writeFile(reportFile, renderHtml(report))
}, 120_000)
afterAll(() => browser?.close())

/** A page that records every request it makes that is not the file itself or inline data. */
async function open(url: string): Promise<{ page: Page; network: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  // Waits that outlast a loaded machine.
  context.setDefaultTimeout(60_000)
  const page = await context.newPage()
  const network: string[] = []
  page.on('request', (r) => {
    if (!/^(file|data):/.test(r.url())) network.push(r.url())
  })
  await page.goto(url)
  return { page, network }
}

describe('the HTML report of a failing client', () => {
  it('shows the failing scenario first, its timeline, and the failing request marked and open', { timeout: 90_000 }, async () => {
    const zapier = report.providers[0]!
    const failed = zapier.scenarios.find((s) => s.scenario === 'access-expired')!
    expect(failed.status).toBe('failed')
    expect(failed.failingRequestIds.length).toBeGreaterThan(0)

    const { page, network } = await open(pathToFileURL(reportFile).href)
    expect(await page.locator('#verdict b').textContent()).toBe('FAILED')
    // Failures first: the first check row and the first scenario.
    expect(await page.locator('table.checks tbody tr').first().getAttribute('data-check')).toBe('refresh-on-expiry')
    expect(await page.locator('table.checks tbody tr').first().getAttribute('data-status')).toBe('FAILURE')
    const scenarios = page.locator('section.scenario')
    expect(await scenarios.count()).toBe(2)
    expect(await scenarios.first().getAttribute('data-scenario')).toBe('access-expired')

    // The timeline: one arrow pair per recorded request, lifelines named.
    const first = scenarios.first()
    expect(await first.locator('li.seq-msg').count()).toBe(failed.requests.length)
    expect(await first.locator('.seq-actor.seq-provider').textContent()).toBe('Zapier')
    expect(await first.locator('.seq-jump').textContent()).toContain("later on the fakes' clock")

    // The failing request: marked, flagged in words (it prints), open with its answer.
    const marked = first.locator('li.seq-msg.failing')
    expect(await marked.count()).toBe(failed.failingRequestIds.length)
    const id = failed.failingRequestIds[0]!
    const row = page.locator(`#s-zapier-access-expired-req-${id}`)
    expect(await row.getAttribute('class')).toContain('failing')
    expect(await row.locator('.seq-flag').textContent()).toBe('FAILING')
    expect(await row.locator('details').getAttribute('open')).not.toBeNull()
    expect(await row.locator('.seq-ret .st').textContent()).toBe('401')
    expect(await row.locator('.seq-details').isVisible()).toBe(true)
    expect(await row.locator('.seq-details').textContent()).toContain('not_authenticated')
    // The finding links to it.
    expect(await first.locator(`.findings a[href="#s-zapier-access-expired-req-${id}"]`).count()).toBe(1)
    // References are links.
    expect(await page.locator('table.checks tbody tr').first().locator('.refs a').first().getAttribute('href')).toMatch(/^https:\/\/www\.rfc-editor\.org\//)

    // As it opens: the full page, for people to look at.
    await screenshot(page, 'report')

    // A passing request opens on a click, and the script's buttons work.
    const passing = first.locator('li.seq-msg:not(.failing)').first()
    expect(await passing.locator('.seq-details').isVisible()).toBe(false)
    await passing.locator('summary').click()
    expect(await passing.locator('.seq-details').isVisible()).toBe(true)
    await page.click('#collapse-all')
    expect(await row.locator('details').getAttribute('open')).toBeNull()
    await page.click('#expand-all')
    expect(await passing.locator('details').getAttribute('open')).not.toBeNull()
    expect(network).toEqual([])
    await page.context().close()
  })

  it('is written by the CLI with --reporter html --output', { timeout: 90_000 }, async () => {
    const output = join(RESULTS, 'report-cli.html')
    vi.spyOn(console, 'log').mockImplementation(() => {})
    try {
      expect(await main(['--provider', 'calcom', '--client', reference, '--scenario', 'user-denies', '--reporter', 'html', '--output', output, ...SLOW_MACHINE_FLAGS])).toBe(0)
    } finally {
      vi.restoreAllMocks()
    }
    const html = await readFile(output, 'utf8')
    expect(html.startsWith('<!doctype html>')).toBe(true)
    expect(html).toContain('<b>PASSED</b>')
    expect(html).toContain('data-scenario="user-denies"')
  })
})

describe('--browser runs', () => {
  it('embed the consent page the browser saw, before its click', async () => {
    // Without `screenshots`, none are taken (they cost time): the CLI asks for them with --reporter html.
    // The tests' Playwright Browser is what a ChromiumBrowser is underneath (its type is opaque in the public API).
    const plain = await runConformance({ providers: ['zapier'], command: reference, scenarios: ['user-denies'], browser: browser as unknown as ChromiumBrowser })
    expect(plain.providers[0]!.scenarios[0]!.screenshots).toEqual([])
    const run = await runConformance({ providers: ['zapier'], command: reference, scenarios: ['user-denies'], browser: browser as unknown as ChromiumBrowser, screenshots: true })
    const trace = run.providers[0]!.scenarios[0]!
    expect(trace.screenshots).toHaveLength(1)
    expect(trace.screenshots[0]!.title).toMatch(/^Consent page, before Deny: /)
    expect(Buffer.from(trace.screenshots[0]!.png, 'base64').subarray(1, 4).toString()).toBe('PNG')
    const file = join(RESULTS, 'report-browser.html')
    await writeFile(file, renderHtml(run))
    const { page, network } = await open(pathToFileURL(file).href)
    const img = page.locator('.shots img')
    expect(await img.count()).toBe(1)
    // Decoded and drawn (a broken image has no natural width).
    expect(await img.evaluate((el: HTMLImageElement) => el.naturalWidth)).toBeGreaterThan(100)
    expect(network).toEqual([])
    await page.context().close()
  }, 90_000)
})

describe('escaping', () => {
  it('a client command, scenario title, state and body with <script> show as text', { timeout: 90_000 }, async () => {
    const evil = '<script>window.__pwned = 1</script>'
    const copy = structuredClone(report)
    copy.client = evil
    const trace = copy.providers[0]!.scenarios[0]!
    trace.title = evil
    trace.findings[0]!.actual = evil
    const r = trace.requests[0]!
    r.query = { state: evil }
    r.body = evil
    r.headers = { ...r.headers, 'x-evil': evil }
    r.response = { ...r.response, body: evil, headers: { 'content-type': 'text/html' } }
    const file = join(RESULTS, 'report-escaping.html')
    await writeFile(file, renderHtml(copy))
    const { page } = await open(pathToFileURL(file).href)
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined()
    // The only script is the report's own.
    expect(await page.locator('script').count()).toBe(1)
    expect(await page.locator('.rp-head .cmd code').textContent()).toBe(evil)
    expect(await page.locator(`section.scenario[data-scenario="${trace.scenario}"] > header h4`).textContent()).toBe(evil)
    expect(await page.locator(`#s-zapier-${trace.scenario}-req-${r.id} .seq-details`).textContent()).toContain(evil)
    await page.context().close()
  })
})
