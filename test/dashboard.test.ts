/**
 * The dashboard over HTTP, without a browser: content negotiation at GET /__admin, the forms'
 * CSRF token and effects, tenants, the server-sent event stream (it streams through the node
 * adapter, and unsubscribes when the peer goes away), escaping, and the grants' states.
 * test/browser-dashboard.test.ts drives the same pages in Chromium.
 */
import { request as httpRequest } from 'node:http'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { zapierDemoClient } from '../fixtures/zapier.ts'
import { csrfToken, wantsHtml } from '../mocks/dashboard/index.ts'
import { listGrants } from '../mocks/dashboard/grants.ts'
import { ExpiringStore } from '../mocks/engine/store.ts'
import { bookingsyncProfile } from '../mocks/providers/bookingsync/profile.ts'
import { calcomProfile } from '../mocks/providers/calcom/profile.ts'
import { oauth2Profile } from '../mocks/providers/oauth2/profile.ts'
import { zapierProfile } from '../mocks/providers/zapier/profile.ts'
import { type RunningServer, startServer } from '../mocks/server.ts'

const ZAPIER = { id: zapierDemoClient.clientId, secret: zapierDemoClient.clientSecret, redirect: zapierDemoClient.redirectUris[0]! }
const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' }

// A fresh server per test: log ids start at 1 again (a reset clears the log but never reuses ids).
let server: RunningServer
beforeEach(async () => {
  server = await startServer({ port: 0 })
})
afterEach(() => server.close())

/** A Zapier login as a client would make it: consent (allow), code, tokens. */
async function zapierLogin(base = server.url, state = 'xyz'): Promise<{ access: string; refresh: string; code: string }> {
  const consent = await fetch(`${base}/zapier/v2/authorize`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({ response_type: 'code', client_id: ZAPIER.id, redirect_uri: ZAPIER.redirect, scope: 'profile', state, decision: 'allow', user_id: '88998899', subject: '88998899:personal' }),
  })
  const code = new URL(consent.headers.get('location')!).searchParams.get('code')!
  const tokens = (await (
    await fetch(`${base}/zapier/oauth/token/`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${ZAPIER.id}:${ZAPIER.secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: ZAPIER.redirect }),
    })
  ).json()) as { access_token: string; refresh_token: string }
  return { access: tokens.access_token, refresh: tokens.refresh_token, code }
}

function refresh(token: string) {
  return fetch(`${server.url}/zapier/oauth/token/`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${ZAPIER.id}:${ZAPIER.secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }),
  })
}

