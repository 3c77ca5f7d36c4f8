/**
 * The dashboard in a real browser (Chromium via playwright-core), against a real standalone
 * server and the browser tests' little OAuth app: a login appears on the open dashboard as it
 * happens (server-sent events, no reload), the clock control expires the token and the grants
 * say so, an arrow opens its exchange; and with JavaScript disabled the timeline is there and
 * every control still works (plain forms, 303 back). Full-page screenshot:
 * test-results/screenshots/dashboard.png.
 */
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { type TestApp, browserSuite, screenshot, text } from './browser-helpers.ts'

const suite = browserSuite('zapier', 'profile zap')
const WIDE = { viewport: { width: 1400, height: 1000 } }
// Browser work on a slow shared 2-core machine: generous, never a measure of speed.
const SLOW = 120_000
const dashboard = () => `${suite.server.url}/__admin/dashboard?provider=zapier`

/** A page in a fresh context, whose waits outlast a loaded machine. */
async function newPage(options: Parameters<typeof suite.page>[0] = {}): Promise<{ page: Page }> {
  const { page } = await suite.page(options)
  page.setDefaultTimeout(60_000)
  page.setDefaultNavigationTimeout(60_000)
  return { page }
}

/** The user signs in to the app with Zapier in their own browser (a context of its own). */
async function signIn(app: TestApp): Promise<void> {
  const { page } = await newPage()
  await page.goto(app.url)
  await page.click('#connect')
  await page.click('#allow')
  await page.waitForURL((u) => u.href.startsWith(app.callback))
  expect(await text(page, '#status')).toBe('success')
}

/** Submits a dashboard form by its button and waits for the 303 back to the dashboard. */
async function submit(page: Page, button: string, done: string): Promise<void> {
  await Promise.all([page.waitForURL((u) => u.searchParams.get('done') === done), page.click(button)])
}

/** The grant items of a kind and state in the grants panel. */
const grants = (page: Page, kind: string, state: string) => page.locator(`#grants li[data-kind="${kind}"][data-state="${state}"]`)

describe('the dashboard in a browser', () => {
  it('shows a login as it happens: new arrows without a reload, then the grants it made', async () => {
    const app = await suite.app('dashboard-live')
    const { page } = await newPage(WIDE)
    await page.goto(dashboard())
    await page.locator('#live.on').waitFor()
    const before = await page.locator('li.seq-msg').count()
    await page.evaluate(() => {
      ;(window as unknown as { stillHere: boolean }).stillHere = true
    })

    await signIn(app)

    // authorize (consent page), the consent POST, the token exchange, the resource call.
    const token = page.locator('li.seq-msg', { hasText: '/oauth/token/' }).last()
    await token.waitFor()
    await page.locator('li.seq-msg', { hasText: '/v1/profiles/me' }).last().waitFor()
    expect(await page.locator('li.seq-msg').count()).toBe(before + 4)
    expect(await token.locator('.seq-ret').textContent()).toContain('access_token + refresh_token')
    expect(await page.locator('#request-count').textContent()).toBe(String(before + 4))
    // No reload happened: the page's state survived.
    expect(await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true)
    // The grants panel followed.
    await grants(page, 'access', 'live').first().waitFor()
    expect(await grants(page, 'code', 'consumed').count()).toBeGreaterThan(0)
  }, SLOW)

  it('the clock control expires the access token, and the dashboard says it expired', async () => {
    const app = await suite.app('dashboard-clock')
    await signIn(app)
    const { page } = await newPage(WIDE)
    await page.goto(dashboard())
    const live = await grants(page, 'access', 'live').count()
    expect(live).toBeGreaterThan(0)
    await submit(page, '#expire-access', 'clock')
    expect(await text(page, '#notice')).toBe("Moved the fakes' clock forward 10 h.")
    expect(await grants(page, 'access', 'live').count()).toBe(0)
    expect(await grants(page, 'access', 'expired').count()).toBeGreaterThanOrEqual(live)
    expect(await grants(page, 'access', 'expired').first().locator('.g-meta').last().textContent()).toMatch(/expired .* ago\)/)
  }, SLOW)

  it('an arrow opens its exchange in place: headers, bodies, the tokens it carried and their state', async () => {
    const app = await suite.app('dashboard-details')
    await signIn(app)
    const { page } = await newPage(WIDE)
    await page.goto(dashboard())
    const url = page.url()
    const exchange = page.locator('li.seq-msg', { hasText: '/oauth/token/' }).last()
    await exchange.locator('a.seq-row').click()
    const details = exchange.locator('.seq-details')
    await details.waitFor()
    expect(page.url()).toBe(url)
    expect(await details.textContent()).toContain('Codes and tokens')
    expect(await details.locator('.rq-grants li').count()).toBe(3) // the code sent, the two tokens answered
    expect(await details.locator('h4', { hasText: 'Answer' }).textContent()).toContain('200 OK')
    expect(await details.locator('pre.body').last().textContent()).toContain('"refresh_token"')
    // Clicked again, it closes.
    await exchange.locator('a.seq-row').click()
    expect(await details.isHidden()).toBe(true)
  }, SLOW)

  it('looks clean with a story on it (screenshot)', async () => {
    const app = await suite.app('dashboard-look')
    await signIn(app)
    // Ten hours later the app's token has expired; a refresh rotates the pair.
    suite.server.fakes.advanceClock(36000)
    const [refreshToken] = [...suite.server.fakes.runtime('zapier').refreshTokens.entriesOf('dashboard-look')].map(([t]) => t)
    const refreshed = await fetch(`${suite.server.url}/zapier/oauth/token/`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('dashboard-look:dashboard-look-secret').toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken! }),
    })
    expect(refreshed.status).toBe(200)
    const { page } = await newPage(WIDE)
    await page.goto(dashboard())
    await page.locator('#live.on').waitFor()
    expect(await grants(page, 'refresh', 'rotated').count()).toBeGreaterThan(0)
    expect(await page.locator('.seq-jump').count()).toBeGreaterThan(0)
    await screenshot(page, 'dashboard')
  }, SLOW)
})

