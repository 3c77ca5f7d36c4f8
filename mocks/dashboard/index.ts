/**
 * The dashboard: the control API's pages for people, under the same prefix (`/__admin`,
 * `/t/<tenant>/__admin`). `GET /__admin` from a browser (Accept: text/html) and
 * `GET /__admin/dashboard` show it; JSON clients keep the control API's answer at `GET /__admin`.
 *
 * Its forms post url-encoded to `/__admin/dashboard/<control>`, call the same `Fakes` functions
 * the control API calls and redirect back (303), so everything works without JavaScript.
 *
 * Cross-site requests: the server's `adminGuard` (before this app) refuses a cross-site Origin or
 * Sec-Fetch-Site and non-loopback peers without the admin token. On top of that every form
 * carries a CSRF token, an HMAC of the dashboard's path under a random key of this process,
 * compared in constant time: a page elsewhere cannot read it (the dashboard sends no CORS
 * headers), and it holds where the Origin header is missing (older browsers, proxies that strip
 * it). A token does not expire; it changes when the process restarts.
 *
 * Live updates: `GET …/dashboard/events?provider=&after=<id>` is a server-sent event stream fed by
 * `fakes.log.subscribe`; each event carries one arrow of the diagram, rendered here. The
 * subscription ends when the peer goes away (the node adapter cancels the stream on close).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { z } from 'zod'
import { CONTROL_ENDPOINTS, type ProviderId } from '../engine/controls.ts'
import { html } from '../engine/http.ts'
import type { RecordedRequest } from '../engine/log.ts'
import { mediaType } from '../engine/params.ts'
import type { Fakes } from '../fakes.ts'
import type { TenantInfo } from '../tenants.ts'
import { formatDuration } from '../ui/exchange.ts'
import { sequenceRow } from '../ui/sequence-diagram.ts'
import { type DashboardContext, diagramOptions, dashboardUrl, mainPage, messagePage, requestFragment, requestPage, statePage } from './pages.ts'

export interface DashboardOptions {
  fakes: Fakes
  /** The control API's path, the server's base path included (`/__admin`, `/t/job-42/__admin`). */
  prefix: string
  /** The tenant these fakes are; `null` or absent for the default one. */
  tenant?: string | null
  /** The server's tenants now (for the tenant list). */
  tenants?: () => readonly TenantInfo[]
  /** The server's base path (`''` unless its public URL has a path). */
  root?: string
  /** The CSRF tokens' key (default: a random key of this process). */
  csrfKey?: Uint8Array
}

export type DashboardApp = (request: Request) => Promise<Response | undefined>

// One key per process: tokens stay valid across tenants' dashboards, and die with the process.
const PROCESS_KEY = randomBytes(32)

/** The CSRF token of the dashboard at `prefix`. */
export function csrfToken(prefix: string, key: Uint8Array = PROCESS_KEY): string {
  return createHmac('sha256', key).update(`oauth-fakes dashboard ${prefix}`).digest('base64url')
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.byteLength === b.byteLength && timingSafeEqual(a, b)
}

/** The q-value an Accept header gives a media type (0 when absent; wildcards ignored). */
function quality(accept: string, type: string): number {
  for (const part of accept.split(',')) {
    const [name, ...params] = part.trim().split(';')
    if (name?.trim().toLowerCase() !== type) continue
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/i.exec(p)?.[1]).find((v) => v !== undefined)
    return q === undefined ? 1 : Number(q) || 0
  }
  return 0
}

/** A browser navigating (Accept: text/html…), not a JSON client: the bare `GET /__admin` stays JSON for `*​/*`. */
export function wantsHtml(request: Request): boolean {
  const accept = request.headers.get('accept') ?? ''
  const h = quality(accept, 'text/html')
  return h > 0 && h > quality(accept, 'application/json')
}

const SECURITY_HEADERS = (nonce: string | null) => ({
  // Nothing loads from anywhere; the one script runs by its nonce; forms post here only; no framing.
  'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; img-src data:; ${nonce ? `script-src 'nonce-${nonce}'; ` : ''}connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  // Not `no-referrer`: with it Chromium sends `Origin: null` on the forms' posts, which the admin guard refuses.
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
})

/** A built-in or user-defined provider's id (`providerOf` and the fakes check it is running). */
const provider = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/)
const forms = {
  clock: z.object({ provider, seconds: z.coerce.number().finite().min(0).max(100 * 365 * 24 * 3600) }),
  consent: z.object({ provider, mode: z.enum(['ask', 'allow', 'deny']) }),
  fault: z.object({
    provider,
    endpoint: z.enum(CONTROL_ENDPOINTS),
    // The control API's rule: a status that carries a body (the provider's error shape).
    status: z.coerce.number().int().min(200).max(599).refine((s) => ![204, 205, 304].includes(s), 'must carry a body (not 204, 205 or 304)'),
    times: z.coerce.number().int().min(1).max(1_000_000),
  }),
  revoke: z.object({ provider, clientId: z.string().min(1).max(200) }),
  reset: z.object({ provider }),
} as const
type FormName = keyof typeof forms

