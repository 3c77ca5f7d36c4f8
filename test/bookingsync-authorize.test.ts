import { expect, it } from 'vitest'
import { describeModes, form, locationParams } from './harness.ts'
import {
  ACCOUNTS,
  AUTH,
  D,
  HEX64,
  OOB,
  P,
  SCOPE,
  type Tokens,
  WEB,
  adminOk,
  api,
  authorizeUrl,
  codeOf,
  decide,
  demo,
  exchange,
} from './bookingsync-helpers.ts'

describeModes('BookingSync authorize', (h) => {
  it('shows a consent page with the account choice, the scopes in words, Authorize and Deny, and X-Frame-Options: DENY', async () => {
    const page = await h.fetch(authorizeUrl(h))
    expect(page.status).toBe(200)
    expect(page.headers.get('x-frame-options')).toBe('DENY')
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    const body = await page.text()
    expect(body).toContain('Authorization required')
    expect(body).toContain('Authorize <strong>Demo App</strong> to use your account?')
    expect(body).toContain(P.scopeWords.rentals_read!)
    expect(body).toContain(P.scopeWords.bookings_read!)
    expect(body).toContain('Seaside Rentals (#101)')
    expect(body).toContain('Mountain Lodges (#102)')
    expect(body).toContain('value="11:account:101" selected')
    expect(body).toMatch(/<button[^>]*value="allow"[^>]*>Authorize<\/button>/)
    expect(body).toMatch(/<button[^>]*value="deny"[^>]*>Deny<\/button>/)
  })

  it('pre-selects the account named by account_id', async () => {
    const body = await (await h.fetch(authorizeUrl(h, { account_id: '102' }))).text()
    expect(body).toContain('value="11:account:102" selected')
    expect(body).toContain('<input type="hidden" name="account_id" value="102">')
  })

  it('redirects an approval to the redirect_uri with a 64-hex code and the state', async () => {
    const approved = await decide(h)
    expect(approved.status).toBe(302)
    expect(approved.headers.get('x-frame-options')).toBe('DENY')
    const q = locationParams(approved)
    expect(q.get('code')).toMatch(HEX64)
    expect(q.get('state')).toBe('st4te')
    expect(approved.headers.get('location')!.startsWith(`${WEB}?`)).toBe(true)
  })

  it('always grants public, even when only other scopes are asked for', async () => {
    const code = codeOf(await decide(h, { scope: 'rentals_read' }))
    const tokens = (await (await exchange(h, code)).json()) as Tokens
    expect(tokens.scope).toBe('public rentals_read')
  })

  it('lets an already-approved client re-authorize with the same or fewer scopes without the page', async () => {
    codeOf(await decide(h))
    const again = await h.fetch(authorizeUrl(h))
    expect(again.status).toBe(302)
    expect(locationParams(again).get('code')).toMatch(HEX64)
    expect(locationParams(again).get('state')).toBe('st4te')
    const fewer = await h.fetch(authorizeUrl(h, { scope: 'public rentals_read' }))
    expect(fewer.status).toBe(302)
    const more = await h.fetch(authorizeUrl(h, { scope: `${SCOPE} rates_read` }))
    expect(more.status).toBe(200)
    expect(await more.text()).toContain('Authorization required')
  })

  it('shows "An error has occurred" for an unknown client, never a redirect', async () => {
    const page = await h.fetch(authorizeUrl(h, { client_id: 'nobody' }))
    expect(page.status).toBe(401)
    expect(page.headers.get('location')).toBeNull()
    expect(page.headers.get('x-frame-options')).toBe('DENY')
    const body = await page.text()
    expect(body).toContain('<h1>An error has occurred</h1>')
    expect(body).toContain(D.invalid_client)
  })

  it('shows "An error has occurred" for a redirect_uri the client did not register, never a redirect', async () => {
    const page = await h.fetch(authorizeUrl(h, { redirect_uri: 'https://evil.example.com/cb' }))
    expect(page.status).toBe(400)
    expect(page.headers.get('location')).toBeNull()
    const body = await page.text()
    expect(body).toContain('An error has occurred')
    expect(body).toContain(D.invalid_redirect_uri.replace("'", '&#39;'))
  })

  it('redirects an unknown scope with invalid_scope, its description and the state', async () => {
    const answer = await h.fetch(authorizeUrl(h, { scope: 'public unicorns_read' }))
    expect(answer.status).toBe(302)
    const q = locationParams(answer)
    expect(Object.fromEntries(q)).toEqual({ error: 'invalid_scope', error_description: D.invalid_scope, state: 'st4te' })
  })

  it('redirects a response_type other than code with unsupported_response_type', async () => {
    const answer = await h.fetch(authorizeUrl(h, { response_type: 'token' }))
    expect(Object.fromEntries(locationParams(answer))).toEqual({
      error: 'unsupported_response_type',
      error_description: D.unsupported_response_type,
      state: 'st4te',
    })
  })

  it('redirects a repeated parameter with invalid_request (the malformed request\'s state is not echoed)', async () => {
    const answer = await h.fetch(`${authorizeUrl(h)}&scope=public`)
    expect(Object.fromEntries(locationParams(answer))).toEqual({ error: 'invalid_request', error_description: D.invalid_request })
  })

  it('redirects Deny with access_denied, its description and the state', async () => {
    const denied = await decide(h, { decision: 'deny' })
    expect(denied.status).toBe(302)
    expect(denied.headers.get('location')).toBe(
      `${WEB}?error=access_denied&error_description=The+resource+owner+or+authorization+server+denied+the+request.&state=st4te`,
    )
  })

  it('refuses a consent form naming an account the user cannot authorize for', async () => {
    const answer = await decide(h, { user_id: '12', subject: '12:account:101' })
    expect(answer.status).toBe(400)
    expect(await answer.text()).toContain('An error has occurred')
  })

  it('answers at once as the account owner with consent mode allow, and denies with mode deny', async () => {
    await adminOk(h, 'consent', { provider: 'bookingsync', mode: 'allow' })
    const allowed = await h.fetch(authorizeUrl(h, { account_id: '102' }))
    const tokens = (await (await exchange(h, codeOf(allowed))).json()) as Tokens
    const accounts = (await (await api(h, ACCOUNTS, tokens.access_token)).json()) as { accounts: Array<{ id: number }> }
    expect(accounts.accounts.map((a) => a.id)).toEqual([102])
    await adminOk(h, 'consent', { provider: 'bookingsync', mode: 'deny' })
    const denied = await h.fetch(authorizeUrl(h))
    expect(locationParams(denied).get('error')).toBe('access_denied')
  })

  it('answers an injected authorize fault in Doorkeeper JSON without issuing a code', async () => {
    await adminOk(h, 'faults', { provider: 'bookingsync', endpoint: 'authorize', status: 503, times: 1 })
    const fault = await h.fetch(authorizeUrl(h))
    expect(fault.status).toBe(503)
    expect(await fault.json()).toEqual({ error: 'temporarily_unavailable', error_description: D.temporarily_unavailable })
    expect((await h.fetch(authorizeUrl(h))).status).toBe(200)
  })

  it('answers unknown paths and methods with 404', async () => {
    expect((await h.fetch(h.url('bookingsync', '/oauth/nothing'))).status).toBe(404)
    expect((await h.fetch(h.url('bookingsync', AUTH), { method: 'PUT' })).status).toBe(404)
    expect((await h.fetch(h.url('bookingsync', '/oauth/token'))).status).toBe(404)
  })
})

