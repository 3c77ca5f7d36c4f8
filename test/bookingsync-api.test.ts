import { expect, it } from 'vitest'
import { bookingsyncAccounts } from '../fixtures/bookingsync.ts'
import { describeModes, form } from './harness.ts'
import {
  ACCOUNTS,
  BOOKINGS,
  INFO,
  RENTALS,
  REVOKE,
  TOKEN,
  type Tokens,
  adminOk,
  api,
  basic,
  demo,
  expectDoorkeeperError,
  expectUnauthorized,
  refresh,
  userTokens,
} from './bookingsync-helpers.ts'

const revoke = (h: Parameters<Parameters<typeof describeModes>[1]>[0], fields: Record<string, string>) =>
  h.fetch(h.url('bookingsync', REVOKE), form({ client_id: demo.clientId, client_secret: demo.clientSecret, ...fields }))

describeModes('BookingSync API v3', (h) => {
  it('answers /api/v3/accounts with the token\'s one account, JSON:API content type, rate-limit and pagination headers', async () => {
    const { access_token } = await userTokens(h)
    const response = await api(h, ACCOUNTS, access_token)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/vnd.api+json; charset=utf-8')
    expect(response.headers.get('x-ratelimit-limit')).toBe('1000')
    expect(response.headers.get('x-ratelimit-remaining')).toBe('999')
    expect(response.headers.get('x-per-page')).toBe('100')
    expect(response.headers.get('x-total-count')).toBe('1')
    expect(response.headers.get('x-total-pages')).toBe('1')
    const url = h.url('bookingsync', ACCOUNTS)
    expect(response.headers.get('link')).toBe(`<${url}?page=1>; rel="first", <${url}?page=1>; rel="last"`)
    const body = (await response.json()) as { accounts: Array<Record<string, unknown>>; meta: object }
    expect(body).toEqual({ accounts: [bookingsyncAccounts[0]], meta: {} })
    expect(body.accounts[0]).toMatchObject({ id: 101, business_name: 'Seaside Rentals', status: 'trial' })
  })

  it('sets X-RateLimit-Reset to the next full hour of the fakes clock and counts down X-RateLimit-Remaining', async () => {
    const { access_token } = await userTokens(h)
    await adminOk(h, 'clock', { advanceSeconds: 3600 })
    const first = await api(h, ACCOUNTS, access_token)
    const second = await api(h, ACCOUNTS, access_token)
    const now = h.fakes.clock.nowSeconds()
    expect(Number(second.headers.get('x-ratelimit-reset'))).toBe((Math.floor(now / 3600) + 1) * 3600)
    expect(Number(first.headers.get('x-ratelimit-remaining')) - Number(second.headers.get('x-ratelimit-remaining'))).toBe(1)
  })

  it('answers /api/v3/rentals with rentals_read: the account\'s rentals and the top-level links', async () => {
    const { access_token } = await userTokens(h)
    const response = await api(h, RENTALS, access_token)
    expect(response.status).toBe(200)
    const body = (await response.json()) as { links: Record<string, string>; rentals: Array<{ id: number; links: { account: number } }>; meta: object }
    expect(body.links).toEqual({ 'rentals.account': `${h.url('bookingsync', ACCOUNTS)}/{rentals.account}` })
    expect(body.rentals.map((r) => r.id)).toEqual([1001, 1002, 1003])
    expect(body.rentals.every((r) => r.links.account === 101)).toBe(true)
    expect(body.meta).toEqual({})
    expect(Object.keys(body)).toEqual(['links', 'rentals', 'meta'])
  })

  it('answers /api/v3/bookings with bookings_read, scoped to the chosen account', async () => {
    const { access_token } = await userTokens(h, { subject: '11:account:102' })
    const body = (await (await api(h, BOOKINGS, access_token)).json()) as {
      links: Record<string, string>
      bookings: Array<{ id: number; links: { account: number; rental: number } }>
    }
    expect(body.links).toEqual({
      'bookings.account': `${h.url('bookingsync', ACCOUNTS)}/{bookings.account}`,
      'bookings.rental': `${h.url('bookingsync', RENTALS)}/{bookings.rental}`,
    })
    expect(body.bookings).toHaveLength(1)
    expect(body.bookings[0]).toMatchObject({ id: 60001, links: { account: 102, rental: 2001 } })
  })

  it('answers 403 forbidden to a valid token without the scope', async () => {
    const { access_token } = await userTokens(h, { scope: 'public rentals_read' })
    const response = await api(h, BOOKINGS, access_token)
    expect(response.status).toBe(403)
    expect(response.headers.get('content-type')).toBe('application/vnd.api+json; charset=utf-8')
    expect(await response.json()).toEqual({ errors: [{ code: 'forbidden' }] })
  })

  it('answers "The access token expired" after 7200 s by the fakes clock, and not before', async () => {
    const { access_token } = await userTokens(h)
    await adminOk(h, 'clock', { advanceSeconds: 7199 })
    expect((await api(h, ACCOUNTS, access_token)).status).toBe(200)
    await adminOk(h, 'clock', { advanceSeconds: 2 })
    await expectUnauthorized(await api(h, ACCOUNTS, access_token), 'The access token expired')
  })

  it('answers "The access token is invalid" for an unknown token and for no token', async () => {
    await expectUnauthorized(await api(h, ACCOUNTS, 'a'.repeat(64)), 'The access token is invalid')
    await expectUnauthorized(await api(h, RENTALS), 'The access token is invalid')
  })

  it('answers "The access token was revoked" after the control API revokes the client, whose refresh token is then invalid_grant', async () => {
    const tokens = await userTokens(h)
    await adminOk(h, 'revoke', { provider: 'bookingsync', clientId: demo.clientId })
    await expectUnauthorized(await api(h, ACCOUNTS, tokens.access_token), 'The access token was revoked')
    await expectDoorkeeperError(await refresh(h, tokens.refresh_token!), 401, 'invalid_grant')
  })

  it('paginates: page 2 of a single page is empty, with first/prev/last links', async () => {
    const { access_token } = await userTokens(h)
    const response = await api(h, `${RENTALS}?page=2`, access_token)
    const url = h.url('bookingsync', RENTALS)
    expect(response.headers.get('link')).toBe(`<${url}?page=1>; rel="first", <${url}?page=1>; rel="prev", <${url}?page=1>; rel="last"`)
    expect(((await response.json()) as { rentals: unknown[] }).rentals).toEqual([])
  })

  it('answers an injected API fault in the errors envelope, without counting against the rate limit', async () => {
    const { access_token } = await userTokens(h)
    await adminOk(h, 'faults', { provider: 'bookingsync', endpoint: 'api', status: 502, times: 1 })
    const fault = await api(h, ACCOUNTS, access_token)
    expect(fault.status).toBe(502)
    expect(await fault.json()).toEqual({ errors: [{ code: 'bad_gateway' }] })
    const ok = await api(h, ACCOUNTS, access_token)
    expect(ok.status).toBe(200)
    expect(ok.headers.get('x-ratelimit-remaining')).toBe('999')
  })

  it('answers unknown API paths and methods with 404 in the errors envelope', async () => {
    const unknown = await api(h, '/api/v3/unicorns')
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toEqual({ errors: [{ code: 'not_found' }] })
    const post = await h.fetch(h.url('bookingsync', ACCOUNTS), { method: 'POST' })
    expect(post.status).toBe(404)
  })
})