describe('the dashboard without JavaScript', () => {
  const noScript = async () => {
    const { page } = await newPage({ ...WIDE, javaScriptEnabled: false })
    await page.goto(dashboard())
    return page
  }

  it('shows the timeline, and its arrows are links to each exchange\'s page', async () => {
    await signIn(await suite.app('dashboard-nojs'))
    const page = await noScript()
    const total = suite.server.fakes.requests('zapier').length
    expect(await page.locator('li.seq-msg').count()).toBe(Math.min(total, 200))
    expect(await text(page, '#live')).toBe('static: reload for new requests')
    await Promise.all([page.waitForURL(/\/__admin\/dashboard\/request\/\d+$/), page.locator('li.seq-msg a.seq-row').last().click()])
    expect(await page.locator('.seq-details').count()).toBe(1)
    expect(await page.locator('.seq-details').textContent()).toContain('Headers')
    await Promise.all([page.waitForURL((u) => u.pathname.endsWith('/__admin/dashboard')), page.click('a.back')])
  }, SLOW)

  it('sets the consent mode and moves the clock with plain forms', async () => {
    const page = await noScript()
    await submit(page, '#consent-allow', 'consent')
    expect(await text(page, '#notice')).toBe('Consent for Zapier: allow.')
    expect(await page.locator('#consent-allow').getAttribute('aria-pressed')).toBe('true')
    expect(suite.server.fakes.consent('zapier')).toBe('allow')
    await submit(page, '#consent-ask', 'consent')
    expect(suite.server.fakes.consent('zapier')).toBe('ask')

    const before = suite.server.fakes.clock.now()
    await page.fill('#clock-seconds', '120')
    await submit(page, '#clock-advance', 'clock')
    expect(suite.server.fakes.clock.now() - before).toBeGreaterThanOrEqual(120_000)
  }, SLOW)

  it('injects a fault and revokes a client with plain forms', async () => {
    const page = await noScript()
    await page.selectOption('#fault-endpoint', 'token')
    await page.fill('#fault-status', '503')
    await page.fill('#fault-times', '1')
    await submit(page, '#fault-inject', 'fault')
    expect(await text(page, '#notice')).toBe('The next token request to Zapier will answer 503.')
    const faulted = await fetch(`${suite.server.url}/zapier/oauth/token/`, { method: 'POST', body: new URLSearchParams({ grant_type: 'authorization_code' }) })
    expect(faulted.status).toBe(503)

    await page.selectOption('#revoke-client', 'dashboard-nojs')
    await submit(page, '#revoke', 'revoke')
    expect(await text(page, '#notice')).toMatch(/^Revoked [1-9]\d* codes and tokens of that client\.$/)
    expect(await page.locator('#grants li[data-state="revoked"]').count()).toBeGreaterThan(0)
  }, SLOW)

  // Last: it clears what the others made.
  it('resets with a plain form (no confirmation without JavaScript)', async () => {
    const page = await noScript()
    await submit(page, '#reset', 'reset')
    expect(await text(page, '#notice')).toBe('Reset to the fixtures.')
    expect(await page.locator('li.seq-msg').count()).toBe(0)
    expect(await page.locator('.seq-empty').count()).toBe(1)
  }, SLOW)
})
