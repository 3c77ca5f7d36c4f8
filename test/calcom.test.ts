import { describe, expect, it } from 'vitest'
import { calcomDemoClient as demo, calcomUsers } from '../fixtures/calcom.ts'
import { verifyJwtHs256 } from '../mocks/engine/crypto.ts'
import { calcomDefaultOptions } from '../mocks/providers/calcom/profile.ts'
import { type Harness, describeModes, form, locationParams } from './harness.ts'
import { AUTH, TOKEN, REFRESH, ME, BOOKINGS, redirectUri, client, authorizeUrl, decide, getCode } from './calcom-helpers.ts'





function exchange(h: Harness, code: string, extra: Record<string, string> = {}): Promise<Response> {
  return h.fetch(h.url('calcom', TOKEN), form({ code, ...client, grant_type: 'authorization_code', redirect_uri: redirectUri, ...extra }))
}

async function tokens(h: Harness, fields: Record<string, string> = {}): Promise<{ access_token: string; refresh_token: string }> {
  const res = await exchange(h, await getCode(h, fields))
  expect(res.status).toBe(200)
  return (await res.json()) as { access_token: string; refresh_token: string }
}

function refresh(h: Harness, refreshToken: string | undefined, body: Record<string, string> = { grant_type: 'refresh_token', ...client }): Promise<Response> {
  const init = form(body)
  return h.fetch(h.url('calcom', REFRESH), {
    ...init,
    headers: { ...(init.headers as Record<string, string>), ...(refreshToken ? { authorization: `Bearer ${refreshToken}` } : {}) },
  })
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } })

async function expectJson(res: Response, status: number, body: unknown): Promise<void> {
  expect(res.status).toBe(status)
  expect(await res.json()).toEqual(body)
}

const UNAUTHORIZED = { message: 'Unauthorized' }

describeModes('cal.com: the documented walk-through', (h) => {
  it('authorize → consent → code → token → me → clock +1801 s → 401 → refresh with the Bearer header → me again', async () => {
    const page = await h.fetch(authorizeUrl(h))
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('Demo App would like access to your Cal.com account')
    const code = await getCode(h)
    const t = await tokens(h)
    expect(code).toHaveLength(54)
    await expectJson(await h.fetch(h.url('calcom', ME), bearer(t.access_token)), 201, { username: 'pro' })
    expect((await h.admin('clock', { advanceSeconds: 1801 })).status).toBe(200)
    await expectJson(await h.fetch(h.url('calcom', ME), bearer(t.access_token)), 401, UNAUTHORIZED)
    const refreshed = await refresh(h, t.refresh_token)
    expect(refreshed.status).toBe(200)
    const body = (await refreshed.json()) as { access_token: string }
    expect(Object.keys(body)).toEqual(['access_token'])
    await expectJson(await h.fetch(h.url('calcom', ME), bearer(body.access_token)), 201, { username: 'pro' })
  })
})

