/**
 * User-defined providers, from the worked example in docs/providers/custom.md (read from the doc,
 * so the doc cannot drift): served in-process on its declared hosts through msw, standalone under
 * `/<id>`, declared in a config file, refused with the field named when wrong, and judged by the
 * conformance suite with the reference client.
 */
import { readFileSync } from 'node:fs'
import { setupServer } from 'msw/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../cli/config.ts'
import { runConformance } from '../conformance/index.ts'
import { createHandlers } from '../mocks/adapters/msw.ts'
import { type CustomProviderSpec, createFakes, startServer } from '../mocks/index.ts'
import type { RunningServer } from '../mocks/server.ts'

const doc = readFileSync('docs/providers/custom.md', 'utf8')
const github = JSON.parse(/<!-- example: github -->\s*```json\n([\s\S]*?)\n```/.exec(doc)![1]!) as CustomProviderSpec & { clients: Array<{ clientId: string; clientSecret: string; redirectUris: string[] }> }
const app = github.clients[0]!
const REDIRECT = app.redirectUris[0]!

describe('the documented GitHub-like provider, in-process (msw on github.com and api.github.com)', () => {
  const fakes = createFakes({ customProviders: [github] })
  const server = setupServer(...createHandlers(fakes))
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
  afterAll(() => server.close())

  async function code(scope = 'read:user'): Promise<string> {
    fakes.setConsent('github', 'allow')
    const url = new URL('https://github.com/login/oauth/authorize')
    url.search = new URLSearchParams({ client_id: app.clientId, redirect_uri: REDIRECT, scope, state: 'xyz' }).toString()
    const answer = await fetch(url, { redirect: 'manual' })
    const location = new URL(answer.headers.get('location')!)
    expect([...location.searchParams.keys()]).toEqual(['code', 'state'])
    return location.searchParams.get('code')!
  }
  const exchange = (c: string, accept?: string) =>
    fetch('https://github.com/login/oauth/access_token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(accept ? { accept } : {}) },
      body: new URLSearchParams({ client_id: app.clientId, client_secret: app.clientSecret, code: c, redirect_uri: REDIRECT }),
    })

  it('runs alongside the built-in providers', () => {
    expect(fakes.providers).toEqual(['calcom', 'bookingsync', 'zapier', 'oauth2', 'github'])
    expect(fakes.demoClient('github').clientId).toBe(app.clientId)
  })

  it('answers the token form-urlencoded by default, gho_/ghr_ tokens, comma-joined scopes', async () => {
    const answer = await exchange(await code('read:user user:email'))
    expect(answer.status).toBe(200)
    expect(answer.headers.get('content-type')).toMatch(/^application\/x-www-form-urlencoded/)
    const body = new URLSearchParams(await answer.text())
    expect([...body.keys()]).toEqual(['access_token', 'token_type', 'expires_in', 'refresh_token', 'scope'])
    expect(body.get('access_token')).toMatch(/^gho_[A-Za-z0-9]{36}$/)
    expect(body.get('refresh_token')).toMatch(/^ghr_[A-Za-z0-9]{76}$/)
    expect(body.get('token_type')).toBe('bearer')
    expect(body.get('expires_in')).toBe('28800')
    expect(body.get('scope')).toBe('read:user,user:email')
  })

  it('answers JSON when asked, and a replayed code with HTTP 200 and GitHub’s error code', async () => {
    const c = await code()
    const first = await exchange(c, 'application/json')
    expect(first.headers.get('content-type')).toBe('application/json')
    expect(await first.json()).toMatchObject({ token_type: 'bearer', scope: 'read:user' })
    const replay = await exchange(c, 'application/json')
    expect(replay.status).toBe(200)
    expect(await replay.json()).toEqual({ error: 'bad_verification_code', error_description: 'the code was already used: the tokens issued for it are revoked' })
    const wrongSecret = await fetch('https://github.com/login/oauth/access_token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ client_id: app.clientId, client_secret: 'nope', code: await code() }) })
    expect(wrongSecret.status).toBe(200)
    expect(new URLSearchParams(await wrongSecret.text()).get('error')).toBe('incorrect_client_credentials')
  })

  it('serves /user on api.github.com only: the user as declared; RFC 6750 challenges', async () => {
    const token = new URLSearchParams(await (await exchange(await code())).text()).get('access_token')!
    const user = await fetch('https://api.github.com/user', { headers: { authorization: `Bearer ${token}` } })
    expect(await user.json()).toEqual({ id: 583231, login: 'octocat', name: 'The Octocat', email: 'octocat@github.example', type: 'User', site_admin: false })
    expect((await fetch('https://github.com/user', { headers: { authorization: `Bearer ${token}` } })).status).toBe(404)
    const gist = new URLSearchParams(await (await exchange(await code('gist'))).text()).get('access_token')!
    const forbidden = await fetch('https://api.github.com/user', { headers: { authorization: `Bearer ${gist}` } })
    expect(forbidden.status).toBe(403)
    expect(forbidden.headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/)
    // What the declaration removed is not there.
    expect((await fetch('https://github.com/.well-known/oauth-authorization-server')).status).toBe(404)
  })

  it('rotates refresh tokens, the clock expiring access tokens after 8 hours', async () => {
    const first = new URLSearchParams(await (await exchange(await code())).text())
    fakes.advanceClock(28801)
    expect((await fetch('https://api.github.com/user', { headers: { authorization: `Bearer ${first.get('access_token')}` } })).status).toBe(401)
    const refresh = (token: string) => fetch('https://github.com/login/oauth/access_token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: new URLSearchParams({ client_id: app.clientId, client_secret: app.clientSecret, grant_type: 'refresh_token', refresh_token: token }) })
    const refreshed = (await (await refresh(first.get('refresh_token')!)).json()) as { access_token: string; refresh_token: string }
    expect(refreshed.refresh_token).toMatch(/^ghr_/)
    expect((await fetch('https://api.github.com/user', { headers: { authorization: `Bearer ${refreshed.access_token}` } })).status).toBe(200)
    expect(await (await refresh(first.get('refresh_token')!)).json()).toMatchObject({ error: 'bad_verification_code' })
  })
})

describe('the documented GitHub-like provider, standalone and from a config file', () => {
  let running: RunningServer
  beforeAll(async () => {
    const config = parseConfig(JSON.stringify({ customProviders: [github] }), 'oauth-fakes.config.json')
    running = await startServer({ port: 0, customProviders: config.customProviders })
  })
  afterAll(() => running.close())

  it('serves every host under /github, lists it on the index, and takes it at the control API', async () => {
    const index = (await (await fetch(`${running.url}/`, { headers: { accept: 'application/json' } })).json()) as { providers: Array<{ id: string; endpoints: Record<string, string> }> }
    const listed = index.providers.find((p) => p.id === 'github')!
    expect(listed.endpoints.token).toBe(`${running.url}/github/login/oauth/access_token`)
    const consent = await fetch(`${running.url}/__admin/consent`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'github', mode: 'allow' }) })
    expect(consent.status).toBe(200)
    const authorize = new URL(`${running.url}/github/login/oauth/authorize`)
    authorize.search = new URLSearchParams({ client_id: app.clientId, redirect_uri: REDIRECT, scope: 'user', state: 's' }).toString()
    const code = new URL((await fetch(authorize, { redirect: 'manual' })).headers.get('location')!).searchParams.get('code')!
    const token = (await (
      await fetch(`${running.url}/github/login/oauth/access_token`, { method: 'POST', headers: { accept: 'application/json', authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ code, redirect_uri: REDIRECT }) })
    ).json()) as { access_token: string }
    const user = await fetch(`${running.url}/github/user`, { headers: { authorization: `Bearer ${token.access_token}` } })
    expect(((await user.json()) as { login: string }).login).toBe('octocat')
    // A tenant has it too.
    expect((await fetch(`${running.url}/t/ci-1/github/user`)).status).toBe(401)
  })

  it('the control API refuses a provider that is not running', async () => {
    const answer = await fetch(`${running.url}/__admin/consent`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'gitlab', mode: 'allow' }) })
    expect(answer.status).toBe(400)
    expect(await answer.text()).toMatch(/gitlab/)
  })
})

