/**
 * A stock RFC client against the generic provider: oauth4webapi (panva's OAuth 2 client for
 * web-platform runtimes) discovers the endpoints from the RFC 8414 metadata, then runs the
 * authorization code grant with PKCE S256 (checking `state` and RFC 9207 `iss`), a refresh,
 * introspection, a protected resource call, revocation and client credentials — in-process (msw
 * on the real URL, and `fakes.fetch` as its customFetch) and against the standalone server.
 *
 * oauth4webapi is a devDependency (`npm i -D oauth4webapi@^3.8`). It is imported by a computed
 * specifier and typed by the subset below, so that the type check does not depend on it; without
 * it this test FAILS, saying what to install.
 */
import { setupServer } from 'msw/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { oauth2DemoClient } from '../fixtures/oauth2.ts'
import { createHandlers } from '../mocks/adapters/msw.ts'
import { type Fakes, createFakes } from '../mocks/fakes.ts'
import { type RunningServer, startServer } from '../mocks/server.ts'

type Fetch = (url: string, init: { body?: unknown; headers: Record<string, string>; method: string; redirect: 'manual'; signal?: AbortSignal }) => Promise<Response>
interface AuthorizationServer {
  issuer: string
  authorization_endpoint?: string
  token_endpoint?: string
  introspection_endpoint?: string
  revocation_endpoint?: string
  authorization_response_iss_parameter_supported?: boolean
  code_challenge_methods_supported?: string[]
}
interface TokenResult {
  access_token: string
  refresh_token?: string
  token_type: string
  expires_in?: number
  scope?: string
}
type Options = Record<symbol, unknown>
type ClientAuth = unknown
/** The part of oauth4webapi@3 this test uses (its real signatures, narrowed). */
interface Oauth4WebApi {
  customFetch: symbol
  allowInsecureRequests: symbol
  discoveryRequest(issuer: URL, options: Options & { algorithm: 'oauth2' }): Promise<Response>
  processDiscoveryResponse(issuer: URL, response: Response): Promise<AuthorizationServer>
  ClientSecretBasic(secret: string): ClientAuth
  generateRandomCodeVerifier(): string
  calculatePKCECodeChallenge(verifier: string): Promise<string>
  generateRandomState(): string
  validateAuthResponse(as: AuthorizationServer, client: { client_id: string }, parameters: URL, expectedState: string): URLSearchParams
  authorizationCodeGrantRequest(as: AuthorizationServer, client: { client_id: string }, auth: ClientAuth, callback: URLSearchParams, redirectUri: string, verifier: string, options: Options): Promise<Response>
  processAuthorizationCodeResponse(as: AuthorizationServer, client: { client_id: string }, response: Response): Promise<TokenResult>
  refreshTokenGrantRequest(as: AuthorizationServer, client: { client_id: string }, auth: ClientAuth, refreshToken: string, options: Options): Promise<Response>
  processRefreshTokenResponse(as: AuthorizationServer, client: { client_id: string }, response: Response): Promise<TokenResult>
  introspectionRequest(as: AuthorizationServer, client: { client_id: string }, auth: ClientAuth, token: string, options: Options): Promise<Response>
  processIntrospectionResponse(as: AuthorizationServer, client: { client_id: string }, response: Response): Promise<Record<string, unknown> & { active: boolean }>
  revocationRequest(as: AuthorizationServer, client: { client_id: string }, auth: ClientAuth, token: string, options: Options): Promise<Response>
  processRevocationResponse(response: Response): Promise<undefined>
  protectedResourceRequest(accessToken: string, method: string, url: URL, headers: Headers, body: null, options: Options): Promise<Response>
  clientCredentialsGrantRequest(as: AuthorizationServer, client: { client_id: string }, auth: ClientAuth, parameters: URLSearchParams, options: Options): Promise<Response>
  processClientCredentialsResponse(as: AuthorizationServer, client: { client_id: string }, response: Response): Promise<TokenResult>
}

const SPECIFIER = 'oauth4webapi'
async function loadClient(): Promise<Oauth4WebApi> {
  try {
    return (await import(/* @vite-ignore */ SPECIFIER)) as Oauth4WebApi
  } catch (error) {
    throw new Error(`oauth4webapi is not installed: npm i -D oauth4webapi@^3.8 (${(error as Error).message})`)
  }
}

const client = { client_id: oauth2DemoClient.clientId }
const REDIRECT = oauth2DemoClient.redirectUris[0]!

/**
 * Discovery → code + PKCE + state + iss → refresh → introspect → resource → revoke → introspect,
 * then client credentials. `browse` is the user's browser: it opens the authorize URL and returns
 * where the provider redirects (consent mode `allow`).
 */
