/**
 * BookingSync's authorize endpoint beyond its docs tables (docs/providers/bookingsync.md): the
 * consent page and its form, CSRF, consent skipping over several requests, the out-of-band flow
 * read off the page, the implicit flow's out-of-band token info.
 */
import { expect, it } from 'vitest'
import { locationParams } from './harness.ts'
import {
  ACCOUNTS,
  AUTH,
  OOB,
  P,
  type Release,
  SCOPE,
  TOKEN_FORMAT,
  type Tokens,
  WEB,
  accountIds,
  adminOk,
  api,
  authorizeUrl,
  browserPost,
  codeFromPage,
  codeOf,
  consentForm,
  decide,
  demo,
  describeRelease,
  exchange,
  revoke,
  userTokens,
} from './bookingsync-helpers.ts'

for (const release of ['4.2.6', '5.6.9'] as Release[]) {
  describeRelease('BookingSync consent page', release, (h) => {
    it('offers the signed-in user’s accounts, the scopes in words, Authorize and Deny, framed by nobody', async () => {
      const page = await h.fetch(authorizeUrl(h))
      expect(page.status).toBe(200)
      expect(page.headers.get('x-frame-options')).toBe('DENY')
      const body = await page.text()
      expect(body).toContain('Authorize <strong>Demo App</strong> to use your account?')
      expect(body).toContain(P.scopeWords.rentals_read!)
      expect(body).toContain(P.scopeWords.bookings_read!)
      expect(body).toContain('Seaside Rentals (#101)')
      expect(body).toContain('Mountain Lodges (#102)')
      expect(body).toContain('value="11:account:101" selected')
      expect(body).toMatch(/<button[^>]*value="allow"[^>]*>Authorize<\/button>/)
      expect(body).toMatch(/<button[^>]*value="deny"[^>]*>Deny<\/button>/)
    })

    it('pre-selects the account named by account_id, and the grant is for that account', async () => {
      const { action, fields } = await consentForm(h, authorizeUrl(h, { account_id: '102' }))
      expect(fields.account_id).toBe('102')
      const approved = await h.fetch(action, browserPost(action, { ...fields, user_id: '11', subject: '11:account:102', decision: 'allow' }, new URL(action).origin, 'same-origin'))
      const tokens = (await (await exchange(h, codeOf(approved))).json()) as Tokens
      expect(await accountIds(h, tokens.access_token)).toEqual([102])
    })

    it(`issues codes in ${release}’s format, bound to the state`, async () => {
      const approved = await decide(h)
      expect(approved.headers.get('x-frame-options')).toBe('DENY')
      const q = locationParams(approved)
      expect(q.get('code')).toMatch(TOKEN_FORMAT[release])
      expect(q.get('state')).toBe('st4te')
    })

    it('refuses a consent form naming an account the chosen user cannot authorize for', async () => {
      const answer = await decide(h, { user_id: '12', subject: '12:account:101' })
      expect(answer.headers.get('location')).toBeNull()
      expect(await answer.text()).toContain('An error has occurred')
    })

    it('answers at once as the account owner with consent mode allow, and denies with mode deny', async () => {
      await adminOk(h, 'consent', { provider: 'bookingsync', mode: 'allow' })
      const tokens = (await (await exchange(h, codeOf(await h.fetch(authorizeUrl(h, { account_id: '102' }))))).json()) as Tokens
      expect(await accountIds(h, tokens.access_token)).toEqual([102])
      await adminOk(h, 'consent', { provider: 'bookingsync', mode: 'deny' })
      expect(locationParams(await h.fetch(authorizeUrl(h))).get('error')).toBe('access_denied')
    })

    it('answers an injected authorize fault in Doorkeeper JSON, then the page again', async () => {
      await adminOk(h, 'faults', { provider: 'bookingsync', endpoint: 'authorize', status: 503, times: 1 })
      const fault = await h.fetch(authorizeUrl(h))
      expect(fault.status).toBe(503)
      expect(await fault.json()).toEqual({ error: 'temporarily_unavailable', error_description: P.descriptions.temporarily_unavailable })
      expect((await h.fetch(authorizeUrl(h))).status).toBe(200)
    })
  })

  describeRelease('BookingSync consent form and CSRF', release, (h) => {
    const same = (action: string) => new URL(action).origin

    it('takes the page’s own form, posted from the same origin with its authenticity_token', async () => {
      const { action, fields } = await consentForm(h, authorizeUrl(h))
      expect(fields.authenticity_token).toBeTruthy()
      const approved = await h.fetch(action, browserPost(action, { ...fields, user_id: '11', subject: '11:account:101', decision: 'allow' }, same(action), 'same-origin'))
      expect(approved.status).toBe(302)
      expect(locationParams(approved).get('state')).toBe('st4te')
    })

    it('refuses the same form posted from another site with Rails’ 422 page, and issues nothing', async () => {
      const { action, fields } = await consentForm(h, authorizeUrl(h))
      const forged = await h.fetch(action, browserPost(action, { ...fields, user_id: '11', subject: '11:account:101', decision: 'allow' }, 'https://evil.example', 'cross-site'))
      expect(forged.status).toBe(422)
      expect(forged.headers.get('location')).toBeNull()
      expect(await forged.text()).toContain('The change you wanted was rejected.')
      expect(h.fakes.runtime('bookingsync').codes.size).toBe(0)
    })

    it('refuses a browser POST without the page’s token, or with the token of a page for other parameters', async () => {
      const { action, fields } = await consentForm(h, authorizeUrl(h))
      const { authenticity_token: token, ...rest } = fields
      const missing = await h.fetch(action, browserPost(action, { ...rest, user_id: '11', subject: '11:account:101', decision: 'allow' }, same(action), 'same-origin'))
      expect(missing.status).toBe(422)
      const widened = await h.fetch(action, browserPost(action, { ...fields, authenticity_token: token!, scope: `${SCOPE} bookings_write`, user_id: '11', subject: '11:account:101', decision: 'allow' }, same(action), 'same-origin'))
      expect(widened.status).toBe(422)
    })

    it('still takes a script’s POST with no Origin and no token (the documented consent fields)', async () => {
      expect((await decide(h)).status).toBe(302)
      expect((await decide(h, { decision: 'deny' })).headers.get('location')).toContain('error=access_denied')
    })
  })

  describeRelease('BookingSync consent skipping', release, (h) => {
    it('skips the page for the same scopes, and shows it again once the application revoked its token', async () => {
      const tokens = await userTokens(h)
      const again = await h.fetch(authorizeUrl(h))
      expect(again.status).toBe(302)
      expect(locationParams(again).get('code')).toMatch(TOKEN_FORMAT[release])
      expect((await revoke(h, { token: tokens.refresh_token! })).status).toBe(200)
      // The skip issued a code, not a token: the revoked token was the only one.
      expect((await h.fetch(authorizeUrl(h))).status).toBe(200)
    })

    it('still skips once the token has expired (only revocation counts)', async () => {
      await userTokens(h)
      await adminOk(h, 'clock', { advanceSeconds: 7201 })
      expect((await h.fetch(authorizeUrl(h))).status).toBe(302)
    })

    it('shows the page again after the application is uninstalled (the control API revokes the grant)', async () => {
      await userTokens(h)
      expect((await h.fetch(authorizeUrl(h))).status).toBe(302)
      await adminOk(h, 'revoke', { provider: 'bookingsync', clientId: demo.clientId })
      expect((await h.fetch(authorizeUrl(h))).status).toBe(200)
    })

    it('never skips for another account, nor for more scopes', async () => {
      await userTokens(h)
      expect((await h.fetch(authorizeUrl(h, { account_id: '102' }))).status).toBe(200)
      expect((await h.fetch(authorizeUrl(h, { scope: `${SCOPE} rates_read` }))).status).toBe(200)
    })

    it(release === '4.2.6' ? 'judges by the newest token only: an earlier grant of the same scopes no longer counts' : 'counts any unrevoked token with the same scopes, not only the newest', async () => {
      await userTokens(h)
      await userTokens(h, { scope: 'public rentals_read' })
      const first = await h.fetch(authorizeUrl(h))
      expect(first.status).toBe(release === '4.2.6' ? 200 : 302)
    })
  })

  describeRelease('BookingSync out-of-band flow', release, (h) => {
    it('shows the code on its page without the state; the code is exchanged with the oob redirect_uri only', async () => {
      const consent = await h.fetch(authorizeUrl(h, { redirect_uri: OOB }))
      expect(consent.status).toBe(200)
      const approved = await decide(h, { redirect_uri: OOB })
      expect(approved.status).toBe(302)
      const location = approved.headers.get('location')!
      expect(location).not.toContain('st4te')
      const codePath = release === '4.2.6' ? `${h.url('bookingsync', AUTH)}/` : `${h.url('bookingsync', `${AUTH}/native`)}?code=`
      expect(location.startsWith(codePath)).toBe(true)

      const code = await codeFromPage(h, location)
      expect(code).toMatch(TOKEN_FORMAT[release])
      const wrong = await exchange(h, code, WEB)
      expect(((await wrong.json()) as { error: string }).error).toBe('invalid_grant')
      const token = await exchange(h, code, OOB)
      expect(token.status).toBe(200)
      expect((await api(h, ACCOUNTS, ((await token.json()) as Tokens).access_token)).status).toBe(200)
    })

    it('sends the implicit flow’s oob token to token info, which describes it', async () => {
      const approved = await decide(h, { redirect_uri: OOB, response_type: 'token' })
      const location = approved.headers.get('location')!
      expect(location.startsWith(`${h.url('bookingsync', '/oauth/token/info')}?access_token=`)).toBe(true)
      const info = await h.fetch(location)
      expect(info.status).toBe(200)
      const body = (await info.json()) as Record<string, unknown>
      expect(body.application).toEqual({ uid: demo.clientId })
      expect(body[release === '4.2.6' ? 'expires_in_seconds' : 'expires_in']).toBe(7200)
    })
  })

  describeRelease('BookingSync implicit flow', release, (h) => {
    it('puts a token in the fragment that the API takes, and keeps the redirect URI’s own query', async () => {
      const approved = await decide(h, { response_type: 'token', redirect_uri: `${WEB}?from=mail` })
      const location = new URL(approved.headers.get('location')!)
      expect(location.search).toBe('?from=mail')
      const fragment = new URLSearchParams(location.hash.slice(1))
      expect([...fragment.keys()]).toEqual(['access_token', 'token_type', 'expires_in', 'state'])
      expect((await api(h, ACCOUNTS, fragment.get('access_token')!)).status).toBe(200)
    })
  })
}

describeRelease(
  'BookingSync consent skipping for a public application',
  '5.6.9',
  (h) => {
    it('never skips the page for a public (non-confidential) application', async () => {
      h.fakes.registerClient({ provider: 'bookingsync', clientId: 'public-app', public: true, redirectUris: [WEB] })
      const code = codeOf(await decide(h, { client_id: 'public-app' }))
      const token = await h.fetch(h.url('bookingsync', '/oauth/token'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: WEB, client_id: 'public-app' }).toString(),
      })
      expect(token.status).toBe(200)
      expect((await h.fetch(authorizeUrl(h, { client_id: 'public-app' }))).status).toBe(200)
    })
  },
)

describeRelease('BookingSync unknown routes', '4.2.6', (h) => {
  it('answers unknown paths and methods with Rails’ 404', async () => {
    expect((await h.fetch(h.url('bookingsync', '/oauth/nothing'))).status).toBe(404)
    expect((await h.fetch(h.url('bookingsync', AUTH), { method: 'DELETE' })).status).toBe(404)
  })
})
