/**
 * The generic provider's multi-step behaviours, which the docs tables (one request each) cannot
 * express: what a replayed code, a revoked refresh token and a reused rotated refresh token take
 * with them, a client with one redirect URI leaving it out at both ends, the consent form, and the
 * metadata at the RFC 8414 §3.1 inserted path on the standalone server (tenants too), with the
 * issuer from configuration whatever the Host header says.
 */
import { createHash } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { oauth2DemoClient, oauth2PublicDemoClient } from '../fixtures/oauth2.ts'
import { type Fakes, createFakes } from '../mocks/fakes.ts'
import { type RunningServer, startServer } from '../mocks/server.ts'

const VERIFIER = 'dBjftJeZ4CVP-mJ0gzRc4gRsQ1J9cr2LE1IpLd2BZLb0'
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url')
const REDIRECT = oauth2DemoClient.redirectUris[0]!
const BASIC = `Basic ${Buffer.from(`${oauth2DemoClient.clientId}:${oauth2DemoClient.clientSecret}`).toString('base64')}`

function harness(options: Parameters<typeof createFakes>[0] = {}) {
  const fakes = createFakes({ providers: ['oauth2'], ...options })
  const base = fakes.bases('oauth2').main!
  const send = async (path: string, init: RequestInit = {}) => (await fakes.fetch(new Request(`${base}${path}`, { redirect: 'manual', ...init })))!
  const form = (path: string, params: Record<string, string>, headers: Record<string, string> = { authorization: BASIC }) =>
    send(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(params) })
  async function code(params: Record<string, string> = {}): Promise<string> {
    fakes.setConsent('oauth2', 'allow')
    const query = new URLSearchParams({ response_type: 'code', client_id: oauth2DemoClient.clientId, redirect_uri: REDIRECT, scope: 'profile email', state: 's', ...params })
    const answer = await send(`/authorize?${query}`)
    const location = answer.headers.get('location')
    const value = location ? new URL(location).searchParams.get('code') : null
    if (!value) throw new Error(`no code: ${answer.status} ${location}`)
    return value
  }
  async function tokens(params: Record<string, string> = {}): Promise<{ access_token: string; refresh_token: string }> {
    const answer = await form('/token', { grant_type: 'authorization_code', code: await code(), redirect_uri: REDIRECT, ...params })
    expect(answer.status).toBe(200)
    return (await answer.json()) as { access_token: string; refresh_token: string }
  }
  const refresh = (token: string) => form('/token', { grant_type: 'refresh_token', refresh_token: token })
  const me = async (access: string) => (await send('/me', { headers: { authorization: `Bearer ${access}` } })).status
  return { fakes, base, send, form, code, tokens, refresh, me }
}