/** Posts a dashboard form (url-encoded, as a browser does), redirects not followed. */
function post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(`${server.url}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields) })
}

const token = (prefix = '/__admin') => csrfToken(prefix)

describe('GET /__admin: a page for browsers, JSON for the rest', () => {
  it('answers HTML to a browser and keeps JSON for Accept: application/json, */* and none', async () => {
    const page = await fetch(`${server.url}/__admin`, { headers: HTML })
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await page.text()).toContain('oauth-fakes <span>dashboard</span>')
    for (const accept of ['application/json', '*/*', 'application/json, text/html;q=0.5']) {
      const res = await fetch(`${server.url}/__admin`, { headers: { accept } })
      expect(res.headers.get('content-type'), accept).toMatch(/^application\/json/)
    }
    expect(wantsHtml(new Request('http://x/', { headers: { accept: 'text/html, application/json;q=0.9' } }))).toBe(true)
  })

  it('sends a policy that loads nothing from anywhere and runs only its own script', async () => {
    const res = await fetch(`${server.url}/__admin/dashboard?provider=zapier`)
    const csp = res.headers.get('content-security-policy')!
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("frame-ancestors 'none'")
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1]
    const html = await res.text()
    expect(html).toContain(`<script nonce="${nonce}">`)
    // No external resource: no stylesheet or script from a URL (the one link is an empty inline icon).
    expect(html).not.toMatch(/<link\b(?! rel="icon" href="data:,")|src="https?:|@import/)
  })

  it('shows the requests of a provider as arrows, the newest last, and the grants they made', async () => {
    const { access } = await zapierLogin()
    await fetch(`${server.url}/zapier/v1/profiles/me`, { headers: { authorization: `Bearer ${access}` } })
    const html = await (await fetch(`${server.url}/__admin/dashboard?provider=zapier`)).text()
    const arrows = [...html.matchAll(/<li class="seq-msg[^"]*" id="req-(\d+)"/g)].map((m) => Number(m[1]))
    expect(arrows).toEqual([1, 2, 3])
    expect(html).toMatch(/<span class="m">POST<\/span><span class="p">\/oauth\/token\/<\/span>/)
    expect(html).toContain('access_token + refresh_token')
    expect(html).toMatch(new RegExp(`data-state="live" data-kind="access">[\\s\\S]*?${access}`))
    // The code was exchanged: the store no longer holds it, the log shows it was answered.
    expect(html).toMatch(/data-state="consumed" data-kind="code"/)
  })

  it('opens one exchange on its own page and as a fragment, and says when it is gone', async () => {
    const { access } = await zapierLogin()
    const page = await (await fetch(`${server.url}/__admin/dashboard/request/2`)).text()
    expect(page).toContain('Request #2 to Zapier')
    expect(page).toContain(access)
    expect(page).toMatch(/access token<\/span><code>[^<]+<\/code><span class="rq-note">answered in body access_token<\/span><span class="rq-note">now <span class="badge live">live/)
    const fragment = await (await fetch(`${server.url}/__admin/dashboard/request/2?fragment=1`)).text()
    expect(fragment.startsWith('<div class="rq">')).toBe(true)
    const missing = await fetch(`${server.url}/__admin/dashboard/request/999`)
    expect(missing.status).toBe(404)
  })
})

describe('the dashboard forms', () => {
  it('refuse a post without the CSRF token, or with another dashboard\'s, and a cross-site Origin', async () => {
    expect((await post('/__admin/dashboard/clock', { provider: 'zapier', seconds: '60' })).status).toBe(403)
    expect((await post('/__admin/dashboard/clock', { provider: 'zapier', seconds: '60', csrf: token('/t/other/__admin') })).status).toBe(403)
    expect((await post('/__admin/dashboard/clock', { provider: 'zapier', seconds: '60', csrf: token() }, { origin: 'https://evil.example' })).status).toBe(403)
    expect((await fetch(`${server.url}/__admin/dashboard/clock`)).status).toBe(405)
    const now = Date.parse(server.fakes.advanceClock(0).now)
    expect(now - Date.now()).toBeLessThan(30_000)
  })

  it('the page carries the token its forms need', async () => {
    const html = await (await fetch(`${server.url}/__admin/dashboard`)).text()
    expect(html).toContain(`name="csrf" value="${token()}"`)
  })

  it('move the clock, set consent, inject a fault, revoke, reset — and redirect back with 303', async () => {
    const before = Date.parse(server.fakes.advanceClock(0).now)
    const clock = await post('/__admin/dashboard/clock', { provider: 'zapier', seconds: '36000', csrf: token() }, { origin: server.url })
    expect(clock.status).toBe(303)
    expect(clock.headers.get('location')).toBe('/__admin/dashboard?provider=zapier&done=clock&by=36000')
    expect(Date.parse(server.fakes.advanceClock(0).now) - before).toBeGreaterThanOrEqual(36_000_000)
    const notice = await (await fetch(`${server.url}${clock.headers.get('location')}`)).text()
    expect(notice).toContain('Moved the fakes&#39; clock forward 10 h.')

    expect((await post('/__admin/dashboard/consent', { provider: 'bookingsync', mode: 'deny', csrf: token() })).status).toBe(303)
    expect(server.fakes.consent('bookingsync')).toBe('deny')

    expect((await post('/__admin/dashboard/fault', { provider: 'zapier', endpoint: 'token', status: '503', times: '1', csrf: token() })).status).toBe(303)
    const faulted = await fetch(`${server.url}/zapier/oauth/token/`, { method: 'POST', body: new URLSearchParams({ grant_type: 'authorization_code' }) })
    expect(faulted.status).toBe(503)

    server.fakes.setConsent('zapier', 'ask')
    const { access } = await zapierLogin()
    const revoke = await post('/__admin/dashboard/revoke', { provider: 'zapier', clientId: ZAPIER.id, csrf: token() })
    expect(revoke.headers.get('location')).toMatch(/done=revoke&n=2$/)
    expect((await fetch(`${server.url}/zapier/v1/profiles/me`, { headers: { authorization: `Bearer ${access}` } })).status).toBe(401)

    expect((await post('/__admin/dashboard/reset', { provider: 'zapier', csrf: token() })).status).toBe(303)
    expect(server.fakes.consent('bookingsync')).toBe('ask')
    expect(server.fakes.requests()).toHaveLength(0)
  })

  it("the clock's buttons move a second past a lifetime: what was issued at that instant has expired at every provider's boundary", async () => {
    // Doorkeeper keeps a token valid at exactly its lifetime (BookingSync), Zapier does not: moving
    // by the lifetime alone left it to the real milliseconds between the issue and the click.
    const lifetimes = { calcom: calcomProfile, bookingsync: bookingsyncProfile, zapier: zapierProfile, oauth2: { codeLifetimeSeconds: oauth2Profile.codeLifetimeSeconds, accessLifetimeSeconds: oauth2Profile.accessToken.lifetimeSeconds } }
    for (const [p, life] of Object.entries(lifetimes)) {
      const html = await (await fetch(`${server.url}/__admin/dashboard?provider=${p}`, { headers: HTML })).text()
      const seconds = [...html.matchAll(/<button type="submit" name="seconds" value="(\d+)"/g)].map((m) => Number(m[1]))
      expect(seconds.slice(0, 2), p).toEqual([life.codeLifetimeSeconds + 1, life.accessLifetimeSeconds + 1])
      expect(/value="(\d+)" id="expire-access"/.exec(html)?.[1], p).toBe(String(life.accessLifetimeSeconds + 1))
    }
  })

  it('answer bad input with 400 naming the field, and never run it', async () => {
    const bad = await post('/__admin/dashboard/fault', { provider: 'zapier', endpoint: 'token', status: '204', times: '1', csrf: token() })
    expect(bad.status).toBe(400)
    expect(await bad.text()).toContain('status: must carry a body')
    expect((await post('/__admin/dashboard/clock', { provider: 'zapier', seconds: '-5', csrf: token() })).status).toBe(400)
    expect((await post('/__admin/dashboard/consent', { provider: 'github', mode: 'allow', csrf: token() })).status).toBe(400)
    const json = await fetch(`${server.url}/__admin/dashboard/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(json.status).toBe(415)
  })
})