describeModes(
  'BookingSync API v3 rate limit (rateLimit: 2)',
  (h) => {
    it('answers 429 "API v3 rate limit exceeded." past the hourly limit, and again after the hour turns', async () => {
      const { access_token } = await userTokens(h)
      expect((await api(h, ACCOUNTS, access_token)).headers.get('x-ratelimit-remaining')).toBe('1')
      expect((await api(h, ACCOUNTS, access_token)).headers.get('x-ratelimit-remaining')).toBe('0')
      const limited = await api(h, ACCOUNTS, access_token)
      expect(limited.status).toBe(429)
      expect(limited.headers.get('x-ratelimit-limit')).toBe('2')
      expect(await limited.text()).toBe('API v3 rate limit exceeded.')
      await adminOk(h, 'clock', { advanceSeconds: 3600 })
      expect((await api(h, ACCOUNTS, access_token)).status).toBe(200)
    })
  },
  { fakesOptions: { options: { bookingsync: { rateLimit: 2 } } } },
)

describeModes('BookingSync revocation and token info', (h) => {
  it('revokes an access token and its refresh token with 200 {}', async () => {
    const tokens = await userTokens(h)
    const response = await revoke(h, { token: tokens.access_token })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({})
    await expectUnauthorized(await api(h, ACCOUNTS, tokens.access_token), 'The access token was revoked')
    await expectDoorkeeperError(await refresh(h, tokens.refresh_token!), 401, 'invalid_grant')
  })

  it('revokes by refresh token too, with HTTP Basic client authentication', async () => {
    const tokens = await userTokens(h)
    const response = await h.fetch(h.url('bookingsync', REVOKE), {
      ...form({ token: tokens.refresh_token! }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(demo.clientId, demo.clientSecret) },
    })
    expect(response.status).toBe(200)
    await expectUnauthorized(await api(h, ACCOUNTS, tokens.access_token), 'The access token was revoked')
  })

  it('answers 200 {} for an unknown token (RFC 7009)', async () => {
    const response = await revoke(h, { token: 'never-issued' })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({})
  })

  it('answers a wrong client secret with invalid_client 401 and revokes nothing', async () => {
    const tokens = await userTokens(h)
    await expectDoorkeeperError(await revoke(h, { token: tokens.access_token, client_secret: 'wrong' }), 401, 'invalid_client')
    expect((await api(h, ACCOUNTS, tokens.access_token)).status).toBe(200)
  })

  it('refuses to revoke another application\'s token with 403 unauthorized_client', async () => {
    await adminOk(h, 'clients', { provider: 'bookingsync', clientId: 'other-app', clientSecret: 'other-secret', redirectUris: ['https://other.example.com/cb'] })
    const tokens = await userTokens(h)
    const response = await revoke(h, { token: tokens.access_token, client_id: 'other-app', client_secret: 'other-secret' })
    expect(response.status).toBe(403)
    expect(((await response.json()) as { error: string }).error).toBe('unauthorized_client')
    expect((await api(h, ACCOUNTS, tokens.access_token)).status).toBe(200)
  })

  it('describes a token at /oauth/token/info', async () => {
    const tokens = await userTokens(h, { subject: '11:account:102' })
    await adminOk(h, 'clock', { advanceSeconds: 200 })
    const response = await api(h, INFO, tokens.access_token)
    expect(response.status).toBe(200)
    const info = (await response.json()) as Record<string, unknown>
    expect(Math.abs((info.expires_in as number) - 7000)).toBeLessThanOrEqual(1)
    expect(info).toEqual({
      resource_owner_id: 102,
      scope: ['public', 'bookings_read', 'rentals_read'],
      expires_in: info.expires_in,
      application: { uid: demo.clientId },
      created_at: tokens.created_at,
    })
  })

  it('answers /oauth/token/info for a bad token with 401 in Doorkeeper shape', async () => {
    await expectDoorkeeperError(await api(h, INFO, 'nope'), 401, 'invalid_token', 'The access token is invalid')
    const tokens = await userTokens(h)
    await adminOk(h, 'clock', { advanceSeconds: 7200 })
    await expectDoorkeeperError(await api(h, INFO, tokens.access_token), 401, 'invalid_token', 'The access token expired')
  })

  it('keeps answering after bad input on the revoke endpoint', async () => {
    const bad = await h.fetch(h.url('bookingsync', REVOKE), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' })
    await expectDoorkeeperError(bad, 401, 'invalid_request')
    const cc = (await (await h.fetch(h.url('bookingsync', TOKEN), form({ grant_type: 'client_credentials', client_id: demo.clientId, client_secret: demo.clientSecret }))).json()) as Tokens
    expect((await revoke(h, { token: cc.access_token })).status).toBe(200)
  })
})
