/**
 * A full authorization-code flow as a client makes it, per provider: where its endpoints are,
 * what a client sends, and the flow itself (authorize with consent `allow`, code exchange, one API
 * call). Shared by `npm run bench` (scripts/bench-inprocess.ts) and the test that counts what a
 * flow leaves to the garbage collector (test/young-garbage.test.ts).
 */
import { randomBytes } from 'node:crypto'
import { issueAuthorizationCode } from '../mocks/engine/authorize.ts'
import type { ProviderId } from '../mocks/engine/controls.ts'
import type { Fakes } from '../mocks/fakes.ts'

type Fetch = typeof fetch
export const form = (values: Record<string, string>): RequestInit => ({ method: 'POST', body: new URLSearchParams(values) })

/** What a flow needs to know of a provider: where its endpoints are, and what a client sends. */
export function providerSetup(fakes: Fakes, p: ProviderId) {
  const def = fakes.definition(p)
  const bases = fakes.bases(p)
  const demo = fakes.demoClient(p)
  const base = Object.values(bases)[0]!
  const redirectUri = demo.redirectUris[0]!
  const scope = ({ calcom: 'PROFILE_READ', bookingsync: 'public', zapier: 'profile zap', oauth2: 'profile' } as Record<string, string>)[p]!
  const tokenUrl = `${p === 'zapier' ? bases.auth! : base}${def.endpoints.token}`
  const subject = { userId: ({ calcom: 1, bookingsync: 11, zapier: 88998899, oauth2: 1 } as Record<string, number>)[p]!, teamId: null, accountId: p === 'bookingsync' ? 101 : null }
  const scopes = scope.split(/[ ,]/)
  const authorize = (scope: string) => `${base}${def.endpoints.authorize}?${new URLSearchParams({ client_id: demo.clientId, redirect_uri: redirectUri, response_type: 'code', scope, state: 'st4te' })}`
  return {
    demo,
    redirectUri,
    authorizeUrl: authorize(scope),
    /** Scopes no earlier grant holds: BookingSync shows its page instead of skipping it (consent 'ask'). */
    consentPageUrl: authorize(p === 'bookingsync' ? 'public rentals_read' : scope),
    tokenUrl,
    // cal.com's API v2 `me` (today's era), BookingSync's accounts, Zapier's profile.
    apiUrl: `${bases.api ?? base}${p === 'calcom' ? def.endpoints.v2Me : def.endpoints.resource}`,
    auth: { client_id: demo.clientId, client_secret: demo.clientSecret },
    /** A code issued directly (what the consent step would issue), for the token endpoint alone. */
    code(userId = subject.userId): string {
      return issueAuthorizationCode(fakes.runtime(p), { codeLifetimeSeconds: 3600, newCode: () => randomBytes(30).toString('base64url') }, demo, redirectUri, scopes, { ...subject, userId })
    },
  }
}

/** One flow as a client makes it: authorize (consent allow: a redirect with the code), token, API. */
export async function flow(fetch: Fetch, s: ReturnType<typeof providerSetup>): Promise<void> {
  const authorize = await fetch(s.authorizeUrl, { redirect: 'manual' })
  const code = new URL(authorize.headers.get('location')!).searchParams.get('code')!
  const token = await fetch(s.tokenUrl, form({ grant_type: 'authorization_code', code, redirect_uri: s.redirectUri, ...s.auth }))
  const { access_token } = (await token.json()) as { access_token: string }
  const api = await fetch(s.apiUrl, { headers: { authorization: `Bearer ${access_token}` } })
  if (api.status >= 300) throw new Error(`${s.apiUrl}: ${api.status}`)
  await api.text()
}
