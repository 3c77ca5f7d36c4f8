/**
 * The standalone server as a service that may be left running: Host policy, URLs from
 * configuration, the control API's protection, the log API's paging, options and tenants.
 */
import { request as httpRequest } from 'node:http'
import { networkInterfaces } from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningServer, startServer } from '../mocks/server.ts'
import { Tenants } from '../mocks/tenants.ts'
import { createFakes } from '../mocks/fakes.ts'
import { bookingsyncDemoClient } from '../fixtures/bookingsync.ts'

/** A raw request with any Host header (fetch does not let a caller set Host). */
function raw(url: string, opts: { method?: string; host?: string; headers?: Record<string, string>; body?: string; localAddress?: string; path?: string } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const u = new URL(url)
    const req = httpRequest(
      { host: u.hostname, port: u.port, path: opts.path ?? `${u.pathname}${u.search}`, method: opts.method ?? 'GET', localAddress: opts.localAddress, headers: { ...(opts.host ? { host: opts.host } : {}), ...opts.headers } },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (body += c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      },
    )
    req.on('error', reject)
    req.end(opts.body)
  })
}

const jsonPost = (body: unknown, headers: Record<string, string> = {}) => ({ method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })

describe('the Host header never picks a route or a URL', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer({ port: 0, publicUrl: 'https://fakes.ci.example:8443', allowedHosts: ['fakes.internal:9999'] })
  })
  afterAll(() => server.close())

  it('refuses a Host that names no server of ours: 421 on provider paths, 403 on the control API', async () => {
    expect((await raw(`${server.listenUrl}/calcom/api/auth/oauth/me`, { host: 'evil.example' })).status).toBe(421)
    expect((await raw(`${server.listenUrl}/__admin/requests`, { host: 'evil.example' })).status).toBe(403)
    // The old trick: a Host carrying a path, and a provider-looking request target.
    expect((await raw(`${server.listenUrl}/requests`, { host: 'x/__admin' })).status).toBe(421)
    expect((await raw(`${server.listenUrl}/t/a/__admin/requests`, { host: 'evil.example' })).status).toBe(403)
  })

  it('answers its public name, loopback names with its port, and configured extra hosts', async () => {
    const port = new URL(server.listenUrl).port
    for (const host of ['fakes.ci.example:8443', `localhost:${port}`, `127.0.0.1:${port}`, 'fakes.internal:9999']) {
      expect((await raw(`${server.listenUrl}/calcom/api/auth/oauth/me`, { host })).status, host).toBe(401)
    }
    expect((await raw(`${server.listenUrl}/calcom/api/auth/oauth/me`, { host: 'localhost:1' })).status).toBe(421)
  })

  it('builds every absolute URL from the public URL: the out-of-band redirect, Zapier\'s slash redirect, Link headers, the index', async () => {
    const port = new URL(server.listenUrl).port
    const host = `127.0.0.1:${port}`
    const consent = await raw(`${server.listenUrl}/bookingsync/oauth/authorize`, {
      method: 'POST',
      host,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: bookingsyncDemoClient.clientId, redirect_uri: 'urn:ietf:wg:oauth:2.0:oob', response_type: 'code', scope: 'public', user_id: '11', subject: '11:account:101', decision: 'allow' }).toString(),
    })
    expect(consent.status).toBe(302)
    expect(String(consent.headers.location)).toMatch(/^https:\/\/fakes\.ci\.example:8443\/bookingsync\/oauth\/authorize\//)
    const slash = await raw(`${server.listenUrl}/zapier/oauth/authorize?x=1`, { host })
    expect(slash.headers.location).toBe('https://fakes.ci.example:8443/zapier/oauth/authorize/?x=1')
    const index = JSON.parse((await raw(`${server.listenUrl}/`, { host, headers: { accept: 'application/json' } })).body) as { providers: Array<{ endpoints: Record<string, string> }>; admin: string }
    expect(index.admin).toBe('https://fakes.ci.example:8443/__admin')
    expect(index.providers[0]!.endpoints.token).toBe('https://fakes.ci.example:8443/calcom/api/auth/oauth/token')
  })

  it('keeps an absolute-form request target on this server', async () => {
    const port = new URL(server.listenUrl).port
    const res = await raw(server.listenUrl, { path: 'http://evil.example/calcom/api/auth/oauth/me', host: `127.0.0.1:${port}` })
    expect(res.status).toBe(401)
  })
})