/** What the page says after a control ran: built from validated values only, never echoed text. */
function noticeFor(fakes: Fakes, query: URLSearchParams): string | undefined {
  const num = (k: string) => {
    const n = Number(query.get(k))
    return Number.isFinite(n) && n >= 0 ? n : undefined
  }
  switch (query.get('done')) {
    case 'clock': {
      const by = num('by')
      return by === undefined ? undefined : `Moved the fakes' clock forward ${formatDuration(by * 1000)}.`
    }
    case 'consent': {
      const p = provider.safeParse(query.get('provider'))
      return p.success && fakes.providers.includes(p.data) ? `Consent for ${fakes.definition(p.data).title}: ${fakes.consent(p.data)}.` : undefined
    }
    case 'fault': {
      const f = forms.fault.safeParse({ provider: query.get('provider'), endpoint: query.get('endpoint'), status: query.get('status'), times: query.get('times') })
      return f.success && fakes.providers.includes(f.data.provider)
        ? `The next ${f.data.times === 1 ? '' : `${f.data.times} `}${f.data.endpoint} request${f.data.times === 1 ? '' : 's'} to ${fakes.definition(f.data.provider).title} will answer ${f.data.status}.`
        : undefined
    }
    case 'revoke': {
      const n = num('n')
      return n === undefined ? undefined : `Revoked ${n} code${n === 1 ? '' : 's'} and token${n === 1 ? '' : 's'} of that client.`
    }
    case 'reset':
      return 'Reset to the fixtures.'
  }
  return undefined
}

const MAX_SHOWN = 2000
const DEFAULT_SHOWN = 200

/**
 * The newest `limit` requests of a provider, oldest first, and how many the log holds — among the
 * last `window` log entries when given (the script asks for the grants after every request: it
 * must not format a full log each time).
 */
function newest(fakes: Fakes, p: ProviderId, limit: number, window?: number): { requests: RecordedRequest[]; total: number } {
  const ring: RecordedRequest[] = []
  let total = 0
  const after = window === undefined ? undefined : Math.max(0, fakes.log.lastId - window)
  for (const r of fakes.log.entries({ provider: p, after })) {
    total++
    ring.push(r)
    if (ring.length > limit) ring.shift()
  }
  return { requests: ring, total }
}

/** At most this many events wait for a slow peer; past it the stream ends (EventSource reconnects and catches up). */
const MAX_QUEUED_EVENTS = 1000
const KEEPALIVE_MS = 15_000

function eventStream(ctx: DashboardContext, p: ProviderId | undefined, after: number): Response {
  const encoder = new TextEncoder()
  const fakes = ctx.fakes
  let stop = () => {}
  // The previous arrow's time, for the clock-jump marker: the entry the page (or the last event) ended on.
  const prior = after > 0 ? fakes.log.entries({ after: after - 1, limit: 1 }).next().value : undefined
  let previousAt = prior && prior.id === after && (!p || prior.provider === p) ? prior.at : undefined
  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        let open = true
        const write = (text: string) => {
          if (!open) return
          if ((controller.desiredSize ?? 0) < -MAX_QUEUED_EVENTS) {
            stop()
            controller.close()
            return
          }
          controller.enqueue(encoder.encode(text))
        }
        const send = (r: RecordedRequest) => {
          const options = diagramOptions(ctx, r.provider)
          const payload = JSON.stringify({ id: r.id, provider: r.provider, html: sequenceRow(r, options, previousAt).html })
          previousAt = r.at
          write(`id: ${r.id}\nevent: request\ndata: ${payload}\n\n`)
        }
        write('retry: 2000\n\n')
        // What happened since the page was rendered (or since the last event, on a reconnect).
        for (const r of fakes.log.entries({ after, provider: p, limit: MAX_QUEUED_EVENTS })) send(r)
        const unsubscribe = fakes.log.subscribe((r) => {
          if (p && r.provider !== p) return
          // A dashboard must never break the provider request that is being recorded.
          try {
            send(r)
          } catch {
            stop()
          }
        })
        const keepalive = setInterval(() => write(': keep-alive\n\n'), KEEPALIVE_MS)
        keepalive.unref()
        stop = () => {
          open = false
          unsubscribe()
          clearInterval(keepalive)
        }
      },
      cancel() {
        stop()
      },
    },
    { highWaterMark: 16 },
  )
  return new Response(stream, {
    status: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no', 'x-content-type-options': 'nosniff' },
  })
}