describeModes('BookingSync out-of-band flow', (h) => {
  const oobUrl = (extra: Record<string, string> = {}) => authorizeUrl(h, { redirect_uri: OOB, ...extra })

  it('shows the code on /oauth/authorize/native, drops the state, and exchanges it with the oob redirect_uri', async () => {
    const consent = await h.fetch(oobUrl())
    expect(consent.status).toBe(200)
    const approved = await decide(h, { redirect_uri: OOB })
    expect(approved.status).toBe(302)
    const location = approved.headers.get('location')!
    expect(location).toMatch(/\?code=[0-9a-f]{64}$/)
    expect(location.startsWith(`${h.url('bookingsync', '/oauth/authorize/native')}?code=`)).toBe(true)
    expect(location).not.toContain('state')

    const page = await h.fetch(location)
    expect(page.status).toBe(200)
    expect(page.headers.get('x-frame-options')).toBe('DENY')
    const html = await page.text()
    expect(html).toContain('<h1>Authorization code:</h1>')
    const code = /<code id="authorization_code">([^<]+)<\/code>/.exec(html)![1]!
    expect(code).toMatch(/^[0-9a-f]{64}$/)

    expect((await exchange(h, code, WEB)).status).toBe(401)
    const token = await exchange(h, code, OOB)
    expect(token.status).toBe(200)
    const tokens = (await token.json()) as Tokens
    expect((await api(h, ACCOUNTS, tokens.access_token)).status).toBe(200)
  })

  it('rejects the oob code exchanged with another redirect_uri (and consumes nothing)', async () => {
    const code = new URL((await decide(h, { redirect_uri: OOB })).headers.get('location')!).searchParams.get('code')!
    const wrong = await exchange(h, code, WEB)
    expect(wrong.status).toBe(401)
    expect(((await wrong.json()) as { error: string }).error).toBe('invalid_grant')
    expect((await exchange(h, code, OOB)).status).toBe(200)
  })

  it('also shows the code on the older /oauth/authorize/<code> path', async () => {
    const page = await h.fetch(h.url('bookingsync', '/oauth/authorize/abc123'))
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<code id="authorization_code">abc123</code>')
  })

  it('answers Deny with the oob redirect as JSON access_denied with status 401', async () => {
    const denied = await decide(h, { redirect_uri: OOB, decision: 'deny' })
    expect(denied.status).toBe(401)
    expect(denied.headers.get('location')).toBeNull()
    expect(await denied.json()).toEqual({ error: 'access_denied', error_description: D.access_denied })
  })

  it('shows an unknown scope with the oob redirect on the error page, as there is nothing to redirect to', async () => {
    const page = await h.fetch(oobUrl({ scope: 'nope' }))
    expect(page.status).toBe(400)
    expect(page.headers.get('location')).toBeNull()
    const body = await page.text()
    expect(body).toContain('An error has occurred')
    expect(body).toContain(D.invalid_scope)
  })
})

