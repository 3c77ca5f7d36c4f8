import { describe, expect, it } from 'vitest'
import { calcomDemoClient as demo } from '../fixtures/calcom.ts'
import { type Harness, describeModes, form, locationParams } from './harness.ts'

const AUTH = '/auth/oauth2/authorize'
const TOKEN = '/api/auth/oauth/token'
const REFRESH = '/api/auth/oauth/refreshToken'
const ME = '/api/auth/oauth/me'
const redirectUri = demo.redirectUris[0]!

function authorizeUrl(h: Harness, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({ client_id: demo.clientId, redirect_uri: redirectUri, state: 'st4te', scope: 'READ_BOOKING,READ_PROFILE', ...extra })
  return `${h.url('calcom', AUTH)}?${q}`
}

async function approve(h: Harness, fields: Record<string, string> = {}): Promise<Response> {
  return h.fetch(
    h.url('calcom', AUTH),
    form({ client_id: demo.clientId, redirect_uri: redirectUri, state: 'st4te', scope: 'READ_BOOKING,READ_PROFILE', user_id: '1', subject: '1:personal', decision: 'allow', ...fields }),
  )
}

describeModes('cal.com walk-through', (h) => {
  it('authorize → consent → code → token → me → expiry → refresh → me', async () => {
    const page = await h.fetch(authorizeUrl(h))
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('Demo App would like access to your Cal.com account')
    const approved = await approve(h)
    expect(approved.status).toBe(302)
    const code = locationParams(approved).get('code')!
    expect(code).toMatch(/^[A-Za-z0-9_-]{54}$/)
    expect(locationParams(approved).get('state')).toBe('st4te')
    const token = await h.fetch(h.url('calcom', TOKEN), form({ code, client_id: demo.clientId, client_secret: demo.clientSecret, grant_type: 'authorization_code', redirect_uri: redirectUri }))
    expect(token.status).toBe(200)
    const tokens = (await token.json()) as { access_token: string; refresh_token: string }
    expect(Object.keys(tokens).sort()).toEqual(['access_token', 'refresh_token'])
    const me = await h.fetch(h.url('calcom', ME), { headers: { authorization: `Bearer ${tokens.access_token}` } })
    expect(me.status).toBe(201)
    expect(await me.json()).toEqual({ username: 'pro' })
    expect((await h.admin('clock', { advanceSeconds: 1801 })).status).toBe(200)
    const expired = await h.fetch(h.url('calcom', ME), { headers: { authorization: `Bearer ${tokens.access_token}` } })
    expect(expired.status).toBe(401)
    expect(await expired.json()).toEqual({ message: 'Unauthorized' })
    const refreshed = await h.fetch(h.url('calcom', REFRESH), {
      ...form({ grant_type: 'refresh_token', client_id: demo.clientId, client_secret: demo.clientSecret }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${tokens.refresh_token}` },
    })
    expect(refreshed.status).toBe(200)
    const { access_token } = (await refreshed.json()) as { access_token: string }
    const again = await h.fetch(h.url('calcom', ME), { headers: { authorization: `Bearer ${access_token}` } })
    expect(again.status).toBe(201)
  })
})