async function fullFlow(oauth: Oauth4WebApi, issuer: string, options: Options, browse: (url: URL) => Promise<Response>, fakes: Fakes): Promise<void> {
  const as = await oauth.processDiscoveryResponse(new URL(issuer), await oauth.discoveryRequest(new URL(issuer), { ...options, algorithm: 'oauth2' }))
  expect(as.issuer).toBe(issuer)
  expect(as.code_challenge_methods_supported).toEqual(['S256'])
  expect(as.authorization_response_iss_parameter_supported).toBe(true)
  const auth = oauth.ClientSecretBasic(oauth2DemoClient.clientSecret)

  const verifier = oauth.generateRandomCodeVerifier()
  const state = oauth.generateRandomState()
  const authorize = new URL(as.authorization_endpoint!)
  for (const [k, v] of Object.entries({ client_id: client.client_id, redirect_uri: REDIRECT, response_type: 'code', scope: 'profile email', state, code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' })) authorize.searchParams.set(k, v)
  fakes.setConsent('oauth2', 'allow')
  const redirect = await browse(authorize)
  expect(redirect.status).toBe(302)
  const callback = new URL(redirect.headers.get('location')!)
  // state and iss checked by the library (RFC 9207: the metadata says iss is always sent).
  const params = oauth.validateAuthResponse(as, client, callback, state)
  const wrongIss = new URL(callback)
  wrongIss.searchParams.set('iss', 'https://attacker.example')
  expect(() => oauth.validateAuthResponse(as, client, wrongIss, state)).toThrow()

  const tokens = await oauth.processAuthorizationCodeResponse(as, client, await oauth.authorizationCodeGrantRequest(as, client, auth, params, REDIRECT, verifier, options))
  expect(tokens).toMatchObject({ token_type: 'bearer', expires_in: 3600, scope: 'profile email' })
  expect(tokens.refresh_token).toEqual(expect.any(String))

  const refreshed = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token!, options))
  expect(refreshed.refresh_token).not.toBe(tokens.refresh_token)

  const active = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, auth, refreshed.access_token, options))
  expect(active).toMatchObject({ active: true, client_id: client.client_id, scope: 'profile email', sub: '1', iss: issuer })

  const me = await oauth.protectedResourceRequest(refreshed.access_token, 'GET', new URL(`${issuer}/me`), new Headers(), null, options)
  expect(me.status).toBe(200)
  expect(await me.json()).toMatchObject({ sub: '1', email: 'ada@oauth2.example' })

  // Revoking the refresh token takes the grant's access token with it (RFC 7009 §2.1).
  await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, auth, refreshed.refresh_token!, options))
  const inactive = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, auth, refreshed.access_token, options))
  expect(inactive.active).toBe(false)

  const app = await oauth.processClientCredentialsResponse(as, client, await oauth.clientCredentialsGrantRequest(as, client, auth, new URLSearchParams({ scope: 'read' }), options))
  expect(app).toMatchObject({ scope: 'read', expires_in: 3600 })
}

describe('oauth4webapi against oauth2 in-process, through msw on https://oauth2.example', () => {
  const fakes = createFakes({ providers: ['oauth2'] })
  const server = setupServer(...createHandlers(fakes))
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
  afterAll(() => server.close())

  it('discovers, exchanges a code with PKCE, refreshes, introspects, calls the resource, revokes', async () => {
    const oauth = await loadClient()
    await fullFlow(oauth, fakes.bases('oauth2').main!, {}, (url) => fetch(url, { redirect: 'manual' }), fakes)
  })
})

describe('oauth4webapi against oauth2 in-process, fakes.fetch as its customFetch', () => {
  it('the same flow with no interception at all', async () => {
    const oauth = await loadClient()
    const fakes = createFakes({ providers: ['oauth2'] })
    const viaFakes: Fetch = async (url, init) => (await fakes.fetch(new Request(url, init as RequestInit))) ?? new Response('no fake serves this URL', { status: 404 })
    await fullFlow(oauth, fakes.bases('oauth2').main!, { [oauth.customFetch]: viaFakes }, async (url) => (await fakes.fetch(new Request(url, { redirect: 'manual' })))!, fakes)
  })
})

describe('oauth4webapi against the standalone server (port 0)', () => {
  let running: RunningServer
  beforeAll(async () => {
    running = await startServer({ port: 0, providers: ['oauth2'] })
  })
  afterAll(() => running.close())

  it('discovers at /.well-known/oauth-authorization-server/oauth2 (RFC 8414 §3.1) and runs the same flow over HTTP', async () => {
    const oauth = await loadClient()
    await fullFlow(oauth, `${running.url}/oauth2`, { [oauth.allowInsecureRequests]: true }, (url) => fetch(url, { redirect: 'manual' }), running.fakes)
    expect(running.fakes.requests('oauth2').some((r) => r.url === `${running.url}/.well-known/oauth-authorization-server/oauth2` && r.status === 200)).toBe(true)
  })
})
