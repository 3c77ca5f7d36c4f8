/**
 * What the docs tables' `{placeholders}` stand for, per provider: the demo client's credentials,
 * a fresh code (through the real authorize endpoint, consent mode `allow`), a token pair from a
 * real exchange, a refresh token already used, a second client, a PKCE code and its verifier,
 * an out-of-band code, a code already exchanged, the scope of an earlier (or revoked) grant, a
 * client-credentials token, an access token whose application used up its hourly API budget, a
 * client with a single redirect URI and its codes, an app (client-credentials) token.
 */
import { createHash } from 'node:crypto'
import { calcomUsers } from '../fixtures/calcom.ts'
import type { BuiltinProviderId, ProviderId } from '../mocks/engine/controls.ts'
import type { Fakes } from '../mocks/fakes.ts'
import type { Placeholders } from './docs-tables.ts'

/** A fixed PKCE pair (RFC 7636 appendix B). */
export const CODE_VERIFIER = 'dBjftJeZ4CVP-mJ0gzRc4gRsQ1J9cr2LE1IpLd2BZLb0'
export const CODE_CHALLENGE = createHash('sha256').update(CODE_VERIFIER).digest('base64url')

interface ProviderRecipe {
  /** Authorize parameters for the demo client (scope, response_type…), besides client_id and redirect_uri. */
  authorize: Record<string, string>
  /** The authorize path and host key. */
  authorizePath: string
  authorizeHost?: string
  /** How an exchange is sent: the token path (host key) and how the client authenticates. */
  tokenPath: string
  tokenHost?: string
  clientAuth: 'body' | 'basic'
  /** Credentials of a second client, in the provider's format. */
  other: { clientId: string; clientSecret: string }
  /** A client with ONE registered redirect URI (where a server defaults to it), in the provider's format. */
  sole: { clientId: string; clientSecret: string; redirectUri: string }
  /** A refresh of `refresh` (to make a used refresh token). */
  refresh(fakes: Fakes, get: (name: string) => Promise<string>): Promise<Response>
}

const hex = (seed: string) => createHash('sha256').update(seed).digest('hex')
const alnum = (seed: string, n: number) => createHash('sha512').update(seed).digest('base64').replace(/[^A-Za-z0-9]/g, '').padEnd(n, 'x').slice(0, n)