describe('a declaration that cannot work is refused, naming the field', () => {
  it.each<[string, CustomProviderSpec, RegExp]>([
    ['a built-in id', { id: 'zapier', title: 'Z' }, /customProviders\.0\.id: is a built-in provider/],
    ['a path prefix the server needs', { id: 't', title: 'T' }, /customProviders\.0\.id/],
    ['tokens a guesser could find', { id: 'weak', title: 'W', accessToken: { format: 'hex', length: 16 } }, /customProviders\.0\.accessToken\.length: the random part carries 64 bits/],
    ['an endpoint on an undeclared host', { id: 'h', title: 'H', paths: { resource: { path: '/me', host: 'api' } } }, /customProviders\.0\.paths\.resource\.host: "api" is not one of hosts \(main\)/],
    ['two endpoints on one path', { id: 'p', title: 'P', paths: { token: '/authorize' } }, /customProviders\.0\.paths\.token: "\/authorize" is also paths\.authorize/],
    ['a default scope it does not know', { id: 's', title: 'S', scopes: { known: ['a'], defaults: ['b'] } }, /customProviders\.0\.scopes\.defaults: "b" is not in scopes\.known/],
    ['an unknown field', { id: 'u', title: 'U', colour: 'red' } as unknown as CustomProviderSpec, /customProviders\.0: Unrecognized key/],
  ])('%s', (_what, spec, message) => {
    expect(() => createFakes({ customProviders: [spec] })).toThrow(message)
  })

  it('the same id twice', () => {
    expect(() => createFakes({ customProviders: [{ id: 'twice', title: 'A' }, { id: 'twice', title: 'B' }] })).toThrow(/customProviders\.1\.id: "twice" is declared twice/)
  })

  it('in a config file: the file and the field', () => {
    expect(() => parseConfig(JSON.stringify({ customProviders: [{ id: 'x', title: 'X', codeLifetimeSeconds: -1 }] }), 'oauth-fakes.config.json')).toThrow(/oauth-fakes\.config\.json: customProviders\.0\.codeLifetimeSeconds/)
  })
})