describe('the control API answers only its owner', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer({ port: 0 })
  })
  afterAll(() => server.close())

  it('refuses a cross-site Origin or Sec-Fetch-Site, and takes a same-origin one', async () => {
    const reset = (headers: Record<string, string>) => fetch(`${server.url}/__admin/reset`, { method: 'POST', headers })
    expect((await reset({ origin: 'https://evil.example' })).status).toBe(403)
    expect((await reset({ 'sec-fetch-site': 'cross-site' })).status).toBe(403)
    expect((await reset({ origin: 'null' })).status).toBe(403)
    expect((await reset({ origin: server.url, 'sec-fetch-site': 'same-origin' })).status).toBe(200)
    expect((await reset({})).status).toBe(200)
  })

  it('lists the control API at GET /__admin', async () => {
    const res = await fetch(`${server.url}/__admin`, { headers: { accept: 'application/json' } })
    const body = (await res.json()) as { controls: Array<{ path: string }> }
    expect(body.controls.map((c) => c.path)).toContain('/__admin/options')
  })
})

/** A non-loopback IPv4 address of this machine, to be a peer from "another host". */
function outsideAddress(): string {
  for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) if (i.family === 'IPv4' && !i.internal) return i.address
  throw new Error('this test needs a non-loopback IPv4 interface (the machine has none)')
}

describe('the control API from another address', () => {
  it('is refused without a configured token, and works only with the right token when one is set', async () => {
    const address = outsideAddress()
    const open = await startServer({ port: 0, host: '0.0.0.0', warn: () => {} })
    const guarded = await startServer({ port: 0, host: '0.0.0.0', adminToken: 's3cret-admin-token', warn: () => {} })
    try {
      const at = (s: RunningServer) => `http://${address}:${new URL(s.listenUrl).port}`
      const noToken = await raw(`${at(open)}/__admin/requests`, { localAddress: address })
      expect(noToken.status).toBe(403)
      expect(noToken.body).toContain('OAUTH_FAKES_ADMIN_TOKEN')
      // The providers themselves answer anyone.
      expect((await raw(`${at(open)}/calcom/api/auth/oauth/me`, { localAddress: address })).status).toBe(401)
      expect((await raw(`${at(guarded)}/__admin/clock`, { localAddress: address, ...jsonPost({ advanceSeconds: 1 }) })).status).toBe(401)
      expect((await raw(`${at(guarded)}/__admin/clock`, { localAddress: address, ...jsonPost({ advanceSeconds: 1 }, { authorization: 'Bearer wrong' }) })).status).toBe(401)
      const ok = await raw(`${at(guarded)}/__admin/clock`, { localAddress: address, ...jsonPost({ advanceSeconds: 1 }, { authorization: 'Bearer s3cret-admin-token' }) })
      expect(ok.status).toBe(200)
      // From this machine, no token is needed.
      expect((await fetch(`http://127.0.0.1:${new URL(guarded.listenUrl).port}/__admin/clock`, jsonPost({ advanceSeconds: 1 }))).status).toBe(200)
    } finally {
      await open.close()
      await guarded.close()
    }
  })

  it('warns at start when listening beyond loopback', async () => {
    const warnings: string[] = []
    const s = await startServer({ port: 0, host: '0.0.0.0', warn: (m) => warnings.push(m) })
    await s.close()
    expect(warnings.join('\n')).toMatch(/beyond this machine/)
  })
})