describeModes('cal.com authorize page', (h) => {
  it('shows the consent page with the account and every team where the user is OWNER or ADMIN', async () => {
    const res = await h.fetch(authorizeUrl(h))
    const text = await res.text()
    expect(text).toContain('<option value="1:personal" selected>')
    expect(text).toContain('value="1:team:101"') // OWNER of Seeded Team
    expect(text).not.toContain('value="1:team:102"') // only MEMBER of Support Crew
    expect(text).toContain('>Allow<')
    expect(text).toContain('>Go back<')
  })

  it('escapes every value it shows (client name, state, scope)', async () => {
    await h.admin('clients', { provider: 'calcom', clientId: 'xss', clientSecret: 's', redirectUris: [redirectUri], name: '<script>alert(1)</script>' })
    const res = await h.fetch(authorizeUrl(h, { client_id: 'xss', state: '"><img src=x onerror=alert(1)>' }))
    const text = await res.text()
    expect(text).not.toContain('<script>alert(1)</script>')
    expect(text).not.toContain('<img src=x')
    expect(text).toContain('&lt;script&gt;alert(1)&lt;/script&gt; would like access')
    expect(text).toContain('value="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"')
  })

  it('answers an unknown client_id with an error page, never a redirect', async () => {
    const res = await h.fetch(authorizeUrl(h, { client_id: 'nope' }))
    expect(res.status).toBe(400)
    expect(res.headers.get('location')).toBeNull()
    expect(await res.text()).toContain('OAuth client with ID not found')
  })

  it('answers a redirect_uri that differs from the registered one with an error page, never a redirect', async () => {
    for (const uri of [`${redirectUri}?x=1`, `${redirectUri}/`, 'https://evil.example/callback', '']) {
      const res = await h.fetch(authorizeUrl(h, { redirect_uri: uri }))
      expect(res.status).toBe(400)
      expect(res.headers.get('location')).toBeNull()
      expect(await res.text()).toContain('redirect_uri does not match OAuth client&#39;s redirect URI')
    }
  })

  it('accepts scopes separated by commas or spaces and ignores response_type', async () => {
    const res = await h.fetch(authorizeUrl(h, { scope: 'READ_BOOKING READ_PROFILE', response_type: 'token' }))
    expect(res.status).toBe(200)
    const code = await getCode(h, { scope: 'READ_PROFILE, READ_BOOKING' })
    expect(code).toMatch(/^[A-Za-z0-9_-]{54}$/)
  })

  it('shows an error page for a scope cal.com does not have', async () => {
    const res = await h.fetch(authorizeUrl(h, { scope: 'READ_BOOKING,WRITE_EVERYTHING' }))
    expect(res.status).toBe(400)
    expect(res.headers.get('location')).toBeNull()
  })

  it('Allow redirects with code and state, encoded; without state the parameter is omitted', async () => {
    const res = await decide(h, { state: 'a b&c=d' })
    expect(locationParams(res).get('state')).toBe('a b&c=d')
    const noState = await h.fetch(
      h.url('calcom', AUTH),
      form({ client_id: demo.clientId, redirect_uri: redirectUri, scope: 'READ_PROFILE', user_id: '1', subject: '1:personal', decision: 'allow' }),
    )
    const location = new URL(noState.headers.get('location')!)
    expect(location.origin + location.pathname).toBe(redirectUri)
    expect([...location.searchParams.keys()]).toEqual(['code'])
  })

  it('Go back redirects with error=access_denied and the state', async () => {
    const res = await decide(h, { decision: 'deny' })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe(`${redirectUri}?error=access_denied&state=st4te`)
  })

  it('re-validates the consent form: a tampered redirect_uri gets the error page', async () => {
    const res = await decide(h, { redirect_uri: 'https://evil.example/cb' })
    expect(res.status).toBe(400)
    expect(res.headers.get('location')).toBeNull()
  })

  it('refuses a team the chosen user does not administer', async () => {
    const res = await decide(h, { subject: '1:team:102' })
    expect(res.status).toBe(400)
    expect(res.headers.get('location')).toBeNull()
  })

  it('makes a team grant when a team is chosen: the code and tokens carry teamId and no userId, me answers the team name', async () => {
    const t = await tokens(h, { subject: '1:team:101' })
    const claims = verifyJwtHs256(t.access_token, calcomDefaultOptions.jwtSecret, Math.floor(Date.now() / 1000))!
    expect(claims.teamId).toBe(101)
    expect(claims.userId).toBeNull()
    await expectJson(await h.fetch(h.url('calcom', ME), bearer(t.access_token)), 201, { username: 'Seeded Team' })
  })

  it('lets a tester act as another user', async () => {
    const t = await tokens(h, { user_id: '2', subject: '2:personal' })
    await expectJson(await h.fetch(h.url('calcom', ME), bearer(t.access_token)), 201, { username: 'teampro' })
  })

  it('consent mode allow answers at once as the default user; deny answers access_denied', async () => {
    await h.admin('consent', { provider: 'calcom', mode: 'allow' })
    const allowed = await h.fetch(authorizeUrl(h))
    expect(allowed.status).toBe(302)
    expect(locationParams(allowed).get('code')).toHaveLength(54)
    await h.admin('consent', { provider: '*', mode: 'deny' })
    const denied = await h.fetch(authorizeUrl(h))
    expect(denied.headers.get('location')).toBe(`${redirectUri}?error=access_denied&state=st4te`)
  })
})

