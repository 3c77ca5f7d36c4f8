import { createHash } from 'node:crypto'
import { expect, it } from 'vitest'
import { calcomDemoClient as demo } from '../fixtures/calcom.ts'
import { randomBase64url, verifyJwtHs256 } from '../mocks/engine/crypto.ts'
import { calcomDefaultOptions } from '../mocks/providers/calcom/profile.ts'
import { type Harness, type HarnessFakesOptions, describeModes, form, locationParams } from './harness.ts'
import { TOKEN, REFRESH, ME, redirectUri, client, authorizeUrl, decide, getCode } from './calcom-helpers.ts'

const V2: { fakesOptions: HarnessFakesOptions } = { fakesOptions: { options: { calcom: { profile: 'v2' } } } }
const PUBLIC_ID = 'spa-client'

/** RFC 7636 §4.1-4.2: a 43-character verifier and its S256 challenge. */
function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBase64url(32)
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
}




function post(h: Harness, path: string, body: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  const init = form(body)
  return h.fetch(h.url('calcom', path), { ...init, headers: { ...(init.headers as Record<string, string>), ...headers } })
}

function exchange(h: Harness, code: string, extra: Record<string, string> = {}): Promise<Response> {
  return post(h, TOKEN, { grant_type: 'authorization_code', code, ...client, redirect_uri: redirectUri, ...extra })
}

interface V2Tokens {
  access_token: string
  token_type: string
  refresh_token: string
  expires_in: number
}

async function ok(res: Response): Promise<V2Tokens> {
  const text = await res.text()
  expect(res.status, text).toBe(200)
  return JSON.parse(text) as V2Tokens
}

async function tokens(h: Harness, fields: Record<string, string> = {}): Promise<V2Tokens> {
  return ok(await exchange(h, await getCode(h, fields)))
}

function refreshInBody(h: Harness, refreshToken: string, extra: Record<string, string> = {}): Promise<Response> {
  return post(h, TOKEN, { grant_type: 'refresh_token', refresh_token: refreshToken, ...client, ...extra })
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } })

async function expectError(res: Response, status: number, error: string): Promise<void> {
  const text = await res.text()
  expect(res.status, text).toBe(status)
  expect(JSON.parse(text)).toEqual({ error })
}

async function registerPublicClient(h: Harness): Promise<void> {
  const res = await h.admin('clients', { provider: 'calcom', clientId: PUBLIC_ID, public: true, redirectUris: [redirectUri], name: 'SPA' })
  expect(res.status).toBe(201)
}

