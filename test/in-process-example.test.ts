// The README's in-process example, run as written (imports adjusted to this repository).
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { createFakes, createHandlers } from '../mocks/index.ts'

const fakes = createFakes() // every provider on its real URLs; cal.com as app.cal.com runs today
const server = setupServer(...createHandlers(fakes))
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => fakes.reset())
afterAll(() => server.close())

/** A minimal cal.com client, standing in for the code under test: cal.com's documented token endpoint. */
async function token(body: Record<string, string>) {
  const res = await fetch('https://api.cal.com/v2/auth/oauth2/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return (await res.json()) as { access_token: string; refresh_token: string }
}

it('refreshes the cal.com token when it expires', async () => {
  fakes.setConsent('calcom', 'allow') // authorize redirects at once as the default user
  const { clientId, clientSecret, redirectUris } = fakes.demoClient('calcom')
  const authorize = await fetch(`https://app.cal.com/auth/oauth2/authorize?client_id=${clientId}&redirect_uri=${encodeURIComponent(redirectUris[0]!)}&state=s&scope=PROFILE_READ`, { redirect: 'manual' })
  const code = new URL(authorize.headers.get('location')!).searchParams.get('code')!
  const tokens = await token({ client_id: clientId, client_secret: clientSecret, grant_type: 'authorization_code', code, redirect_uri: redirectUris[0]! })
  const me = (access: string) => fetch('https://api.cal.com/v2/me', { headers: { authorization: `Bearer ${access}` } })
  expect((await me(tokens.access_token)).status).toBe(200)
  fakes.advanceClock(1801) // the access token is now expired
  expect((await me(tokens.access_token)).status).toBe(401)
  const refreshed = await token({ client_id: clientId, client_secret: clientSecret, grant_type: 'refresh_token', refresh_token: tokens.refresh_token })
  expect((await me(refreshed.access_token)).status).toBe(200)
  expect(fakes.requests('calcom').filter((r) => r.path === '/v2/auth/oauth2/token')).toHaveLength(2)
})
