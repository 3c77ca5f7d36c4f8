/**
 * Bad input never gets a 5xx: every route of every provider, with every method, answered for
 * malformed, repeated, wrongly typed and oversized parameters and broken credentials. A 5xx (or a
 * logged internal error) here is a bug in the fake, whatever the input.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { PROVIDER_IDS, type ProviderId } from '../mocks/engine/controls.ts'
import { createFakes } from '../mocks/fakes.ts'

const fakes = createFakes()
let errors: ReturnType<typeof vi.spyOn>
beforeAll(() => {
  errors = vi.spyOn(console, 'error').mockImplementation(() => undefined)
})
afterAll(() => errors.mockRestore())

function paths(provider: ProviderId): string[] {
  const routes = fakes.definition(provider).routes(fakes.runtime(provider))
  return [...new Set(routes.map((r) => r.path.replace(/:\w+/g, 'x%zz')))]
}

function bodies(provider: ProviderId): Array<{ type?: string; body?: string }> {
  const demo = fakes.demoClient(provider)
  const creds = { client_id: demo.clientId, client_secret: demo.clientSecret }
  const weird = { code: { a: 1 }, redirect_uri: ['x'], refresh_token: { x: [] }, scope: 7, token: {}, code_verifier: 5, state: null, user_id: [], subject: {}, decision: true }
  return [
    {},
    { type: 'application/x-www-form-urlencoded', body: 'grant_type=authorization_code&grant_type=refresh_token&code=a&code=b&client_id=c&scope=&scope=x&token=%zz' },
    { type: 'application/x-www-form-urlencoded', body: new URLSearchParams({ ...creds, grant_type: 'authorization_code', code: 'nope', redirect_uri: demo.redirectUris[0]!, decision: 'allow', user_id: 'abc', subject: '::' }).toString() },
    { type: 'application/json', body: JSON.stringify({ grant_type: { a: 1 }, code: [1, 2], client_id: 5, client_secret: null, redirect_uri: true, refresh_token: {}, scope: 7 }) },
    ...['authorization_code', 'refresh_token', 'client_credentials'].map((grant_type) => ({ type: 'application/json', body: JSON.stringify({ ...creds, grant_type, ...weird }) })),
    { type: 'application/json', body: '{"grant_type":' },
    { type: 'application/json', body: '"just a string"' },
    { type: 'multipart/form-data', body: 'no boundary here' },
    { type: 'multipart/form-data; boundary=zz', body: '--zz\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\nclient_credentials\r\n--zz--' },
    { type: 'text/plain', body: 'grant_type=client_credentials' },
  ]
}

const authorizations = [undefined, 'Basic !!!', `Basic ${Buffer.from('no-colon').toString('base64')}`, `Basic ${Buffer.from('%zz:%zz').toString('base64')}`, `Bearer ${'x'.repeat(5000)}`, 'Bearer a b', 'Bearer']
const queries = ['', '?client_id=&redirect_uri=%zz&state=%', '?apiKey=x&apiKey=y&code=%', '?page=-1&limit=abc&offset=1e309&per_page=0', '?account_id=abc&response_type=code&response_mode=fragment&scope=%00']

describe.each(PROVIDER_IDS)('%s never answers bad input with a 5xx', (provider) => {
  it('on any route, method, body, credentials and query', async () => {
    const base = Object.values(fakes.bases(provider))
    const failures: string[] = []
    const statuses = new Set<number>()
    let sent = 0
    for (const origin of base) {
      for (const path of paths(provider)) {
        for (const method of ['GET', 'POST', 'DELETE', 'PUT']) {
          for (const [i, { type, body }] of bodies(provider).entries()) {
            const authorization = authorizations[i % authorizations.length]
            const query = queries[i % queries.length]
            const headers: Record<string, string> = {}
            if (type) headers['content-type'] = type
            if (authorization) headers.authorization = authorization
            const hasBody = method !== 'GET' && body !== undefined
            const res = await fakes.fetch(new Request(`${origin}${path}${query}`, { method, headers, body: hasBody ? body : undefined }))
            sent++
            if (res) statuses.add(res.status)
            if (res && res.status >= 500) failures.push(`${method} ${origin}${path}${query} [${type ?? '-'}] ${(authorization ?? '').slice(0, 20)} → ${res.status} ${(await res.text()).slice(0, 120)}`)
          }
        }
      }
    }
    // The requests reached the routes: many answers, of several kinds, none of them a 5xx.
    expect(sent).toBeGreaterThan(200)
    expect(statuses.size).toBeGreaterThanOrEqual(3)
    expect(failures).toEqual([])
    expect(errors).not.toHaveBeenCalled()
  })
})