describeModes(
  'cal.com v2 token endpoint',
  (h) => {
    it('answers {access_token, token_type: "bearer", refresh_token, expires_in: 1800} with Cache-Control: no-store and Pragma: no-cache', async () => {
      const res = await exchange(h, await getCode(h))
      expect(res.headers.get('cache-control')).toBe('no-store')
      expect(res.headers.get('pragma')).toBe('no-cache')
      expect(res.headers.get('content-type')).toBe('application/json')
      const t = await ok(res)
      expect(Object.keys(t)).toEqual(['access_token', 'token_type', 'refresh_token', 'expires_in'])
      expect(t.token_type).toBe('bearer')
      expect(t.expires_in).toBe(1800)
      const claims = verifyJwtHs256(t.access_token, calcomDefaultOptions.jwtSecret, h.fakes.clock.nowSeconds())!
      expect(claims).toMatchObject({ userId: 1, teamId: null, token_type: 'Access Token', clientId: demo.clientId })
      expect((claims.exp as number) - (claims.iat as number)).toBe(1800)
      expect(typeof claims.jti).toBe('string')
      const me = await h.fetch(h.url('calcom', ME), bearer(t.access_token))
      expect(me.status).toBe(201)
      expect(await me.json()).toEqual({ username: 'pro' })
    })

    it('accepts a JSON body as well as a form', async () => {
      const code = await getCode(h)
      const res = await h.fetch(h.url('calcom', TOKEN), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'authorization_code', code, ...client, redirect_uri: redirectUri }),
      })
      expect((await ok(res)).token_type).toBe('bearer')
    })

    it('answers every client error as 401 {"error":"invalid_client"}', async () => {
      const code = await getCode(h)
      await expectError(await exchange(h, code, { client_secret: 'wrong' }), 401, 'invalid_client')
      await expectError(await exchange(h, code, { client_id: 'nobody' }), 401, 'invalid_client')
      await expectError(await post(h, TOKEN, { grant_type: 'authorization_code', code, client_id: demo.clientId, redirect_uri: redirectUri }), 401, 'invalid_client')
      // Body credentials only: Basic is not read.
      const basic = `Basic ${Buffer.from(`${demo.clientId}:${demo.clientSecret}`).toString('base64')}`
      await expectError(await post(h, TOKEN, { grant_type: 'authorization_code', code, redirect_uri: redirectUri }, { authorization: basic }), 401, 'invalid_client')
      // None of these consumed the code.
      await ok(await exchange(h, code))
    })

    it('answers a malformed request as 400 {"error":"invalid_request"}', async () => {
      const code = await getCode(h)
      await expectError(await post(h, TOKEN, { code, ...client, redirect_uri: redirectUri }), 400, 'invalid_request')
      await expectError(await post(h, TOKEN, { grant_type: 'authorization_code', ...client, redirect_uri: redirectUri }), 400, 'invalid_request')
      await expectError(await post(h, TOKEN, { grant_type: 'authorization_code', code, ...client }), 400, 'invalid_request')
      await expectError(await post(h, TOKEN, { grant_type: 'refresh_token', ...client }), 400, 'invalid_request')
      const repeated = await h.fetch(h.url('calcom', TOKEN), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `${new URLSearchParams({ grant_type: 'authorization_code', code, ...client, redirect_uri: redirectUri })}&code=${code}`,
      })
      await expectError(repeated, 400, 'invalid_request')
      const badJson = await h.fetch(h.url('calcom', TOKEN), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":' })
      await expectError(badJson, 400, 'invalid_request')
    })

    it('answers an unsupported grant_type as 400 {"error":"unauthorized_client"}', async () => {
      await expectError(await post(h, TOKEN, { grant_type: 'client_credentials', ...client }), 400, 'unauthorized_client')
      await expectError(await post(h, TOKEN, { grant_type: 'password', ...client, username: 'pro', password: 'x' }), 400, 'unauthorized_client')
      // The refresh path only refreshes.
      await expectError(await post(h, REFRESH, { grant_type: 'authorization_code', code: await getCode(h), ...client, redirect_uri: redirectUri }), 400, 'unauthorized_client')
    })

    it('answers a bad code as 400 {"error":"invalid_grant"}: unknown, replayed, expired, another redirect_uri, another client', async () => {
      await expectError(await exchange(h, 'bogus'), 400, 'invalid_grant')
      const used = await getCode(h)
      await ok(await exchange(h, used))
      await expectError(await exchange(h, used), 400, 'invalid_grant')
      const wrongUri = await getCode(h)
      await expectError(await exchange(h, wrongUri, { redirect_uri: 'http://127.0.0.1:3000/other' }), 400, 'invalid_grant')
      await h.admin('clients', { provider: 'calcom', clientId: 'other', clientSecret: 'other-secret', redirectUris: [redirectUri] })
      const others = await getCode(h)
      await expectError(await exchange(h, others, { client_id: 'other', client_secret: 'other-secret' }), 400, 'invalid_grant')
      const early = await getCode(h)
      const late = await getCode(h)
      await h.admin('clock', { advanceSeconds: 599 })
      await ok(await exchange(h, early))
      await h.admin('clock', { advanceSeconds: 2 })
      await expectError(await exchange(h, late), 400, 'invalid_grant')
    })

    it('answers other methods 405 with Allow: POST and no body', async () => {
      for (const path of [TOKEN, REFRESH]) {
        const res = await h.fetch(h.url('calcom', path))
        expect(res.status).toBe(405)
        expect(res.headers.get('allow')).toBe('POST')
        expect(await res.text()).toBe('')
      }
    })

    it('answers an injected fault in the {"error"} shape; token and refresh grants are targeted separately', async () => {
      const t = await tokens(h)
      await h.admin('faults', { provider: 'calcom', endpoint: 'token', status: 503, times: 1 })
      await h.admin('faults', { provider: 'calcom', endpoint: 'refresh', status: 401, times: 1 })
      await expectError(await refreshInBody(h, t.refresh_token), 401, 'invalid_client')
      await expectError(await exchange(h, await getCode(h)), 503, 'server_error')
      await ok(await refreshInBody(h, t.refresh_token))
    })
  },
  V2,
)

