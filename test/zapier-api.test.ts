import { expect, it } from 'vitest'
import { createFakes } from '../mocks/fakes.ts'
import { zapierApps, zapierCategories, zapierDemoClient as demo, zapierPromotionEnrollments, zapierZapTemplates, zapierZaps } from '../fixtures/zapier.ts'
import { type Harness, describeModes, form, locationParams } from './harness.ts'

const redirectUri = demo.redirectUris[0]!
const basic = (id = demo.clientId, secret = demo.clientSecret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`

const NOT_AUTHENTICATED = {
  errors: [
    {
      status: '401',
      code: 'not_authenticated',
      title: 'User Not Authenticated',
      detail: 'User must be authenticated to access this resource. No valid user access token was provided.',
    },
  ],
}
const PERMISSION_DENIED = { errors: [{ status: '403', code: 'permission_denied', title: 'Permission Denied', detail: 'You do not have permission to perform this action.' }] }

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

describeModes('Zapier API', (h) => {
  it('answers /v1/profiles/me with the documented one-element array for a token with profile', async () => {
    const res = await get(h, '/v1/profiles/me', await userToken(h, 'profile'))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(await res.text()).toBe(
      '[{"id":88998899,"first_name":"Jacob","last_name":"Corwin","full_name":"Jacob Corwin","email":"jacob.corwin@zapier.example","email_confirmed":true,"timezone":"America/Toronto"}]',
    )
  })

  it('answers 401 not_authenticated for a missing, unknown or non-Bearer token', async () => {
    for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: basic() }] as Array<Record<string, string>>) {
      const res = await h.fetch(h.url('zapier', '/v1/profiles/me'), { headers })
      expect(res.status).toBe(401)
      expect(await res.json()).toEqual(NOT_AUTHENTICATED)
    }
  })

  it('expires access tokens 36000 seconds after issue with 401, never 403', async () => {
    const token = await userToken(h, 'profile')
    await h.admin('clock', { advanceSeconds: 35999 })
    expect((await get(h, '/v1/profiles/me', token)).status).toBe(200)
    await h.admin('clock', { advanceSeconds: 1 })
    const res = await get(h, '/v1/profiles/me', token)
    expect(res.status).toBe(401)
    expect(await res.json()).toEqual(NOT_AUTHENTICATED)
  })

  it('answers 401 not_authenticated for a token revoked through the control API', async () => {
    const token = await userToken(h, 'profile zap')
    await h.admin('revoke', { provider: 'zapier', clientId: demo.clientId })
    for (const path of ['/v1/profiles/me', '/v2/zaps']) {
      const res = await get(h, path, token)
      expect(res.status).toBe(401)
      expect(await res.json()).toEqual(NOT_AUTHENTICATED)
    }
  })

  it('answers 403 in the same errors envelope for a valid token without the needed scope', async () => {
    const token = await userToken(h, 'zap')
    const res = await get(h, '/v1/profiles/me', token)
    expect(res.status).toBe(403)
    expect(await res.json()).toEqual(PERMISSION_DENIED)
    expect((await get(h, '/v2/authentications', token)).status).toBe(403)
  })

  it('lists the user\'s zaps in the v2 envelope for zap or zap:all, and the whole account\'s for zap:account:all', async () => {
    for (const scope of ['zap', 'zap:all']) {
      const res = await get(h, '/v2/zaps', await userToken(h, scope))
      expect(res.status).toBe(200)
      const body = (await res.json()) as { links: object; meta: { count: number }; data: Array<{ type: string; id: string }> }
      expect(Object.keys(body)).toEqual(['links', 'meta', 'data'])
      expect(body.meta.count).toBe(2)
      expect(body.data.map((z) => z.id).sort()).toEqual(zapierZaps.filter((z) => z.userId === 88998899).map((z) => z.id).sort())
      expect(body.data[0]!.type).toBe('zap')
    }
    const all = (await (await get(h, '/v2/zaps', await userToken(h, 'zap:account:all'))).json()) as { data: unknown[] }
    expect(all.data).toHaveLength(zapierZaps.length)
  })

  it('paginates v2 lists with limit and offset links', async () => {
    const token = await userToken(h, 'zap')
    const first = (await (await get(h, '/v2/zaps?limit=1', token)).json()) as { links: { next: string | null; prev: string | null }; meta: object; data: unknown[] }
    expect(first.meta).toEqual({ count: 2, limit: 1, offset: 0 })
    expect(first.data).toHaveLength(1)
    expect(first.links.prev).toBeNull()
    const next = new URL(first.links.next!)
    expect(next.pathname.endsWith('/v2/zaps')).toBe(true)
    const second = (await (await get(h, `/v2/zaps${next.search}`, token)).json()) as { links: { next: string | null; prev: string | null }; data: unknown[] }
    expect(second.data).toHaveLength(1)
    expect(second.links.next).toBeNull()
    expect(second.links.prev).not.toBeNull()
  })

  it('lists authentications in the v2 envelope for connection:read or authentication', async () => {
    for (const scope of ['connection:read', 'authentication']) {
      const res = await get(h, '/v2/authentications', await userToken(h, scope))
      expect(res.status).toBe(200)
      const body = (await res.json()) as { data: Array<Record<string, unknown>> }
      expect(body.data).toContainEqual({ type: 'authentication', id: '500123', app: zapierApps[0]!.id, is_expired: false, title: 'Demo Embed App jacob.corwin@zapier.example' })
    }
  })

  it('serves /v1/apps and /v1/zap-templates with a registered client_id and 401 without one', async () => {
    const apps = await get(h, `/v1/apps?client_id=${demo.clientId}`)
    expect(apps.status).toBe(200)
    const body = (await apps.json()) as { total: number; page: number; pages: number; per_page: number; objects: Array<{ uuid: string }> }
    expect(body.total).toBe(zapierApps.length)
    expect(body.objects.map((a) => a.uuid).sort()).toEqual(zapierApps.map((a) => a.id).sort())
    const templates = await get(h, `/v1/zap-templates?client_id=${demo.clientId}`)
    expect(((await templates.json()) as Array<{ id: number }>).map((t) => t.id)).toEqual(zapierZapTemplates.map((t) => t.id))
    for (const path of ['/v1/apps', '/v1/apps?client_id=unknown', '/v1/zap-templates']) {
      const res = await get(h, path)
      expect(res.status).toBe(401)
      expect(await res.json()).toEqual(NOT_AUTHENTICATED)
    }
  })

  it('serves /v1/categories without any authentication', async () => {
    const res = await get(h, '/v1/categories')
    expect(res.status).toBe(200)
    expect(((await res.json()) as Array<{ slug: string }>).map((c) => c.slug)).toEqual(zapierCategories.map((c) => c.slug))
  })

  it('serves /v2/apps and /v2/actions with a client_id or a Bearer token with zap, the header winning when present', async () => {
    const byClient = await get(h, `/v2/apps?client_id=${demo.clientId}`)
    expect(byClient.status).toBe(200)
    expect(((await byClient.json()) as { data: unknown[] }).data).toHaveLength(zapierApps.length)
    const token = await userToken(h, 'zap')
    expect((await get(h, '/v2/apps', token)).status).toBe(200)
    const actions = await get(h, `/v2/actions?app=${zapierApps[0]!.id}`, token)
    expect(((await actions.json()) as { data: Array<{ app: string }> }).data.every((a) => a.app === zapierApps[0]!.id)).toBe(true)
    // A bad header is not rescued by a valid client_id.
    const badHeader = await get(h, `/v2/actions?client_id=${demo.clientId}`, 'nope')
    expect(badHeader.status).toBe(401)
    expect(await badHeader.json()).toEqual(NOT_AUTHENTICATED)
    const noZap = await get(h, `/v2/apps?client_id=${demo.clientId}`, await userToken(h, 'profile'))
    expect(noZap.status).toBe(403)
    expect(await noZap.json()).toEqual(PERMISSION_DENIED)
    expect((await get(h, '/v2/actions')).status).toBe(401)
  })

  it('ends a promotion enrollment with a client-credentials app token carrying promotions:write', async () => {
    const token = await appToken(h)
    const id = zapierPromotionEnrollments[0]!.id
    const res = await h.fetch(h.url('zapier', `/v2/promotions/${id}`), { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })
    expect(res.status).toBe(204)
    const again = await h.fetch(h.url('zapier', `/v2/promotions/${id}`), { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })
    expect(again.status).toBe(404)
    expect(await again.json()).toEqual({ errors: [{ status: '404', code: 'not_found', title: 'Not Found', detail: 'Not found.' }] })
  })

  it('refuses user tokens and app tokens without promotions:write on the promotions endpoint with 403, no token with 401', async () => {
    const path = h.url('zapier', `/v2/promotions/${zapierPromotionEnrollments[1]!.id}`)
    const denied = { errors: [{ status: '403', code: 'permission_denied', title: 'Permission Denied', detail: 'This endpoint requires an app access token (client credentials) with the promotions:write scope.' }] }
    for (const token of [await userToken(h, 'promotions:write'), await appToken(h, 'zap')]) {
      const res = await h.fetch(path, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })
      expect(res.status).toBe(403)
      expect(await res.json()).toEqual(denied)
    }
    const none = await h.fetch(path, { method: 'DELETE' })
    expect(none.status).toBe(401)
    expect(await none.json()).toEqual(NOT_AUTHENTICATED)
  })

  it('refuses a client-credentials app token on user endpoints with 401 not_authenticated', async () => {
    const token = await appToken(h, 'profile zap promotions:write')
    for (const path of ['/v1/profiles/me', '/v2/zaps', '/v2/authentications']) {
      const res = await get(h, path, token)
      expect(res.status).toBe(401)
      expect(await res.json()).toEqual(NOT_AUTHENTICATED)
    }
  })

  it('answers an injected api fault with the errors envelope and that status, then works again', async () => {
    const token = await userToken(h, 'profile')
    await h.admin('faults', { provider: 'zapier', endpoint: 'api', status: 503, times: 1 })
    const failed = await get(h, '/v1/profiles/me', token)
    expect(failed.status).toBe(503)
    expect(await failed.json()).toEqual({
      errors: [{ status: '503', code: 'temporarily_unavailable', title: 'Service Unavailable', detail: 'The service is temporarily unavailable. Try again later.' }],
    })
    expect((await get(h, '/v1/profiles/me', token)).status).toBe(200)
  })

  it('answers unknown API paths with a 404 envelope, other unknown paths with a 404 page, and wrong methods with 405', async () => {
    const api = await get(h, '/v2/nothing-here')
    expect(api.status).toBe(404)
    expect(await api.json()).toEqual({ errors: [{ status: '404', code: 'not_found', title: 'Not Found', detail: 'Not found.' }] })
    const page = await h.fetch(h.url('zapier', '/nothing-here', 'auth'))
    expect(page.status).toBe(404)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    const wrong = await h.fetch(h.url('zapier', '/v1/profiles/me'), { method: 'POST' })
    expect(wrong.status).toBe(405)
    expect(await wrong.json()).toEqual({ errors: [{ status: '405', code: 'method_not_allowed', title: 'Method Not Allowed', detail: 'Method not allowed.' }] })
  })

  it('answers an API request body over 1 MiB with 413 in the errors envelope', async () => {
    const res = await h.fetch(h.url('zapier', '/v2/promotions/enr_7f3a9c'), { method: 'DELETE', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(1024 * 1024 + 1) })
    expect(res.status).toBe(413)
    expect(await res.json()).toEqual({ errors: [{ status: '413', code: 'request_too_large', title: 'Request Entity Too Large', detail: 'Request body exceeded the size limit.' }] })
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

it('answers the token path without its slash with a plain 404 when the noSlashToken option is not_found', async () => {
  const fakes = createFakes({ providers: ['zapier'], options: { zapier: { noSlashToken: 'not_found' } } })
  const res = await fakes.fetch(new Request('https://zapier.com/oauth/token', { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials' }) }))
  expect(res?.status).toBe(404)
  expect(res?.headers.get('location')).toBeNull()
})
