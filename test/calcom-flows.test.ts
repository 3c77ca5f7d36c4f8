/**
 * cal.com across its eras: the flows and boundaries a one-request docs row cannot show
 * (docs/providers/calcom.md has the rest). In-process and over HTTP.
 */
import { expect, it } from 'vitest'
import { calcomDemoClient as demo } from '../fixtures/calcom.ts'
import { grantStateOf, listGrants } from '../mocks/dashboard/grants.ts'
import { verifyJwtHs256 } from '../mocks/engine/crypto.ts'
import { type CalcomEraId, calcomDefaultOptions, calcomEras } from '../mocks/providers/calcom/profile.ts'
import { type Harness, describeModes, form, locationParams } from './harness.ts'
import { CODE_CHALLENGE, CODE_VERIFIER } from './placeholders.ts'

const AUTH = '/auth/oauth2/authorize'
const TOKEN = '/api/auth/oauth/token'
const REFRESH = '/api/auth/oauth/refreshToken'
const ME = '/api/auth/oauth/me'
const redirectUri = demo.redirectUris[0]!
const secret = calcomDefaultOptions.jwtSecret

const legacyScope = 'READ_BOOKING,READ_PROFILE'
const newScope = 'PROFILE_READ,BOOKING_READ'

/** The consent form's answer (the page's hidden fields, the choice, the decision), as a script posts it. */
function decide(h: Harness, fields: Record<string, string>): Promise<Response> {
  return h.fetch(h.url('calcom', AUTH), form({ client_id: demo.clientId, redirect_uri: redirectUri, state: 'st4te', user_id: '1', subject: '1:personal', decision: 'allow', ...fields }))
}

async function codeOf(h: Harness, fields: Record<string, string>): Promise<string> {
  const approved = await decide(h, fields)
  expect(approved.status, await approved.clone().text()).toBe(302)
  return locationParams(approved).get('code')!
}

function exchange(h: Harness, code: string, extra: Record<string, string> = {}): Promise<Response> {
  return h.fetch(h.url('calcom', TOKEN), form({ grant_type: 'authorization_code', code, client_id: demo.clientId, client_secret: demo.clientSecret, redirect_uri: redirectUri, ...extra }))
}