describe('the request log API', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer({ port: 0 })
  })
  afterAll(() => server.close())

  it('pages with ?after and ?limit, records the answers, and streams NDJSON', async () => {
    for (let i = 0; i < 5; i++) await fetch(`${server.url}/calcom/api/auth/oauth/me`)
    const all = (await (await fetch(`${server.url}/__admin/requests`)).json()) as Array<{ id: number; response: { status: number; body: string } }>
    expect(all).toHaveLength(5)
    expect(all[0]!.response).toMatchObject({ status: 401 })
    const page = (await (await fetch(`${server.url}/__admin/requests?after=${all[1]!.id}&limit=2`)).json()) as Array<{ id: number }>
    expect(page.map((e) => e.id)).toEqual([all[2]!.id, all[3]!.id])
    const nd = await fetch(`${server.url}/__admin/requests?limit=3`, { headers: { accept: 'application/x-ndjson' } })
    expect(nd.headers.get('content-type')).toBe('application/x-ndjson')
    expect((await nd.text()).trim().split('\n').map((l) => (JSON.parse(l) as { id: number }).id)).toEqual(all.slice(0, 3).map((e) => e.id))
    expect((await fetch(`${server.url}/__admin/requests?limit=0`)).status).toBe(400)
    expect((await fetch(`${server.url}/__admin/requests?after=x`)).status).toBe(400)
  })

  it('answers a full log of big entries as a stream, and keeps serving meanwhile', async () => {
    await fetch(`${server.url}/__admin/reset`, { method: 'POST' })
    const body = 'x'.repeat(20_000)
    for (let i = 0; i < 300; i++) await fetch(`${server.url}/zapier/oauth/token/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body })
    const [log, other] = await Promise.all([fetch(`${server.url}/__admin/requests`).then((r) => r.json() as Promise<unknown[]>), fetch(`${server.url}/calcom/api/auth/oauth/me`)])
    expect(log).toHaveLength(300)
    expect(other.status).toBe(401)
  })
})

describe('provider options at run time', () => {
  it('POST /__admin/options changes them, validated, and GET / lists the allowed values', async () => {
    const server = await startServer({ port: 0 })
    try {
      const post = (body: unknown) => fetch(`${server.url}/__admin/options`, jsonPost(body))
      const ok = await post({ provider: 'bookingsync', options: { rotation: 'on-use' } })
      expect(ok.status).toBe(200)
      expect(((await ok.json()) as { options: Record<string, unknown> }).options).toMatchObject({ rotation: 'on-use', doorkeeper: '4.2.6' })
      const bad = await post({ provider: 'bookingsync', options: { rotation: 'sometimes' } })
      expect(bad.status).toBe(400)
      expect(((await bad.json()) as { error: string }).error).toContain('options.rotation')
      const unknown = await post({ provider: 'zapier', options: { colour: 'blue' } })
      expect(unknown.status).toBe(400)
      const index = (await (await fetch(`${server.url}/`, { headers: { accept: 'application/json' } })).json()) as { options: Record<string, Record<string, { values?: string[] }>> }
      expect(index.options.bookingsync!.rotation!.values).toEqual(['immediate', 'on-use'])
    } finally {
      await server.close()
    }
  })

  it('a reset puts them back to what the server started with', async () => {
    const server = await startServer({ port: 0, options: { bookingsync: { doorkeeper: '5.6.9' } } })
    try {
      await fetch(`${server.url}/__admin/options`, jsonPost({ provider: 'bookingsync', options: { rotation: 'on-use', doorkeeper: '4.2.6' } }))
      expect(server.fakes.options('bookingsync')).toMatchObject({ rotation: 'on-use', doorkeeper: '4.2.6' })
      expect((await fetch(`${server.url}/__admin/reset`, jsonPost({}))).status).toBe(200)
      expect(server.fakes.options('bookingsync')).toMatchObject({ rotation: 'immediate', doorkeeper: '5.6.9' })
    } finally {
      await server.close()
    }
  })
})

describe('tenants', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer({ port: 0, tenants: { maxTenants: 3 } })
  })
  afterAll(() => server.close())

  const consentAllow = (t: string) => fetch(`${server.url}/t/${t}/__admin/consent`, jsonPost({ provider: 'zapier', mode: 'allow' }))

  it('run the same flow at once with their own clients, clocks and logs', async () => {
    const flow = async (tenant: string, clientId: string, advance: number) => {
      const at = `${server.url}/t/${tenant}`
      expect((await fetch(`${at}/__admin/clients`, jsonPost({ provider: 'zapier', clientId, clientSecret: `${clientId}-secret`, redirectUris: ['https://app.test/cb'] }))).status).toBe(201)
      await consentAllow(tenant)
      const authorize = await fetch(`${at}/zapier/v2/authorize?response_type=code&client_id=${clientId}&redirect_uri=https%3A%2F%2Fapp.test%2Fcb&scope=profile&state=s`, { redirect: 'manual' })
      const code = new URL(authorize.headers.get('location')!).searchParams.get('code')!
      const token = await fetch(`${at}/zapier/oauth/token/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${clientId}-secret`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: 'https://app.test/cb' }).toString(),
      })
      expect(token.status).toBe(200)
      const clock = (await (await fetch(`${at}/__admin/clock`, jsonPost({ advanceSeconds: advance }))).json()) as { now: string }
      return { access: ((await token.json()) as { access_token: string }).access_token, now: clock.now }
    }
    const [a, b] = await Promise.all([flow('job-a', 'client-a', 10), flow('job-b', 'client-b', 40_000)])
    expect(new Date(b.now).getTime() - new Date(a.now).getTime()).toBeGreaterThan(39_000_000 / 1000)
    // job-b moved its clock past the 36000 s lifetime; job-a did not.
    expect((await fetch(`${server.url}/t/job-a/zapier/v1/profiles/me`, { headers: { authorization: `Bearer ${a.access}` } })).status).toBe(200)
    expect((await fetch(`${server.url}/t/job-b/zapier/v1/profiles/me`, { headers: { authorization: `Bearer ${b.access}` } })).status).toBe(401)
    // Tokens and clients of one tenant do not exist in another, nor in the default tenant.
    expect((await fetch(`${server.url}/t/job-b/zapier/v1/profiles/me`, { headers: { authorization: `Bearer ${a.access}` } })).status).toBe(401)
    expect((await fetch(`${server.url}/zapier/v1/profiles/me`, { headers: { authorization: `Bearer ${a.access}` } })).status).toBe(401)
    const logA = (await (await fetch(`${server.url}/t/job-a/__admin/requests`)).json()) as Array<{ url: string }>
    expect(logA.length).toBeGreaterThan(0)
    expect(logA.every((e) => e.url.includes('/t/job-a/'))).toBe(true)
  })

  it('are dropped on reset, limited in number, and named safely', async () => {
    await fetch(`${server.url}/t/job-a/__admin/reset`, { method: 'POST' })
    await fetch(`${server.url}/t/job-b/__admin/reset`, { method: 'POST' })
    expect(server.tenants.size).toBe(0)
    for (const t of ['one', 'two', 'three']) expect((await fetch(`${server.url}/t/${t}/calcom/api/auth/oauth/me`)).status).toBe(401)
    const full = await fetch(`${server.url}/t/four/calcom/api/auth/oauth/me`)
    expect(full.status).toBe(503)
    expect(((await full.json()) as { error: string }).error).toMatch(/at most 3/)
    expect((await fetch(`${server.url}/t/bad%20name/calcom/api/auth/oauth/me`)).status).toBe(400)
  })

  it('are dropped after the idle time, measured on an injectable wall clock', () => {
    let now = 0
    const tenants = new Tenants(() => createFakes({ providers: ['calcom'] }), { idleSeconds: 60, now: () => now })
    tenants.get('a')
    now = 30_000
    tenants.get('b')
    now = 61_000
    expect(tenants.sweep()).toBe(1)
    expect(tenants.list().map((t) => t.name)).toEqual(['b'])
  })
})
