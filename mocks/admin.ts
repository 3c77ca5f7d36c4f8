/**
 * The control API (docs/server.md): `/__admin/*`, JSON in and out, over the same functions a test
 * calls in-process. Bad input → 400 `{"error":"…"}` naming the field.
 */
import { z } from 'zod'
import { clientFields, clientSecretRule } from './engine/client-spec.ts'
import { CONTROL_ENDPOINTS } from './engine/controls.ts'
import { json } from './engine/http.ts'
import { mediaType } from './engine/params.ts'
import { type Fakes, OptionsError } from './fakes.ts'
import type { ProviderId } from './engine/controls.ts'

/** A built-in or user-defined provider's id; whether it runs is the fakes' answer ("provider … is not running" → 400). */
const provider = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be a provider id (calcom, bookingsync, zapier, oauth2, or a declared one)')
const schemas = {
  clients: z.object({ provider, ...clientFields }).superRefine(clientSecretRule),
  clock: z.object({ advanceSeconds: z.number().finite().min(0).max(100 * 365 * 24 * 3600) }),
  consent: z.object({ provider: z.union([provider, z.literal('*')]), mode: z.enum(['ask', 'allow', 'deny']) }),
  revoke: z.object({ provider, clientId: z.string() }),
  options: z.object({ provider, options: z.record(z.string(), z.unknown()) }),
  faults: z.object({
    provider,
    endpoint: z.enum(CONTROL_ENDPOINTS),
    // 1xx cannot be answered, and a Response with 204/205/304 has no body for the error shape.
    status: z.number().int().min(200).max(599).refine((s) => ![204, 205, 304].includes(s), 'must be a status that carries a body (not 204, 205 or 304)'),
    times: z.number().int().min(1).max(1_000_000).default(1),
  }),
}

/** What `GET /__admin` lists (JSON; a browser gets the dashboard). */
export const CONTROL_API = [
  { method: 'GET', path: '/__admin/clients', body: '?provider=…', effect: 'the registered clients (demo, fixtures and registered), secrets included' },
  { method: 'POST', path: '/__admin/clients', body: '{"provider","clientId","clientSecret","redirectUris":[…],"name"?,"scopes"?,"public"?}', effect: 'registers (or replaces) a client; 201 with the client' },
  { method: 'POST', path: '/__admin/clock', body: '{"advanceSeconds":N}', effect: "moves the fakes' clock forward; 200 {\"now\"}" },
  { method: 'POST', path: '/__admin/consent', body: '{"provider"|"*","mode":"ask"|"allow"|"deny"}', effect: 'how the authorize endpoint answers' },
  { method: 'POST', path: '/__admin/revoke', body: '{"provider","clientId"}', effect: 'revokes every code and token issued to that client' },
  { method: 'POST', path: '/__admin/faults', body: '{"provider","endpoint":"token"|"refresh"|"authorize"|"api","status":N,"times":N}', effect: "the next N requests to that endpoint answer that status in the provider's error shape" },
  { method: 'POST', path: '/__admin/options', body: '{"provider","options":{…}}', effect: "changes a provider's options; 200 with the effective options" },
  { method: 'GET', path: '/__admin/requests', body: '?provider=…&after=<id>&limit=N (Accept: application/x-ndjson for NDJSON)', effect: 'the recorded requests and their answers, oldest first' },
  { method: 'POST', path: '/__admin/reset', body: '', effect: 'back to the fixtures; clock, consent, faults, options and log cleared (a tenant is dropped)' },
] as const

function badRequest(message: string): Response {
  return json({ error: message }, 400)
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0]!
  const field = issue.path.join('.') || 'body'
  return `${field}: ${issue.message}`
}

const requestsQuery = z
  .object({
    provider: provider.optional(),
    after: z.coerce.number().int().min(0).optional(),
    limit: z.coerce.number().int().min(1).max(100_000).optional(),
    format: z.enum(['json', 'ndjson']).optional(),
  })
  .strict()

/**
 * The log as a stream: a JSON array (or NDJSON), written a batch of entries at a time, so a full
 * log is never one giant string and other requests are answered between batches.
 */
function streamEntries(fakes: Fakes, options: { provider?: ProviderId; after?: number; limit?: number }, ndjson: boolean): Response {
  const entries = fakes.log.entries(options)
  const encoder = new TextEncoder()
  let opened = false
  let count = 0
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const parts: string[] = []
      if (!opened && !ndjson) parts.push('[')
      opened = true
      let finished = false
      for (let i = 0; i < 200; i++) {
        const next = entries.next()
        if (next.done) {
          finished = true
          break
        }
        parts.push(ndjson ? `${JSON.stringify(next.value)}\n` : `${count ? ',' : ''}${JSON.stringify(next.value)}`)
        count++
      }
      if (finished && !ndjson) parts.push(']')
      if (parts.length) controller.enqueue(encoder.encode(parts.join('')))
      if (finished) controller.close()
    },
  })
  return new Response(stream, { status: 200, headers: { 'content-type': ndjson ? 'application/x-ndjson' : 'application/json' } })
}

/** `(Request) => Promise<Response | undefined>` for paths under `/__admin`. */
export function createAdminApp(fakes: Fakes, prefix = '/__admin') {
  return async function admin(request: Request): Promise<Response | undefined> {
    const url = new URL(request.url)
    if (url.pathname !== prefix && !url.pathname.startsWith(`${prefix}/`)) return undefined
    const action = url.pathname.slice(prefix.length + 1)
    const method = request.method.toUpperCase()

    if (action === '' || url.pathname === prefix) {
      if (method !== 'GET') return json({ error: 'method: use GET' }, 405)
      return json({ controls: CONTROL_API, providers: fakes.providers.map((p) => ({ provider: p, options: fakes.options(p) })) })
    }
    if (action === 'requests') {
      if (method !== 'GET') return json({ error: 'method: use GET' }, 405)
      const query = requestsQuery.safeParse(Object.fromEntries(url.searchParams))
      if (!query.success) return badRequest(describe(query.error))
      if (query.data.provider !== undefined && !fakes.providers.includes(query.data.provider)) return badRequest(`provider: "${query.data.provider}" is not running`)
      const ndjson = (request.headers.get('accept') ?? '').includes('application/x-ndjson') || query.data.format === 'ndjson'
      return streamEntries(fakes, query.data, ndjson)
    }
    if (action === 'clients' && method === 'GET') {
      const provider = url.searchParams.get('provider')
      if (provider !== null && !fakes.providers.includes(provider as ProviderId)) return badRequest(`provider: "${provider}" is not running`)
      return json(fakes.clients((provider as ProviderId | null) ?? undefined))
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
        case 'options': {
          const r = schemas.options.safeParse(body)
          if (!r.success) return badRequest(describe(r.error))
          if (!fakes.providers.includes(r.data.provider)) return badRequest(`provider: "${r.data.provider}" is not running`)
          try {
            return json({ provider: r.data.provider, options: fakes.setOptions(r.data.provider, r.data.options) })
          } catch (error) {
            if (error instanceof OptionsError) return badRequest(error.message.replace(/^options\.\w+\./, 'options.'))
            throw error
          }
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