describeModes(
  'cal.com v2 PKCE (RFC 7636, S256)',
  (h) => {
    it('exchanges a code requested with an S256 challenge for the matching verifier', async () => {
      const { verifier, challenge } = pkcePair()
      const code = await getCode(h, { code_challenge: challenge, code_challenge_method: 'S256' })
      expect(h.fakes.runtime('calcom').codes.lookup(code, h.fakes.clock.now())).toMatchObject({ entry: { codeChallenge: challenge, codeChallengeMethod: 'S256' } })
      await ok(await exchange(h, code, { code_verifier: verifier }))
    })

    it('binds the challenge through the consent page and through consent mode allow', async () => {
      const { verifier, challenge } = pkcePair()
      const page = await h.fetch(authorizeUrl(h, { code_challenge: challenge, code_challenge_method: 'S256' }))
      expect(page.status).toBe(200)
      await h.admin('consent', { provider: 'calcom', mode: 'allow' })
      const allowed = await h.fetch(authorizeUrl(h, { code_challenge: challenge, code_challenge_method: 'S256' }))
      const code = locationParams(allowed).get('code')!
      await expectError(await exchange(h, code), 400, 'invalid_grant')
      const again = locationParams(await h.fetch(authorizeUrl(h, { code_challenge: challenge, code_challenge_method: 'S256' }))).get('code')!
      await ok(await exchange(h, again, { code_verifier: verifier }))
    })

    it('refuses a wrong verifier with invalid_grant, and the code is burnt', async () => {
      const { verifier, challenge } = pkcePair()
      const code = await getCode(h, { code_challenge: challenge, code_challenge_method: 'S256' })
      await expectError(await exchange(h, code, { code_verifier: pkcePair().verifier }), 400, 'invalid_grant')
      await expectError(await exchange(h, code, { code_verifier: verifier }), 400, 'invalid_grant')
    })

    it('refuses the challenge itself as verifier, and a verifier outside 43-128 unreserved characters', async () => {
      const { challenge } = pkcePair()
      const code = await getCode(h, { code_challenge: challenge, code_challenge_method: 'S256' })
      await expectError(await exchange(h, code, { code_verifier: challenge }), 400, 'invalid_grant')
      const short = 'a'.repeat(42)
      const shortCode = await getCode(h, { code_challenge: createHash('sha256').update(short).digest('base64url'), code_challenge_method: 'S256' })
      await expectError(await exchange(h, shortCode, { code_verifier: short }), 400, 'invalid_grant')
    })

    it('refuses a code_verifier that is not a string (JSON) as invalid_request, without burning the code', async () => {
      const { verifier, challenge } = pkcePair()
      const code = await getCode(h, { code_challenge: challenge, code_challenge_method: 'S256' })
      const res = await h.fetch(h.url('calcom', TOKEN), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'authorization_code', code, ...client, redirect_uri: redirectUri, code_verifier: [verifier] }),
      })
      await expectError(res, 400, 'invalid_request')
      await ok(await exchange(h, code, { code_verifier: verifier }))
    })

    it('refuses a missing verifier when a challenge was sent (enforced for a confidential client too)', async () => {
      const { challenge } = pkcePair()
      const code = await getCode(h, { code_challenge: challenge, code_challenge_method: 'S256' })
      await expectError(await exchange(h, code), 400, 'invalid_grant')
    })

    it('refuses a verifier for a code requested without a challenge (RFC 9700 §2.1.1 downgrade)', async () => {
      const code = await getCode(h)
      await expectError(await exchange(h, code, { code_verifier: pkcePair().verifier }), 400, 'invalid_grant')
    })

    it('lets a confidential client skip PKCE altogether', async () => {
      await ok(await exchange(h, await getCode(h)))
    })

    it('refuses plain, an unknown method, a challenge without a method and a method without a challenge: redirect with invalid_request', async () => {
      const { challenge } = pkcePair()
      const cases: Array<[Record<string, string>, string]> = [
        [{ code_challenge: challenge, code_challenge_method: 'plain' }, 'transform algorithm not supported'],
        [{ code_challenge: challenge, code_challenge_method: 'S512' }, 'transform algorithm not supported'],
        [{ code_challenge: challenge }, 'transform algorithm not supported'],
        [{ code_challenge_method: 'S256' }, 'code challenge required'],
        [{ code_challenge: 'too-short', code_challenge_method: 'S256' }, 'code challenge malformed'],
      ]
      for (const [extra, description] of cases) {
        for (const res of [await h.fetch(authorizeUrl(h, extra)), await decide(h, extra)]) {
          expect(res.status, JSON.stringify(extra)).toBe(302)
          const q = locationParams(res)
          expect(Object.fromEntries(q)).toEqual({ error: 'invalid_request', error_description: description, state: 'st4te' })
          expect(res.headers.get('location')!.startsWith(`${redirectUri}?`)).toBe(true)
        }
      }
    })

    it('requires a challenge from a public client: without one the authorize request redirects with invalid_request', async () => {
      await registerPublicClient(h)
      const res = await h.fetch(authorizeUrl(h, { client_id: PUBLIC_ID }))
      expect(res.status).toBe(302)
      expect(res.headers.get('location')).toBe(`${redirectUri}?error=invalid_request&error_description=code+challenge+required&state=st4te`)
      const decided = await decide(h, { client_id: PUBLIC_ID })
      expect(locationParams(decided).get('error')).toBe('invalid_request')
    })

    it('lets a public client exchange and refresh by client_id and verifier alone, never with a secret', async () => {
      await registerPublicClient(h)
      const { verifier, challenge } = pkcePair()
      const code = await getCode(h, { client_id: PUBLIC_ID, code_challenge: challenge, code_challenge_method: 'S256' })
      const base = { grant_type: 'authorization_code', code, client_id: PUBLIC_ID, redirect_uri: redirectUri, code_verifier: verifier }
      await expectError(await post(h, TOKEN, { ...base, client_secret: '' }), 401, 'invalid_client')
      await expectError(await post(h, TOKEN, { ...base, client_secret: 'guess' }), 401, 'invalid_client')
      const t = await ok(await post(h, TOKEN, base))
      const claims = verifyJwtHs256(t.access_token, calcomDefaultOptions.jwtSecret, h.fakes.clock.nowSeconds())!
      expect(claims.clientId).toBe(PUBLIC_ID)
      const refreshed = await ok(await post(h, TOKEN, { grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: PUBLIC_ID }))
      expect(refreshed.refresh_token).not.toBe(t.refresh_token)
    })

    it('refuses a public client at the token endpoint when its code has no challenge (it became public after the code was issued)', async () => {
      await h.admin('clients', { provider: 'calcom', clientId: PUBLIC_ID, clientSecret: 'was-confidential', redirectUris: [redirectUri] })
      const code = await getCode(h, { client_id: PUBLIC_ID })
      await registerPublicClient(h)
      await expectError(await post(h, TOKEN, { grant_type: 'authorization_code', code, client_id: PUBLIC_ID, redirect_uri: redirectUri }), 400, 'invalid_grant')
    })
  },
  V2,
)

