/** Shared steps of the BookingSync tests (not a test file: vitest only runs `*.test.ts`). */
import { expect } from 'vitest'
import { bookingsyncDemoClient as demo } from '../fixtures/bookingsync.ts'
import { bookingsyncProfile as P } from '../mocks/providers/bookingsync/profile.ts'
import { type Harness, form, locationParams } from './harness.ts'

export { demo, P }
export const AUTH = '/oauth/authorize'
export const TOKEN = '/oauth/token'
export const REVOKE = '/oauth/revoke'
export const INFO = '/oauth/token/info'
export const ACCOUNTS = '/api/v3/accounts'
export const RENTALS = '/api/v3/rentals'
export const BOOKINGS = '/api/v3/bookings'
export const OOB = 'urn:ietf:wg:oauth:2.0:oob'
export const WEB = demo.redirectUris[0]!
export const SCOPE = 'public rentals_read bookings_read'
export const HEX64 = /^[0-9a-f]{64}$/
export const D = P.descriptions

export interface Tokens {
  access_token: string
  token_type: string
  expires_in: number
  refresh_token?: string
  scope: string
  created_at: number
}

export function authorizeUrl(h: Harness, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({ client_id: demo.clientId, redirect_uri: WEB, response_type: 'code', scope: SCOPE, state: 'st4te', ...extra })
  return `${h.url('bookingsync', AUTH)}?${q}`
}

/** The consent form's "Authorize" (or "Deny") as the browser posts it. */
export function decide(h: Harness, fields: Record<string, string> = {}): Promise<Response> {
  return h.fetch(
    h.url('bookingsync', AUTH),
    form({
      client_id: demo.clientId,
      redirect_uri: WEB,
      response_type: 'code',
      scope: SCOPE,
      state: 'st4te',
      user_id: '11',
      subject: '11:account:101',
      decision: 'allow',
      ...fields,
    }),
  )
}

export function codeOf(response: Response): string {
  expect(response.status).toBe(302)
  return locationParams(response).get('code')!
}

export function exchange(h: Harness, code: string, redirectUri = WEB, extra: Record<string, string> = {}): Promise<Response> {
  return h.fetch(
    h.url('bookingsync', TOKEN),
    form({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: demo.clientId, client_secret: demo.clientSecret, ...extra }),
  )
}

export function refresh(h: Harness, refreshToken: string, extra: Record<string, string> = {}): Promise<Response> {
  return h.fetch(
    h.url('bookingsync', TOKEN),
    form({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: demo.clientId, client_secret: demo.clientSecret, ...extra }),
  )
}

/** A user token for an account, through the consent form. */
export async function userTokens(h: Harness, fields: Record<string, string> = {}): Promise<Tokens> {
  const code = codeOf(await decide(h, fields))
  const response = await exchange(h, code)
  expect(response.status).toBe(200)
  return (await response.json()) as Tokens
}

export function api(h: Harness, path: string, token?: string): Promise<Response> {
  return h.fetch(h.url('bookingsync', path), { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })
}

export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`
}

/** Doorkeeper's error: body, `WWW-Authenticate`, JSON content type. */
export async function expectDoorkeeperError(response: Response, status: number, error: keyof typeof D | 'invalid_token', description?: string): Promise<void> {
  const text = description ?? D[error as keyof typeof D]
  expect(response.status).toBe(status)
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8')
  expect(await response.json()).toEqual({ error, error_description: text })
  expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="Doorkeeper", error="${error}", error_description="${text}"`)
}

/** API v3's 401 with the description real clients branch on. */
export async function expectUnauthorized(response: Response, description: string): Promise<void> {
  expect(response.status).toBe(401)
  expect(response.headers.get('content-type')).toBe('application/vnd.api+json; charset=utf-8')
  expect(await response.json()).toEqual({ errors: [{ code: 'unauthorized' }] })
  expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="Doorkeeper", error="invalid_token", error_description="${description}"`)
}

export async function adminOk(h: Harness, action: string, body: unknown): Promise<void> {
  const response = await h.admin(action, body)
  expect(response.status).toBeLessThan(300)
}