describe('oauth2: what a grant takes with it', () => {
  it('a replayed code fails and revokes the access and refresh token issued for it, not other grants', async () => {
    const h = harness()
    const other = await h.tokens()
    const c = await h.code()
    const first = await h.form('/token', { grant_type: 'authorization_code', code: c, redirect_uri: REDIRECT })
    const issued = (await first.json()) as { access_token: string; refresh_token: string }
    expect(await h.me(issued.access_token)).toBe(200)
    const replay = await h.form('/token', { grant_type: 'authorization_code', code: c, redirect_uri: REDIRECT })
    expect(replay.status).toBe(400)
    expect(await h.me(issued.access_token)).toBe(401)
    expect((await h.refresh(issued.refresh_token)).status).toBe(400)
    expect(await h.me(other.access_token)).toBe(200)
  })

  it('rotation: the new refresh token works, the old one does not, and the old access token lives on', async () => {
    const h = harness()
    const first = await h.tokens()
    const answer = await h.refresh(first.refresh_token)
    const second = (await answer.json()) as { access_token: string; refresh_token: string }
    expect(second.refresh_token).not.toBe(first.refresh_token)
    expect(await h.me(first.access_token)).toBe(200)
    expect((await h.refresh(first.refresh_token)).status).toBe(400)
    // Without reuse detection, the new tokens survive the stale attempt.
    expect(await h.me(second.access_token)).toBe(200)
    expect((await h.refresh(second.refresh_token)).status).toBe(200)
  })

  it('reuse detection: presenting a rotated refresh token revokes every token of its grant, and only its grant', async () => {
    const h = harness({ options: { oauth2: { refreshRotation: 'reuse-detection' } } })
    const other = await h.tokens()
    const first = await h.tokens()
    const second = (await (await h.refresh(first.refresh_token)).json()) as { access_token: string; refresh_token: string }
    const reuse = await h.refresh(first.refresh_token)
    expect(reuse.status).toBe(400)
    expect(((await reuse.json()) as { error_description: string }).error_description).toMatch(/already used/)
    expect(await h.me(second.access_token)).toBe(401)
    expect(await h.me(first.access_token)).toBe(401)
    expect((await h.refresh(second.refresh_token)).status).toBe(400)
    expect(await h.me(other.access_token)).toBe(200)
    expect((await h.refresh(other.refresh_token)).status).toBe(200)
  })

  it('revoking a refresh token revokes its grant’s access tokens (RFC 7009 §2.1); revoking an access token leaves the refresh token', async () => {
    const h = harness()
    const a = await h.tokens()
    expect((await h.form('/revoke', { token: a.refresh_token })).status).toBe(200)
    expect(await h.me(a.access_token)).toBe(401)
    const b = await h.tokens()
    expect((await h.form('/revoke', { token: b.access_token })).status).toBe(200)
    expect(await h.me(b.access_token)).toBe(401)
    expect((await h.refresh(b.refresh_token)).status).toBe(200)
  })

  it('introspection sees a refresh token go inactive once rotated', async () => {
    const h = harness()
    const a = await h.tokens()
    await h.refresh(a.refresh_token)
    const answer = await h.form('/introspect', { token: a.refresh_token })
    expect(await answer.json()).toEqual({ active: false })
  })

  it('a public client refreshes by its client_id alone and its refresh token rotates', async () => {
    const h = harness()
    h.fakes.setConsent('oauth2', 'allow')
    const query = new URLSearchParams({ response_type: 'code', client_id: oauth2PublicDemoClient.clientId, scope: 'profile', state: 's', code_challenge: CHALLENGE, code_challenge_method: 'S256' })
    const location = new URL((await h.send(`/authorize?${query}`)).headers.get('location')!)
    const none = { 'content-type': 'application/x-www-form-urlencoded' }
    // No redirect_uri at authorize (one registered): none needed at the token endpoint either (RFC 6749 §4.1.3).
    const exchanged = await h.form('/token', { grant_type: 'authorization_code', code: location.searchParams.get('code')!, client_id: oauth2PublicDemoClient.clientId, code_verifier: VERIFIER }, none)
    expect(exchanged.status).toBe(200)
    const first = (await exchanged.json()) as { refresh_token: string }
    const refreshed = await h.form('/token', { grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: oauth2PublicDemoClient.clientId }, none)
    expect(refreshed.status).toBe(200)
    expect(((await refreshed.json()) as { refresh_token: string }).refresh_token).not.toBe(first.refresh_token)
  })

  it('a PKCE code is consumed by a failed verification: the right verifier afterwards is refused', async () => {
    const h = harness()
    const c = await h.code({ code_challenge: CHALLENGE, code_challenge_method: 'S256' })
    expect((await h.form('/token', { grant_type: 'authorization_code', code: c, redirect_uri: REDIRECT, code_verifier: 'x'.repeat(43) })).status).toBe(400)
    expect((await h.form('/token', { grant_type: 'authorization_code', code: c, redirect_uri: REDIRECT, code_verifier: VERIFIER })).status).toBe(400)
  })
})