const RECIPES: Record<BuiltinProviderId, ProviderRecipe> = {
  calcom: {
    authorize: { scope: 'READ_BOOKING,READ_PROFILE', state: 'xyz' },
    authorizePath: '/auth/oauth2/authorize',
    tokenPath: '/api/auth/oauth/token',
    clientAuth: 'body',
    other: { clientId: hex('calcom-other-client'), clientSecret: hex('calcom-other-secret') },
    sole: { clientId: hex('calcom-sole-client'), clientSecret: hex('calcom-sole-secret'), redirectUri: 'https://app.example/oauth/callback' },
    async refresh(fakes, get) {
      const era = (fakes.options('calcom') as { era: string }).era
      const base = fakes.bases('calcom').app
      const body = new URLSearchParams({ grant_type: 'refresh_token', client_id: await get('client_id'), client_secret: await get('client_secret') })
      if (era === 'oauth-service') body.set('refresh_token', await get('refresh_token'))
      return (await fakes.fetch(new Request(`${base}/api/auth/oauth/refreshToken`, { method: 'POST', headers: { authorization: `Bearer ${await get('refresh_token')}`, 'content-type': 'application/x-www-form-urlencoded' }, body })))!
    },
  },
  bookingsync: {
    authorize: { scope: 'public rentals_read bookings_read', response_type: 'code', state: 'xyz' },
    authorizePath: '/oauth/authorize',
    tokenPath: '/oauth/token',
    clientAuth: 'body',
    other: { clientId: hex('bookingsync-other-client'), clientSecret: hex('bookingsync-other-secret') },
    sole: { clientId: hex('bookingsync-sole-client'), clientSecret: hex('bookingsync-sole-secret'), redirectUri: 'https://app.example/oauth/callback' },
    async refresh(fakes, get) {
      const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: await get('refresh_token'), client_id: await get('client_id'), client_secret: await get('client_secret') })
      return (await fakes.fetch(new Request(`${fakes.bases('bookingsync').www}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body })))!
    },
  },
  zapier: {
    authorize: { scope: 'profile zap', response_type: 'code', state: 'xyz' },
    authorizePath: '/v2/authorize',
    authorizeHost: 'api',
    tokenPath: '/oauth/token/',
    tokenHost: 'auth',
    clientAuth: 'basic',
    other: { clientId: alnum('zapier-other-client', 40), clientSecret: alnum('zapier-other-secret', 128) },
    sole: { clientId: alnum('zapier-sole-client', 40), clientSecret: alnum('zapier-sole-secret', 128), redirectUri: 'https://app.example/oauth/callback' },
    async refresh(fakes, get) {
      const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: await get('refresh_token') })
      const basic = Buffer.from(`${await get('client_id')}:${await get('client_secret')}`).toString('base64')
      return (await fakes.fetch(new Request(`${fakes.bases('zapier').auth}/oauth/token/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` }, body })))!
    },
  },
  oauth2: {
    authorize: { scope: 'profile email', response_type: 'code', state: 'xyz' },
    authorizePath: '/authorize',
    tokenPath: '/token',
    clientAuth: 'basic',
    other: { clientId: 'other-client', clientSecret: 'other-client-secret-0123456789abcdef' },
    sole: { clientId: 'sole-uri-client', clientSecret: 'sole-uri-client-secret-0123456789abcdef', redirectUri: 'https://app.example/oauth/callback' },
    async refresh(fakes, get) {
      const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: await get('refresh_token') })
      const basic = Buffer.from(`${await get('client_id')}:${await get('client_secret')}`).toString('base64')
      return (await fakes.fetch(new Request(`${fakes.bases('oauth2').main}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` }, body })))!
    },
  },
}

function recipeOf(provider: ProviderId): ProviderRecipe {
  const recipe = RECIPES[provider as BuiltinProviderId]
  if (!recipe) throw new Error(`no placeholder recipe for provider "${provider}"`)
  return recipe
}

/** The calcom oauth-service era wants new-style scopes from a legacy client (index 027e9710). */
function authorizeParams(provider: ProviderId, fakes: Fakes): Record<string, string> {
  const params = { ...recipeOf(provider).authorize }
  if (provider === 'calcom' && (fakes.options('calcom') as { era: string }).era === 'oauth-service') params.scope = 'PROFILE_READ,BOOKING_READ'
  return params
}

export function placeholdersFor(provider: ProviderId): Placeholders {
  const recipe = recipeOf(provider)
  return async function make(name, fakes): Promise<string> {
    const cache = ((fakes as Fakes & { __placeholders?: Map<string, Promise<string>> }).__placeholders ??= new Map())
    const get = (n: string) => {
      let value = cache.get(n)
      if (!value) cache.set(n, (value = make(n, fakes)))
      return value
    }
    const demo = fakes.demoClient(provider)
    const bases = fakes.bases(provider)
    const base = (host?: string) => (host ? bases[host]! : Object.values(bases)[0]!)
    const otherRegistered = () => fakes.registerClient({ provider, clientId: recipe.other.clientId, clientSecret: recipe.other.clientSecret, redirectUris: demo.redirectUris, name: 'Other App' })
    const soleRegistered = () => fakes.registerClient({ provider, clientId: recipe.sole.clientId, clientSecret: recipe.sole.clientSecret, redirectUris: [recipe.sole.redirectUri], name: 'Sole URI App' })
    const publicClient = () => {
      const found = fakes.clients(provider).find((c) => c.public === true)
      if (!found) throw new Error(`${provider} has no public client`)
      return found
    }
    /** A code through the real authorize endpoint, consent `allow`; an `extra` value `null` leaves that parameter out. */
    const codeFor = async (clientId: string, extra: Record<string, string | null> = {}) => {
      fakes.setConsent(provider, 'allow')
      const url = new URL(`${base(recipe.authorizeHost)}${recipe.authorizePath}`)
      const params: Record<string, string | null> = { client_id: clientId, redirect_uri: demo.redirectUris[0]!, ...authorizeParams(provider, fakes), ...extra }
      url.search = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== null)).toString()
      const answer = (await fakes.fetch(new Request(url, { redirect: 'manual' })))!
      fakes.setConsent(provider, 'ask')
      const location = answer.headers.get('location')
      const code = location ? new URL(location).searchParams.get('code') : null
      if (!code) throw new Error(`no code for ${clientId}: ${answer.status} ${location ?? (await answer.text()).slice(0, 200)}`)
      return code
    }
    /** A token request as the demo client, authenticated the way the provider's recipe says; the JSON of its 200. */
    const tokenRequest = async (what: string, params: Record<string, string>): Promise<Record<string, unknown>> => {
      const body = new URLSearchParams(params)
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
      if (recipe.clientAuth === 'basic') headers.authorization = `Basic ${Buffer.from(`${demo.clientId}:${demo.clientSecret}`).toString('base64')}`
      else {
        body.set('client_id', demo.clientId)
        body.set('client_secret', demo.clientSecret)
      }
      const answer = (await fakes.fetch(new Request(`${base(recipe.tokenHost)}${recipe.tokenPath}`, { method: 'POST', headers, body })))!
      if (answer.status !== 200) throw new Error(`the ${what} answered ${answer.status} ${await answer.text()}`)
      return (await answer.json()) as Record<string, unknown>
    }
    /** A token pair from a real exchange of a fresh code. */
    const tokens = async (): Promise<Record<string, unknown>> =>
      tokenRequest('exchange', { grant_type: 'authorization_code', code: await get('code'), redirect_uri: demo.redirectUris[0]! })
    switch (name) {
      case 'client_id':
        return demo.clientId
      case 'client_secret':
        return demo.clientSecret
      case 'redirect_uri':
        return demo.redirectUris[0]!
      case 'code':
        return codeFor(demo.clientId)
      case 'pkce_code':
        return codeFor(demo.clientId, { code_challenge: CODE_CHALLENGE, code_challenge_method: 'S256' })
      case 'plain_pkce_code':
        return codeFor(demo.clientId, { code_challenge: CODE_VERIFIER, code_challenge_method: 'plain' })
      case 'pkce_code_without_method':
        return codeFor(demo.clientId, { code_challenge: CODE_VERIFIER })
      case 'public_client_id':
        // The provider's registered public client (RFC 6749 §2.1), e.g. the generic provider's native app.
        return publicClient().clientId
      case 'public_redirect_uri':
        return publicClient().redirectUris[0]!
      case 'public_pkce_code':
        return codeFor(publicClient().clientId, { redirect_uri: publicClient().redirectUris[0]!, code_challenge: CODE_CHALLENGE, code_challenge_method: 'S256' })
      case 'code_without_scope':
        return codeFor(demo.clientId, { scope: null })
      case 'code_verifier':
        return CODE_VERIFIER
      case 'code_challenge':
        return CODE_CHALLENGE
      case 'token_response':
        return JSON.stringify(await tokens())
      case 'access_token':
        return String(JSON.parse(await get('token_response')).access_token)
      case 'refresh_token':
        return String(JSON.parse(await get('token_response')).refresh_token)
      case 'used_refresh_token': {
        const old = await get('refresh_token')
        const answer = await recipe.refresh(fakes, get)
        if (answer.status !== 200) throw new Error(`the refresh answered ${answer.status} ${await answer.text()}`)
        return old
      }
      case 'app_access_token': {
        // A client-credentials (app) token, no scope asked: the provider's default scopes.
        return String((await tokenRequest('client-credentials request', { grant_type: 'client_credentials' })).access_token)
      }
      case 'revoked_access_token': {
        const token = await get('access_token')
        fakes.revoke(provider, demo.clientId)
        return token
      }
      case 'other_client_id':
        otherRegistered()
        return recipe.other.clientId
      case 'other_client_secret':
        otherRegistered()
        return recipe.other.clientSecret
      case 'other_code':
        otherRegistered()
        return codeFor(recipe.other.clientId)
      case 'sole_uri_client_id':
        soleRegistered()
        return recipe.sole.clientId
      case 'sole_uri_client_secret':
        soleRegistered()
        return recipe.sole.clientSecret
      case 'sole_redirect_uri':
        return recipe.sole.redirectUri
      case 'sole_uri_code':
        soleRegistered()
        return codeFor(recipe.sole.clientId, { redirect_uri: recipe.sole.redirectUri })
      case 'sole_uri_code_with_query':
        // A redirect URI the server allows beside the registered one (django-oauth-toolkit: extra query parameters).
        soleRegistered()
        return codeFor(recipe.sole.clientId, { redirect_uri: `${recipe.sole.redirectUri}?tab=1` })
      case 'api_key':
        return calcomUsers[0]!.apiKey
      // cal.com team grants: user 1 chooses team 101 ("Seeded Team") on the consent page.
      case 'team_code': {
        const form = new URLSearchParams({ client_id: demo.clientId, redirect_uri: demo.redirectUris[0]!, ...authorizeParams(provider, fakes), show_account_selector: 'true', user_id: '1', subject: '1:team:101', decision: 'allow' })
        const answer = (await fakes.fetch(new Request(`${base()}${recipe.authorizePath}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form, redirect: 'manual' })))!
        const code = new URL(answer.headers.get('location') ?? 'x:').searchParams.get('code')
        if (!code) throw new Error(`no team code: ${answer.status} ${answer.headers.get('location')}`)
        return code
      }
      case 'team_refresh_token': {
        const body = new URLSearchParams({ grant_type: 'authorization_code', code: await get('team_code'), redirect_uri: demo.redirectUris[0]!, client_id: demo.clientId, client_secret: demo.clientSecret })
        const answer = (await fakes.fetch(new Request(`${base()}${recipe.tokenPath}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body })))!
        return String(((await answer.json()) as { refresh_token: string }).refresh_token)
      }
      case 'team_refreshed_access_token': {
        const answer = await recipe.refresh(fakes, async (n) => (n === 'refresh_token' ? get('team_refresh_token') : get(n)))
        return String(((await answer.json()) as { access_token: string }).access_token)
      }
      case 'oob_code': {
        // The out-of-band redirect shows the code on a page: `/oauth/authorize/<code>` or `…/native?code=<code>`.
        fakes.setConsent(provider, 'allow')
        const url = new URL(`${base(recipe.authorizeHost)}${recipe.authorizePath}`)
        url.search = new URLSearchParams({ client_id: demo.clientId, ...authorizeParams(provider, fakes), redirect_uri: 'urn:ietf:wg:oauth:2.0:oob' }).toString()
        const answer = (await fakes.fetch(new Request(url, { redirect: 'manual' })))!
        fakes.setConsent(provider, 'ask')
        const location = new URL(answer.headers.get('location') ?? 'about:blank')
        const code = location.searchParams.get('code') ?? decodeURIComponent(location.pathname.split('/').at(-1) ?? '')
        if (!code || answer.status !== 302) throw new Error(`no out-of-band code: ${answer.status} ${location}`)
        return code
      }
      case 'used_code':
        await get('token_response')
        return get('code')
      case 'approved_scope':
        // A grant the demo user already gave (the exchange of `{code}`), by the scope it was asked with.
        await get('token_response')
        return authorizeParams(provider, fakes).scope!
      case 'revoked_scope':
        await get('revoked_access_token')
        return authorizeParams(provider, fakes).scope!
      case 'client_credentials_token': {
        const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: demo.clientId, client_secret: demo.clientSecret })
        const answer = (await fakes.fetch(new Request(`${base(recipe.tokenHost)}${recipe.tokenPath}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body })))!
        if (answer.status !== 200) throw new Error(`client credentials answered ${answer.status} ${await answer.text()}`)
        return String(((await answer.json()) as { access_token: unknown }).access_token)
      }
      case 'exhausted_access_token': {
        // Spends the application's hourly budget (the `rateLimit` option) on its resource endpoint.
        const token = await get('access_token')
        const limit = (fakes.options(provider) as { rateLimit?: number }).rateLimit
        if (!limit) throw new Error(`${provider} has no rateLimit option`)
        const resource = `${base()}${fakes.definition(provider).endpoints.resource}`
        for (let i = 0; i < limit; i++) {
          const answer = (await fakes.fetch(new Request(resource, { headers: { authorization: `Bearer ${token}` } })))!
          if (answer.status !== 200) throw new Error(`request ${i + 1} of ${limit} answered ${answer.status}`)
        }
        return token
      }
      default:
        throw new Error(`unknown placeholder {${name}}`)
    }
  }
}