function legacyRefresh(h: Harness, refreshToken: string): Promise<Response> {
  return h.fetch(h.url('calcom', REFRESH), { ...form({ grant_type: 'refresh_token', client_id: demo.clientId, client_secret: demo.clientSecret }), headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${refreshToken}` } })
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } })
const claims = (h: Harness, jwt: string) => verifyJwtHs256(jwt, secret, h.fakes.clock.nowSeconds())!

for (const era of ['pages-router', 'pages-router-2024', 'app-router', 'app-router-2025-11'] as CalcomEraId[]) {
  describeModes(`cal.com ${era}: a whole session`, (h) => {
    it('authorize → consent → code → token → me → 30 minutes later 401 → refresh with the Bearer header → me again', async () => {
      const page = await h.fetch(`${h.url('calcom', AUTH)}?client_id=${demo.clientId}&scope=${legacyScope}&state=st4te`)
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('would like access to your Cal.com account')
      const tokens = (await (await exchange(h, await codeOf(h, { scope: legacyScope }))).json()) as { access_token: string; refresh_token: string }
      // jsonwebtoken's claims in cal.com's payload order, then iat and exp.
      expect(Object.keys(claims(h, tokens.access_token))).toEqual(['userId', 'teamId', 'scope', 'token_type', 'clientId', 'iat', 'exp'])
      expect(claims(h, tokens.refresh_token)).toMatchObject({ token_type: 'Refresh Token', scope: ['READ_BOOKING', 'READ_PROFILE'] })
      expect((await h.fetch(h.url('calcom', ME), bearer(tokens.access_token))).status).toBe(201)
      await h.admin('clock', { advanceSeconds: 1799 })
      expect((await h.fetch(h.url('calcom', ME), bearer(tokens.access_token))).status).toBe(201)
      await h.admin('clock', { advanceSeconds: 1 })
      expect((await h.fetch(h.url('calcom', ME), bearer(tokens.access_token))).status).toBe(401)
      const refreshed = await legacyRefresh(h, tokens.refresh_token)
      expect(refreshed.status).toBe(200)
      const access = ((await refreshed.json()) as { access_token: string }).access_token
      expect(await (await h.fetch(h.url('calcom', ME), bearer(access))).json()).toEqual({ username: 'pro' })
    })

    it('a code is single-use, and lives 10 minutes to the second', async () => {
      const code = await codeOf(h, { scope: legacyScope })
      expect((await exchange(h, code)).status).toBe(200)
      expect((await exchange(h, code)).status).toBe(401)
      const late = await codeOf(h, { scope: legacyScope })
      await h.admin('clock', { advanceSeconds: 599 })
      expect((await exchange(h, late)).status).toBe(200)
      const expired = await codeOf(h, { scope: legacyScope })
      await h.admin('clock', { advanceSeconds: 600 })
      expect((await exchange(h, expired)).status).toBe(401)
    })

    it('a failed client check does not use the code up; a code of another client is not found for this one', async () => {
      const code = await codeOf(h, { scope: legacyScope })
      expect((await exchange(h, code, { client_secret: 'wrong' })).status).toBe(401)
      expect((await exchange(h, code, { redirect_uri: 'http://127.0.0.1:3000/elsewhere' })).status).toBe(401)
      expect((await exchange(h, code)).status).toBe(200)
    })

    it('refresh tokens die 30 days after issue, refreshed or not', async () => {
      const tokens = (await (await exchange(h, await codeOf(h, { scope: legacyScope }))).json()) as { refresh_token: string }
      await h.admin('clock', { advanceSeconds: 30 * 24 * 3600 - 1 })
      expect((await legacyRefresh(h, tokens.refresh_token)).status).toBe(200)
      await h.admin('clock', { advanceSeconds: 1 })
      expect((await legacyRefresh(h, tokens.refresh_token)).status).toBe(401)
    })

    it('a team grant: the code and tokens carry teamId and no userId; me answers the team', async () => {
      const code = await codeOf(h, { scope: legacyScope, subject: '1:team:101' })
      const tokens = (await (await exchange(h, code)).json()) as { access_token: string; refresh_token: string }
      expect(claims(h, tokens.access_token)).toMatchObject({ userId: null, teamId: 101 })
      expect(await (await h.fetch(h.url('calcom', ME), bearer(tokens.access_token))).json()).toEqual({ username: 'Seeded Team' })
      const refreshed = (await (await legacyRefresh(h, tokens.refresh_token)).json()) as { access_token: string }
      const again = claims(h, refreshed.access_token)
      // 68bd877c5: the first era's refreshed token has no teamId claim at all; 710a1a7d3 keeps it.
      if (era === 'pages-router') expect(again).not.toHaveProperty('teamId')
      else expect(again).toMatchObject({ teamId: 101 })
    })

    it('shows each token as the JWT its client holds, though the stores keep it under part of it, and knows its state by it', async () => {
      const tokens = (await (await exchange(h, await codeOf(h, { scope: legacyScope, subject: '1:team:101' }))).json()) as { access_token: string; refresh_token: string }
      // A second later: the same claims in the same second are the same JWT.
      await h.admin('clock', { advanceSeconds: 1 })
      const refreshed = (await (await legacyRefresh(h, tokens.refresh_token)).json()) as { access_token: string; refresh_token?: string }
      const rt = h.fakes.runtime('calcom')
      const now = h.fakes.clock.now()
      const rows = listGrants(rt, now)
      // The first era's refreshed token has no teamId claim: written again, it still has none.
      expect(rows.access.map((r) => r.value)).toEqual([tokens.access_token, refreshed.access_token])
      expect(rows.refresh.map((r) => r.value)).toEqual([tokens.refresh_token, ...(refreshed.refresh_token ? [refreshed.refresh_token] : [])])
      expect(grantStateOf(rt, 'access', refreshed.access_token, now)).toBe('live')
      expect(grantStateOf(rt, 'refresh', tokens.refresh_token, now)).toBe(calcomEras[era].refreshRotation === 'rotate' ? 'rotated' : 'live')
      expect(grantStateOf(rt, 'access', `${refreshed.access_token}x`, now)).toBeUndefined()
      expect(grantStateOf(rt, 'access', refreshed.access_token.split('.')[2]!, now)).toBeUndefined()
      // Another payload under the same signature is not the stored token.
      const [head, , signature] = refreshed.access_token.split('.')
      expect(grantStateOf(rt, 'access', `${head}.${Buffer.from('{"userId":2}').toString('base64url')}.${signature}`, now)).toBeUndefined()
      // A state file of version 1 holds the texts: an entry read back with the extras of its text writes the same text.
      for (const [kind, text] of [['access', refreshed.access_token], ['refresh', tokens.refresh_token]] as const) {
        const key = rt.tokenKey(kind, text)!
        const found = (kind === 'access' ? rt.accessTokens : rt.refreshTokens).lookup(key, now)
        expect(found.state === 'unknown' ? 'unknown' : rt.tokenText(kind, key, { ...found.entry, extras: rt.tokenExtras(kind, text) })).toBe(text)
      }
    })

    it('the consent page offers the user and the teams they own or administer, and refuses another user’s team', async () => {
      const page = await (await h.fetch(`${h.url('calcom', AUTH)}?client_id=${demo.clientId}&scope=${legacyScope}&state=s`)).text()
      expect(page).toContain('value="1:team:101"')
      expect(page).not.toContain('value="1:team:102"') // user 1 is only a MEMBER of team 102
      expect((await decide(h, { scope: legacyScope, subject: '1:team:102' })).status).toBe(200)
    })
  }, { fakesOptions: { options: { calcom: { era } } } })
}

describeModes('cal.com oauth-service: today', (h) => {
  const v2 = (body: Record<string, string>) => h.fetch(h.url('calcom', '/v2/auth/oauth2/token', 'api'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const v2Exchange = (code: string, extra: Record<string, string> = {}) => v2({ client_id: demo.clientId, client_secret: demo.clientSecret, grant_type: 'authorization_code', code, redirect_uri: redirectUri, ...extra })
  const v2Refresh = (refresh: string) => v2({ client_id: demo.clientId, client_secret: demo.clientSecret, grant_type: 'refresh_token', refresh_token: refresh })

  it('the documented flow: authorize → API v2 token → /v2/me → 30 minutes → refresh (rotated) → /v2/me', async () => {
    const tokens = (await (await v2Exchange(await codeOf(h, { scope: newScope }))).json()) as { access_token: string; refresh_token: string; scope: string }
    expect(tokens.scope).toBe('PROFILE_READ BOOKING_READ')
    expect(Object.keys(claims(h, tokens.refresh_token))).toEqual(['userId', 'teamId', 'scope', 'token_type', 'clientId', 'secret', 'iat', 'exp'])
    const meUrl = h.url('calcom', '/v2/me', 'api')
    expect((await h.fetch(meUrl, bearer(tokens.access_token))).status).toBe(200)
    await h.admin('clock', { advanceSeconds: 1800 })
    expect((await h.fetch(meUrl, bearer(tokens.access_token))).status).toBe(401)
    const rotated = (await (await v2Refresh(tokens.refresh_token)).json()) as { access_token: string; refresh_token: string }
    expect(rotated.refresh_token).not.toBe(tokens.refresh_token)
    expect((await h.fetch(meUrl, bearer(rotated.access_token))).status).toBe(200)
    expect(((await (await v2Refresh(tokens.refresh_token)).json()) as { error_description: string }).error_description).toBe('refresh_token_revoked')
  })

  it('a refresh revokes every earlier refresh token of the user and client, another grant’s too', async () => {
    const first = (await (await v2Exchange(await codeOf(h, { scope: newScope }))).json()) as { refresh_token: string }
    const second = (await (await v2Exchange(await codeOf(h, { scope: newScope }))).json()) as { refresh_token: string }
    expect((await v2Refresh(second.refresh_token)).status).toBe(200)
    expect((await v2Refresh(first.refresh_token)).status).toBe(400)
  })

  it('shows a PKCE grant’s tokens as the JWTs its client holds (the refresh JWT carries the challenge), rotated ones as such', async () => {
    await h.admin('clients', { provider: 'calcom', clientId: 'pub-app', public: true, redirectUris: [redirectUri] })
    const code = await codeOf(h, { client_id: 'pub-app', scope: newScope, code_challenge: CODE_CHALLENGE, code_challenge_method: 'S256' })
    const tokens = (await (await v2({ client_id: 'pub-app', grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: CODE_VERIFIER })).json()) as { access_token: string; refresh_token: string }
    expect(claims(h, tokens.refresh_token)).toMatchObject({ codeChallenge: CODE_CHALLENGE, codeChallengeMethod: 'S256' })
    await h.admin('clock', { advanceSeconds: 1 })
    const rotated = (await (await v2({ client_id: 'pub-app', grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).json()) as { access_token: string; refresh_token: string }
    const rows = listGrants(h.fakes.runtime('calcom'), h.fakes.clock.now())
    expect(rows.access.map((r) => r.value)).toEqual([tokens.access_token, rotated.access_token])
    expect(rows.refresh.map((r) => [r.value, r.state])).toEqual([
      [tokens.refresh_token, 'rotated'],
      [rotated.refresh_token, 'live'],
    ])
    // Read back from a state file of version 1 with the extras of its text, the entry writes the same text.
    const rt = h.fakes.runtime('calcom')
    const key = rt.tokenKey('refresh', tokens.refresh_token)!
    const found = rt.refreshTokens.lookup(key, h.fakes.clock.now())
    expect(found.state === 'unknown' ? 'unknown' : rt.tokenText('refresh', key, { ...found.entry, extras: rt.tokenExtras('refresh', tokens.refresh_token) })).toBe(tokens.refresh_token)
    // A text made of a payload of ours and a live refresh token's secret as its signature is not that token.
    expect(grantStateOf(rt, 'refresh', `x.${tokens.refresh_token.split('.')[1]}.${key}`, h.fakes.clock.now())).toBeUndefined()
  })

  it('shows tokens signed before the jwtSecret option changed as their clients hold them', async () => {
    const tokens = (await (await v2Exchange(await codeOf(h, { scope: newScope }))).json()) as { access_token: string; refresh_token: string }
    expect((await h.admin('options', { provider: 'calcom', options: { jwtSecret: 'another-secret' } })).status).toBe(200)
    const rt = h.fakes.runtime('calcom')
    const rows = listGrants(rt, h.fakes.clock.now())
    expect(rows.access.map((r) => r.value)).toEqual([tokens.access_token])
    expect(rows.refresh.map((r) => r.value)).toEqual([tokens.refresh_token])
    expect(grantStateOf(rt, 'access', tokens.access_token, h.fakes.clock.now())).toBe('live')
    // cal.com verifies with the key it has now: the token no longer opens anything.
    expect((await h.fetch(h.url('calcom', '/v2/me', 'api'), bearer(tokens.access_token))).status).toBe(401)
  })

  it('a failed PKCE check still uses the code up (it is deleted when found)', async () => {
    await h.admin('clients', { provider: 'calcom', clientId: 'pub-app', public: true, redirectUris: [redirectUri] })
    const fields = { client_id: 'pub-app', scope: newScope, code_challenge: CODE_CHALLENGE, code_challenge_method: 'S256' }
    const code = await codeOf(h, fields)
    const wrong = await v2({ client_id: 'pub-app', grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: 'x'.repeat(43) })
    expect(await wrong.json()).toEqual({ error: 'invalid_grant', error_description: 'pkce_verification_failed' })
    const right = await v2({ client_id: 'pub-app', grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: CODE_VERIFIER })
    expect(await right.json()).toEqual({ error: 'invalid_grant', error_description: 'code_invalid_or_expired' })
    const fresh = await codeOf(h, fields)
    expect((await v2({ client_id: 'pub-app', grant_type: 'authorization_code', code: fresh, redirect_uri: redirectUri, code_verifier: CODE_VERIFIER })).status).toBe(200)
  })

  it('takes no field from a JSON member named __proto__: its object is one unknown field, not inherited fields', async () => {
    const code = await codeOf(h, { scope: newScope })
    const fields = { client_id: demo.clientId, client_secret: demo.clientSecret, grant_type: 'authorization_code', code, redirect_uri: redirectUri }
    const raw = (body: string) => h.fetch(h.url('calcom', '/v2/auth/oauth2/token', 'api'), { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    // Every field only inside `__proto__`: as if none were given.
    const smuggled = await raw(`{"__proto__":${JSON.stringify(fields)}}`)
    expect(smuggled.status).toBe(400)
    expect(await smuggled.json()).toEqual(await (await raw('{}')).json())
    // Beside the real fields, `__proto__` is a field the DTO does not know (class-validator's forbidNonWhitelisted).
    const beside = await raw(`{${JSON.stringify(fields).slice(1, -1)},"__proto__":{"code_verifier":"x"}}`)
    expect(await beside.json()).toEqual({ error: 'invalid_request', error_description: '__proto__ property is wrong,property __proto__ should not exist ' })
    // The code was not used.
    expect((await v2Exchange(code)).status).toBe(200)
  })

  it('a pending client works for its owner only, and the code exchange checks it too', async () => {
    // A code issued while the client was approved, exchanged once it is pending again (a re-review): refused for user 1.
    const earlier = await codeOf(h, { scope: newScope })
    await h.admin('clients', { provider: 'calcom', clientId: demo.clientId, clientSecret: demo.clientSecret, redirectUris: [redirectUri], status: 'pending', ownerUserId: 2 })
    expect(await (await v2Exchange(earlier)).json()).toEqual({ error: 'unauthorized_client', error_description: 'client_not_approved' })
    const ownCode = await codeOf(h, { scope: newScope, user_id: '2', subject: '2:personal' })
    expect((await v2Exchange(ownCode)).status).toBe(200)
    // The page checks the signed-in (default) user, 1; a code issued for user 1 anyway fails at the exchange.
    const page = await h.fetch(`${h.url('calcom', AUTH)}?client_id=${demo.clientId}&redirect_uri=${encodeURIComponent(redirectUri)}&scope=${newScope}&state=s`)
    expect(await page.text()).toContain('OAuth client is not approved')
  })

  it('the account selector shows teams only when asked; a team grant’s /v2/me is the team owner', async () => {
    const plain = await (await h.fetch(`${h.url('calcom', AUTH)}?client_id=${demo.clientId}&redirect_uri=${encodeURIComponent(redirectUri)}&scope=${newScope}&state=s`)).text()
    expect(plain).not.toContain('1:team:101')
    const asked = await (await h.fetch(`${h.url('calcom', AUTH)}?client_id=${demo.clientId}&redirect_uri=${encodeURIComponent(redirectUri)}&scope=${newScope}&state=s&show_account_selector=true`)).text()
    expect(asked).toContain('1:team:101')
    const code = await codeOf(h, { scope: newScope, show_account_selector: 'true', subject: '1:team:101' })
    const tokens = (await (await v2Exchange(code)).json()) as { access_token: string }
    const me = (await (await h.fetch(h.url('calcom', '/v2/me', 'api'), bearer(tokens.access_token))).json()) as { data: { username: string } }
    expect(me.data.username).toBe('pro')
  })

  it('a consent form posted from another site is refused; the same parameters from a script work', async () => {
    const url = h.url('calcom', AUTH)
    const fields = { client_id: demo.clientId, redirect_uri: redirectUri, scope: newScope, state: 's', user_id: '1', subject: '1:personal', decision: 'allow' }
    const forged = await h.fetch(url, { ...form(fields), headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' } })
    expect(forged.status).toBe(403)
    const page = await (await h.fetch(`${url}?${new URLSearchParams({ client_id: demo.clientId, redirect_uri: redirectUri, scope: newScope, state: 's' })}`)).text()
    const token = /name="csrf_token" value="([^"]+)"/.exec(page)![1]!
    const fromPage = await h.fetch(url, { ...form({ ...fields, csrf_token: token }), headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(url).origin } })
    expect(fromPage.status).toBe(302)
    expect((await decide(h, { scope: newScope })).status).toBe(302)
  })

  it('the era is an option that changes at run time: the same server answers as app-router next', async () => {
    expect((await h.admin('options', { provider: 'calcom', options: { era: 'app-router' } })).status).toBe(200)
    const token = await h.fetch(h.url('calcom', TOKEN), form({ grant_type: 'password' }))
    expect(await token.json()).toEqual({ message: 'grant_type invalid' })
    expect((await h.admin('options', { provider: 'calcom', options: { era: 'oauth-service' } })).status).toBe(200)
  })
})