describeModes('cal.com authorization codes', (h) => {
  it('are 40 random bytes in base64url: 54 characters, different every time', async () => {
    const codes = await Promise.all([getCode(h), getCode(h), getCode(h)])
    for (const c of codes) expect(c).toMatch(/^[A-Za-z0-9_-]{54}$/)
    expect(new Set(codes).size).toBe(3)
  })

  it('live 10 minutes: valid at 599 s, refused at 601 s', async () => {
    const early = await getCode(h)
    const late = await getCode(h)
    await h.admin('clock', { advanceSeconds: 599 })
    expect((await exchange(h, early)).status).toBe(200)
    await h.admin('clock', { advanceSeconds: 2 })
    await expectJson(await exchange(h, late), 401, UNAUTHORIZED)
  })

  it('are single use: a replayed code is 401 Unauthorized', async () => {
    const code = await getCode(h)
    expect((await exchange(h, code)).status).toBe(200)
    await expectJson(await exchange(h, code), 401, UNAUTHORIZED)
  })

  it('are consumed by an exchange that passes client authentication, even when it fails', async () => {
    const code = await getCode(h)
    await h.admin('clock', { advanceSeconds: 601 })
    await expectJson(await exchange(h, code), 401, UNAUTHORIZED)
    expect(h.fakes.runtime('calcom').codes.lookup(code, h.fakes.clock.now()).state).toBe('unknown')
  })

  it('are not consumed by a request that fails client authentication', async () => {
    const code = await getCode(h)
    await expectJson(await exchange(h, code, { client_secret: 'wrong' }), 401, UNAUTHORIZED)
    expect((await exchange(h, code)).status).toBe(200)
  })

  it('belong to their client: another client cannot redeem them', async () => {
    await h.admin('clients', { provider: 'calcom', clientId: 'other', clientSecret: 'other-secret', redirectUris: [redirectUri] })
    const code = await getCode(h)
    await expectJson(await exchange(h, code, { client_id: 'other', client_secret: 'other-secret' }), 401, UNAUTHORIZED)
    expect((await exchange(h, code)).status).toBe(200)
  })
})