describeModes('BookingSync authorization codes', (h) => {
  it('expire after 600 seconds by the fakes clock', async () => {
    const code = codeOf(await decide(h))
    await adminOk(h, 'clock', { advanceSeconds: 601 })
    const late = await exchange(h, code)
    expect(late.status).toBe(401)
    expect(((await late.json()) as { error: string }).error).toBe('invalid_grant')
  })

  it('are still good at 599 seconds', async () => {
    const code = codeOf(await decide(h))
    await adminOk(h, 'clock', { advanceSeconds: 599 })
    expect((await exchange(h, code)).status).toBe(200)
  })

  it('are single use: a replayed code is invalid_grant and later requests still work', async () => {
    const code = codeOf(await decide(h))
    expect((await exchange(h, code)).status).toBe(200)
    const replay = await exchange(h, code)
    const body = (await replay.json()) as Record<string, string>
    expect(replay.status).toBe(401)
    expect(body).toEqual({ error: 'invalid_grant', error_description: D.invalid_grant })
    expect((await exchange(h, codeOf(await decide(h)))).status).toBe(200)
  })

  it('are bound to the client: another client cannot exchange them', async () => {
    await adminOk(h, 'clients', { provider: 'bookingsync', clientId: 'other-app', clientSecret: 'other-secret', redirectUris: [WEB] })
    const code = codeOf(await decide(h))
    const stolen = await h.fetch(
      h.url('bookingsync', '/oauth/token'),
      form({ grant_type: 'authorization_code', code, redirect_uri: WEB, client_id: 'other-app', client_secret: 'other-secret' }),
    )
    expect(stolen.status).toBe(401)
    expect(((await stolen.json()) as { error: string }).error).toBe('invalid_grant')
    expect((await exchange(h, code)).status).toBe(200)
    expect(demo.clientId).not.toBe('other-app')
  })
})
