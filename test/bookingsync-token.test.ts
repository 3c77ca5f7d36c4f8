/**
 * BookingSync's token endpoint over several requests, beyond its docs tables
 * (docs/providers/bookingsync.md): formats and the clock, codes that survive a failed exchange,
 * rotation (immediate and on-use), two refreshes racing, expiry at 7200 s and the refresh that
 * follows, faults, client-credentials tokens and installations, public applications (5.6.9).
 */
import { expect, it } from 'vitest'
import { form } from './harness.ts'
import {
  ACCOUNTS,
  RENTALS,
  REVOKE,
  type Release,
  TOKEN,
  TOKEN_FORMAT,
  type Tokens,
  WEB,
  accountIds,
  adminOk,
  api,
  clientCredentials,
  codeOf,
  decide,
  demo,
  describeRelease,
  exchange,
  expectDoorkeeperError,
  expectUnauthorized,
  refresh,
  userTokens,
} from './bookingsync-helpers.ts'

for (const release of ['4.2.6', '5.6.9'] as Release[]) {
  const status = (code: 'invalid_grant' | 'invalid_client' | 'invalid_request') => (release === '4.2.6' || code === 'invalid_client' ? 401 : 400)

  describeRelease('BookingSync token endpoint', release, (h) => {
    it(`issues tokens in ${release}’s format, created_at from the fakes clock, expires_in counting down`, async () => {
      await adminOk(h, 'clock', { advanceSeconds: 12_345 })
      const tokens = await userTokens(h)
      expect(tokens.access_token).toMatch(TOKEN_FORMAT[release])
      expect(tokens.refresh_token).toMatch(TOKEN_FORMAT[release])
      expect(tokens.created_at).toBe(h.fakes.clock.nowSeconds())
      expect(tokens.expires_in).toBe(7200)
      expect(tokens.token_type).toBe(release === '4.2.6' ? 'bearer' : 'Bearer')
    })

    it('keeps a code through failed exchanges (wrong secret, wrong redirect_uri, another application) until it is exchanged', async () => {
      h.fakes.registerClient({ provider: 'bookingsync', clientId: 'other-app', clientSecret: 'other-secret', redirectUris: [WEB] })
      const code = codeOf(await decide(h))
      await expectDoorkeeperError(await exchange(h, code, WEB, { client_secret: 'wrong' }), 401, 'invalid_client')
      await expectDoorkeeperError(await exchange(h, code, 'https://demo-app.example.com/other'), status('invalid_grant'), 'invalid_grant')
      await expectDoorkeeperError(await exchange(h, code, WEB, { client_id: 'other-app', client_secret: 'other-secret' }), status('invalid_grant'), 'invalid_grant')
      expect((await exchange(h, code)).status).toBe(200)
      await expectDoorkeeperError(await exchange(h, code), status('invalid_grant'), 'invalid_grant')
    })

    it('takes no parameter from a JSON member named __proto__ (token, revoke): its object is one parameter, not inherited ones', async () => {
      const code = codeOf(await decide(h))
      const json = (body: string) => h.fetch(h.url('bookingsync', TOKEN), { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      const credentials = `"client_id":${JSON.stringify(demo.clientId)},"client_secret":${JSON.stringify(demo.clientSecret)}`
      // The code and redirect_uri only inside `__proto__`: as if they were not given at all.
      const smuggled = await json(`{"grant_type":"authorization_code",${credentials},"__proto__":{"code":${JSON.stringify(code)},"redirect_uri":${JSON.stringify(WEB)}}}`)
      const missing = await json(`{"grant_type":"authorization_code",${credentials}}`)
      expect(smuggled.status).toBe(missing.status)
      expect(await smuggled.json()).toEqual(await missing.json())
      expect(smuggled.status).toBe(status('invalid_request'))
      // The code was not used: it is exchanged once, as usual.
      const exchanged = await exchange(h, code)
      expect(exchanged.status).toBe(200)
      // Revocation reads its token the same way: one inside `__proto__` is no token, and stays valid.
      const { access_token: token } = (await exchanged.json()) as Tokens
      const revoked = await h.fetch(h.url('bookingsync', REVOKE), { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{${credentials},"__proto__":{"token":${JSON.stringify(token)}}}` })
      expect(revoked.status).toBe(200)
      expect((await api(h, ACCOUNTS, token)).status).toBe(200)
    })

    it('answers bodies it cannot read (malformed JSON, over 1 MiB) in Doorkeeper’s shape, and keeps answering', async () => {
      const bad = await h.fetch(h.url('bookingsync', TOKEN), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":' })
      expect(bad.status).toBe(status('invalid_request'))
      expect(((await bad.json()) as { error: string }).error).toBe('invalid_request')
      const big = await h.fetch(h.url('bookingsync', TOKEN), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=client_credentials&pad=${'a'.repeat(1024 * 1024 + 10)}`,
      })
      expect(big.status).toBe(413)
      expect((await userTokens(h)).access_token).toMatch(TOKEN_FORMAT[release])
    })

    it('answers an injected token fault without consuming the code, and the log tells token from refresh', async () => {
      const code = codeOf(await decide(h))
      await adminOk(h, 'faults', { provider: 'bookingsync', endpoint: 'token', status: 503, times: 1 })
      const fault = await exchange(h, code)
      expect(fault.status).toBe(503)
      expect(((await fault.json()) as { error: string }).error).toBe('temporarily_unavailable')
      const tokens = (await (await exchange(h, code)).json()) as Tokens
      expect((await refresh(h, tokens.refresh_token!)).status).toBe(200)
      const log = (await (await h.admin('requests?provider=bookingsync')).json()) as Array<{ path: string; status: number; endpoint: string | null }>
      expect(log.filter((r) => r.path === TOKEN).map((r) => [r.endpoint, r.status])).toEqual([
        ['token', 503],
        ['token', 200],
        ['refresh', 200],
      ])
    })
  })

  describeRelease('BookingSync refresh (rotation: immediate)', release, (h) => {
    it('answers a new pair and revokes the old one at once: refresh token invalid_grant, access token "was revoked"', async () => {
      const first = await userTokens(h)
      const next = (await (await refresh(h, first.refresh_token!)).json()) as Tokens
      expect(next.access_token).not.toBe(first.access_token)
      expect(next.refresh_token).not.toBe(first.refresh_token)
      expect(next.scope).toBe(first.scope)
      await expectDoorkeeperError(await refresh(h, first.refresh_token!), status('invalid_grant'), 'invalid_grant')
      await expectUnauthorized(await api(h, ACCOUNTS, first.access_token), 'revoked')
      expect((await api(h, ACCOUNTS, next.access_token)).status).toBe(200)
    })

    it('lets exactly one of two concurrent refreshes with one refresh token win', async () => {
      const first = await userTokens(h)
      const answers = await Promise.all([refresh(h, first.refresh_token!), refresh(h, first.refresh_token!)])
      expect(answers.map((a) => a.status).sort()).toEqual([200, status('invalid_grant')].sort())
      const winner = (await answers.find((a) => a.status === 200)!.json()) as Tokens
      await expectDoorkeeperError(answers.find((a) => a.status !== 200)!, status('invalid_grant'), 'invalid_grant')
      expect((await refresh(h, winner.refresh_token!)).status).toBe(200)
    })

    it('expires the access token by the fakes clock: still good at 7200 s, "expired" at 7201 s; then a refresh brings the API back', async () => {
      const first = await userTokens(h)
      await adminOk(h, 'clock', { advanceSeconds: 7200 })
      expect((await api(h, ACCOUNTS, first.access_token)).status).toBe(200)
      await adminOk(h, 'clock', { advanceSeconds: 1 })
      // bookingsync-engine refreshes when WWW-Authenticate says "The access token expired".
      await expectUnauthorized(await api(h, ACCOUNTS, first.access_token), 'expired')
      const next = (await (await refresh(h, first.refresh_token!)).json()) as Tokens
      expect(next.expires_in).toBe(7200)
      expect((await api(h, ACCOUNTS, next.access_token)).status).toBe(200)
    })

    it('answers an injected refresh fault without rotating, and leaves code exchanges alone', async () => {
      const first = await userTokens(h)
      await adminOk(h, 'faults', { provider: 'bookingsync', endpoint: 'refresh', status: 500, times: 1 })
      expect((await exchange(h, codeOf(await decide(h)))).status).toBe(200)
      const fault = await refresh(h, first.refresh_token!)
      expect(fault.status).toBe(500)
      expect(((await fault.json()) as { error: string }).error).toBe('server_error')
      expect((await api(h, ACCOUNTS, first.access_token)).status).toBe(200)
      expect((await refresh(h, first.refresh_token!)).status).toBe(200)
    })
  })

  describeRelease(
    'BookingSync refresh (rotation: on-use)',
    release,
    (h) => {
      it('keeps the old pair until the new access token is first used, then revokes it', async () => {
        const first = await userTokens(h)
        const next = (await (await refresh(h, first.refresh_token!)).json()) as Tokens
        expect((await api(h, ACCOUNTS, first.access_token)).status).toBe(200)
        expect((await api(h, ACCOUNTS, next.access_token)).status).toBe(200)
        await expectUnauthorized(await api(h, ACCOUNTS, first.access_token), 'revoked')
        await expectDoorkeeperError(await refresh(h, first.refresh_token!), status('invalid_grant'), 'invalid_grant')
        expect((await refresh(h, next.refresh_token!)).status).toBe(200)
      })

      it('lets the old refresh token refresh again while the new access token is unused', async () => {
        const first = await userTokens(h)
        expect((await refresh(h, first.refresh_token!)).status).toBe(200)
        expect((await refresh(h, first.refresh_token!)).status).toBe(200)
      })
    },
    { rotation: 'on-use' },
  )

  describeRelease('BookingSync client credentials', release, (h) => {
    it('reads every account where the application is installed: the fixtures’, those users granted, not those uninstalled', async () => {
      const cc = async () => ((await (await clientCredentials(h)).json()) as Tokens).access_token
      expect(await accountIds(h, await cc())).toEqual([101])
      await userTokens(h, { subject: '11:account:102' })
      const token = await cc()
      expect(await accountIds(h, token)).toEqual([101, 102])
      expect((await api(h, RENTALS, token)).status).toBe(403)
      await adminOk(h, 'revoke', { provider: 'bookingsync', clientId: h.fakes.demoClient('bookingsync').clientId })
      expect(await accountIds(h, await cc())).toEqual([101])
    })
  })
}

describeRelease('BookingSync refresh without client credentials', '4.2.6', (h) => {
  it('rotates as well as with them: the old pair is revoked', async () => {
    const first = await userTokens(h)
    const answer = await h.fetch(h.url('bookingsync', TOKEN), form({ grant_type: 'refresh_token', refresh_token: first.refresh_token! }))
    expect(answer.status).toBe(200)
    await expectUnauthorized(await api(h, ACCOUNTS, first.access_token), 'revoked')
  })
})

describeRelease('BookingSync public applications', '5.6.9', (h) => {
  it('exchange and refresh by client_id alone, no secret', async () => {
    h.fakes.registerClient({ provider: 'bookingsync', clientId: 'public-app', public: true, redirectUris: [WEB] })
    const code = codeOf(await decide(h, { client_id: 'public-app' }))
    const tokens = (await (await h.fetch(h.url('bookingsync', TOKEN), form({ grant_type: 'authorization_code', code, redirect_uri: WEB, client_id: 'public-app' }))).json()) as Tokens
    expect(tokens.refresh_token).toMatch(TOKEN_FORMAT['5.6.9'])
    // Without any client the token's application is not authenticated: invalid_grant, and nothing rotates.
    await expectDoorkeeperError(await h.fetch(h.url('bookingsync', TOKEN), form({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! })), 400, 'invalid_grant')
    const next = await h.fetch(h.url('bookingsync', TOKEN), form({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: 'public-app' }))
    expect(next.status).toBe(200)
  })
})