describeModes(
  'cal.com v2 refresh with rotation',
  (h) => {
    it('refreshes with the token in the body: a new access AND refresh token; the old refresh token is then invalid_grant, the new one works', async () => {
      const t = await tokens(h)
      const r1 = await ok(await refreshInBody(h, t.refresh_token))
      expect(Object.keys(r1)).toEqual(['access_token', 'token_type', 'refresh_token', 'expires_in'])
      expect(r1.refresh_token).not.toBe(t.refresh_token)
      expect(r1.access_token).not.toBe(t.access_token)
      await expectError(await refreshInBody(h, t.refresh_token), 400, 'invalid_grant')
      const r2 = await ok(await refreshInBody(h, r1.refresh_token))
      await expectError(await refreshInBody(h, r1.refresh_token), 400, 'invalid_grant')
      const me = await h.fetch(h.url('calcom', ME), bearer(r2.access_token))
      expect(me.status).toBe(201)
    })

    it('falls back to the Bearer header, at the refresh path and at the token endpoint', async () => {
      const t = await tokens(h)
      const viaRefreshPath = await ok(await post(h, REFRESH, { grant_type: 'refresh_token', ...client }, { authorization: `Bearer ${t.refresh_token}` }))
      const viaToken = await ok(await post(h, TOKEN, { grant_type: 'refresh_token', ...client }, { authorization: `Bearer ${viaRefreshPath.refresh_token}` }))
      await expectError(await post(h, REFRESH, { grant_type: 'refresh_token', ...client }, { authorization: `Bearer ${viaRefreshPath.refresh_token}` }), 400, 'invalid_grant')
      // The body wins over the header.
      await ok(await post(h, REFRESH, { grant_type: 'refresh_token', refresh_token: viaToken.refresh_token, ...client }, { authorization: 'Bearer junk' }))
    })

    it('revokes every earlier refresh token of that client and user, and only those', async () => {
      await h.admin('clients', { provider: 'calcom', clientId: 'other', clientSecret: 'other-secret', redirectUris: [redirectUri] })
      const first = await tokens(h)
      const second = await tokens(h)
      const otherUser = await tokens(h, { user_id: '2', subject: '2:personal' })
      const team = await tokens(h, { subject: '1:team:101' })
      const otherClient = await ok(await exchange(h, await getCode(h, { client_id: 'other' }), { client_id: 'other', client_secret: 'other-secret' }))
      await ok(await refreshInBody(h, second.refresh_token))
      await expectError(await refreshInBody(h, first.refresh_token), 400, 'invalid_grant')
      await ok(await refreshInBody(h, otherUser.refresh_token))
      await ok(await refreshInBody(h, team.refresh_token))
      await ok(await refreshInBody(h, otherClient.refresh_token, { client_id: 'other', client_secret: 'other-secret' }))
    })

    it('leaves earlier access tokens valid until they expire', async () => {
      const t = await tokens(h)
      await ok(await refreshInBody(h, t.refresh_token))
      expect((await h.fetch(h.url('calcom', ME), bearer(t.access_token))).status).toBe(201)
      await h.admin('clock', { advanceSeconds: 1800 })
      expect((await h.fetch(h.url('calcom', ME), bearer(t.access_token))).status).toBe(401)
    })

    it('refuses with invalid_grant: an access token as refresh token, another client’s token, an expired one (30 days)', async () => {
      await h.admin('clients', { provider: 'calcom', clientId: 'other', clientSecret: 'other-secret', redirectUris: [redirectUri] })
      const t = await tokens(h)
      await expectError(await refreshInBody(h, t.access_token), 400, 'invalid_grant')
      await expectError(await refreshInBody(h, t.refresh_token, { client_id: 'other', client_secret: 'other-secret' }), 400, 'invalid_grant')
      await expectError(await refreshInBody(h, t.refresh_token, { client_secret: 'wrong' }), 401, 'invalid_client')
      await h.admin('clock', { advanceSeconds: 30 * 24 * 3600 })
      await expectError(await refreshInBody(h, t.refresh_token), 400, 'invalid_grant')
    })

    it('may narrow the scopes, not widen them (a wider scope is invalid_request)', async () => {
      const t = await tokens(h, { scope: 'READ_PROFILE' })
      await expectError(await refreshInBody(h, t.refresh_token, { scope: 'READ_PROFILE READ_BOOKING' }), 400, 'invalid_request')
      const narrowed = await ok(await refreshInBody(h, t.refresh_token, { scope: 'READ_PROFILE' }))
      expect(verifyJwtHs256(narrowed.access_token, calcomDefaultOptions.jwtSecret, h.fakes.clock.nowSeconds())!.scope).toEqual(['READ_PROFILE'])
    })
  },
  V2,
)

