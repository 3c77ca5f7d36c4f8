import { expect, it } from 'vitest'
import { describeModes, form } from './harness.ts'
import {
  ACCOUNTS,
  D,
  HEX64,
  OOB,
  RENTALS,
  TOKEN,
  type Tokens,
  WEB,
  adminOk,
  api,
  basic,
  codeOf,
  decide,
  demo,
  exchange,
  expectDoorkeeperError,
  expectUnauthorized,
  refresh,
  userTokens,
} from './bookingsync-helpers.ts'

const secretParams = { client_id: demo.clientId, client_secret: demo.clientSecret }

describeModes('BookingSync token endpoint', (h) => {
  it('answers a code exchange with 64-hex tokens, bearer, 7200 s, the scopes and created_at from the fakes clock', async () => {
    await adminOk(h, 'clock', { advanceSeconds: 12_345 })
    const code = codeOf(await decide(h, { scope: 'rentals_read public' }))
    const response = await exchange(h, code)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.headers.get('pragma')).toBe('no-cache')
    const body = (await response.json()) as Tokens
    expect(Object.keys(body)).toEqual(['access_token', 'token_type', 'expires_in', 'refresh_token', 'scope', 'created_at'])
    expect(body.access_token).toMatch(HEX64)
    expect(body.refresh_token).toMatch(HEX64)
    expect(body).toMatchObject({ token_type: 'bearer', expires_in: 7200, scope: 'public rentals_read' })
    expect(Math.abs(body.created_at - h.fakes.clock.nowSeconds())).toBeLessThanOrEqual(1)
    expect(body.created_at - Math.floor(Date.now() / 1000)).toBeGreaterThanOrEqual(12_344)
  })

  it('reads the parameters from the query string of a POST, as the BookingSync doc shows', async () => {
    const code = codeOf(await decide(h))
    const q = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: WEB, ...secretParams })
    const response = await h.fetch(`${h.url('bookingsync', TOKEN)}?${q}`, { method: 'POST' })
    expect(response.status).toBe(200)
  })

  it('reads the parameters from a JSON body', async () => {
    const code = codeOf(await decide(h))
    const response = await h.fetch(h.url('bookingsync', TOKEN), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'authorization_code', code, redirect_uri: WEB, ...secretParams }),
    })
    expect(response.status).toBe(200)
  })

  it('authenticates the client with HTTP Basic', async () => {
    const code = codeOf(await decide(h))
    const response = await h.fetch(h.url('bookingsync', TOKEN), {
      ...form({ grant_type: 'authorization_code', code, redirect_uri: WEB }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(demo.clientId, demo.clientSecret) },
    })
    expect(response.status).toBe(200)
  })

  it('answers an unknown client with invalid_client 401 and the Doorkeeper challenge', async () => {
    const code = codeOf(await decide(h))
    await expectDoorkeeperError(await exchange(h, code, WEB, { client_id: 'nobody' }), 401, 'invalid_client')
  })

  it('answers a wrong secret with invalid_client 401, and the code still works afterwards', async () => {
    const code = codeOf(await decide(h))
    await expectDoorkeeperError(await exchange(h, code, WEB, { client_secret: 'wrong' }), 401, 'invalid_client')
    expect((await exchange(h, code)).status).toBe(200)
  })

  it('answers a replayed code with invalid_grant 401', async () => {
    const code = codeOf(await decide(h))
    await exchange(h, code)
    await expectDoorkeeperError(await exchange(h, code), 401, 'invalid_grant')
  })

  it('answers an unknown grant_type with unsupported_grant_type 401', async () => {
    await expectDoorkeeperError(await h.fetch(h.url('bookingsync', TOKEN), form({ grant_type: 'password', ...secretParams })), 401, 'unsupported_grant_type')
  })

  it('answers a missing code with invalid_request 401', async () => {
    await expectDoorkeeperError(
      await h.fetch(h.url('bookingsync', TOKEN), form({ grant_type: 'authorization_code', redirect_uri: WEB, ...secretParams })),
      401,
      'invalid_request',
    )
  })

  it('answers malformed JSON with invalid_request, and later requests still work', async () => {
    const response = await h.fetch(h.url('bookingsync', TOKEN), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":' })
    await expectDoorkeeperError(response, 401, 'invalid_request')
    expect((await exchange(h, codeOf(await decide(h)))).status).toBe(200)
  })

  it('ignores a body of the wrong content type, so the grant_type is missing: invalid_request', async () => {
    const code = codeOf(await decide(h))
    const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: WEB, ...secretParams }).toString()
    const response = await h.fetch(h.url('bookingsync', TOKEN), { method: 'POST', headers: { 'content-type': 'text/plain' }, body })
    await expectDoorkeeperError(response, 401, 'invalid_request')
  })

  it('answers a repeated parameter with invalid_request', async () => {
    const code = codeOf(await decide(h))
    const body = `${new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: WEB, ...secretParams })}&code=${code}`
    const response = await h.fetch(h.url('bookingsync', TOKEN), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body })
    await expectDoorkeeperError(response, 401, 'invalid_request')
    expect((await exchange(h, code)).status).toBe(200)
  })

  it('answers a body over 1 MB with 413 in Doorkeeper shape, and later requests still work', async () => {
    const response = await h.fetch(h.url('bookingsync', TOKEN), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&pad=${'a'.repeat(1024 * 1024 + 10)}`,
    })
    await expectDoorkeeperError(response, 413, 'invalid_request')
    expect((await exchange(h, codeOf(await decide(h)))).status).toBe(200)
  })

  it('issues client-credentials tokens with the public scope only and no refresh token', async () => {
    const response = await h.fetch(h.url('bookingsync', TOKEN), form({ grant_type: 'client_credentials', ...secretParams }))
    expect(response.status).toBe(200)
    const body = (await response.json()) as Tokens
    expect(Object.keys(body)).toEqual(['access_token', 'token_type', 'expires_in', 'scope', 'created_at'])
    expect(body).toMatchObject({ token_type: 'bearer', expires_in: 7200, scope: 'public' })
    const wider = await h.fetch(h.url('bookingsync', TOKEN), form({ grant_type: 'client_credentials', scope: 'public rentals_read', ...secretParams }))
    await expectDoorkeeperError(wider, 401, 'invalid_scope')
  })

  it('lets a client-credentials token list every account that installed the application', async () => {
    const cc = async () => ((await (await h.fetch(h.url('bookingsync', TOKEN), form({ grant_type: 'client_credentials', ...secretParams }))).json()) as Tokens).access_token
    const ids = async (token: string) => ((await (await api(h, ACCOUNTS, token)).json()) as { accounts: Array<{ id: number }> }).accounts.map((a) => a.id)
    expect(await ids(await cc())).toEqual([101])
    await userTokens(h, { subject: '11:account:102' })
    expect(await ids(await cc())).toEqual([101, 102])
    const forbidden = await api(h, RENTALS, await cc())
    expect(forbidden.status).toBe(403)
  })
})

describeModes(
  'BookingSync token endpoint with newer Doorkeeper statuses (errorStatus: doorkeeper-400)',
  (h) => {
    it('answers invalid_grant with 400', async () => {
      await expectDoorkeeperError(await exchange(h, 'f'.repeat(64)), 400, 'invalid_grant')
    })
    it('still answers invalid_client with 401', async () => {
      await expectDoorkeeperError(await exchange(h, 'f'.repeat(64), WEB, { client_secret: 'nope' }), 401, 'invalid_client')
    })
    it('answers unsupported_grant_type and invalid_request with 400', async () => {
      await expectDoorkeeperError(await h.fetch(h.url('bookingsync', TOKEN), form({ grant_type: 'password', ...secretParams })), 400, 'unsupported_grant_type')
      await expectDoorkeeperError(await h.fetch(h.url('bookingsync', TOKEN), form({ ...secretParams })), 400, 'invalid_request')
    })
  },
  { fakesOptions: { options: { bookingsync: { errorStatus: 'doorkeeper-400' } } } },
)

describeModes('BookingSync refresh (default: immediate rotation)', (h) => {
  it('answers a new access AND refresh token with the same scopes and lifetime', async () => {
    const first = await userTokens(h)
    const response = await refresh(h, first.refresh_token!)
    expect(response.status).toBe(200)
    const next = (await response.json()) as Tokens
    expect(next.access_token).toMatch(HEX64)
    expect(next.refresh_token).toMatch(HEX64)
    expect(next.access_token).not.toBe(first.access_token)
    expect(next.refresh_token).not.toBe(first.refresh_token)
    expect(next).toMatchObject({ token_type: 'bearer', expires_in: 7200, scope: first.scope })
  })

  it('revokes the old pair at once: the old refresh token is invalid_grant, the old access token "was revoked"', async () => {
    const first = await userTokens(h)
    const next = (await (await refresh(h, first.refresh_token!)).json()) as Tokens
    await expectDoorkeeperError(await refresh(h, first.refresh_token!), 401, 'invalid_grant')
    await expectUnauthorized(await api(h, ACCOUNTS, first.access_token), 'The access token was revoked')
    expect((await api(h, ACCOUNTS, next.access_token)).status).toBe(200)
  })

  it('lets exactly one of two concurrent refreshes with one refresh token succeed', async () => {
    const first = await userTokens(h)
    const answers = await Promise.all([refresh(h, first.refresh_token!), refresh(h, first.refresh_token!)])
    expect(answers.map((a) => a.status).sort()).toEqual([200, 401])
    const loser = answers.find((a) => a.status === 401)!
    expect(await loser.json()).toEqual({ error: 'invalid_grant', error_description: D.invalid_grant })
  })

  it('may narrow the scopes, and refuses to widen them with invalid_scope', async () => {
    const first = await userTokens(h)
    const narrow = (await (await refresh(h, first.refresh_token!, { scope: 'public rentals_read' })).json()) as Tokens
    expect(narrow.scope).toBe('public rentals_read')
    await expectDoorkeeperError(await refresh(h, narrow.refresh_token!, { scope: 'public bookings_read' }), 401, 'invalid_scope')
  })

  it('keeps refresh tokens alive however long they wait (they die on rotation or uninstall only)', async () => {
    const first = await userTokens(h)
    await adminOk(h, 'clock', { advanceSeconds: 400 * 24 * 3600 })
    await expectUnauthorized(await api(h, ACCOUNTS, first.access_token), 'The access token expired')
    expect((await refresh(h, first.refresh_token!)).status).toBe(200)
  })

  it('does not refresh with another client\'s refresh token', async () => {
    await adminOk(h, 'clients', { provider: 'bookingsync', clientId: 'other-app', clientSecret: 'other-secret', redirectUris: [WEB] })
    const first = await userTokens(h)
    await expectDoorkeeperError(await refresh(h, first.refresh_token!, { client_id: 'other-app', client_secret: 'other-secret' }), 401, 'invalid_grant')
    expect((await refresh(h, first.refresh_token!)).status).toBe(200)
  })

  it('answers an injected refresh fault without rotating, and leaves code exchanges alone', async () => {
    const first = await userTokens(h)
    await adminOk(h, 'faults', { provider: 'bookingsync', endpoint: 'refresh', status: 500, times: 1 })
    expect((await exchange(h, codeOf(await decide(h)))).status).toBe(200)
    await expectDoorkeeperError(await refresh(h, first.refresh_token!), 500, 'server_error')
    expect((await api(h, ACCOUNTS, first.access_token)).status).toBe(200)
    expect((await refresh(h, first.refresh_token!)).status).toBe(200)
  })

  it('answers an injected token fault without consuming the code', async () => {
    const code = codeOf(await decide(h))
    await adminOk(h, 'faults', { provider: 'bookingsync', endpoint: 'token', status: 503, times: 1 })
    await expectDoorkeeperError(await exchange(h, code), 503, 'temporarily_unavailable')
    expect((await exchange(h, code)).status).toBe(200)
    const log = (await (await h.admin('requests?provider=bookingsync')).json()) as Array<{ path: string; status: number; endpoint: string | null }>
    expect(log.filter((r) => r.path === TOKEN).map((r) => [r.endpoint, r.status])).toEqual([['token', 503], ['token', 200]])
  })
})

describeModes(
  'BookingSync refresh with revoke-on-use rotation (rotation: on-use)',
  (h) => {
    it('keeps the old pair valid until the new access token is first used, then revokes it', async () => {
      const first = await userTokens(h)
      const next = (await (await refresh(h, first.refresh_token!)).json()) as Tokens
      expect((await api(h, ACCOUNTS, first.access_token)).status).toBe(200)
      expect((await api(h, ACCOUNTS, next.access_token)).status).toBe(200)
      await expectUnauthorized(await api(h, ACCOUNTS, first.access_token), 'The access token was revoked')
      await expectDoorkeeperError(await refresh(h, first.refresh_token!), 401, 'invalid_grant')
      expect((await refresh(h, next.refresh_token!)).status).toBe(200)
    })

    it('lets the old refresh token refresh again while the new access token is unused', async () => {
      const first = await userTokens(h)
      expect((await refresh(h, first.refresh_token!)).status).toBe(200)
      expect((await refresh(h, first.refresh_token!)).status).toBe(200)
    })
  },
  { fakesOptions: { options: { bookingsync: { rotation: 'on-use' } } } },
)

describeModes('BookingSync out-of-band code exchange', (h) => {
  it('exchanges a code issued for the oob redirect only with redirect_uri=urn:ietf:wg:oauth:2.0:oob', async () => {
    const location = (await decide(h, { redirect_uri: OOB })).headers.get('location')!
    const code = new URL(location).searchParams.get('code')!
    await expectDoorkeeperError(await exchange(h, code, 'https://demo-app.example.com/other'), 401, 'invalid_grant')
    expect((await exchange(h, code, OOB)).status).toBe(200)
  })
})
