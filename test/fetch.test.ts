/**
 * createFetch: a fetch function answering the fakes' URLs in-process (no msw, no socket) and
 * handing every other URL to the real fetch. A whole flow through it, the fall-through, and
 * fetch's own behaviour (redirects, body reads, errors) where a client would notice.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createFakes, createFetch } from '../mocks/index.ts'

const fakes = createFakes()
const calcom = fakes.demoClient('calcom')
const redirectUri = calcom.redirectUris[0]!
const authorizeUrl = `https://app.cal.com/auth/oauth2/authorize?client_id=${calcom.clientId}&redirect_uri=${encodeURIComponent(redirectUri)}&scope=PROFILE_READ&state=s`

/** A real server on a free port: what lies beyond the fakes. */
let elsewhere: ReturnType<typeof createServer>
let elsewhereUrl = ''
beforeAll(async () => {
  elsewhere = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ method: req.method, url: req.url, body, authorization: req.headers.authorization ?? null }))
    })
  })
  await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve))
  elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => elsewhere.close(() => resolve())))

describe('createFetch', () => {
  it('runs a whole cal.com flow: authorize (consent allow), token, refresh, API', async () => {
    fakes.reset()
    fakes.setConsent('calcom', 'allow')
    const fetch = createFetch(fakes)
    const authorize = await fetch(authorizeUrl, { redirect: 'manual' })
    expect(authorize.status).toBe(302)
    expect(authorize.url).toBe(authorizeUrl)
    expect(authorize.redirected).toBe(false)
    const code = new URL(authorize.headers.get('location')!).searchParams.get('code')!
    const token = await fetch('https://app.cal.com/api/auth/oauth/token', {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'authorization_code', code, client_id: calcom.clientId, client_secret: calcom.clientSecret, redirect_uri: redirectUri }),
    })
    expect(token.status).toBe(200)
    expect([token.url, token.redirected]).toEqual(['https://app.cal.com/api/auth/oauth/token', false])
    expect(token.headers.get('cache-control')).toBe('no-store')
    const tokens = (await token.json()) as { access_token: string; refresh_token: string; token_type: string }
    expect(tokens.token_type).toBe('bearer')
    const me = await fetch('https://api.cal.com/v2/me', { headers: { authorization: `Bearer ${tokens.access_token}` } })
    expect(me.status).toBe(200)
    expect(((await me.json()) as { data: { username: string } }).data.username).toBe('pro')
    const refreshed = await fetch('https://api.cal.com/v2/auth/oauth2/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'refresh_token', client_id: calcom.clientId, client_secret: calcom.clientSecret, refresh_token: tokens.refresh_token }),
    })
    expect(refreshed.status).toBe(200)
    // The fakes saw what a client sent through msw would have shown them.
    const logged = fakes.requests('calcom').find((r) => r.path === '/api/auth/oauth/token')!
    expect(logged.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8')
    expect(logged.body).toContain('grant_type=authorization_code')
  })

  it('answers BookingSync and Zapier token requests the same way (Basic auth, form bodies)', async () => {
    fakes.reset()
    const fetch = createFetch(fakes)
    const zapier = fakes.demoClient('zapier')
    const basic = `Basic ${Buffer.from(`${zapier.clientId}:${zapier.clientSecret}`).toString('base64')}`
    const cc = await fetch('https://zapier.com/oauth/token/', { method: 'POST', headers: { authorization: basic }, body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'promotions:write' }) })
    expect(cc.status).toBe(200)
    expect(((await cc.json()) as { token_type: string }).token_type).toBe('Bearer')
    const bookingsync = fakes.demoClient('bookingsync')
    const bs = await fetch(new Request('https://www.bookingsync.com/oauth/token', { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: bookingsync.clientId, client_secret: bookingsync.clientSecret }) }))
    expect(bs.status).toBe(200)
    const accounts = await fetch('https://www.bookingsync.com/api/v3/accounts', { headers: { authorization: `Bearer ${((await bs.json()) as { access_token: string }).access_token}` } })
    expect(accounts.status).toBe(200)
  })

  it('hands every other URL to the real fetch, untouched', async () => {
    const fetch = createFetch(fakes)
    const res = await fetch(`${elsewhereUrl}/hello?x=1`, { method: 'POST', body: 'plain', headers: { authorization: 'Bearer other' } })
    expect(await res.json()).toEqual({ method: 'POST', url: '/hello?x=1', body: 'plain', authorization: 'Bearer other' })
    const fallback = vi.fn(async () => new Response('stub'))
    const stubbed = createFetch(fakes, { fallback })
    expect(await (await stubbed('https://example.org/x', { method: 'PUT' })).text()).toBe('stub')
    expect(fallback).toHaveBeenCalledWith('https://example.org/x', { method: 'PUT' })
  })

  it('follows a redirect within the fakes: the answer says the URL it came from and that it was redirected (BookingSync’s out-of-band code page)', async () => {
    fakes.reset()
    fakes.setConsent('bookingsync', 'allow')
    const fetch = createFetch(fakes)
    const bookingsync = fakes.demoClient('bookingsync')
    const page = await fetch(`https://www.bookingsync.com/oauth/authorize?client_id=${bookingsync.clientId}&redirect_uri=${encodeURIComponent('urn:ietf:wg:oauth:2.0:oob')}&response_type=code&scope=public`)
    expect(page.status).toBe(200)
    expect(page.redirected).toBe(true)
    expect(page.url).toMatch(/^https:\/\/www\.bookingsync\.com\/oauth\/authorize\/[0-9a-f]{64}$/)
    expect(await page.text()).toContain('id="authorization_code"')
  })

  it('follows a redirect out of the fakes with the real fetch, as fetch does (the client’s callback)', async () => {
    fakes.reset()
    fakes.setConsent('calcom', 'allow')
    const fallback = vi.fn(async (input: string | URL | Request, init?: RequestInit) => new Response(JSON.stringify({ url: String(input), method: init?.method }), { headers: { 'content-type': 'application/json' } }))
    const fetch = createFetch(fakes, { fallback })
    const landed = (await (await fetch(authorizeUrl)).json()) as { url: string; method: string }
    expect(landed.url.startsWith(`${redirectUri}?code=`)).toBe(true)
    expect(landed.method).toBe('GET')
    await expect(fetch(authorizeUrl, { redirect: 'error' })).rejects.toThrow(TypeError)
  })

  it('reads a body once, like fetch, and refuses what fetch refuses', async () => {
    const fetch = createFetch(fakes)
    const res = await fetch('https://api.zapier.com/v1/categories')
    expect(res.bodyUsed).toBe(false)
    expect(Array.isArray(await res.json())).toBe(true)
    expect(res.bodyUsed).toBe(true)
    await expect(res.text()).rejects.toThrow(TypeError)
    expect(() => res.clone()).toThrow(TypeError)
    const streamed = await fetch('https://api.zapier.com/v1/categories')
    expect(new TextDecoder().decode((await streamed.body!.getReader().read()).value)).toContain('"slug"')
    await expect(fetch('https://api.zapier.com/v1/categories', { method: 'GET', body: 'x' })).rejects.toThrow('GET/HEAD')
    await expect(fetch('not a url')).rejects.toThrow(TypeError)
    await expect(fetch('https://api.zapier.com/v1/categories', { signal: AbortSignal.abort() })).rejects.toThrow()
  })
})