describeModes(
  'cal.com v2 public clients through the control API',
  (h) => {
    it('registers a public client without a secret, and refuses a secret for one or none for a confidential one', async () => {
      const res = await h.admin('clients', { provider: 'calcom', clientId: PUBLIC_ID, public: true, redirectUris: [redirectUri] })
      expect(res.status).toBe(201)
      expect(await res.json()).toMatchObject({ clientId: PUBLIC_ID, clientSecret: '', public: true })
      for (const body of [
        { provider: 'calcom', clientId: 'x', public: true, clientSecret: 's', redirectUris: [redirectUri] },
        { provider: 'calcom', clientId: 'x', redirectUris: [redirectUri] },
        { provider: 'calcom', clientId: 'x', public: false, redirectUris: [redirectUri] },
      ]) {
        const bad = await h.admin('clients', body)
        expect(bad.status).toBe(400)
        expect(((await bad.json()) as { error: string }).error).toContain('clientSecret')
      }
      expect(() => h.fakes.registerClient({ provider: 'calcom', clientId: 'y', redirectUris: [redirectUri] })).toThrow(/clientSecret/)
      expect(h.fakes.registerClient({ provider: 'calcom', clientId: 'y', public: true, redirectUris: [redirectUri] }).public).toBe(true)
    })
  },
  { ...V2, modes: ['in-process'] },
)

