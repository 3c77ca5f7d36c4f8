/**
 * cal.com as it runs today (the default era) in a real browser (Chromium via playwright-core): a
 * test app's "Connect" (asking for the account selector) → consent page → pick a user and a team →
 * Allow → back at the app with a code it exchanges at API v2; Go back; an unknown client; the
 * consent form with JavaScript disabled; the index page at `/`.
 */
import { describe, expect, it } from 'vitest'
import { calcomDemoClient } from '../fixtures/calcom.ts'
import { browserSuite, screenshot, text, visible } from './browser-helpers.ts'

const suite = browserSuite('calcom', 'BOOKING_READ PROFILE_READ', { endpoints: { token: 'v2Token', resource: 'v2Me' }, authorizeParams: { show_account_selector: 'true' } })
const app = (clientId: string, logo?: string) => suite.app(clientId, { logo })
const newPage = async (options: { javaScriptEnabled?: boolean } = {}) => (await suite.page(options)).page

describe('cal.com in a browser', () => {
  it('Connect → consent → choose a user and a team → Allow → the app exchanges the code', async () => {
    const a = await app('browser-calcom')
    const page = await newPage()
    await page.goto(a.url)
    await page.click('#connect')
    await page.waitForURL((u) => u.pathname === '/calcom/auth/oauth2/authorize')
    expect(await text(page, 'h1')).toBe('Test App would like access to your Cal.com account')
    expect(await page.locator('#subject').inputValue()).toBe('1:personal')
    await screenshot(page, 'calcom-consent')

    // Choosing another user fits the account choices to that user (script on).
    await page.selectOption('#user_id', '2')
    expect(await page.locator('#subject').inputValue()).toBe('2:personal')
    expect(await page.locator('#subject optgroup[data-user="1"]').evaluate((g) => (g as HTMLOptGroupElement).disabled)).toBe(true)
    await page.selectOption('#subject', '2:team:102')
    await page.click('#allow')
    await page.waitForURL((u) => u.href.startsWith(a.callback))
    expect(new URL(page.url()).searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{54}$/)
    expect(await text(page, '#status')).toBe('success')
  })

  it("shows the app's data-URL logo; Go back → the app gets access_denied and its state", async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="#7c3aed"/></svg>'
    const a = await app('browser-calcom-deny', `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`)
    const page = await newPage()
    await page.goto(a.url)
    await page.click('#connect')
    expect(await page.locator('main .logo img').evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(64)
    await page.click('#deny')
    await page.waitForURL((u) => u.href.startsWith(a.callback))
    expect(await text(page, '#error')).toBe('access_denied')
    expect(await text(page, '#state')).toMatch(/^state-calcom-/)
  })

  it('an unknown client gets the error page (HTTP 200: cal.com renders it in the browser), and the browser stays on the authorize URL', async () => {
    const page = await newPage()
    const url = `${suite.server.url}/calcom/auth/oauth2/authorize?client_id=nobody&redirect_uri=${encodeURIComponent('http://127.0.0.1:9/callback')}&state=s`
    const answer = await page.goto(url)
    expect(answer?.status()).toBe(200)
    expect(page.url()).toBe(url)
    expect(await text(page, '#error-description')).toBe('OAuth client with ID not found')
    await screenshot(page, 'calcom-error')
  })

  it('works with JavaScript disabled: pick another user and one of their accounts, Allow', async () => {
    const a = await app('browser-calcom-nojs')
    const page = await newPage({ javaScriptEnabled: false })
    await page.goto(a.url)
    await page.click('#connect')
    await page.selectOption('#user_id', '2')
    // Without the script the choice stays the first user's: CSS warns, and shows only user 2's group.
    expect(await visible(page, '.mismatch')).toBe(true)
    expect(await visible(page, '#subject optgroup[data-user="1"]')).toBe(false)
    await screenshot(page, 'calcom-consent-nojs-mismatch')
    await page.selectOption('#subject', '2:personal')
    expect(await visible(page, '.mismatch')).toBe(false)
    await page.click('#allow')
    await page.waitForURL((u) => u.href.startsWith(a.callback))
    expect(await text(page, '#status')).toBe('success')
    expect(await text(page, '#resource')).toContain('"username":"teampro"')
  })

  it('the index page at / lists every provider with a working "try it" link', async () => {
    const page = await newPage()
    await page.goto(suite.server.url)
    expect(await text(page, 'h1')).toBe('oauth-fakes')
    for (const id of ['calcom', 'bookingsync', 'zapier', 'oauth2']) expect(await visible(page, `#try-${id}`)).toBe(true)
    expect(await text(page, 'body')).toContain(calcomDemoClient.clientSecret)
    await screenshot(page, 'index')
    await page.click('#try-calcom')
    expect(await text(page, 'h1')).toBe('Demo App would like access to your Cal.com account')
    const json = (await (await fetch(suite.server.url, { headers: { accept: 'application/json' } })).json()) as { providers: Array<{ id: string }>; admin: string }
    expect(json.providers.map((p) => p.id)).toEqual(['calcom', 'bookingsync', 'zapier', 'oauth2'])
    expect(json.admin).toBe(`${suite.server.url}/__admin`)
  })
})
