/**
 * The msw adapter (mocks/adapters/msw.ts): one handler for every provider's hosts, and one (GET
 * only) for the well-known documents of bases with a path. What it intercepts is what a `<base>/*`
 * handler per base intercepted; what none of the providers serves goes on to the next handler.
 */
import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHandlers } from '../mocks/adapters/msw.ts'
import { type Fakes, createFakes } from '../mocks/fakes.ts'

/** A handler after the fakes' ones: what reaches it was passed on by them. */
const fallback = http.all('*', ({ request }) => HttpResponse.json({ fallback: `${request.method} ${request.url}` }, { headers: { 'x-fallback': '1' } }))

function intercepting(fakes: Fakes): void {
  let server: ReturnType<typeof setupServer>
  beforeAll(() => {
    server = setupServer(...createHandlers(fakes), fallback)
    server.listen({ onUnhandledRequest: 'error' })
  })
  afterAll(() => server.close())
}

describe('every built-in provider, one handler', () => {
  const fakes = createFakes()
  intercepting(fakes)

  it('is one handler for all providers and hosts (no base has a path: no well-known handler)', () => {
    expect(createHandlers(fakes)).toHaveLength(1)
  })

  it.each([
    ['calcom', 'https://app.cal.com/no-such-page'],
    ['calcom', 'https://api.cal.com/v2/no-such-route'],
    ['bookingsync', 'https://www.bookingsync.com/no-such-page'],
    ['zapier', 'https://zapier.com/no-such-page'],
    ['zapier', 'https://api.zapier.com/no-such-route'],
    ['oauth2', 'https://oauth2.example/no-such-route'],
  ] as const)('%s answers %s itself (its own 404), for any method', async (provider, url) => {
    for (const method of ['GET', 'DELETE']) {
      const before = fakes.requests(provider).length
      const answer = await fetch(url, { method })
      expect(answer.headers.get('x-fallback')).toBeNull()
      expect(answer.status).toBe(404)
      expect(fakes.requests(provider).length).toBe(before + 1)
      expect(fakes.requests(provider).at(-1)!.url).toBe(url)
    }
  })

  it('answers a real endpoint with its query', async () => {
    const answer = await fetch('https://app.cal.com/api/auth/oauth/me?x=1')
    expect(answer.status).toBe(401)
    expect(await answer.json()).toEqual({ message: 'Unauthorized' })
  })

  it('passes on what no provider serves', async () => {
    const answer = await fetch('https://elsewhere.example/api/auth/oauth/me')
    expect(answer.headers.get('x-fallback')).toBe('1')
    // A host that only starts like a provider's is not the provider's.
    expect((await fetch('https://app.cal.com.evil.example/x')).headers.get('x-fallback')).toBe('1')
  })

  it('a path with a malformed percent-escape reaches the provider (msw decoded a path pattern’s capture and answered 500 URIError)', async () => {
    const answer = await fetch('https://api.zapier.com/v4/%ZZ')
    expect(answer.status).toBe(404)
    expect(((await answer.json()) as { errors: Array<{ code: string }> }).errors[0]!.code).toBe('not_found')
    expect((await fetch('https://app.cal.com/%E0%A4%A')).status).toBe(404)
  })
})

describe('a base with a path (RFC 8414 §3.1 well-known document at the origin root)', () => {
  const fakes = createFakes({ providers: ['oauth2'], bases: { oauth2: 'https://idp.example/tenant-a' } })
  intercepting(fakes)

  it('is two handlers: the bases, and GET of the well-known documents', () => {
    expect(createHandlers(fakes)).toHaveLength(2)
  })

  it('answers GET of the inserted well-known path, and only GET', async () => {
    const answer = await fetch('https://idp.example/.well-known/oauth-authorization-server/tenant-a')
    expect(answer.status).toBe(200)
    expect(((await answer.json()) as { issuer: string }).issuer).toBe('https://idp.example/tenant-a')
    const post = await fetch('https://idp.example/.well-known/oauth-authorization-server/tenant-a', { method: 'POST' })
    expect(post.headers.get('x-fallback')).toBe('1')
  })

  it('answers below the base, and passes on the rest of the origin', async () => {
    expect((await fetch('https://idp.example/tenant-a/.well-known/oauth-authorization-server')).status).toBe(200)
    expect((await fetch('https://idp.example/tenant-a/no-such-route')).headers.get('x-fallback')).toBeNull()
    expect((await fetch('https://idp.example/tenant-b/token')).headers.get('x-fallback')).toBe('1')
    expect((await fetch('https://idp.example/tenant-ab/token')).headers.get('x-fallback')).toBe('1')
    expect((await fetch('https://idp.example/.well-known/oauth-authorization-server/tenant-b')).headers.get('x-fallback')).toBe('1')
  })
})

describe('providers on one origin', () => {
  // oauth2 serves the whole origin; Zapier's bases are below it. The first provider in `providers` answers, as its handler came first.
  const bases = { oauth2: 'https://shared.example', zapier: { api: 'https://shared.example/zapier-api', auth: 'https://shared.example/zapier-auth' } }
  const first = createFakes({ providers: ['zapier', 'oauth2'], bases })
  const second = createFakes({ providers: ['oauth2', 'zapier'], bases })

  describe('zapier listed first', () => {
    intercepting(first)
    it('Zapier answers below its bases, oauth2 the rest', async () => {
      await fetch('https://shared.example/zapier-auth/oauth/token/', { method: 'POST' })
      await fetch('https://shared.example/token', { method: 'POST' })
      expect(first.requests('zapier').map((r) => r.path)).toEqual(['/oauth/token/'])
      expect(first.requests('oauth2').map((r) => r.path)).toEqual(['/token'])
    })
  })

  describe('oauth2 listed first', () => {
    intercepting(second)
    it('oauth2 answers everything on its origin', async () => {
      await fetch('https://shared.example/zapier-auth/oauth/token/', { method: 'POST' })
      expect(second.requests('zapier')).toEqual([])
      expect(second.requests('oauth2').map((r) => r.path)).toEqual(['/zapier-auth/oauth/token/'])
    })
  })
})

describe('fakes mounted on relative paths (the standalone server’s)', () => {
  it('have no URL to intercept: no handler', () => {
    expect(createHandlers(createFakes({ mount: 'prefixes' }))).toEqual([])
  })
})
