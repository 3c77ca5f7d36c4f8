/**
 * Zapier in a real browser (Chromium via playwright-core): Connect → consent → pick a user →
 * Allow → back at the app, which exchanges the code; Deny; an unknown client.
 */
import { describe, expect, it } from 'vitest'
import { browserSuite, screenshot, text } from './browser-helpers.ts'

const suite = browserSuite('zapier', 'profile zap connection:read')
const app = (clientId: string) => suite.app(clientId)
const newPage = async () => (await suite.page()).page

describe('Zapier in a browser', () => {
  it('Connect → consent → choose a user → Allow → the app exchanges the code', async () => {
    const a = await app('browser-zapier')
    const page = await newPage()
    await page.goto(a.url)
    await page.click('#connect')
    await page.waitForURL((u) => u.pathname === '/zapier/v2/authorize')
    expect(await text(page, 'h1')).toBe('Test App is requesting access to your Zapier account')
    expect(await text(page, 'ul.scopes')).toContain('View your Zapier profile')
    await screenshot(page, 'zapier-consent')

    await page.selectOption('#user_id', '88998900')
    expect(await page.locator('#subject').inputValue()).toBe('88998900:personal')
    await page.click('#allow')
    await page.waitForURL((u) => u.href.startsWith(a.callback))
    expect(new URL(page.url()).searchParams.get('code')).toMatch(/^[A-Za-z0-9]{30}$/)
    expect(await text(page, '#status')).toBe('success')
    expect(await text(page, '#resource')).toContain('maya.lindqvist@zapier.example')
  })

  it('Deny → the app gets access_denied and its state', async () => {
    const a = await app('browser-zapier-deny')
    const page = await newPage()
    await page.goto(a.url)
    await page.click('#connect')
    await page.click('#deny')
    await page.waitForURL((u) => u.href.startsWith(a.callback))
    expect(await text(page, '#error')).toBe('access_denied')
    expect(await text(page, '#state')).toMatch(/^state-zapier-/)
  })

  it('an unknown client gets the error page, and the browser stays on the authorize URL', async () => {
    const page = await newPage()
    const url = `${suite.server.url}/zapier/v2/authorize?client_id=nobody&redirect_uri=${encodeURIComponent('http://127.0.0.1:9/callback')}&response_type=code&state=s`
    const answer = await page.goto(url)
    expect(answer?.status()).toBe(400)
    expect(page.url()).toBe(url)
    expect(await text(page, '#error-description')).toBe('Invalid client_id parameter value.')
    await screenshot(page, 'zapier-error')
  })
})