describe('oauth2: the consent form', () => {
  it('Allow on the page issues a code for the chosen user, whose claims the resource then answers', async () => {
    const h = harness()
    const query = new URLSearchParams({ response_type: 'code', client_id: oauth2DemoClient.clientId, redirect_uri: REDIRECT, scope: 'profile', state: 's' })
    const pageHtml = await (await h.send(`/authorize?${query}`)).text()
    const csrf = /name="csrf_token" value="([^"]+)"/.exec(pageHtml)![1]!
    const decision = await h.send('/authorize', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://oauth2.example' },
      body: new URLSearchParams({ ...Object.fromEntries(query), csrf_token: csrf, user_id: '2', subject: '2:user', decision: 'allow' }),
    })
    const code = new URL(decision.headers.get('location')!).searchParams.get('code')!
    const token = (await (await h.form('/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT })).json()) as { access_token: string }
    const me = await h.send('/me', { headers: { authorization: `Bearer ${token.access_token}` } })
    // `profile` only: no email.
    expect(await me.json()).toEqual({ sub: '2', name: 'Alan Turing', preferred_username: 'alan' })
  })

  it('a client name with markup is escaped on the consent page', async () => {
    const h = harness()
    h.fakes.registerClient({ provider: 'oauth2', clientId: 'x', clientSecret: 'x'.repeat(20), redirectUris: [REDIRECT], name: '<script>alert(1)</script>' })
    const query = new URLSearchParams({ response_type: 'code', client_id: 'x', redirect_uri: REDIRECT, state: '"><img src=x>' })
    const text = await (await h.send(`/authorize?${query}`)).text()
    expect(text).not.toContain('<script>alert(1)')
    expect(text).not.toContain('"><img src=x>')
    expect(text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
  })
})

describe('oauth2 standalone: metadata at RFC 8414 §3.1 paths, issuer from configuration', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer({ port: 0, providers: ['oauth2'], publicUrl: undefined })
  })
  afterAll(() => server.close())

  const rawGet = (path: string, host: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(server.listenUrl)
      const req = httpRequest({ host: url.hostname, port: url.port, path, headers: { host } }, (res) => {
        let body = ''
        res.on('data', (c: Buffer) => (body += c.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      })
      req.on('error', reject)
      req.end()
    })

  it('serves the same document at <issuer>/.well-known/… and at /.well-known/…/oauth2, with the issuer its base', async () => {
    const appended = (await (await fetch(`${server.url}/oauth2/.well-known/oauth-authorization-server`)).json()) as Record<string, string>
    const inserted = await fetch(`${server.url}/.well-known/oauth-authorization-server/oauth2`)
    expect(inserted.status).toBe(200)
    expect(await inserted.json()).toEqual(appended)
    expect(appended.issuer).toBe(`${server.url}/oauth2`)
    expect(appended.token_endpoint).toBe(`${server.url}/oauth2/token`)
  })

  it('a tenant’s metadata is at /.well-known/oauth-authorization-server/t/<tenant>/oauth2 with its own issuer', async () => {
    const answer = await fetch(`${server.url}/.well-known/oauth-authorization-server/t/job-7/oauth2`)
    expect(answer.status).toBe(200)
    expect(((await answer.json()) as { issuer: string }).issuer).toBe(`${server.url}/t/job-7/oauth2`)
  })

  it('a Host naming this server another way does not change the issuer', async () => {
    const port = new URL(server.listenUrl).port
    const answer = await rawGet('/oauth2/.well-known/oauth-authorization-server', `localhost:${port}`)
    expect(answer.status).toBe(200)
    expect((JSON.parse(answer.body) as { issuer: string }).issuer).toBe(`${server.url}/oauth2`)
  })

  it('an unknown well-known suffix is not served', async () => {
    expect((await fetch(`${server.url}/.well-known/oauth-authorization-server/nope`)).status).toBe(404)
  })
})

describe('oauth2 in-process with a base that has a path', () => {
  it('serves the RFC 8414 §3.1 inserted path on that origin', async () => {
    const fakes: Fakes = createFakes({ providers: ['oauth2'], bases: { oauth2: 'https://idp.example/tenant-a' } })
    const answer = (await fakes.fetch(new Request('https://idp.example/.well-known/oauth-authorization-server/tenant-a')))!
    expect(answer.status).toBe(200)
    expect(((await answer.json()) as { issuer: string }).issuer).toBe('https://idp.example/tenant-a')
    expect(await fakes.fetch(new Request('https://idp.example/.well-known/oauth-authorization-server/tenant-b'))).toBeUndefined()
  })
})