export function createDashboardApp(options: DashboardOptions): DashboardApp {
  const { fakes, prefix } = options
  const key = options.csrfKey ?? PROCESS_KEY
  const csrf = csrfToken(prefix, key)
  const context = (): DashboardContext => ({ fakes, prefix, tenant: options.tenant ?? null, tenants: options.tenants?.() ?? [], root: options.root ?? '', csrf })
  const page = (body: string, status = 200, nonce: string | null = null) => html(body, status, SECURITY_HEADERS(nonce))
  const providerOf = (value: string | null): ProviderId => {
    const p = provider.safeParse(value)
    return p.success && fakes.providers.includes(p.data) ? p.data : fakes.providers[0]!
  }

  async function control(name: FormName, request: Request): Promise<Response> {
    const ctx = context()
    if (mediaType(request.headers.get('content-type')) !== 'application/x-www-form-urlencoded') {
      return page(messagePage(ctx, 'Not a form', 'The dashboard takes its forms url-encoded (application/x-www-form-urlencoded).'), 415)
    }
    const text = await request.text()
    if (text.length > 100_000) return page(messagePage(ctx, 'Too large', 'That form is too large.'), 413)
    const form = new URLSearchParams(text)
    if (!sameToken(form.get('csrf') ?? '', csrf)) {
      return page(messagePage(ctx, 'Refused', 'This form did not come from this dashboard (its CSRF token is missing or wrong). Reload the dashboard and try again.'), 403)
    }
    const parsed = forms[name].safeParse(Object.fromEntries(form))
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      return page(messagePage(ctx, 'Not done', `${issue.path.join('.') || 'form'}: ${issue.message}`), 400)
    }
    const p = parsed.data.provider
    if (!fakes.providers.includes(p)) return page(messagePage(ctx, 'Not done', `provider: "${p}" is not running`), 400)
    let done: Record<string, string> = {}
    switch (name) {
      case 'clock': {
        const { seconds } = parsed.data as z.infer<typeof forms.clock>
        fakes.advanceClock(seconds)
        done = { done: 'clock', by: String(seconds) }
        break
      }
      case 'consent': {
        const { mode } = parsed.data as z.infer<typeof forms.consent>
        fakes.setConsent(p, mode)
        done = { done: 'consent' }
        break
      }
      case 'fault': {
        const f = parsed.data as z.infer<typeof forms.fault>
        fakes.injectFault(f)
        done = { done: 'fault', endpoint: f.endpoint, status: String(f.status), times: String(f.times) }
        break
      }
      case 'revoke': {
        const { clientId } = parsed.data as z.infer<typeof forms.revoke>
        done = { done: 'revoke', n: String(fakes.revoke(p, clientId)) }
        break
      }
      case 'reset':
        fakes.reset()
        done = { done: 'reset' }
        break
    }
    // 303: the browser GETs the dashboard again (a reload does not post the form twice).
    return new Response(null, { status: 303, headers: { location: dashboardUrl(prefix, p, done), 'cache-control': 'no-store' } })
  }

  return async function dashboard(request: Request): Promise<Response | undefined> {
    const url = new URL(request.url)
    const method = request.method.toUpperCase()
    const base = `${prefix}/dashboard`
    const bare = url.pathname === prefix || url.pathname === `${prefix}/`
    if (bare && !(method === 'GET' && wantsHtml(request))) return undefined
    if (!bare && url.pathname !== base && !url.pathname.startsWith(`${base}/`)) return undefined
    const action = bare ? '' : url.pathname.slice(base.length).replace(/^\//, '')

    if (action === '' && (method === 'GET' || method === 'HEAD')) {
      const p = providerOf(url.searchParams.get('provider'))
      const limit = Math.min(MAX_SHOWN, Math.max(1, Math.floor(Number(url.searchParams.get('limit')) || DEFAULT_SHOWN)))
      const { requests, total } = newest(fakes, p, limit)
      const nonce = randomBytes(16).toString('base64')
      return page(mainPage({ ...context(), provider: p, requests, total, limit, notice: noticeFor(fakes, url.searchParams), nonce }), 200, nonce)
    }
    if (action === 'events' && method === 'GET') {
      const p = url.searchParams.get('provider')
      const fromQuery = Number(url.searchParams.get('after'))
      // EventSource sends the last id it saw when it reconnects.
      const fromHeader = Number(request.headers.get('last-event-id'))
      const after = Math.max(Number.isSafeInteger(fromQuery) ? fromQuery : 0, Number.isSafeInteger(fromHeader) ? fromHeader : 0, 0)
      return eventStream(context(), p === null ? undefined : providerOf(p), after)
    }
    if (action === 'state' && method === 'GET') {
      const p = providerOf(url.searchParams.get('provider'))
      return page(statePage(context(), p, newest(fakes, p, DEFAULT_SHOWN, DEFAULT_SHOWN * 10).requests))
    }
    const requestMatch = /^request\/(\d{1,15})$/.exec(action)
    if (requestMatch && method === 'GET') {
      const id = Number(requestMatch[1])
      const entry = fakes.log.entries({ after: id - 1, limit: 1 }).next().value
      const ctx = context()
      if (!entry || entry.id !== id) return page(messagePage(ctx, 'Not in the log', `Request #${id} is not in the log (it holds the last ${fakes.log.maxEntries} requests; a reset clears it).`), 404)
      if (url.searchParams.has('fragment')) return page(requestFragment(ctx, entry))
      return page(requestPage(ctx, entry))
    }
    if (Object.hasOwn(forms, action)) {
      if (method !== 'POST') return page(messagePage(context(), 'Use the form', 'This address takes the dashboard\'s form (POST).'), 405)
      return control(action as FormName, request)
    }
    return page(messagePage(context(), 'Not found', 'The dashboard has no such page.'), 404)
  }
}
