/** What the cal.com test files share: paths, the demo client, and getting through consent. */
import { expect } from 'vitest'
import { calcomDemoClient as demo } from '../fixtures/calcom.ts'
import { type Harness, form, locationParams } from './harness.ts'

export const AUTH = '/auth/oauth2/authorize'
export const TOKEN = '/api/auth/oauth/token'
export const REFRESH = '/api/auth/oauth/refreshToken'
export const ME = '/api/auth/oauth/me'
export const BOOKINGS = '/api/integrations/zapier/listBookings'
export const redirectUri = demo.redirectUris[0]!
export const client = { client_id: demo.clientId, client_secret: demo.clientSecret }

export function authorizeUrl(h: Harness, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({ client_id: demo.clientId, redirect_uri: redirectUri, state: 'st4te', scope: 'READ_BOOKING,READ_PROFILE', ...extra })
  return `${h.url('calcom', AUTH)}?${q}`
}

/** The consent form's answer, with every authorize parameter re-posted (as the page's hidden fields do). */
export function decide(h: Harness, fields: Record<string, string> = {}): Promise<Response> {
  return h.fetch(
    h.url('calcom', AUTH),
    form({ client_id: demo.clientId, redirect_uri: redirectUri, state: 'st4te', scope: 'READ_BOOKING,READ_PROFILE', user_id: '1', subject: '1:personal', decision: 'allow', ...fields }),
  )
}

export async function getCode(h: Harness, fields: Record<string, string> = {}): Promise<string> {
  const approved = await decide(h, fields)
  expect(approved.status).toBe(302)
  const code = locationParams(approved).get('code')
  expect(code, approved.headers.get('location') ?? '').toBeTruthy()
  return code!
}
