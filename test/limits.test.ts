/** Limits and security properties that cut across providers. */
import { describe, expect, it } from 'vitest'
import { ExpiringStore, StoreFullError, type StoredGrant } from '../mocks/engine/store.ts'
import { createFakes } from '../mocks/fakes.ts'
import { createAdminApp } from '../mocks/admin.ts'

const form = (values: Record<string, string>, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(values).toString(),
})

describe('limits', () => {
  it('keeps at most 16 KiB of a body in the request log, and says it cut it', async () => {
    const fakes = createFakes({ providers: ['calcom'] })
    await fakes.fetch(new Request('https://app.cal.com/api/auth/oauth/token', form({ grant_type: 'authorization_code', code: 'x'.repeat(200_000) })))
    const [entry] = fakes.requests('calcom')
    expect(entry!.body.length).toBe(16 * 1024)
    expect(entry!.bodyTruncated).toBe(true)
  })

  it('bounds every store by count: dead entries go first, and a live grant is never dropped (the new one is refused)', () => {
    const store = new ExpiringStore<StoredGrant>({ maxEntries: 3 })
    store.set('dead', { clientId: 'c', expiresAt: 5, revokedAt: null }, 0)
    for (const k of ['a', 'b']) store.set(k, { clientId: 'c', expiresAt: null, revokedAt: null }, 0)
    // Full, one entry expired (though within its retention window): it goes, the new one fits.
    store.set('c', { clientId: 'c', expiresAt: null, revokedAt: null }, 10)
    expect(store.lookup('dead', 10).state).toBe('unknown')
    expect(() => store.set('d', { clientId: 'c', expiresAt: null, revokedAt: null }, 10)).toThrow(StoreFullError)
    for (const k of ['a', 'b', 'c']) expect(store.lookup(k, 10).state).toBe('valid')
  })

  it('answers a token request 503 in the provider’s shape when the store is full, and keeps serving', async () => {
    // A small limit stands for the default 500,000.
    const fakes = createFakes({ providers: ['zapier'], maxGrants: 2 })
    const demo = fakes.demoClient('zapier')
    const basic = { authorization: `Basic ${Buffer.from(`${demo.clientId}:${demo.clientSecret}`).toString('base64')}` }
    for (let i = 0; i < 2; i++) expect((await fakes.fetch(new Request('https://zapier.com/oauth/token/', form({ grant_type: 'client_credentials', scope: 'promotions:write' }, basic))))!.status).toBe(200)
    const full = await fakes.fetch(new Request('https://zapier.com/oauth/token/', form({ grant_type: 'client_credentials', scope: 'promotions:write' }, basic)))
    expect(full!.status).toBe(503)
    expect(await full!.text()).toContain('"error": "temporarily_unavailable"')
    expect((await fakes.fetch(new Request('https://api.zapier.com/v1/categories')))!.status).toBe(200)
  })
})

describe('the control API refuses what it could not honour', () => {
  const admin = createAdminApp(createFakes())
  const post = (action: string, body: unknown) =>
    admin(new Request(`http://x/__admin/${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }))

  it('fault statuses without a body (1xx, 204, 205, 304)', async () => {
    for (const status of [101, 204, 304]) {
      const res = (await post('faults', { provider: 'calcom', endpoint: 'token', status, times: 1 }))!
      expect(res.status).toBe(400)
      expect(((await res.json()) as { error: string }).error).toContain('status')
    }
  })

  it('redirect URIs with a fragment (RFC 6749 §3.1.2) or a script scheme', async () => {
    for (const uri of ['https://app.test/cb#frag', 'javascript:alert(1)', 'data:text/html,hi']) {
      const res = (await post('clients', { provider: 'zapier', clientId: 'c', clientSecret: 's', redirectUris: [uri] }))!
      expect(res.status, uri).toBe(400)
      expect(((await res.json()) as { error: string }).error).toContain('redirectUris')
    }
  })

  it('unknown controls, including Object.prototype names', async () => {
    for (const action of ['toString', '__proto__', 'nope']) expect((await post(action, {}))!.status).toBe(404)
  })
})

describe('client credentials stay within the client', () => {
  it("Zapier grants only scopes the client is registered for", async () => {
    const fakes = createFakes({ providers: ['zapier'] })
    fakes.registerClient({ provider: 'zapier', clientId: 'narrow', clientSecret: 'narrow-secret', redirectUris: ['https://a.test/cb'], scopes: ['profile', 'promotions:write'] })
    const basic = { authorization: `Basic ${Buffer.from('narrow:narrow-secret').toString('base64')}` }
    const wide = await fakes.fetch(new Request('https://zapier.com/oauth/token/', form({ grant_type: 'client_credentials', scope: 'zap:account:all' }, basic)))
    expect(wide!.status).toBe(400)
    expect(await wide!.json()).toEqual({ error: 'invalid_scope' })
    const ok = await fakes.fetch(new Request('https://zapier.com/oauth/token/', form({ grant_type: 'client_credentials', scope: 'promotions:write' }, basic)))
    expect(ok!.status).toBe(200)
  })
})

describe('HTTP Basic client authentication', () => {
  const secret = 'a+b%2Fc'
  const header = (id: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` })

  it('is taken raw by BookingSync (Doorkeeper does not form-decode the credentials)', async () => {
    const fakes = createFakes({ providers: ['bookingsync'] })
    fakes.registerClient({ provider: 'bookingsync', clientId: 'raw', clientSecret: secret, redirectUris: ['https://a.test/cb'] })
    const res = await fakes.fetch(new Request('https://www.bookingsync.com/oauth/token', form({ grant_type: 'client_credentials' }, header('raw'))))
    expect(res!.status).toBe(200)
  })

  it('is form-decoded by Zapier, as RFC 6749 §2.3.1 says', async () => {
    const fakes = createFakes({ providers: ['zapier'] })
    fakes.registerClient({ provider: 'zapier', clientId: 'enc', clientSecret: 'a b/c', redirectUris: ['https://a.test/cb'] })
    const res = await fakes.fetch(new Request('https://zapier.com/oauth/token/', form({ grant_type: 'client_credentials', scope: 'promotions:write' }, header('enc'))))
    expect(res!.status).toBe(200)
  })
})

describe('idle connections', () => {
  it('closes a connection that sent only blank lines with 408 once the headers timeout has passed (not 30 s later, at Node’s default check)', async () => {
    const { listen } = await import('../mocks/adapters/node-http.ts')
    const { connect } = await import('node:net')
    // A short headers timeout stands for the default 10 s; without a check interval of its own,
    // Node enforces it only every 30 s, and this test would run into its own timeout.
    const running = await listen([async () => new Response('ok')], { host: '127.0.0.1', headersTimeoutMs: 500, requestTimeoutMs: 1000 })
    try {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(running.port, '127.0.0.1', () => socket.write('\r\n\r\n\r\n\r\n'))
        let text = ''
        socket.on('data', (c: Buffer) => (text += c.toString()))
        socket.on('close', () => resolve(text))
        socket.on('error', reject)
      })
      expect(answer).toMatch(/^HTTP\/1\.1 408 /)
    } finally {
      await running.close()
    }
  }, 25_000)
})
