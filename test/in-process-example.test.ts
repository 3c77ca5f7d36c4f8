// The README's in-process example, run as written (imports adjusted to this repository).
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { createFakes, createHandlers } from '../mocks/index.ts'

const fakes = createFakes()
const server = setupServer(...createHandlers(fakes))
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => fakes.reset())
afterAll(() => server.close())

/** A minimal cal.com client, standing in for the code under test. */
async function connect(code: string, redirectUri: string, id: string, secret: string) {
  const res = await fetch('https://app.cal.com/api/auth/oauth/token', {
    method: 'POST',
    body: new URLSearchParams({ code, client_id: id, client_secret: secret, grant_type: 'authorization_code', redirect_uri: redirectUri }),
  })
  return (await res.json()) as { access_token: string; refresh_token: string }
}

it('refreshes the cal.com token when it expires', async () => {
  fakes.setConsent('calcom', 'allow')
  const { clientId, clientSecret, redirectUris } = fakes.demoClient('calcom')
  const authorize = await fetch(`https://app.cal.com/auth/oauth2/authorize?client_id=${clientId}&redirect_uri=${redirectUris[0]}&state=s&scope=READ_PROFILE`, { redirect: 'manual' })
  const code = new URL(authorize.headers.get('location')!).searchParams.get('code')!
  const tokens = await connect(code, redirectUris[0]!, clientId, clientSecret)
  fakes.advanceClock(1801)
  const me = () => fetch('https://app.cal.com/api/auth/oauth/me', { headers: { authorization: `Bearer ${tokens.access_token}` } })
  expect((await me()).status).toBe(401)
  const refreshed = await fetch('https://app.cal.com/api/auth/oauth/refreshToken', {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens.refresh_token}` },
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: clientId, client_secret: clientSecret }),
  })
  expect(refreshed.status).toBe(200)
  expect(fakes.requests('calcom').some((r) => r.path === '/api/auth/oauth/refreshToken')).toBe(true)
})