describe('tenants', () => {
  it('each tenant has its own dashboard, token and log; the list links them', async () => {
    await zapierLogin(`${server.url}/t/job-42`)
    const html = await (await fetch(`${server.url}/t/job-42/__admin`, { headers: HTML })).text()
    expect(html).toContain('tenant <b>job-42</b>')
    expect(html).toContain('href="/t/job-42/__admin/dashboard?provider=calcom"')
    expect(html).toContain('href="/__admin/dashboard?provider=calcom"')
    const zapier = await (await fetch(`${server.url}/t/job-42/__admin/dashboard?provider=zapier`)).text()
    expect(zapier).toContain('id="req-2"')
    const prefix = '/t/job-42/__admin'
    expect((await post(`${prefix}/dashboard/clock`, { provider: 'zapier', seconds: '60', csrf: token() })).status).toBe(403)
    const moved = await post(`${prefix}/dashboard/clock`, { provider: 'zapier', seconds: '60', csrf: token(prefix) })
    expect(moved.headers.get('location')).toBe(`${prefix}/dashboard?provider=zapier&done=clock&by=60`)
    // The default tenant's clock did not move.
    expect(Date.parse(server.fakes.advanceClock(0).now) - Date.now()).toBeLessThan(30_000)
  })
})

/** Opens the event stream with node:http (a real socket we can close) and collects its events. */
function openEvents(path: string): Promise<{ events: Array<{ id: number; html: string }>; raw: () => string; next(count: number): Promise<void>; close(): void }> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${server.url}${path}`)
    const req = httpRequest({ host: url.hostname, port: url.port, path: `${url.pathname}${url.search}` }, (res) => {
      expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8')
      let text = ''
      const events: Array<{ id: number; html: string }> = []
      const waiters: Array<() => void> = []
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        text += chunk
        let end: number
        while ((end = text.indexOf('\n\n')) >= 0) {
          const block = text.slice(0, end)
          text = text.slice(end + 2)
          const data = /^data: (.*)$/m.exec(block)?.[1]
          if (/^event: request$/m.test(block) && data) events.push(JSON.parse(data) as { id: number; html: string })
        }
        for (const w of waiters.splice(0)) w()
      })
      resolve({
        events,
        raw: () => text,
        next: (count) =>
          new Promise<void>((done) => {
            const check = () => (events.length >= count ? done() : waiters.push(check))
            check()
          }),
        close: () => req.destroy(),
      })
    })
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? undefined : reject(error)))
    req.end()
  })
}

describe('live updates: server-sent events', () => {
  it('streams each new request of the provider as one arrow, as it happens, and stops listening when the peer goes away', async () => {
    const log = server.fakes.log
    const subscribeForReal = log.subscribe.bind(log)
    const unsubscribed = vi.fn()
    const subscribe = vi.spyOn(log, 'subscribe').mockImplementation((listener) => {
      const off = subscribeForReal(listener)
      return () => {
        unsubscribed()
        off()
      }
    })
    const stream = await openEvents('/__admin/dashboard/events?provider=zapier&after=0')
    await vi.waitFor(() => expect(subscribe).toHaveBeenCalledTimes(1))
    // Another provider's request is not this stream's.
    await fetch(`${server.url}/calcom/api/auth/oauth/me`)
    await zapierLogin()
    await stream.next(2)
    expect(stream.events.map((e) => e.id)).toEqual([2, 3])
    expect(stream.events[1]!.html).toContain('/oauth/token/')
    expect(stream.events[1]!.html).toMatch(/^<li class="seq-msg" id="req-3"/)
    stream.close()
    await vi.waitFor(() => expect(unsubscribed).toHaveBeenCalledTimes(1), { timeout: 10_000 })
    subscribe.mockRestore()
  })

  it('catches up from ?after= (and Last-Event-ID) before the live part', async () => {
    await zapierLogin()
    const stream = await openEvents('/__admin/dashboard/events?provider=zapier&after=1')
    await stream.next(1)
    expect(stream.events.map((e) => e.id)).toEqual([2])
    stream.close()
  })
})

describe('escaping: what clients send shows as text', () => {
  it('a client name, a state and a body with <script> never become markup', async () => {
    const evil = '<script>alert(1)</script>'
    server.fakes.registerClient({ provider: 'zapier', clientId: 'evil-client', clientSecret: 's', redirectUris: ['http://127.0.0.1:3000/callback'], name: evil })
    await fetch(`${server.url}/zapier/v2/authorize?response_type=code&client_id=${encodeURIComponent(evil)}&redirect_uri=x&state=${encodeURIComponent(evil)}`)
    await fetch(`${server.url}/zapier/oauth/token/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: evil, code: evil }) })
    const pages = [
      await (await fetch(`${server.url}/__admin/dashboard?provider=zapier`)).text(),
      await (await fetch(`${server.url}/__admin/dashboard/request/1`)).text(),
      await (await fetch(`${server.url}/__admin/dashboard/request/2`)).text(),
    ]
    for (const html of pages) {
      expect(html).not.toContain(evil)
      expect(html).not.toMatch(/<script>alert/)
    }
    expect(pages[0]).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(pages[1]).toContain('state</th><td>&lt;script&gt;alert(1)&lt;/script&gt;')
  })
})

