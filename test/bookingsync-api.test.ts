/**
 * BookingSync's API v3, revocation and token info over several requests, beyond the docs tables
 * (docs/providers/bookingsync.md): list bodies and account scoping, walking the pages by their
 * links, the hourly rate limit per application across accounts, what revocation really revoked.
 */
import { expect, it } from 'vitest'
import { bookingsyncAccounts } from '../fixtures/bookingsync.ts'
import { form } from './harness.ts'
import {
  ACCOUNTS,
  BOOKINGS,
  INFO,
  RENTALS,
  REVOKE,
  type Release,
  WEB,
  adminOk,
  api,
  demo,
  describeRelease,
  expectDoorkeeperError,
  expectUnauthorized,
  refresh,
  revoke,
  userTokens,
} from './bookingsync-helpers.ts'

for (const release of ['4.2.6', '5.6.9'] as Release[]) {
  describeRelease('BookingSync API v3', release, (h) => {
    it('answers /api/v3/accounts with the token’s one account', async () => {
      const { access_token } = await userTokens(h)
      const response = await api(h, ACCOUNTS, access_token)
      expect(response.headers.get('content-type')).toBe('application/vnd.api+json; charset=utf-8')
      expect(await response.json()).toEqual({ accounts: [bookingsyncAccounts[0]], meta: {} })
    })

    it('answers /api/v3/rentals with the account’s rentals, each linked to its account, and the top-level links', async () => {
      const { access_token } = await userTokens(h)
      const body = (await (await api(h, RENTALS, access_token)).json()) as { links: Record<string, string>; rentals: Array<{ id: number; links: { account: number } }>; meta: object }
      expect(Object.keys(body)).toEqual(['links', 'rentals', 'meta'])
      expect(body.links).toEqual({ 'rentals.account': `${h.url('bookingsync', ACCOUNTS)}/{rentals.account}` })
      expect(body.rentals.map((r) => r.id)).toEqual([1001, 1002, 1003])
      expect(body.rentals.every((r) => r.links.account === 101)).toBe(true)
    })

    it('answers /api/v3/bookings for the account the grant chose', async () => {
      const { access_token } = await userTokens(h, { subject: '11:account:102' })
      const body = (await (await api(h, BOOKINGS, access_token)).json()) as { links: Record<string, string>; bookings: Array<{ id: number; links: { account: number; rental: number } }> }
      expect(body.links).toEqual({
        'bookings.account': `${h.url('bookingsync', ACCOUNTS)}/{bookings.account}`,
        'bookings.rental': `${h.url('bookingsync', RENTALS)}/{bookings.rental}`,
      })
      expect(body.bookings).toHaveLength(1)
      expect(body.bookings[0]).toMatchObject({ id: 60001, links: { account: 102, rental: 2001 } })
    })

    it('walks every page by following the Link header’s rel="next"', async () => {
      const { access_token } = await userTokens(h)
      const seen: number[] = []
      let next: string | undefined = `${h.url('bookingsync', RENTALS)}?per_page=1`
      while (next) {
        const page: Response = await h.fetch(next, { headers: { authorization: `Bearer ${access_token}` } })
        expect(page.headers.get('x-per-page')).toBe('1')
        seen.push(...((await page.json()) as { rentals: Array<{ id: number }> }).rentals.map((r) => r.id))
        next = /<([^>]+)>; rel="next"/.exec(page.headers.get('link') ?? '')?.[1]
      }
      expect(seen).toEqual([1001, 1002, 1003])
    })

    it('sets X-RateLimit-Reset to the next hour of the fakes clock and counts X-RateLimit-Remaining down', async () => {
      const { access_token } = await userTokens(h)
      await adminOk(h, 'clock', { advanceSeconds: 3600 })
      const first = await api(h, ACCOUNTS, access_token)
      const second = await api(h, ACCOUNTS, access_token)
      const now = h.fakes.clock.nowSeconds()
      expect(Number(second.headers.get('x-ratelimit-reset'))).toBe((Math.floor(now / 3600) + 1) * 3600)
      expect(Number(first.headers.get('x-ratelimit-remaining')) - Number(second.headers.get('x-ratelimit-remaining'))).toBe(1)
    })

    it('answers an injected API fault in the errors envelope, without counting it against the rate limit', async () => {
      const { access_token } = await userTokens(h)
      await adminOk(h, 'faults', { provider: 'bookingsync', endpoint: 'api', status: 502, times: 1 })
      const fault = await api(h, ACCOUNTS, access_token)
      expect(fault.status).toBe(502)
      expect(await fault.json()).toEqual({ errors: [{ code: 'bad_gateway' }] })
      expect((await api(h, ACCOUNTS, access_token)).headers.get('x-ratelimit-remaining')).toBe('999')
    })

    it('says "was revoked" once the control API uninstalls the application, whose refresh token is then invalid_grant', async () => {
      const tokens = await userTokens(h)
      await adminOk(h, 'revoke', { provider: 'bookingsync', clientId: demo.clientId })
      await expectUnauthorized(await api(h, ACCOUNTS, tokens.access_token), 'revoked')
      await expectDoorkeeperError(await refresh(h, tokens.refresh_token!), release === '4.2.6' ? 401 : 400, 'invalid_grant')
    })
  })

  describeRelease(
    'BookingSync API v3 rate limit (rateLimit: 3)',
    release,
    (h) => {
      it('is per application: two accounts’ tokens share one budget, another application has its own, and the next hour starts afresh', async () => {
        h.fakes.registerClient({ provider: 'bookingsync', clientId: 'other-app', clientSecret: 'other-secret', redirectUris: [WEB] })
        const a101 = (await userTokens(h)).access_token
        const a102 = (await userTokens(h, { subject: '11:account:102' })).access_token
        const otherApp = await h.fetch(h.url('bookingsync', '/oauth/token'), form({ grant_type: 'client_credentials', client_id: 'other-app', client_secret: 'other-secret' }))
        const other = ((await otherApp.json()) as { access_token: string }).access_token

        expect((await api(h, ACCOUNTS, a101)).headers.get('x-ratelimit-remaining')).toBe('2')
        expect((await api(h, ACCOUNTS, a102)).headers.get('x-ratelimit-remaining')).toBe('1')
        expect((await api(h, RENTALS, a101)).headers.get('x-ratelimit-remaining')).toBe('0')
        const limited = await api(h, ACCOUNTS, a102)
        expect(limited.status).toBe(429)
        expect(limited.headers.get('x-ratelimit-limit')).toBe('3')
        expect(await limited.text()).toBe('API v3 rate limit exceeded.')

        const fresh = await api(h, ACCOUNTS, other)
        expect(fresh.status).toBe(200)
        expect(fresh.headers.get('x-ratelimit-remaining')).toBe('2')

        await adminOk(h, 'clock', { advanceSeconds: 3600 })
        const next = await api(h, ACCOUNTS, a102)
        expect(next.status).toBe(200)
        expect(next.headers.get('x-ratelimit-remaining')).toBe('2')
      })

      it('does not count a 401 or a 403', async () => {
        const { access_token } = await userTokens(h, { scope: 'public' })
        expect((await api(h, ACCOUNTS, 'nope')).status).toBe(401)
        expect((await api(h, RENTALS, access_token)).status).toBe(403)
        expect((await api(h, ACCOUNTS, access_token)).headers.get('x-ratelimit-remaining')).toBe('2')
      })
    },
    { rateLimit: 3 },
  )

  describeRelease('BookingSync token info over time', release, (h) => {
    const key = release === '4.2.6' ? 'expires_in_seconds' : 'expires_in'
    it('counts the lifetime down by the fakes clock, and refuses the token once a refresh revoked it', async () => {
      const tokens = await userTokens(h, { subject: '11:account:102' })
      await adminOk(h, 'clock', { advanceSeconds: 200 })
      const info = (await (await api(h, INFO, tokens.access_token)).json()) as Record<string, unknown>
      expect(info[key]).toBe(7000)
      expect(info.resource_owner_id).toBe(102)
      expect(info.created_at).toBe(tokens.created_at)
      await refresh(h, tokens.refresh_token!)
      const refused = await api(h, INFO, tokens.access_token)
      expect(refused.status).toBe(401)
      expect(((await refused.json()) as { error: string }).error).toBe(release === '4.2.6' ? 'invalid_request' : 'invalid_token')
    })
  })
}

