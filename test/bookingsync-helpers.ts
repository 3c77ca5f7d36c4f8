/** Shared steps of the BookingSync tests (not a test file: vitest only runs `*.test.ts`). */
import { expect } from 'vitest'
import { bookingsyncDemoClient as demo } from '../fixtures/bookingsync.ts'
import { bookingsyncProfile as P } from '../mocks/providers/bookingsync/profile.ts'
import { type Harness, type HarnessFakesOptions, describeModes, form, locationParams } from './harness.ts'

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
export const D = P.descriptions

export type Release = '4.2.6' | '5.6.9'
/** Tokens and codes: `SecureRandom.hex(32)` (4.2.6), `urlsafe_base64(32)` (5.6.9). */
export const TOKEN_FORMAT: Record<Release, RegExp> = { '4.2.6': /^[0-9a-f]{64}$/, '5.6.9': /^[A-Za-z0-9_-]{43}$/ }

export interface Tokens {
  access_token: string
  token_type: string
  expires_in: number
  refresh_token?: string
  scope: string
  created_at: number
}

/** `describeModes` with the fakes on one Doorkeeper release (plus other BookingSync options). */
export function describeRelease(name: string, release: Release, body: (h: Harness) => void, options: Record<string, unknown> = {}): void {
  const fakesOptions: HarnessFakesOptions = { options: { bookingsync: { doorkeeper: release, ...options } } }
  describeModes(`${name} [Doorkeeper ${release}]`, body, { fakesOptions })
}

export function authorizeUrl(h: Harness, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({ client_id: demo.clientId, redirect_uri: WEB, response_type: 'code', scope: SCOPE, state: 'st4te', ...extra })
  return `${h.url('bookingsync', AUTH)}?${q}`
}

/** The consent form's "Authorize" (or "Deny") as a script posts it: the documented fields, no browser headers. */
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

/** The consent page's form: its hidden fields (the authenticity token among them) and where it posts. */
export async function consentForm(h: Harness, url: string): Promise<{ action: string; fields: Record<string, string> }> {
  const page = await h.fetch(url)
  expect(page.status).toBe(200)
  const html = await page.text()
  const action = /<form method="post" action="([^"]+)"/.exec(html)![1]!
  const fields: Record<string, string> = {}
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]!] = m[2]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'")
  return { action: new URL(action, url).toString(), fields }
}

/** The form posted the way a browser posts it: with an `Origin` and `Sec-Fetch-Site`. */
export function browserPost(url: string, fields: Record<string, string>, origin: string, site: string): RequestInit & { url: string } {
  return {
    url,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin, 'sec-fetch-site': site, 'sec-fetch-mode': 'navigate' },
    body: new URLSearchParams(fields).toString(),
  }
}

export function codeOf(response: Response): string {
  expect(response.status).toBe(302)
  return locationParams(response).get('code')!
}

/** The out-of-band code as a person reads it off the code page. */
export async function codeFromPage(h: Harness, location: string): Promise<string> {
  const page = await h.fetch(location)
  expect(page.status).toBe(200)
  const html = await page.text()
  expect(html).toContain('<h1>Authorization code:</h1>')
  return /<code id="authorization_code">([^<]+)<\/code>/.exec(html)![1]!
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

export function clientCredentials(h: Harness, extra: Record<string, string> = {}): Promise<Response> {
  return h.fetch(h.url('bookingsync', TOKEN), form({ grant_type: 'client_credentials', client_id: demo.clientId, client_secret: demo.clientSecret, ...extra }))
}

export function revoke(h: Harness, fields: Record<string, string>): Promise<Response> {
  return h.fetch(h.url('bookingsync', REVOKE), form({ client_id: demo.clientId, client_secret: demo.clientSecret, ...fields }))
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

/** The accounts an API token reads. */
export async function accountIds(h: Harness, token: string): Promise<number[]> {
  const response = await api(h, ACCOUNTS, token)
  expect(response.status).toBe(200)
  return ((await response.json()) as { accounts: Array<{ id: number }> }).accounts.map((a) => a.id)
}

/** Doorkeeper's token error: status, body, `WWW-Authenticate`, JSON content type. */
export async function expectDoorkeeperError(response: Response, status: number, error: keyof typeof D): Promise<void> {
  const text = D[error]
  expect(response.status).toBe(status)
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8')
  expect(await response.json()).toEqual({ error, error_description: text })
  expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="Doorkeeper", error="${error}", error_description="${text}"`)
}

/** API v3's 401: BookingSync's body, the reason in `WWW-Authenticate` (what bookingsync-engine reads). */
export async function expectUnauthorized(response: Response, reason: 'expired' | 'revoked' | 'invalid'): Promise<void> {
  expect(response.status).toBe(401)
  expect(await response.json()).toEqual({ error: 'Not authorized' })
  expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="Doorkeeper", error="invalid_token", error_description="${P.invalidToken[reason]}"`)
}

export async function adminOk(h: Harness, action: string, body: unknown): Promise<void> {
  const response = await h.admin(action, body)
  expect(response.status).toBeLessThan(300)
}