describe('grants and their states', () => {
  it('ExpiringStore.entries lists every entry, oldest first, without changing any', () => {
    const store = new ExpiringStore<{ clientId: string; expiresAt: number | null; revokedAt: number | null }>()
    store.set('a', { clientId: 'c', expiresAt: 10, revokedAt: null }, 0)
    store.set('b', { clientId: 'c', expiresAt: null, revokedAt: null }, 0)
    expect([...store.entries()].map(([k]) => k)).toEqual(['a', 'b'])
    expect(store.lookup('a', 20).state).toBe('expired')
    expect(store.size).toBe(2)
  })

  it('live, expired, rotated (by a refresh) and revoked (by the control API) are told apart', async () => {
    const first = await zapierLogin()
    server.fakes.advanceClock(36000)
    const second = (await (await refresh(first.refresh)).json()) as { access_token: string; refresh_token: string }
    const third = await zapierLogin()
    server.fakes.registerClient({ provider: 'zapier', clientId: 'other', clientSecret: 'x', redirectUris: [ZAPIER.redirect] })
    const rt = server.fakes.runtime('zapier')
    const now = server.fakes.clock.now()
    const states = (g: ReturnType<typeof listGrants>) => Object.fromEntries([...g.access, ...g.refresh].map((r) => [r.value, r.state]))
    let s = states(listGrants(rt, now))
    expect(s[first.refresh]).toBe('rotated')
    expect(s[first.access]).toBe('rotated')
    expect(s[second.refresh_token]).toBe('live')
    expect(s[third.access]).toBe('live')
    server.fakes.advanceClock(36000)
    s = states(listGrants(rt, server.fakes.clock.now()))
    expect(s[third.access]).toBe('expired')
    server.fakes.revoke('zapier', ZAPIER.id)
    s = states(listGrants(rt, server.fakes.clock.now()))
    expect(s[second.refresh_token]).toBe('revoked')
    expect(s[third.refresh]).toBe('revoked')
    // Rotated before the revocation: still told as rotated.
    expect(s[first.refresh]).toBe('rotated')
  })
})
