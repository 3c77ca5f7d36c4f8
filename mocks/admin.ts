/**
 * The control API (contract §3): `/__admin/*`, JSON in and out, over the same functions a test
 * calls in-process. Bad input → 400 `{"error":"…"}` naming the field.
 */
import { z } from 'zod'
import { CONTROL_ENDPOINTS, PROVIDER_IDS } from './engine/controls.ts'
import { json } from './engine/http.ts'
import { mediaType } from './engine/params.ts'
import type { Fakes } from './fakes.ts'

const provider = z.enum(PROVIDER_IDS)
const clientId = z.string().regex(/^[\x21-\x7e]{1,200}$/, 'must be 1-200 printable ASCII characters')
const absoluteUri = z
  .string()
  .max(2000)
  .refine((v) => URL.canParse(v), 'must be an absolute URI')
  // RFC 6749 §3.1.2: "The endpoint URI MUST NOT include a fragment component."
  .refine((v) => !v.includes('#'), 'must not include a fragment')
  // Nothing a browser would run instead of navigate to.
  .refine((v) => !/^\s*(javascript|data|vbscript|blob):/i.test(v), 'must not be a javascript:, data:, vbscript: or blob: URI')

const schemas = {
  clients: z
    .object({
      provider,
      clientId,
      // Required unless `public` (checked below, once the rest is valid).
      clientSecret: z.string().min(1).max(500).optional(),
      redirectUris: z.array(absoluteUri).min(1).max(50),
      name: z.string().max(200).optional(),
      scopes: z.array(z.string().max(100)).max(100).nullable().optional(),
      logo: z.string().max(100_000).nullable().optional(),
      // RFC 6749 §2.1: a public client has no secret (cal.com v2 then requires PKCE).
      public: z.boolean().optional(),
    })
    .superRefine((c, ctx) => {
      if (c.public === true && c.clientSecret !== undefined) ctx.addIssue({ code: 'custom', path: ['clientSecret'], message: 'must be absent for a public client' })
      if (c.public !== true && c.clientSecret === undefined) ctx.addIssue({ code: 'custom', path: ['clientSecret'], message: 'required unless public is true' })
    }),
  clock: z.object({ advanceSeconds: z.number().finite().min(0).max(100 * 365 * 24 * 3600) }),
  consent: z.object({ provider: z.union([provider, z.literal('*')]), mode: z.enum(['ask', 'allow', 'deny']) }),
  revoke: z.object({ provider, clientId: z.string() }),
  faults: z.object({
    provider,
    endpoint: z.enum(CONTROL_ENDPOINTS),
    // 1xx cannot be answered, and a Response with 204/205/304 has no body for the error shape.
    status: z.number().int().min(200).max(599).refine((s) => ![204, 205, 304].includes(s), 'must be a status that carries a body (not 204, 205 or 304)'),
    times: z.number().int().min(1).max(1_000_000).default(1),
  }),
}

function badRequest(message: string): Response {
  return json({ error: message }, 400)
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0]!
  const field = issue.path.join('.') || 'body'
  return `${field}: ${issue.message}`
}

/** `(Request) => Promise<Response | undefined>` for paths under `/__admin`. */
export function createAdminApp(fakes: Fakes, prefix = '/__admin') {
  return async function admin(request: Request): Promise<Response | undefined> {
    const url = new URL(request.url)
    if (url.pathname !== prefix && !url.pathname.startsWith(`${prefix}/`)) return undefined
    const action = url.pathname.slice(prefix.length + 1)
    const method = request.method.toUpperCase()

    if (action === 'requests') {
      if (method !== 'GET') return json({ error: 'method: use GET' }, 405)
      const p = url.searchParams.get('provider')
      if (p === null) return json(fakes.requests())
      const parsed = provider.safeParse(p)
      if (!parsed.success) return badRequest(`provider: must be one of ${PROVIDER_IDS.join(', ')}`)
      return json(fakes.requests(parsed.data))
    }
    if (action === 'reset') {
      if (method !== 'POST') return json({ error: 'method: use POST' }, 405)
      fakes.reset()
      return json({ ok: true })
    }
    if (!Object.hasOwn(schemas, action)) return json({ error: `path: unknown control ${url.pathname}` }, 404)
    if (method !== 'POST') return json({ error: 'method: use POST' }, 405)
    if (mediaType(request.headers.get('content-type')) !== 'application/json') return badRequest('content-type: must be application/json')
    let body: unknown
    try {
      const text = await request.text()
      if (text.length > 1_000_000) return badRequest('body: too large')
      body = JSON.parse(text)
    } catch {
      return badRequest('body: malformed JSON')
    }
    try {
      switch (action) {
        case 'clients': {
          const r = schemas.clients.safeParse(body)
          if (!r.success) return badRequest(describe(r.error))
          if (!fakes.providers.includes(r.data.provider)) return badRequest(`provider: "${r.data.provider}" is not running`)
          return json(fakes.registerClient(r.data), 201)
        }
        case 'clock': {
          const r = schemas.clock.safeParse(body)
          if (!r.success) return badRequest(describe(r.error))
          return json(fakes.advanceClock(r.data.advanceSeconds))
        }
        case 'consent': {
          const r = schemas.consent.safeParse(body)
          if (!r.success) return badRequest(describe(r.error))
          fakes.setConsent(r.data.provider, r.data.mode)
          return json({ provider: r.data.provider, mode: r.data.mode })
        }
        case 'revoke': {
          const r = schemas.revoke.safeParse(body)
          if (!r.success) return badRequest(describe(r.error))
          return json({ provider: r.data.provider, clientId: r.data.clientId, revoked: fakes.revoke(r.data.provider, r.data.clientId) })
        }
        case 'faults': {
          const r = schemas.faults.safeParse(body)
          if (!r.success) return badRequest(describe(r.error))
          fakes.injectFault(r.data)
          return json(r.data)
        }
      }
    } catch (error) {
      return badRequest(error instanceof Error ? error.message : String(error))
    }
    return undefined
  }
}
