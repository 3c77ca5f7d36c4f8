import { expect, it } from 'vitest'
import { zapierDemoClient as demo, zapierUsers } from '../fixtures/zapier.ts'
import { type Harness, describeModes, form, locationParams } from './harness.ts'

const AUTHORIZE = '/v2/authorize'
const LEGACY_AUTHORIZE = '/oauth/authorize/'
const TOKEN = '/oauth/token/'
const ME = '/v1/profiles/me'
const redirectUri = demo.redirectUris[0]!
const secondRedirectUri = demo.redirectUris[1]!
const TOKEN_30 = /^[A-Za-z0-9]{30}$/
const jacob = zapierUsers[0]!
const maya = zapierUsers[1]!

const basic = (id = demo.clientId, secret = demo.clientSecret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`
const tokenUrl = (h: Harness) => h.url('zapier', TOKEN, 'auth')

function authorizeUrl(h: Harness, extra: Record<string, string> = {}, path = AUTHORIZE, host = 'api'): string {
  const q = new URLSearchParams({ response_type: 'code', client_id: demo.clientId, redirect_uri: redirectUri, scope: 'profile zap', state: 'st4te', ...extra })
  return `${h.url('zapier', path, host)}?${q}`
}

/** The consent form's POST: the original parameters, the decision, the user and the subject. */
function decide(h: Harness, decision: 'allow' | 'deny', extra: Record<string, string> = {}, path = AUTHORIZE, host = 'api'): Promise<Response> {
  return h.fetch(
    h.url('zapier', path, host),
    form({ response_type: 'code', client_id: demo.clientId, redirect_uri: redirectUri, scope: 'profile zap', state: 'st4te', user_id: String(jacob.id), subject: `${jacob.id}:personal`, decision, ...extra }),
  )
}

async function codeFor(h: Harness, scope = 'profile zap', uri = redirectUri): Promise<string> {
  const approved = await decide(h, 'allow', { scope, redirect_uri: uri })
  expect(approved.status).toBe(302)
  return locationParams(approved).get('code')!
}

function exchange(h: Harness, code: string, extra: Record<string, string> = {}, auth: string | null = basic()): Promise<Response> {
  const init = form({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, ...extra })
  return h.fetch(tokenUrl(h), { ...init, headers: { ...(init.headers as Record<string, string>), ...(auth ? { authorization: auth } : {}) } })
}

function refresh(h: Harness, refreshToken: string, extra: Record<string, string> = {}): Promise<Response> {
  const init = form({ grant_type: 'refresh_token', refresh_token: refreshToken, ...extra })
  return h.fetch(tokenUrl(h), { ...init, headers: { ...(init.headers as Record<string, string>), authorization: basic() } })
}

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

describeModes('Zapier authorize', (h) => {
  it('shows a consent page naming the app, the scopes in words, and Allow / Deny in Zapier orange', async () => {
    const page = await h.fetch(authorizeUrl(h, { scope: 'profile zap connection:read' }))
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    const body = await page.text()
    expect(body).toContain('Demo Embed App is requesting access to your Zapier account')
    expect(body).toContain('View your Zapier profile (name, email address and time zone)')
    expect(body).toContain('View your Zaps')
    expect(body).toContain('View your app connections')
    expect(body).toContain('>Allow</button>')
    expect(body).toContain('>Deny</button>')
    expect(body).toContain('#FF4F00')
    expect(body).toContain('name="state" value="st4te"')
  })

  it('redirects an approval to the redirect URI with a 30-character code and the state', async () => {
    const approved = await decide(h, 'allow')
    expect(approved.status).toBe(302)
    const location = new URL(approved.headers.get('location')!)
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri)
    expect([...location.searchParams.keys()]).toEqual(['code', 'state'])
    expect(location.searchParams.get('code')).toMatch(TOKEN_30)
    expect(location.searchParams.get('state')).toBe('st4te')
  })

  it('redirects a denial with error=access_denied and the state, without a description', async () => {
    const denied = await decide(h, 'deny')
    expect(denied.status).toBe(302)
    expect(denied.headers.get('location')).toBe(`${redirectUri}?error=access_denied&state=st4te`)
  })

  it('accepts any of the redirect URIs the client registered', async () => {
    const code = await codeFor(h, 'profile', secondRedirectUri)
    const res = await exchange(h, code, { redirect_uri: secondRedirectUri })
    expect(res.status).toBe(200)
  })

  it('shows an error page and never redirects for an unknown client', async () => {
    const res = await h.fetch(authorizeUrl(h, { client_id: 'nobody' }))
    expect(res.status).toBe(400)
    expect(res.headers.get('location')).toBeNull()
    expect(await res.text()).toContain('Invalid client_id parameter value.')
  })

  it('shows an error page and never redirects for an unregistered or missing redirect URI', async () => {
    const wrong = await h.fetch(authorizeUrl(h, { redirect_uri: 'https://evil.example/callback' }))
    expect(wrong.status).toBe(400)
    expect(wrong.headers.get('location')).toBeNull()
    expect(await wrong.text()).toContain('Mismatching redirect URI.')
    const q = new URLSearchParams({ response_type: 'code', client_id: demo.clientId, scope: 'profile' })
    const missing = await h.fetch(`${h.url('zapier', AUTHORIZE)}?${q}`)
    expect(missing.status).toBe(400)
    expect(await missing.text()).toContain('Missing redirect URI.')
  })

  it('redirects with unsupported_response_type when response_type is not code', async () => {
    const res = await h.fetch(authorizeUrl(h, { response_type: 'token' }))
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe(`${redirectUri}?error=unsupported_response_type&state=st4te`)
  })

  it('accepts response_mode=query and redirects with invalid_request for any other response_mode', async () => {
    expect((await h.fetch(authorizeUrl(h, { response_mode: 'query' }))).status).toBe(200)
    const res = await h.fetch(authorizeUrl(h, { response_mode: 'fragment' }))
    expect(res.status).toBe(302)
    const params = locationParams(res)
    expect(Object.fromEntries(params)).toEqual({ error: 'invalid_request', error_description: 'Unsupported response_mode.', state: 'st4te' })
  })

  it('redirects with invalid_scope for a scope that is not in the documented list', async () => {
    const res = await h.fetch(authorizeUrl(h, { scope: 'profile zap:everything' }))
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe(`${redirectUri}?error=invalid_scope&state=st4te`)
  })

  it('accepts and ignores the sign-up, referer and utm hints', async () => {
    const hints = { sign_up_email: 'new@example.org', sign_up_first_name: 'New', sign_up_last_name: 'User', referer: 'https://app.example', utm_source: 'embed', utm_campaign: 'launch' }
    expect((await h.fetch(authorizeUrl(h, hints))).status).toBe(200)
    const approved = await decide(h, 'allow', hints)
    expect(approved.status).toBe(302)
    expect([...locationParams(approved).keys()]).toEqual(['code', 'state'])
  })

  it('serves the older authorize URL on zapier.com with the same behaviour', async () => {
    const page = await h.fetch(authorizeUrl(h, {}, LEGACY_AUTHORIZE, 'auth'))
    expect(page.status).toBe(200)
    const body = await page.text()
    expect(body).toContain('Demo Embed App is requesting access to your Zapier account')
    expect(body).toMatch(/action="[^"]*\/oauth\/authorize\/"/)
    const approved = await decide(h, 'allow', {}, LEGACY_AUTHORIZE, 'auth')
    expect(approved.status).toBe(302)
    const res = await exchange(h, locationParams(approved).get('code')!)
    expect(res.status).toBe(200)
    expect((await decide(h, 'deny', {}, LEGACY_AUTHORIZE, 'auth')).headers.get('location')).toBe(`${redirectUri}?error=access_denied&state=st4te`)
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

  it('grants the user chosen on the consent page', async () => {
    const approved = await decide(h, 'allow', { user_id: String(maya.id), subject: `${maya.id}:personal`, scope: 'profile' })
    const tokens = (await (await exchange(h, locationParams(approved).get('code')!)).json()) as Tokens
    expect(((await (await me(h, tokens.access_token)).json()) as Array<{ email: string }>)[0]!.email).toBe(maya.email)
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
  it('exchanges a code with HTTP Basic client authentication for exactly the documented body and headers', async () => {
    const res = await exchange(h, await codeFor(h, 'zap zap:write authentication'))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('pragma')).toBe('no-cache')
    const body = (await res.json()) as Tokens
    expect(Object.keys(body)).toEqual(['access_token', 'expires_in', 'token_type', 'scope', 'refresh_token'])
    expect(body).toEqual({ access_token: expect.stringMatching(TOKEN_30), expires_in: 36000, token_type: 'Bearer', scope: 'zap zap:write authentication', refresh_token: expect.stringMatching(TOKEN_30) })
  })

  it('exchanges a code with client_id and client_secret in the body', async () => {
    const res = await exchange(h, await codeFor(h), { client_id: demo.clientId, client_secret: demo.clientSecret }, null)
    expect(res.status).toBe(200)
  })

  it('accepts a multipart/form-data body', async () => {
    const code = await codeFor(h)
    const body = new FormData()
    for (const [k, v] of Object.entries({ grant_type: 'authorization_code', code, redirect_uri: redirectUri })) body.append(k, v)
    const res = await h.fetch(tokenUrl(h), { method: 'POST', body, headers: { authorization: basic() } })
    expect(res.status).toBe(200)
    expect(((await res.json()) as Tokens).refresh_token).toMatch(TOKEN_30)
  })

  it('still exchanges a code 119 seconds after it was issued', async () => {
    const code = await codeFor(h)
    await h.admin('clock', { advanceSeconds: 119 })
    expect((await exchange(h, code)).status).toBe(200)
  })

  it('refuses a code 121 seconds after it was issued with invalid_grant', async () => {
    const code = await codeFor(h)
    await h.admin('clock', { advanceSeconds: 121 })
    const res = await exchange(h, code)
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: 'invalid_grant' })
  })

  it('refuses a replayed code with invalid_grant and keeps serving other codes', async () => {
    const code = await codeFor(h)
    expect((await exchange(h, code)).status).toBe(200)
    const replay = await exchange(h, code)
    expect(replay.status).toBe(400)
    expect(await replay.json()).toEqual({ error: 'invalid_grant' })
    expect((await exchange(h, await codeFor(h))).status).toBe(200)
  })

  it('refuses a code with a redirect_uri other than the one it was issued for with invalid_grant', async () => {
    const res = await exchange(h, await codeFor(h), { redirect_uri: secondRedirectUri })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: 'invalid_grant' })
  })

  it('answers 401 {"error":"invalid_client"} for a wrong secret, an unknown client or no client authentication', async () => {
    const code = await codeFor(h)
    for (const auth of [basic(demo.clientId, 'wrong'), basic('nobody', demo.clientSecret), null]) {
      const res = await exchange(h, code, {}, auth)
      expect(res.status).toBe(401)
      expect(await res.json()).toEqual({ error: 'invalid_client' })
      expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_client"')
    }
    const bodyWrong = await exchange(h, code, { client_id: demo.clientId, client_secret: 'wrong' }, null)
    expect(bodyWrong.status).toBe(401)
    // The failed attempts consumed nothing.
    expect((await exchange(h, code)).status).toBe(200)
  })

  it('reads no parameters from a JSON body (Django request.POST), so it answers unsupported_grant_type', async () => {
    const code = await codeFor(h)
    const res = await h.fetch(tokenUrl(h), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic() },
      body: JSON.stringify({ grant_type: 'authorization_code', code, redirect_uri: redirectUri }),
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: 'unsupported_grant_type' })
    expect((await exchange(h, code)).status).toBe(200)
  })

  it('reads no parameters from a body with another content type', async () => {
    const res = await h.fetch(tokenUrl(h), {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: basic() },
      body: 'grant_type=client_credentials',
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: 'unsupported_grant_type' })
  })

  it('answers unsupported_grant_type for a missing or unknown grant_type', async () => {
    for (const grant of [undefined, 'password', 'urn:ietf:params:oauth:grant-type:device_code']) {
      const init = form(grant ? { grant_type: grant } : { scope: 'zap' })
      const res = await h.fetch(tokenUrl(h), { ...init, headers: { ...(init.headers as Record<string, string>), authorization: basic() } })
      expect(res.status).toBe(400)
      expect(await res.json()).toEqual({ error: 'unsupported_grant_type' })
    }
  })

  it('answers invalid_request with oauthlib descriptions for a missing code, redirect_uri or refresh_token', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ grant_type: 'authorization_code', redirect_uri: redirectUri }, 'Missing code parameter.'],
      [{ grant_type: 'authorization_code', code: 'abc' }, 'Missing redirect_uri parameter.'],
      [{ grant_type: 'refresh_token' }, 'Missing refresh token parameter.'],
    ]
    for (const [fields, description] of cases) {
      const init = form(fields)
      const res = await h.fetch(tokenUrl(h), { ...init, headers: { ...(init.headers as Record<string, string>), authorization: basic() } })
      expect(res.status).toBe(400)
      expect(await res.json()).toEqual({ error: 'invalid_request', error_description: description })
    }
  })

  it('answers invalid_request for a repeated parameter', async () => {
    const code = await codeFor(h)
    const res = await h.fetch(tokenUrl(h), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic() },
      body: `grant_type=authorization_code&code=${code}&code=${code}&redirect_uri=${encodeURIComponent(redirectUri)}`,
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: 'invalid_request', error_description: 'Duplicate code parameter.' })
    expect((await exchange(h, code)).status).toBe(200)
  })

  it('answers invalid_request for parameters in the URL query of the POST', async () => {
    const code = await codeFor(h)
    const init = form({ grant_type: 'authorization_code', redirect_uri: redirectUri })
    const res = await h.fetch(`${tokenUrl(h)}?code=${code}`, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: basic() } })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: 'invalid_request', error_description: 'URL query parameters are not allowed' })
  })

  it('answers a body over 1 MiB with 413 in the RFC 6749 shape and keeps working', async () => {
    const code = await codeFor(h)
    const res = await h.fetch(tokenUrl(h), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic() },
      body: `grant_type=authorization_code&code=${code}&pad=${'x'.repeat(1024 * 1024 + 10)}`,
    })
    expect(res.status).toBe(413)
    expect(await res.json()).toEqual({ error: 'invalid_request', error_description: 'Request body exceeded the size limit.' })
    expect((await exchange(h, code)).status).toBe(200)
  })

  it('answers the token path without its trailing slash with a 301 to the slash path, as Django APPEND_SLASH does', async () => {
    const code = await codeFor(h)
    const init = form({ grant_type: 'authorization_code', code, redirect_uri: redirectUri })
    const res = await h.fetch(h.url('zapier', '/oauth/token', 'auth'), { ...init, headers: { ...(init.headers as Record<string, string>), authorization: basic() } })
    expect(res.status).toBe(301)
    expect(res.headers.get('location')).toBe(tokenUrl(h))
    // Nothing was exchanged; a client that follows the 301 with GET gets 405.
    const followed = await h.fetch(res.headers.get('location')!)
    expect(followed.status).toBe(405)
    expect(followed.headers.get('allow')).toBe('POST')
    expect((await exchange(h, code)).status).toBe(200)
  })

  it('answers an injected token fault in the RFC 6749 shape without consuming the code', async () => {
    const code = await codeFor(h)
    await h.admin('faults', { provider: 'zapier', endpoint: 'token', status: 503, times: 1 })
    const failed = await exchange(h, code)
    expect(failed.status).toBe(503)
    expect(await failed.json()).toEqual({ error: 'temporarily_unavailable' })
    await h.admin('faults', { provider: 'zapier', endpoint: 'token', status: 500, times: 1 })
    const broken = await exchange(h, code)
    expect(broken.status).toBe(500)
    expect(await broken.json()).toEqual({ error: 'server_error' })
    expect((await exchange(h, code)).status).toBe(200)
  })
})

describeModes('Zapier refresh and client credentials', (h) => {
  it('rotates on refresh: a new access and refresh token, the old refresh token dead at once', async () => {
    const first = await tokensFor(h)
    const res = await refresh(h, first.refresh_token)
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const second = (await res.json()) as Tokens
    expect(Object.keys(second)).toEqual(['access_token', 'expires_in', 'token_type', 'scope', 'refresh_token'])
    expect(second).toMatchObject({ expires_in: 36000, token_type: 'Bearer', scope: 'profile zap' })
    expect(second.access_token).not.toBe(first.access_token)
    expect(second.refresh_token).not.toBe(first.refresh_token)
    const reuse = await refresh(h, first.refresh_token)
    expect(reuse.status).toBe(400)
    expect(await reuse.json()).toEqual({ error: 'invalid_grant' })
    expect((await me(h, first.access_token)).status).toBe(401)
    expect((await me(h, second.access_token)).status).toBe(200)
    expect((await refresh(h, second.refresh_token)).status).toBe(200)
  })

  it('refreshes with body client authentication and with a multipart body', async () => {
    const first = await tokensFor(h)
    const bodyAuth = await h.fetch(tokenUrl(h), form({ grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: demo.clientId, client_secret: demo.clientSecret }))
    expect(bodyAuth.status).toBe(200)
    const second = (await bodyAuth.json()) as Tokens
    const fd = new FormData()
    fd.append('grant_type', 'refresh_token')
    fd.append('refresh_token', second.refresh_token)
    const multipart = await h.fetch(tokenUrl(h), { method: 'POST', body: fd, headers: { authorization: basic() } })
    expect(multipart.status).toBe(200)
  })

  it('lets exactly one of two concurrent refreshes with the same refresh token win', async () => {
    const first = await tokensFor(h)
    const answers = await Promise.all([refresh(h, first.refresh_token), refresh(h, first.refresh_token), refresh(h, first.refresh_token)])
    expect(answers.map((r) => r.status).sort()).toEqual([200, 400, 400])
    for (const r of answers.filter((a) => a.status === 400)) expect(await r.json()).toEqual({ error: 'invalid_grant' })
  })

  it('keeps refresh tokens valid with no expiry of their own', async () => {
    const first = await tokensFor(h)
    await h.admin('clock', { advanceSeconds: 400 * 24 * 3600 })
    expect((await refresh(h, first.refresh_token)).status).toBe(200)
  })

  it('narrows the scopes on refresh when asked and refuses wider ones with invalid_scope', async () => {
    const first = await tokensFor(h, 'profile zap connection:read')
    const wider = await refresh(h, first.refresh_token, { scope: 'profile zap:write' })
    expect(wider.status).toBe(400)
    expect(await wider.json()).toEqual({ error: 'invalid_scope' })
    const narrower = await refresh(h, first.refresh_token, { scope: 'profile' })
    expect(narrower.status).toBe(200)
    expect(((await narrower.json()) as Tokens).scope).toBe('profile')
  })

  it('refuses a refresh token issued to another client with invalid_grant', async () => {
    await h.admin('clients', { provider: 'zapier', clientId: 'other-app', clientSecret: 'other-secret', redirectUris: [redirectUri] })
    const first = await tokensFor(h)
    const init = form({ grant_type: 'refresh_token', refresh_token: first.refresh_token })
    const res = await h.fetch(tokenUrl(h), { ...init, headers: { ...(init.headers as Record<string, string>), authorization: basic('other-app', 'other-secret') } })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: 'invalid_grant' })
    expect((await refresh(h, first.refresh_token)).status).toBe(200)
  })

  it('answers an injected refresh fault with {"error":"server_error"} and leaves the refresh token usable', async () => {
    const first = await tokensFor(h)
    await h.admin('faults', { provider: 'zapier', endpoint: 'refresh', status: 500, times: 1 })
    const failed = await refresh(h, first.refresh_token)
    expect(failed.status).toBe(500)
    expect(await failed.json()).toEqual({ error: 'server_error' })
    expect((await refresh(h, first.refresh_token)).status).toBe(200)
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

  it('issues a client-credentials app token with Basic auth: no refresh token, the requested scope', async () => {
    const init = form({ grant_type: 'client_credentials', scope: 'promotions:write' })
    const res = await h.fetch(tokenUrl(h), { ...init, headers: { ...(init.headers as Record<string, string>), authorization: basic() } })
    expect(res.status).toBe(200)
    expect(res.headers.get('pragma')).toBe('no-cache')
    const body = (await res.json()) as Record<string, unknown>
    expect(Object.keys(body)).toEqual(['access_token', 'expires_in', 'token_type', 'scope'])
    expect(body).toEqual({ access_token: expect.stringMatching(TOKEN_30), expires_in: 36000, token_type: 'Bearer', scope: 'promotions:write' })
  })

  it('issues a client-credentials token from a multipart body, promotions:write when no scope is asked', async () => {
    const fd = new FormData()
    fd.append('grant_type', 'client_credentials')
    const res = await h.fetch(tokenUrl(h), { method: 'POST', body: fd, headers: { authorization: basic() } })
    expect(res.status).toBe(200)
    expect(((await res.json()) as Tokens).scope).toBe('promotions:write')
  })

  it('refuses a client-credentials request for an undocumented scope with invalid_scope, and a wrong secret with invalid_client', async () => {
    const init = form({ grant_type: 'client_credentials', scope: 'admin' })
    const res = await h.fetch(tokenUrl(h), { ...init, headers: { ...(init.headers as Record<string, string>), authorization: basic() } })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: 'invalid_scope' })
    const wrong = await h.fetch(tokenUrl(h), { ...init, headers: { ...(init.headers as Record<string, string>), authorization: basic(demo.clientId, 'nope') } })
    expect(wrong.status).toBe(401)
    expect(await wrong.json()).toEqual({ error: 'invalid_client' })
  })

  it('records token and refresh requests under their control endpoints', async () => {
    const tokens = await tokensFor(h)
    await refresh(h, tokens.refresh_token)
    const log = (await (await h.admin('requests?provider=zapier')).json()) as Array<{ path: string; endpoint: string | null; status: number }>
    expect(log.filter((e) => e.path === TOKEN).map((e) => e.endpoint)).toEqual(['token', 'refresh'])
  })
})