describeRelease('BookingSync revocation', '4.2.6', (h) => {
  it('revokes the pair by its access token: the API says "was revoked", the refresh token is invalid_grant', async () => {
    const tokens = await userTokens(h)
    expect(await (await revoke(h, { token: tokens.access_token })).json()).toEqual({})
    await expectUnauthorized(await api(h, ACCOUNTS, tokens.access_token), 'revoked')
    await expectDoorkeeperError(await refresh(h, tokens.refresh_token!), 401, 'invalid_grant')
  })

  it('revokes by the refresh token too, with HTTP Basic, from a JSON body', async () => {
    const tokens = await userTokens(h)
    const response = await h.fetch(h.url('bookingsync', REVOKE), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${demo.clientId}:${demo.clientSecret}`).toString('base64')}` },
      body: JSON.stringify({ token: tokens.refresh_token }),
    })
    expect(response.status).toBe(200)
    await expectUnauthorized(await api(h, ACCOUNTS, tokens.access_token), 'revoked')
  })

  it('answers 200 {} but revokes nothing without the token’s own client, or with the token in the query string', async () => {
    h.fakes.registerClient({ provider: 'bookingsync', clientId: 'other-app', clientSecret: 'other-secret', redirectUris: [WEB] })
    const tokens = await userTokens(h)
    for (const answer of [
      await h.fetch(h.url('bookingsync', REVOKE), form({ token: tokens.access_token })),
      await revoke(h, { token: tokens.access_token, client_secret: 'wrong' }),
      await revoke(h, { token: tokens.access_token, client_id: 'other-app', client_secret: 'other-secret' }),
      await h.fetch(`${h.url('bookingsync', REVOKE)}?token=${tokens.access_token}`, form({ client_id: demo.clientId, client_secret: demo.clientSecret })),
    ]) {
      expect(answer.status).toBe(200)
      expect(await answer.json()).toEqual({})
    }
    expect((await api(h, ACCOUNTS, tokens.access_token)).status).toBe(200)
  })

  it('does not revoke a refresh token whose access token has expired (`accessible?`), so it still refreshes', async () => {
    const tokens = await userTokens(h)
    await adminOk(h, 'clock', { advanceSeconds: 7201 })
    expect((await revoke(h, { token: tokens.refresh_token! })).status).toBe(200)
    expect((await refresh(h, tokens.refresh_token!)).status).toBe(200)
  })
})

