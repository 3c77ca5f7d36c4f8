/**
 * Zapier's authorize and token endpoints: the multi-step flows the behaviour tables in
 * docs/providers/zapier.md cannot express (a page's CSRF token, lifetimes at their boundary,
 * rotation, concurrency, approval_prompt=auto after a grant, the control API), in-process and
 * over HTTP. Single request → single answer behaviour lives in those tables.
 */
import { expect, it } from 'vitest'
import { zapierDemoClient as demo, zapierUsers } from '../fixtures/zapier.ts'
import { type Harness, describeModes, form, locationParams } from './harness.ts'

const AUTHORIZE = '/v2/authorize'
const LEGACY_AUTHORIZE = '/oauth/authorize/'
const TOKEN = '/oauth/token/'
const ME = '/v1/profiles/me'
const redirectUri = demo.redirectUris[0]!
const TOKEN_30 = /^[A-Za-z0-9]{30}$/
const jacob = zapierUsers[0]!
const maya = zapierUsers[1]!

const basic = (id = demo.clientId, secret = demo.clientSecret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`
const tokenUrl = (h: Harness) => h.url('zapier', TOKEN, 'auth')
const authorizeParams = (extra: Record<string, string> = {}) => ({ response_type: 'code', client_id: demo.clientId, redirect_uri: redirectUri, scope: 'profile zap', state: 'st4te', ...extra })

function authorizeUrl(h: Harness, extra: Record<string, string> = {}, path = AUTHORIZE, host = 'api'): string {
  return `${h.url('zapier', path, host)}?${new URLSearchParams(authorizeParams(extra))}`
}

/** The consent form posted by a script (no Origin, no token): the documented parameters and the decision. */
function decide(h: Harness, decision: 'allow' | 'deny', extra: Record<string, string> = {}, path = AUTHORIZE, host = 'api'): Promise<Response> {
  return h.fetch(h.url('zapier', path, host), form({ ...authorizeParams(), user_id: String(jacob.id), subject: `${jacob.id}:personal`, decision, ...extra }))
}

async function codeFor(h: Harness, scope = 'profile zap'): Promise<string> {
  const approved = await decide(h, 'allow', { scope })
  expect(approved.status).toBe(302)
  return locationParams(approved).get('code')!
}

/** A POST to the token endpoint with the demo client's Basic credentials (unless `auth` is null). */
function post(h: Harness, fields: Record<string, string>, auth: string | null = basic()): Promise<Response> {
  const init = form(fields)
  return h.fetch(tokenUrl(h), { ...init, headers: { ...(init.headers as Record<string, string>), ...(auth ? { authorization: auth } : {}) } })
}

const exchange = (h: Harness, code: string, extra: Record<string, string> = {}, auth: string | null = basic()) =>
  post(h, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, ...extra }, auth)
const refresh = (h: Harness, refreshToken: string, extra: Record<string, string> = {}) => post(h, { grant_type: 'refresh_token', refresh_token: refreshToken, ...extra })

interface Tokens {
  access_token: string
  expires_in: number
  token_type: string
  scope: string
  refresh_token: string
}

async function tokensFor(h: Harness, scope = 'profile zap'): Promise<Tokens> {
  const res = await exchange(h, await codeFor(h, scope))
  expect(res.status).toBe(200)
  return (await res.json()) as Tokens
}

const me = (h: Harness, token: string) => h.fetch(h.url('zapier', ME), { headers: { authorization: `Bearer ${token}` } })

/** The consent page's hidden fields (the original parameters and `csrfmiddlewaretoken`). */
function hiddenFields(page: string): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const m of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]!] = m[2]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>')
  return fields
}

describeModes('Zapier authorize', (h) => {
  it('carries every authorize parameter into the consent form by its own name, __proto__ and constructor too', async () => {
    const page = await (await h.fetch(`${authorizeUrl(h)}&__proto__=p&constructor=c`)).text()
    expect(page).toContain('<input type="hidden" name="__proto__" value="p">')
    expect(page).toContain('<input type="hidden" name="constructor" value="c">')
  })

  it('accepts the consent form a browser posts from the page with its csrfmiddlewaretoken, and refuses it from elsewhere or without the token', async () => {
    const page = await h.fetch(authorizeUrl(h))
    expect(page.status).toBe(200)
    const fields = hiddenFields(await page.text())
    expect(fields.csrfmiddlewaretoken).toMatch(/\S/)
    const origin = new URL(h.url('zapier', AUTHORIZE)).origin
    const browserPost = (headers: Record<string, string>, values: Record<string, string>) =>
      h.fetch(h.url('zapier', AUTHORIZE), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(values).toString() })
    const decision: Record<string, string> = { ...fields, user_id: String(jacob.id), subject: `${jacob.id}:personal`, decision: 'allow' }

    // From another site, even with the page's token: Django's CSRF failure page, no redirect.
    const foreign = await browserPost({ origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }, decision)
    expect(foreign.status).toBe(403)
    expect(foreign.headers.get('location')).toBeNull()
    expect(await foreign.text()).toContain('CSRF verification failed. Request aborted.')
    // Same origin, but without the token (or with another page's): refused too.
    const { csrfmiddlewaretoken: _token, ...withoutToken } = decision
    expect((await browserPost({ origin, 'sec-fetch-site': 'same-origin' }, withoutToken)).status).toBe(403)
    expect((await browserPost({ origin }, { ...decision, scope: 'profile zap zap:write' })).status).toBe(403)
    // The page's own post: a code.
    const approved = await browserPost({ origin, 'sec-fetch-site': 'same-origin' }, decision)
    expect(approved.status).toBe(302)
    expect(locationParams(approved).get('code')).toMatch(TOKEN_30)
    expect(locationParams(approved).get('state')).toBe('st4te')
    // A script (no Origin, no Sec-Fetch-Site; Node's fetch adds only Sec-Fetch-Mode) needs no token.
    expect((await decide(h, 'allow')).status).toBe(302)
  })

  it('grants the user chosen on the consent page', async () => {
    const approved = await decide(h, 'allow', { user_id: String(maya.id), subject: `${maya.id}:personal`, scope: 'profile' })
    const tokens = (await (await exchange(h, locationParams(approved).get('code')!)).json()) as Tokens
    expect(((await (await me(h, tokens.access_token)).json()) as Array<{ email: string }>)[0]!.email).toBe(maya.email)
  })

  it('refuses a consent form naming another user\'s account', async () => {
    const res = await decide(h, 'allow', { user_id: String(jacob.id), subject: `${maya.id}:personal` })
    expect(res.status).toBe(400)
    expect(res.headers.get('location')).toBeNull()
  })

  it('serves the older authorize URL on zapier.com through to a token, and its Deny', async () => {
    const page = await h.fetch(authorizeUrl(h, {}, LEGACY_AUTHORIZE, 'auth'))
    expect(page.status).toBe(200)
    expect(await page.text()).toMatch(/action="[^"]*\/oauth\/authorize\/"/)
    const approved = await decide(h, 'allow', {}, LEGACY_AUTHORIZE, 'auth')
    expect((await exchange(h, locationParams(approved).get('code')!)).status).toBe(200)
    expect((await decide(h, 'deny', {}, LEGACY_AUTHORIZE, 'auth')).headers.get('location')).toBe(`${redirectUri}?error=access_denied&state=st4te`)
  })

  it('skips the consent page for approval_prompt=auto once the user holds a live token covering the scopes', async () => {
    // Before any grant: the page, auto or not.
    expect((await h.fetch(authorizeUrl(h, { approval_prompt: 'auto' }))).status).toBe(200)
    await tokensFor(h, 'profile zap')
    const auto = await h.fetch(authorizeUrl(h, { approval_prompt: 'auto', scope: 'zap' }))
    expect(auto.status).toBe(302)
    expect(locationParams(auto).get('code')).toMatch(TOKEN_30)
    expect(locationParams(auto).get('state')).toBe('st4te')
    // The default is force; wider scopes ask again.
    expect((await h.fetch(authorizeUrl(h, { scope: 'zap' }))).status).toBe(200)
    expect((await h.fetch(authorizeUrl(h, { approval_prompt: 'force', scope: 'zap' }))).status).toBe(200)
    expect((await h.fetch(authorizeUrl(h, { approval_prompt: 'auto', scope: 'profile zap zap:write' }))).status).toBe(200)
    // Once the token has expired (36000 s), the page again.
    await h.admin('clock', { advanceSeconds: 36000 })
    expect((await h.fetch(authorizeUrl(h, { approval_prompt: 'auto', scope: 'zap' }))).status).toBe(200)
  })

  it('answers at once as the demo user in consent mode allow, denies in mode deny, and asks again in mode ask', async () => {
    await h.admin('consent', { provider: 'zapier', mode: 'allow' })
    const allowed = await h.fetch(authorizeUrl(h))
    expect(allowed.status).toBe(302)
    const tokens = (await (await exchange(h, locationParams(allowed).get('code')!)).json()) as Tokens
    expect(((await (await me(h, tokens.access_token)).json()) as Array<{ id: number }>)[0]!.id).toBe(jacob.id)
    await h.admin('consent', { provider: 'zapier', mode: 'deny' })
    expect((await h.fetch(authorizeUrl(h))).headers.get('location')).toBe(`${redirectUri}?error=access_denied&state=st4te`)
    await h.admin('consent', { provider: 'zapier', mode: 'ask' })
    expect((await h.fetch(authorizeUrl(h))).status).toBe(200)
  })

  it('answers an injected authorize fault with {"error":"temporarily_unavailable"} and works afterwards', async () => {
    await h.admin('faults', { provider: 'zapier', endpoint: 'authorize', status: 503, times: 1 })
    const failed = await h.fetch(authorizeUrl(h))
    expect(failed.status).toBe(503)
    expect(await failed.json()).toEqual({ error: 'temporarily_unavailable' })
    expect((await h.fetch(authorizeUrl(h))).status).toBe(200)
  })
})

describeModes('Zapier token endpoint', (h) => {
  it('exchanges a code within 2 minutes: still at 119 s', async () => {
    const code = await codeFor(h)
    await h.admin('clock', { advanceSeconds: 119 })
    const res = await exchange(h, code)
    expect(res.status).toBe(200)
    const tokens = (await res.json()) as Tokens
    expect(tokens.access_token).toMatch(TOKEN_30)
    expect(tokens.refresh_token).toMatch(TOKEN_30)
  })

  it('writes its token answers as oauthlib\'s json.dumps does: its key order, Python\'s ", " and ": " separators', async () => {
    const first = await exchange(h, await codeFor(h))
    const pair = /^\{"access_token": "([A-Za-z0-9]{30})", "expires_in": 36000, "token_type": "Bearer", "scope": "profile zap", "refresh_token": "([A-Za-z0-9]{30})"\}$/
    const text = await first.text()
    expect(text).toMatch(pair)
    expect([first.headers.get('content-type'), first.headers.get('cache-control'), first.headers.get('pragma')]).toEqual(['application/json', 'no-store', 'no-cache'])
    const rotated = await refresh(h, pair.exec(text)![2]!)
    expect(await rotated.text()).toMatch(pair)
    const app = await post(h, { grant_type: 'client_credentials', scope: 'zap profile' })
    expect(await app.text()).toMatch(/^\{"access_token": "[A-Za-z0-9]{30}", "expires_in": 36000, "token_type": "Bearer", "scope": "zap profile"\}$/)
  })

  it('refuses a code at 121 s with invalid_grant', async () => {
    const code = await codeFor(h)
    await h.admin('clock', { advanceSeconds: 121 })
    const res = await exchange(h, code)
    expect(res.status).toBe(400)
    expect(await res.text()).toBe('{"error": "invalid_grant"}')
  })

  it('uses a code once: a replay is invalid_grant, other codes still work, and the tokens of the first exchange live on', async () => {
    const code = await codeFor(h)
    const first = await exchange(h, code)
    expect(first.status).toBe(200)
    const tokens = (await first.json()) as Tokens
    const replay = await exchange(h, code)
    expect(replay.status).toBe(400)
    expect(await replay.json()).toEqual({ error: 'invalid_grant' })
    // DOT does not revoke what a replayed code issued.
    expect((await me(h, tokens.access_token)).status).toBe(200)
    expect((await exchange(h, await codeFor(h))).status).toBe(200)
  })

  it('consumes nothing on a failed exchange: wrong client, another redirect_uri, a missing PKCE verifier', async () => {
    const code = await codeFor(h)
    expect((await exchange(h, code, {}, basic(demo.clientId, 'wrong'))).status).toBe(401)
    expect((await exchange(h, code, {}, null)).status).toBe(401)
    expect(await (await exchange(h, code, { redirect_uri: demo.redirectUris[1]! })).json()).toEqual({ error: 'invalid_request', error_description: 'Mismatching redirect URI.' })
    expect((await exchange(h, code)).status).toBe(200)

    const verifier = 'a'.repeat(43)
    const approved = await decide(h, 'allow', { code_challenge: verifier, code_challenge_method: 'plain' })
    const pkceCode = locationParams(approved).get('code')!
    expect(await (await exchange(h, pkceCode)).json()).toEqual({ error: 'invalid_request', error_description: 'Code verifier required.' })
    expect(await (await exchange(h, pkceCode, { code_verifier: 'b'.repeat(43) })).json()).toEqual({ error: 'invalid_grant' })
    expect((await exchange(h, pkceCode, { code_verifier: verifier })).status).toBe(200)
  })

  it('answers a body over 1 MiB with Django\'s 400 page and keeps the code', async () => {
    const code = await codeFor(h)
    const res = await h.fetch(tokenUrl(h), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic() },
      body: `grant_type=authorization_code&code=${code}&pad=${'x'.repeat(1024 * 1024 + 10)}`,
    })
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(await res.text()).toContain('<h1>Bad Request (400)</h1>')
    expect((await exchange(h, code)).status).toBe(200)
  })

  it('answers an injected token fault in the RFC 6749 shape without consuming the code', async () => {
    const code = await codeFor(h)
    await h.admin('faults', { provider: 'zapier', endpoint: 'token', status: 503, times: 1 })
    const failed = await exchange(h, code)
    expect(failed.status).toBe(503)
    expect(await failed.text()).toBe('{"error": "temporarily_unavailable"}')
    await h.admin('faults', { provider: 'zapier', endpoint: 'token', status: 500, times: 1 })
    const broken = await exchange(h, code)
    expect(broken.status).toBe(500)
    expect(await broken.json()).toEqual({ error: 'server_error' })
    expect((await exchange(h, code)).status).toBe(200)
  })

  it('records token and refresh requests under their control endpoints', async () => {
    const tokens = await tokensFor(h)
    await refresh(h, tokens.refresh_token)
    const log = (await (await h.admin('requests?provider=zapier')).json()) as Array<{ path: string; endpoint: string | null; status: number }>
    expect(log.filter((e) => e.path === TOKEN).map((e) => e.endpoint)).toEqual(['token', 'refresh'])
  })
})

describeModes('Zapier refresh and tokens', (h) => {
  it('rotates on refresh: a new pair, the old refresh token dead at once and the old access token with it', async () => {
    const first = await tokensFor(h)
    const res = await refresh(h, first.refresh_token)
    expect(res.status).toBe(200)
    const second = (await res.json()) as Tokens
    expect(second).toMatchObject({ expires_in: 36000, token_type: 'Bearer', scope: 'profile zap' })
    expect(second.access_token).not.toBe(first.access_token)
    expect(second.refresh_token).not.toBe(first.refresh_token)
    // DOT's RefreshToken.revoke() deletes the access token it was issued with.
    const oldAccess = await me(h, first.access_token)
    expect(oldAccess.status).toBe(401)
    expect(oldAccess.headers.get('www-authenticate')).toBe('Bearer realm="api",error="invalid_token",error_description="The access token is invalid."')
    expect((await me(h, second.access_token)).status).toBe(200)
    expect(await (await refresh(h, first.refresh_token)).json()).toEqual({ error: 'invalid_grant' })
    // The new refresh token rotates in its turn; a narrowed refresh keeps rotating with the narrowed scope.
    const third = (await (await refresh(h, second.refresh_token, { scope: 'zap' })).json()) as Tokens
    expect(third.scope).toBe('zap')
    const fourth = (await (await refresh(h, third.refresh_token)).json()) as Tokens
    expect(fourth.scope).toBe('zap')
    expect(await (await refresh(h, second.refresh_token)).json()).toEqual({ error: 'invalid_grant' })
  })

  it('lets exactly one of several concurrent refreshes with the same refresh token win', async () => {
    const first = await tokensFor(h)
    const answers = await Promise.all([refresh(h, first.refresh_token), refresh(h, first.refresh_token), refresh(h, first.refresh_token)])
    expect(answers.map((r) => r.status).sort()).toEqual([200, 400, 400])
    for (const r of answers.filter((a) => a.status === 400)) expect(await r.json()).toEqual({ error: 'invalid_grant' })
    const winner = (await answers.find((a) => a.status === 200)!.json()) as Tokens
    expect((await refresh(h, winner.refresh_token)).status).toBe(200)
  })

  it('expires access tokens 36000 s after issue: valid at 35999 s, 401 "has expired" at 36000 s', async () => {
    const tokens = await tokensFor(h)
    await h.admin('clock', { advanceSeconds: 35999 })
    expect((await me(h, tokens.access_token)).status).toBe(200)
    await h.admin('clock', { advanceSeconds: 1 })
    const expired = await me(h, tokens.access_token)
    expect(expired.status).toBe(401)
    expect(expired.headers.get('www-authenticate')).toBe('Bearer realm="api",error="invalid_token",error_description="The access token has expired."')
    // The refresh token does not expire with it.
    const renewed = (await (await refresh(h, tokens.refresh_token)).json()) as Tokens
    expect((await me(h, renewed.access_token)).status).toBe(200)
  })

  it('revokes every code and token of the client through the control API', async () => {
    const tokens = await tokensFor(h)
    const code = await codeFor(h)
    const revoked = await h.admin('revoke', { provider: 'zapier', clientId: demo.clientId })
    expect(revoked.status).toBe(200)
    expect((await me(h, tokens.access_token)).status).toBe(401)
    expect(await (await refresh(h, tokens.refresh_token)).json()).toEqual({ error: 'invalid_grant' })
    expect(await (await exchange(h, code)).json()).toEqual({ error: 'invalid_grant' })
  })

  it('answers an injected refresh fault with {"error":"server_error"} and leaves the refresh token usable', async () => {
    const first = await tokensFor(h)
    await h.admin('faults', { provider: 'zapier', endpoint: 'refresh', status: 500, times: 1 })
    const failed = await refresh(h, first.refresh_token)
    expect(failed.status).toBe(500)
    expect(await failed.json()).toEqual({ error: 'server_error' })
    expect((await refresh(h, first.refresh_token)).status).toBe(200)
  })

  it('accepts an app (client-credentials) token on the app endpoint and refuses it on the user endpoints', async () => {
    const res = await post(h, { grant_type: 'client_credentials', scope: 'profile zap connection:read promotions:write' })
    expect(res.status).toBe(200)
    const app = (await res.json()) as { access_token: string; refresh_token?: string }
    expect(app.refresh_token).toBeUndefined()
    const bearer = { headers: { authorization: `Bearer ${app.access_token}` } }
    for (const path of [ME, '/v2/zaps', '/v2/authentications']) {
      const refused = await h.fetch(h.url('zapier', path), bearer)
      expect(refused.status).toBe(403)
      expect(((await refused.json()) as { errors: Array<{ code: string }> }).errors[0]!.code).toBe('permission_denied')
    }
    const ended = await h.fetch(h.url('zapier', '/v2/promotions/enr_7f3a9c'), { method: 'DELETE', ...bearer })
    expect(ended.status).toBe(204)
    // A user token with the same scope is refused there.
    const user = await tokensFor(h, 'promotions:write')
    expect((await h.fetch(h.url('zapier', '/v2/promotions/enr_2b8d41'), { method: 'DELETE', headers: { authorization: `Bearer ${user.access_token}` } })).status).toBe(403)
  })
})

describeModes(
  'Zapier without the token path\'s slash (noSlashToken: redirect)',
  (h) => {
    it('301s to the slash path; a client that follows it with GET gets Django\'s 405 and the code is still unused', async () => {
      const code = await codeFor(h)
      const init = form({ grant_type: 'authorization_code', code, redirect_uri: redirectUri })
      const res = await h.fetch(h.url('zapier', '/oauth/token', 'auth'), { ...init, headers: { ...(init.headers as Record<string, string>), authorization: basic() } })
      expect(res.status).toBe(301)
      expect(res.headers.get('location')).toBe(tokenUrl(h))
      const followed = await h.fetch(res.headers.get('location')!)
      expect(followed.status).toBe(405)
      expect(followed.headers.get('allow')).toBe('POST, OPTIONS')
      expect((await exchange(h, code)).status).toBe(200)
    })
  },
  { fakesOptions: { options: { zapier: { noSlashToken: 'redirect' } } } },
)
