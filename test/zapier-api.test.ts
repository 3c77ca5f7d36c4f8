/**
 * Zapier's API (api.zapier.com): what the behaviour tables in docs/providers/zapier.md cannot
 * express — data that depends on the token's user and scopes, following pagination links, the
 * promotions endpoint used twice, the control API's faults, the two hosts — in-process and over
 * HTTP.
 */
import { expect, it } from 'vitest'
import { zapierApps, zapierCategories, zapierDemoClient as demo, zapierPromotionEnrollments, zapierZapTemplates, zapierZaps } from '../fixtures/zapier.ts'
import { type Harness, describeModes, form, locationParams } from './harness.ts'

const redirectUri = demo.redirectUris[0]!
const basic = (id = demo.clientId, secret = demo.clientSecret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`

async function userToken(h: Harness, scope: string): Promise<string> {
  await h.admin('consent', { provider: 'zapier', mode: 'allow' })
  const q = new URLSearchParams({ response_type: 'code', client_id: demo.clientId, redirect_uri: redirectUri, scope, state: 's' })
  const code = locationParams(await h.fetch(`${h.url('zapier', '/v2/authorize')}?${q}`)).get('code')!
  const init = form({ grant_type: 'authorization_code', code, redirect_uri: redirectUri })
  const res = await h.fetch(h.url('zapier', '/oauth/token/', 'auth'), { ...init, headers: { ...(init.headers as Record<string, string>), authorization: basic() } })
  expect(res.status).toBe(200)
  return ((await res.json()) as { access_token: string }).access_token
}

async function appToken(h: Harness, scope = 'promotions:write'): Promise<string> {
  const init = form({ grant_type: 'client_credentials', scope })
  const res = await h.fetch(h.url('zapier', '/oauth/token/', 'auth'), { ...init, headers: { ...(init.headers as Record<string, string>), authorization: basic() } })
  expect(res.status).toBe(200)
  return ((await res.json()) as { access_token: string }).access_token
}

const get = (h: Harness, path: string, token?: string) => h.fetch(h.url('zapier', path), token ? { headers: { authorization: `Bearer ${token}` } } : {})

interface V2Page<T> {
  links: { next: string | null; prev: string | null }
  meta: { count: number; limit: number; offset: number }
  data: T[]
}

const jacobsZaps = zapierZaps.filter((z) => z.userId === 88998899).map((z) => z.id)

describeModes('Zapier API', (h) => {
  it('lists the user\'s own zaps for zap or zap:all, and the whole account\'s for zap:account:all', async () => {
    for (const scope of ['zap', 'zap:all']) {
      const body = (await (await get(h, '/v2/zaps', await userToken(h, scope))).json()) as V2Page<{ type: string; id: string }>
      expect(Object.keys(body)).toEqual(['links', 'meta', 'data'])
      expect(body.data.map((z) => z.id).sort()).toEqual([...jacobsZaps].sort())
      expect(body.data.every((z) => z.type === 'zap')).toBe(true)
    }
    const all = (await (await get(h, '/v2/zaps', await userToken(h, 'zap:account:all'))).json()) as V2Page<unknown>
    expect(all.meta.count).toBe(zapierZaps.length)
  })

  it('pages through a v2 list by following its links', async () => {
    const token = await userToken(h, 'zap')
    const seen: string[] = []
    let url: string | null = h.url('zapier', '/v2/zaps?limit=1')
    let pages = 0
    while (url) {
      // Over HTTP the links are the server's own URLs; in-process, api.zapier.com's.
      const page = (await (await h.fetch(url, { headers: { authorization: `Bearer ${token}` } })).json()) as V2Page<{ id: string }>
      expect(page.meta).toEqual({ count: jacobsZaps.length, limit: 1, offset: pages })
      expect(page.links.prev === null).toBe(pages === 0)
      seen.push(...page.data.map((z) => z.id))
      url = page.links.next
      pages++
    }
    expect(pages).toBe(jacobsZaps.length)
    expect(seen.sort()).toEqual([...jacobsZaps].sort())
  })

  it('lists the user\'s authentications for connection:read or authentication, filtered by app', async () => {
    for (const scope of ['connection:read', 'authentication']) {
      const body = (await (await get(h, '/v2/authentications', await userToken(h, scope))).json()) as V2Page<Record<string, unknown>>
      expect(body.data).toContainEqual({ type: 'authentication', id: '500123', app: zapierApps[0]!.id, is_expired: false, title: 'Demo Embed App jacob.corwin@zapier.example' })
      expect(body.data.some((a) => a.id === '500125')).toBe(false) // Maya's
    }
    const filtered = (await (await get(h, `/v2/authentications?app=${zapierApps[1]!.id}`, await userToken(h, 'authentication'))).json()) as V2Page<{ id: string }>
    expect(filtered.data.map((a) => a.id)).toEqual(['500124'])
  })

  it('serves the client_id endpoints and the open one from the fixtures', async () => {
    const apps = (await (await get(h, `/v1/apps?client_id=${demo.clientId}&per_page=2&page=2`)).json()) as { total: number; page: number; pages: number; per_page: number; objects: Array<{ uuid: string }> }
    expect(apps).toMatchObject({ total: zapierApps.length, page: 2, pages: 2, per_page: 2 })
    expect(apps.objects).toHaveLength(1)
    const templates = (await (await get(h, `/v1/zap-templates?client_id=${demo.clientId}`)).json()) as Array<{ id: number }>
    expect(templates.map((t) => t.id)).toEqual(zapierZapTemplates.map((t) => t.id))
    const categories = (await (await get(h, '/v1/categories')).json()) as Array<{ slug: string }>
    expect(categories.map((c) => c.slug)).toEqual(zapierCategories.map((c) => c.slug))
  })

  it('serves /v2/apps and /v2/actions by client_id or by a token with zap, filling app links only for a token', async () => {
    const byClient = (await (await get(h, `/v2/apps?client_id=${demo.clientId}`)).json()) as V2Page<{ links: unknown }>
    expect(byClient.data).toHaveLength(zapierApps.length)
    expect(byClient.data.every((a) => a.links === null)).toBe(true)
    const token = await userToken(h, 'zap')
    const byToken = (await (await get(h, '/v2/apps', token)).json()) as V2Page<{ links: unknown }>
    expect(byToken.data.every((a) => a.links !== null)).toBe(true)
    const actions = (await (await get(h, `/v2/actions?app=${zapierApps[0]!.id}&action_type=WRITE`, token)).json()) as V2Page<{ app: string; action_type: string }>
    expect(actions.data.length).toBeGreaterThan(0)
    expect(actions.data.every((a) => a.app === zapierApps[0]!.id && a.action_type === 'WRITE')).toBe(true)
    // A token without zap is refused even with a valid client_id: the header wins.
    const noZap = await get(h, `/v2/apps?client_id=${demo.clientId}`, await userToken(h, 'profile'))
    expect(noZap.status).toBe(403)
  })

  it('ends a promotion enrollment once: 204, then 404 in the Promotions shape', async () => {
    const token = await appToken(h)
    const path = h.url('zapier', `/v2/promotions/${zapierPromotionEnrollments[0]!.id}`)
    expect((await h.fetch(path, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })).status).toBe(204)
    const again = await h.fetch(path, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })
    expect(again.status).toBe(404)
    expect(await again.json()).toEqual({ errors: [{ status: '404', code: 'not_found', title: 'Not Found', detail: 'Not found.' }] })
    // An app token without promotions:write is refused.
    const other = await h.fetch(h.url('zapier', `/v2/promotions/${zapierPromotionEnrollments[1]!.id}`), { method: 'DELETE', headers: { authorization: `Bearer ${await appToken(h, 'zap')}` } })
    expect(other.status).toBe(403)
  })

  it('answers an injected api fault with the errors envelope and that status, then works again', async () => {
    const token = await userToken(h, 'profile')
    await h.admin('faults', { provider: 'zapier', endpoint: 'api', status: 503, times: 1 })
    const failed = await get(h, '/v1/profiles/me', token)
    expect(failed.status).toBe(503)
    expect(await failed.json()).toEqual({
      errors: [{ status: 503, code: 'service_unavailable', title: 'ServiceUnavailable', detail: 'Service temporarily unavailable, try again later.', source: null, meta: { source: 'ZAPIER', full_details: { message: 'Service temporarily unavailable, try again later.', code: 'service_unavailable' } } }],
    })
    expect((await get(h, '/v1/profiles/me', token)).status).toBe(200)
  })

  it('answers an API request body over 1 MiB with a 4xx in the errors envelope', async () => {
    const res = await h.fetch(h.url('zapier', '/v2/promotions/enr_7f3a9c'), { method: 'DELETE', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(1024 * 1024 + 1) })
    expect(res.status).toBe(413)
    expect(((await res.json()) as { errors: Array<{ status: string }> }).errors[0]!.status).toBe('413')
  })
})

describeModes(
  'Zapier hosts in-process',
  (h) => {
    it('serves the token endpoint only on zapier.com and the API only on api.zapier.com', async () => {
      const init = form({ grant_type: 'client_credentials' })
      const wrongHost = await h.fetch('https://api.zapier.com/oauth/token/', { ...init, headers: { ...(init.headers as Record<string, string>), authorization: basic() } })
      expect(wrongHost.status).toBe(404)
      expect((await h.fetch('https://zapier.com/v1/categories')).status).toBe(404)
      expect((await h.fetch('https://api.zapier.com/v1/categories')).status).toBe(200)
      expect(h.url('zapier', '/oauth/token/', 'auth')).toBe('https://zapier.com/oauth/token/')
    })
  },
  { modes: ['in-process'] },
)