describe('a declaration with nothing but an id and a title is the generic provider on its own host', () => {
  it('metadata with its issuer, PKCE, iss', async () => {
    const fakes = createFakes({ providers: ['acme'], customProviders: [{ id: 'acme', title: 'Acme' }] })
    const metadata = (await (await fakes.fetch(new Request('https://acme.example/.well-known/oauth-authorization-server')))!.json()) as Record<string, unknown>
    expect(metadata).toMatchObject({ issuer: 'https://acme.example', token_endpoint: 'https://acme.example/token', code_challenge_methods_supported: ['S256'] })
    expect(fakes.options('acme')).toEqual({ pkceRequired: 'public-clients', refreshRotation: 'rotate', issParameter: true })
    expect(fakes.demoClient('acme').clientId).toBe('acme-demo-client')
  })
})

describe('the conformance suite on declared providers', () => {
  it('the reference client passes every check against the documented GitHub-like provider and a default one', { timeout: 120_000 }, async () => {
    const report = await runConformance({ providers: ['github', 'acme'], customProviders: [github, { id: 'acme', title: 'Acme' }], command: 'node fixtures/clients/reference.mjs' })
    const notPassed = report.providers.flatMap((p) => p.checks.filter((c) => c.status !== 'SUCCESS').map((c) => `${p.provider}:${c.id} ${c.status}: ${c.details.actual}`))
    expect(notPassed).toEqual([])
    const ids = (p: string) => report.providers.find((r) => r.provider === p)!.checks.map((c) => c.id)
    // GitHub has no metadata: no PKCE, metadata or iss checks; its refresh tokens rotate.
    expect(ids('github')).not.toContain('iss-mismatch-rejected')
    expect(ids('github')).toContain('refresh-rotation')
    expect(ids('acme')).toEqual(expect.arrayContaining(['pkce-challenge', 'metadata-endpoints', 'iss-missing-rejected']))
  })
})
