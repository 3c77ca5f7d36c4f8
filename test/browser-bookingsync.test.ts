/**
 * BookingSync in a real browser (Chromium via playwright-core): Connect → "Authorization
 * required" → pick a user → Authorize → back at the app, which exchanges the code; Deny; the
 * out-of-band flow (read the code off the page, paste it into the app); an unknown client.
 */
import { describe, expect, it } from 'vitest'
import { browserSuite, screenshot, text, visible } from './browser-helpers.ts'

const suite = browserSuite('bookingsync', 'public rentals_read bookings_read')
const app = (clientId: string, oob = false) => suite.app(clientId, { oob })
const newPage = () => suite.page()

describe('BookingSync in a browser', () => {
  it('Connect → consent → choose a user → Authorize → the app exchanges the code', async () => {
    const a = await app('browser-bookingsync')
    const { page } = await newPage()
    await page.goto(a.url)
    await page.click('#connect')
    await page.waitForURL((u) => u.pathname === '/bookingsync/oauth/authorize')
    expect(await text(page, 'h1')).toBe('Authorization required')
    expect(await text(page, '.lead')).toBe('Authorize Test App to use your account?')
    expect(await text(page, 'ul.scopes')).toContain('Read your rentals')
    expect(await page.locator('#subject').inputValue()).toBe('11:account:101')
    await screenshot(page, 'bookingsync-consent')

    await page.selectOption('#user_id', '12')
    expect(await page.locator('#subject').inputValue()).toBe('12:account:102')
    await page.click('#allow')
    await page.waitForURL((u) => u.href.startsWith(a.callback))
    expect(new URL(page.url()).searchParams.get('code')).toMatch(/^[0-9a-f]{64}$/)
    expect(await text(page, '#status')).toBe('success')
    expect(await text(page, '#resource')).toContain('Mountain Lodges')
    expect(await text(page, '#resource')).not.toContain('Seaside Rentals')
  })

  it('Deny → the app gets access_denied and its state', async () => {
    const a = await app('browser-bookingsync-deny')
    const { page } = await newPage()
    await page.goto(a.url)
    await page.click('#connect')
    await page.click('#deny')
    await page.waitForURL((u) => u.href.startsWith(a.callback))
    expect(await text(page, '#error')).toBe('access_denied')
    expect(await text(page, '#state')).toMatch(/^state-bookingsync-/)
  })

  it('out-of-band: Authorize → the code page → copy the code → paste it into the app, which exchanges it', async () => {
    const a = await app('browser-bookingsync-oob', true)
    const { context, page } = await newPage()
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: suite.server.url })
    await page.goto(a.url)
    await page.click('#connect')
    await page.click('#allow')
    // Doorkeeper 4.2.6 shows the out-of-band code at /oauth/authorize/<code>.
    await page.waitForURL((u) => u.pathname.startsWith('/bookingsync/oauth/authorize/'))
    expect(await text(page, 'h1')).toBe('Authorization code:')
    const code = await text(page, '#authorization_code')
    expect(code).toMatch(/^[0-9a-f]{64}$/)
    expect(await visible(page, '#copy')).toBe(true)
    await screenshot(page, 'bookingsync-oob-code')
    await page.click('#copy')
    await page.waitForFunction(() => document.getElementById('copy')?.textContent === 'Copied!')
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(code)

    await page.goto(a.url)
    await page.fill('#code', code)
    await page.click('#exchange')
    await page.waitForURL((u) => u.pathname === '/oob')
    expect(await text(page, '#status')).toBe('success')
    expect(await text(page, '#resource')).toContain('Seaside Rentals')
  })

  it('an unknown client gets "An error has occurred", and the browser stays on the authorize URL', async () => {
    const { page } = await newPage()
    const url = `${suite.server.url}/bookingsync/oauth/authorize?client_id=nobody&redirect_uri=${encodeURIComponent('http://127.0.0.1:9/callback')}&response_type=code&state=s`
    const answer = await page.goto(url)
    // Doorkeeper 4.2.6 renders every authorize error with 200 (`render :error`).
    expect(answer?.status()).toBe(200)
    expect(page.url()).toBe(url)
    expect(await text(page, 'h1')).toBe('An error has occurred')
    expect(await text(page, '#error-description')).toContain('unknown client')
    await screenshot(page, 'bookingsync-error')
  })
})