describeModes('cal.com legacy profile stays the default', (h) => {
  it('still answers {access_token, refresh_token} only, ignores code_challenge and keeps {"message"} errors', async () => {
    const { challenge } = pkcePair()
    const code = await getCode(h, { code_challenge: challenge, code_challenge_method: 'plain' })
    const res = await exchange(h, code)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    const t = (await res.json()) as { access_token: string; refresh_token: string }
    expect(Object.keys(t)).toEqual(['access_token', 'refresh_token'])
    expect(Object.keys(verifyJwtHs256(t.access_token, calcomDefaultOptions.jwtSecret, h.fakes.clock.nowSeconds())!)).not.toContain('jti')
    const refreshed = await post(h, REFRESH, { grant_type: 'refresh_token', ...client }, { authorization: `Bearer ${t.refresh_token}` })
    expect(Object.keys((await refreshed.json()) as object)).toEqual(['access_token'])
    // No rotation: the refresh token still works.
    expect((await post(h, REFRESH, { grant_type: 'refresh_token', ...client }, { authorization: `Bearer ${t.refresh_token}` })).status).toBe(200)
    const bad = await exchange(h, 'bogus')
    expect(bad.status).toBe(401)
    expect(await bad.json()).toEqual({ message: 'Unauthorized' })
  })

  it('has no public clients: one registered anyway cannot authenticate at the legacy token endpoint', async () => {
    await registerPublicClient(h)
    const code = await getCode(h, { client_id: PUBLIC_ID })
    for (const secret of [undefined, '']) {
      const res = await post(h, TOKEN, { grant_type: 'authorization_code', code, client_id: PUBLIC_ID, ...(secret === undefined ? {} : { client_secret: secret }), redirect_uri: redirectUri })
      expect(res.status).toBe(401)
      expect(await res.json()).toEqual({ message: 'Unauthorized' })
    }
  })
})