describeRelease('BookingSync revocation', '5.6.9', (h) => {
  it('revokes the application’s own token, and refuses another application with 403, revoking nothing', async () => {
    h.fakes.registerClient({ provider: 'bookingsync', clientId: 'other-app', clientSecret: 'other-secret', redirectUris: [WEB] })
    const tokens = await userTokens(h)
    const refused = await revoke(h, { token: tokens.access_token, client_id: 'other-app', client_secret: 'other-secret' })
    expect(refused.status).toBe(403)
    expect((await api(h, ACCOUNTS, tokens.access_token)).status).toBe(200)
    expect((await revoke(h, { token: tokens.access_token })).status).toBe(200)
    await expectUnauthorized(await api(h, ACCOUNTS, tokens.access_token), 'revoked')
  })

  it('with token_type_hint=refresh_token looks among refresh tokens only', async () => {
    const tokens = await userTokens(h)
    expect((await revoke(h, { token: tokens.access_token, token_type_hint: 'refresh_token' })).status).toBe(200)
    expect((await api(h, ACCOUNTS, tokens.access_token)).status).toBe(200)
    expect((await revoke(h, { token: tokens.refresh_token!, token_type_hint: 'refresh_token' })).status).toBe(200)
    await expectUnauthorized(await api(h, ACCOUNTS, tokens.access_token), 'revoked')
  })
})

describeRelease('BookingSync unknown API routes', '4.2.6', (h) => {
  it('answers unknown API paths and methods with 404 in the errors envelope', async () => {
    const unknown = await api(h, '/api/v3/unicorns')
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toEqual({ errors: [{ code: 'not_found' }] })
    expect((await h.fetch(h.url('bookingsync', ACCOUNTS), { method: 'POST' })).status).toBe(404)
  })
})