describeModes('cal.com token endpoint', (h) => {
  it('answers only {access_token, refresh_token}, as Next.js JSON: HS256 JWTs with the documented claims and lifetimes', async () => {
    const res = await exchange(h, await getCode(h))
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    const t = (await res.json()) as { access_token: string; refresh_token: string }
    const now = Math.floor(h.fakes.clock.now() / 1000)
    const access = verifyJwtHs256(t.access_token, calcomDefaultOptions.jwtSecret, now)!
    const refreshClaims = verifyJwtHs256(t.refresh_token, calcomDefaultOptions.jwtSecret, now)!
    const [header] = t.access_token.split('.')
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' })
    expect(Object.keys(access)).toEqual(['userId', 'teamId', 'scope', 'token_type', 'clientId', 'iat', 'exp'])
    expect(access).toMatchObject({ userId: 1, teamId: null, scope: ['READ_BOOKING', 'READ_PROFILE'], token_type: 'Access Token', clientId: demo.clientId })
    expect((access.exp as number) - (access.iat as number)).toBe(1800)
    expect(refreshClaims.token_type).toBe('Refresh Token')
    expect((refreshClaims.exp as number) - (refreshClaims.iat as number)).toBe(30 * 24 * 3600)
  })

  it('checks in the documented order: method, grant_type, client, code', async () => {
    await expectJson(await h.fetch(h.url('calcom', TOKEN)), 405, { message: 'Invalid method' })
    await expectJson(await exchange(h, 'bogus', { grant_type: 'refresh_token', client_secret: 'wrong' }), 400, { message: 'grant_type invalid' })
    await expectJson(await exchange(h, 'bogus', { client_secret: 'wrong' }), 401, UNAUTHORIZED)
    await expectJson(await exchange(h, 'bogus'), 401, UNAUTHORIZED)
  })

  it('refuses an unknown client, a wrong secret and a redirect_uri that is not the registered one', async () => {
    const code = await getCode(h)
    await expectJson(await exchange(h, code, { client_id: 'nobody' }), 401, UNAUTHORIZED)
    await expectJson(await exchange(h, code, { client_secret: `${demo.clientSecret}x` }), 401, UNAUTHORIZED)
    await expectJson(await exchange(h, code, { redirect_uri: `${redirectUri}?x=1` }), 401, UNAUTHORIZED)
    expect((await exchange(h, code)).status).toBe(200)
  })

  it('accepts a JSON body as the older pages-router code did', async () => {
    const code = await getCode(h)
    const res = await h.fetch(h.url('calcom', TOKEN), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, ...client, grant_type: 'authorization_code', redirect_uri: redirectUri }),
    })
    expect(res.status).toBe(200)
  })

  it("answers malformed JSON as Next.js does, 400 with the plain text 'Invalid JSON', and keeps serving", async () => {
    const res = await h.fetch(h.url('calcom', TOKEN), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"code":' })
    expect(res.status).toBe(400)
    expect(await res.text()).toBe('Invalid JSON')
    expect((await exchange(h, await getCode(h))).status).toBe(200)
  })

  it('reads nothing from a body of another content type: grant_type invalid', async () => {
    const res = await h.fetch(h.url('calcom', TOKEN), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'grant_type=authorization_code' })
    await expectJson(res, 400, { message: 'grant_type invalid' })
  })

  it('treats a repeated parameter as invalid (grant_type → 400, code → 401)', async () => {
    const code = await getCode(h)
    const body = (extra: string) => `code=${code}&client_id=${demo.clientId}&client_secret=${demo.clientSecret}&redirect_uri=${encodeURIComponent(redirectUri)}&${extra}`
    const post = (b: string) => h.fetch(h.url('calcom', TOKEN), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: b })
    await expectJson(await post(body('grant_type=authorization_code&grant_type=authorization_code')), 400, { message: 'grant_type invalid' })
    await expectJson(await post(body(`grant_type=authorization_code&code=${code}`)), 401, UNAUTHORIZED)
    expect((await exchange(h, code)).status).toBe(200)
  })

  it('refuses a body over 1 MB with 413 and keeps serving', async () => {
    const res = await h.fetch(h.url('calcom', TOKEN), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=authorization_code&code=${'a'.repeat(1024 * 1024 + 10)}`,
    })
    expect(res.status).toBe(413)
    expect(await res.text()).toBe('Body exceeded 1mb limit')
    expect((await exchange(h, await getCode(h))).status).toBe(200)
  })

  it('answers missing parameters without crashing', async () => {
    await expectJson(await h.fetch(h.url('calcom', TOKEN), form({})), 400, { message: 'grant_type invalid' })
    await expectJson(await h.fetch(h.url('calcom', TOKEN), form({ grant_type: 'authorization_code' })), 401, UNAUTHORIZED)
    await expectJson(await h.fetch(h.url('calcom', TOKEN), { method: 'POST' }), 400, { message: 'grant_type invalid' })
  })
})

describeModes('cal.com refresh endpoint', (h) => {
  it('reads the refresh token from Authorization: Bearer and answers {access_token} only', async () => {
    const t = await tokens(h)
    const res = await refresh(h, t.refresh_token)
    expect(res.status).toBe(200)
    expect(Object.keys((await res.json()) as object)).toEqual(['access_token'])
  })

  it('ignores a refresh token sent in the body (the most common integration mistake)', async () => {
    const t = await tokens(h)
    await expectJson(await refresh(h, undefined, { grant_type: 'refresh_token', ...client, refresh_token: t.refresh_token }), 401, UNAUTHORIZED)
  })

  it('checks in the documented order with the documented messages', async () => {
    const t = await tokens(h)
    await expectJson(await h.fetch(h.url('calcom', REFRESH)), 405, { message: 'Invalid method' })
    await expectJson(await refresh(h, t.refresh_token, { grant_type: 'refresh_token', client_id: demo.clientId }), 400, { message: 'Missing client id or secret' })
    await expectJson(await refresh(h, t.refresh_token, { grant_type: 'authorization_code', ...client }), 400, { message: 'grant type invalid' })
    await expectJson(await refresh(h, t.refresh_token, { grant_type: 'refresh_token', ...client, client_secret: 'wrong' }), 401, UNAUTHORIZED)
    await expectJson(await refresh(h, t.access_token), 401, UNAUTHORIZED)
    await expectJson(await refresh(h, 'not.a.jwt'), 401, UNAUTHORIZED)
  })

  it('does not rotate: the refresh token keeps working until its own 30-day expiry', async () => {
    const t = await tokens(h)
    expect((await refresh(h, t.refresh_token)).status).toBe(200)
    await h.admin('clock', { advanceSeconds: 29 * 24 * 3600 })
    expect((await refresh(h, t.refresh_token)).status).toBe(200)
    await h.admin('clock', { advanceSeconds: 24 * 3600 + 1 })
    await expectJson(await refresh(h, t.refresh_token), 401, UNAUTHORIZED)
  })

  it('refuses a refresh token signed with another secret', async () => {
    const t = await tokens(h)
    const [head, body] = t.refresh_token.split('.')
    await expectJson(await refresh(h, `${head}.${body}.${'A'.repeat(43)}`), 401, UNAUTHORIZED)
  })

  it("refuses another client's refresh token", async () => {
    await h.admin('clients', { provider: 'calcom', clientId: 'other', clientSecret: 'other-secret', redirectUris: [redirectUri] })
    const t = await tokens(h)
    await expectJson(await refresh(h, t.refresh_token, { grant_type: 'refresh_token', client_id: 'other', client_secret: 'other-secret' }), 401, UNAUTHORIZED)
  })
})

describeModes('cal.com /api/auth/oauth/me', (h) => {
  it('answers 201 {"username"} to GET and POST with READ_PROFILE', async () => {
    const t = await tokens(h)
    await expectJson(await h.fetch(h.url('calcom', ME), bearer(t.access_token)), 201, { username: 'pro' })
    await expectJson(await h.fetch(h.url('calcom', ME), { method: 'POST', ...bearer(t.access_token) }), 201, { username: 'pro' })
  })

  it('answers every failure with 401 {"message":"Unauthorized"}', async () => {
    const t = await tokens(h)
    const onlyBookings = await tokens(h, { scope: 'READ_BOOKING' })
    const [head, body] = t.access_token.split('.')
    for (const auth of [undefined, 'Bearer', `Bearer ${t.refresh_token}`, `Bearer ${onlyBookings.access_token}`, `Bearer ${head}.${body}.forged`, `Basic ${t.access_token}`]) {
      await expectJson(await h.fetch(h.url('calcom', ME), auth ? { headers: { authorization: auth } } : {}), 401, UNAUTHORIZED)
    }
  })

  it('answers 401 once the access token is 1800 s old (valid at 1799 s)', async () => {
    const t = await tokens(h)
    await h.admin('clock', { advanceSeconds: 1799 })
    expect((await h.fetch(h.url('calcom', ME), bearer(t.access_token))).status).toBe(201)
    await h.admin('clock', { advanceSeconds: 1 })
    await expectJson(await h.fetch(h.url('calcom', ME), bearer(t.access_token)), 401, UNAUTHORIZED)
  })
})

describeModes('cal.com listBookings', (h) => {
  type Booking = { uid: string; title: string; startTime: string; user: { username: string } | null; eventType: Record<string, unknown>; metadata: object; attendees: unknown[] }

  it('answers 201 with at most 3 bookings, newest first, in the documented shape (Bearer READ_BOOKING)', async () => {
    const t = await tokens(h)
    const res = await h.fetch(h.url('calcom', BOOKINGS), bearer(t.access_token))
    expect(res.status).toBe(201)
    const list = (await res.json()) as Booking[]
    expect(list).toHaveLength(3)
    expect(list.map((b) => b.title)).toEqual([
      '30 Min Meeting between Pro Example and Edsger Dijkstra',
      '30 Min Meeting between Pro Example and Grace Hopper',
      '30 Min Meeting between Pro Example and Alan Turing',
    ])
    expect(Object.keys(list[0]!)).toEqual([
      'uid', 'title', 'description', 'customInputs', 'responses', 'userFieldsResponses', 'startTime', 'endTime', 'location',
      'cancellationReason', 'status', 'metadata', 'user', 'eventType', 'attendees',
    ])
    expect(Object.keys(list[0]!.user!)).toEqual(['username', 'name', 'email', 'timeZone', 'locale'])
    expect(Object.keys(list[0]!.eventType)).toEqual(['title', 'description', 'requiresConfirmation', 'price', 'currency', 'length', 'bookingFields', 'team'])
    expect(Object.keys(list[0]!.metadata)).toEqual(['videoCallUrl'])
  })

  it('takes ?apiKey= and then ignores the Bearer header', async () => {
    const key = calcomUsers.find((u) => u.username === 'teampro')!.apiKey
    const res = await h.fetch(`${h.url('calcom', BOOKINGS)}?apiKey=${key}`, bearer('garbage'))
    expect(res.status).toBe(201)
    expect(((await res.json()) as Booking[]).map((b) => b.user?.username)).toEqual(['teampro'])
    const t = await tokens(h)
    await expectJson(await h.fetch(`${h.url('calcom', BOOKINGS)}?apiKey=cal_wrong`, bearer(t.access_token)), 401, { message: 'API key not valid', data: null })
  })

  it('falls back to the Bearer token when apiKey is empty (cal.com tests `if (apiKey)`)', async () => {
    const t = await tokens(h)
    expect((await h.fetch(`${h.url('calcom', BOOKINGS)}?apiKey=`, bearer(t.access_token))).status).toBe(201)
  })

  it('answers 201 [] when there are no bookings', async () => {
    const key = calcomUsers.find((u) => u.username === 'free')!.apiKey
    await expectJson(await h.fetch(`${h.url('calcom', BOOKINGS)}?apiKey=${key}`), 201, [])
  })

  it('answers a bad Bearer token, or one without READ_BOOKING, with 401 {"message":"Unauthorized","data":null}', async () => {
    const profileOnly = await tokens(h, { scope: 'READ_PROFILE' })
    await expectJson(await h.fetch(h.url('calcom', BOOKINGS), bearer(profileOnly.access_token)), 401, { message: 'Unauthorized', data: null })
    await expectJson(await h.fetch(h.url('calcom', BOOKINGS)), 401, { message: 'Unauthorized', data: null })
  })

  it('answers other methods with 405 {"message":"Method Not Allowed (Allow: GET)"}', async () => {
    await expectJson(await h.fetch(h.url('calcom', BOOKINGS), { method: 'POST' }), 405, { message: 'Method Not Allowed (Allow: GET)' })
  })

  it("lists the team's bookings for a team grant", async () => {
    const t = await tokens(h, { subject: '1:team:101' })
    const list = (await (await h.fetch(h.url('calcom', BOOKINGS), bearer(t.access_token))).json()) as Booking[]
    expect(list.map((b) => b.title)).toEqual(['Team Sync between Seeded Team and Barbara Liskov'])
  })
})

describeModes('cal.com control API effects', (h) => {
  it('revoke kills every code and token of the client', async () => {
    const t = await tokens(h)
    const code = await getCode(h)
    const res = await h.admin('revoke', { provider: 'calcom', clientId: demo.clientId })
    expect(res.status).toBe(200)
    await expectJson(await h.fetch(h.url('calcom', ME), bearer(t.access_token)), 401, UNAUTHORIZED)
    await expectJson(await refresh(h, t.refresh_token), 401, UNAUTHORIZED)
    await expectJson(await exchange(h, code), 401, UNAUTHORIZED)
  })

  it('a fault answers the next N requests with that status in the {message} shape, issuing and consuming nothing', async () => {
    const code = await getCode(h)
    expect((await h.admin('faults', { provider: 'calcom', endpoint: 'token', status: 503, times: 2 })).status).toBe(200)
    await expectJson(await exchange(h, code), 503, { message: 'Service Unavailable' })
    await expectJson(await exchange(h, code), 503, { message: 'Service Unavailable' })
    expect((await exchange(h, code)).status).toBe(200)
  })

  it('faults target refresh, authorize and api separately', async () => {
    const t = await tokens(h)
    await h.admin('faults', { provider: 'calcom', endpoint: 'refresh', status: 500, times: 1 })
    await h.admin('faults', { provider: 'calcom', endpoint: 'api', status: 429, times: 1 })
    await h.admin('faults', { provider: 'calcom', endpoint: 'authorize', status: 502, times: 1 })
    await expectJson(await refresh(h, t.refresh_token), 500, { message: 'Internal Server Error' })
    await expectJson(await h.fetch(h.url('calcom', ME), bearer(t.access_token)), 429, { message: 'Too Many Requests' })
    expect((await h.fetch(authorizeUrl(h))).status).toBe(502)
    expect((await refresh(h, t.refresh_token)).status).toBe(200)
  })

  it('records every request with provider, method, path, query, headers, body, status and time', async () => {
    await exchange(h, 'bogus')
    const res = await h.admin('requests?provider=calcom')
    const log = (await res.json()) as Array<Record<string, unknown>>
    const last = log.at(-1)!
    expect(last).toMatchObject({ provider: 'calcom', method: 'POST', path: TOKEN, status: 401, endpoint: 'token' })
    expect(last.body).toContain('code=bogus')
    expect((last.headers as Record<string, string>)['content-type']).toBe('application/x-www-form-urlencoded')
    expect(new Date(last.at as string).toString()).not.toBe('Invalid Date')
  })

  it('serves a configurable 404 for unknown paths under the base', async () => {
    expect((await h.fetch(h.url('calcom', '/api/nope'))).status).toBe(404)
  })
})

describe('cal.com with a self-hosted base URL', () => {
  it('serves every path below the configured base, in-process', async () => {
    const { createFakes } = await import('../mocks/fakes.ts')
    const fakes = createFakes({ providers: ['calcom'], bases: { calcom: 'https://cal.example.org/cal' } })
    const res = await fakes.fetch(new Request(`https://cal.example.org/cal${AUTH}?client_id=${demo.clientId}&redirect_uri=${encodeURIComponent(redirectUri)}`))
    expect(res?.status).toBe(200)
    expect(await fakes.fetch(new Request(`https://app.cal.com${AUTH}`))).toBeUndefined()
  })
})
