import type { z } from 'zod'
import type { Clock } from './clock.ts'
import type { Client, ClientRegistry } from './clients.ts'
import type { ConsentMode, ControlEndpoint, Faults, ProviderId, RequestLog } from './controls.ts'
import { ProviderError } from './errors.ts'
import { BUFFERED_BODY, FRESH_TEXT, TEXT_BODY, requestUrl } from './http.ts'
import type { ParamSource, Params } from './params.ts'
import { DEFAULT_MAX_BODY_BYTES, readParams } from './params.ts'
import { scopeTag, subjectGroup } from './oauth.ts'
import { ExpiringStore, StoreFullError, type StoredGrant } from './store.ts'

/** Who a grant speaks for: a user, a team (cal.com team grants) and/or an account (BookingSync). */
export interface GrantSubject {
  userId: number | null
  teamId: number | null
  accountId: number | null
}

/** An authorization code waiting for its exchange. */
export interface CodeEntry extends StoredGrant, GrantSubject {
  redirectUri: string
  scopes: string[]
  issuedAt: number
  /** RFC 7636 §4.4: the `code_challenge` the code was requested with, when PKCE was used. */
  codeChallenge?: string
  /** RFC 7636 §4.3: how `code_verifier` is transformed into `codeChallenge`. */
  codeChallengeMethod?: PkceMethod
  /**
   * The authorization grant (RFC 6749 §1.3) the code starts, when the provider tracks grants
   * (`AuthorizeProfile.trackGrants`): every token exchanged for it, and refreshed from those, carries it.
   */
  grantId?: string
  /** The authorization request had no `redirect_uri` (the client's only registered one was used). */
  redirectUriOmitted?: true
}

/** RFC 7636 §4.2 transforms: `S256` = BASE64URL(SHA256(verifier)), `plain` = the verifier itself. */
export type PkceMethod = 'S256' | 'plain'

export type GrantType = 'authorization_code' | 'refresh_token' | 'client_credentials'

/** An access or refresh token. */
export interface TokenEntry extends StoredGrant, GrantSubject {
  kind: 'access' | 'refresh'
  scopes: string[]
  /** Epoch ms of issue. */
  issuedAt: number
  grantType: GrantType
  /** The other half of the pair issued together (the refresh token of an access token, and back). */
  pair: string | null
  /** Epoch ms of the first use at a resource endpoint, `null` before. */
  firstUsedAt: number | null
  /**
   * Doorkeeper's "revoke on use" rotation: tokens that stay valid until this (new) access token
   * is first used, then are revoked.
   */
  revokeOnFirstUse: string[]
  /** The authorization grant the token descends from (its code's `grantId`); `null` where untracked. */
  grantId?: string | null
  /**
   * What the token's text carries beyond this entry, where a provider stores tokens under a part
   * of their text (`ProviderDefinition.tokenKeys`: cal.com's JWTs); `null` elsewhere. Made by the
   * provider's `TokenFormats`, read back by its `tokenKeys.textOf`.
   */
  extras?: Readonly<Record<string, unknown>> | null
}

export type TokenKind = TokenEntry['kind']

/**
 * How a provider's tokens are keyed in its stores when not by their whole text. A cal.com token is
 * a JWT of ~380 characters; stored under its signature (or a refresh token under its `secret`
 * claim, the row cal.com itself finds it by), a live pair costs ~650 bytes less, and the JWT is
 * written again, byte for byte, from the entry wherever it is shown (the dashboard). Pairs
 * (`TokenEntry.pair`), `latestGrants`, `revokeOnFirstUse` and the state file hold keys.
 */
export interface TokenKeys<Data = unknown, Options = unknown> {
  /**
   * The store key of a token's text as a client presents it; `undefined` when it cannot be one of
   * this provider's tokens. Not a proof: the key may be found for a forged text (compare `textOf`),
   * and it may be a slice of the text (copy it flat, `asciiFlat`, before keeping it).
   */
  keyOf(kind: TokenKind, text: string): string | undefined
  /** The `extras` an entry of this text keeps (a state file written before keys: its entries carry none). */
  extrasOf(kind: TokenKind, text: string): TokenEntry['extras']
  /** The token's text, written again from its key and entry. */
  textOf(rt: ProviderRuntime<Data, Options>, kind: TokenKind, key: string, entry: Readonly<TokenEntry>): string
}

/** The per-provider state and shared services a provider's routes work with. */
export interface ProviderRuntime<Data = unknown, Options = unknown> {
  readonly id: ProviderId
  readonly clock: Clock
  readonly clients: ClientRegistry
  readonly codes: ExpiringStore<CodeEntry>
  readonly accessTokens: ExpiringStore<TokenEntry>
  readonly refreshTokens: ExpiringStore<TokenEntry>
  /**
   * The newest access token (its key) per client and subject (`latestGrantKey`): what "already
   * approved" is judged by. `null` where the provider does not ask (`keepsLatestGrants`).
   */
  readonly latestGrants: Map<string, string> | null
  /** The provider's options (its profile switches); replaced, never mutated, by `Fakes.setOptions`. */
  options: Options
  data: Data
  consent(): ConsentMode
  /** The user `consent: allow|deny` acts as (the provider's demo user). */
  defaultUserId(): number
  client(clientId: unknown): Client | undefined
  /** Revokes every code and token issued to a client (docs/server.md, `POST /__admin/revoke`). */
  revokeClient(clientId: string): number
  /** The store key of a token's text (`ProviderDefinition.tokenKeys.keyOf`, whose caveats hold; by default the text); `undefined`: none of ours. */
  tokenKey(kind: TokenKind, text: string): string | undefined
  /** A stored token's text, from its key and entry (by default the key). */
  tokenText(kind: TokenKind, key: string, entry: Readonly<TokenEntry>): string
  /** The `extras` an entry of this token text keeps (by default none). */
  tokenExtras(kind: TokenKind, text: string): TokenEntry['extras']
}

/** What a route handler receives. The adapters build the Request; nothing here is adapter-specific. */
export interface RequestContext {
  readonly request: Request
  readonly url: URL
  readonly method: string
  /** The path below the provider's base, e.g. `/api/auth/oauth/token`. */
  readonly path: string
  /** The absolute base URL the request came in on (`https://app.cal.com`, `http://127.0.0.1:4010/calcom`). */
  readonly base: string
  /** The absolute base URL of one of the provider's hosts, as seen by this request. */
  baseOf(host: string): string
  readonly headers: Headers
  /** The raw body (bounded by the body limit). */
  readonly body: Uint8Array
  /** Path parameters of the matched route (`/oauth/authorize/:code` → `{code}`). */
  readonly routeParams: Readonly<Record<string, string>>
  /** Parameters from the given sources; a malformed body throws `malformed_body`. Cached per sources. */
  params(sources: readonly ParamSource[]): Promise<Params>
}

export interface Route {
  /** HTTP methods served; `'*'` serves all. */
  methods: readonly string[] | '*'
  /** The provider's real path; `:name` segments are parameters. */
  path: string
  /** For multi-host providers (Zapier): the host key of `ProviderDefinition.hosts` this path lives on. */
  host?: string
  /** What the control API calls this endpoint (faults, log); may depend on the request (grant_type). */
  endpoint?: ControlEndpoint | ((ctx: RequestContext) => Promise<ControlEndpoint>)
  /** The answer to a method not in `methods` (default: the provider's 405). */
  wrongMethod?: () => ProviderError
  /** Headers on every answer of this route, errors included (BookingSync's `X-Frame-Options: DENY`). */
  headers?: Readonly<Record<string, string>>
  /** This route's own error shape, when it differs from the provider's default. */
  renderError?: (error: ProviderError, ctx: RequestContext) => Response
  handle(ctx: RequestContext): Promise<Response> | Response
}

/** A provider = data (hosts, demo client, lifetimes in its profile) + its route table. */
export interface ProviderDefinition<Data = unknown, Options = unknown> {
  id: ProviderId
  /** Human name ("Cal.com", "BookingSync", "Zapier"). */
  title: string
  /** Host key → real base URL; the first is the primary host. Zapier has two. */
  hosts: Readonly<Record<string, string>>
  /** Fixtures: builds the provider's resource data (users, teams, bookings…) afresh. */
  createData(): Data
  /** Clients registered at start and after a reset. */
  demoClients(): Client[]
  /**
   * Users a config file or `createFakes({ fixtures })` may add to the provider's data, beside the
   * demo users: their shape (zod, with defaults) and how one is added.
   */
  users?: { schema: z.ZodType; add(data: Data, user: unknown): void }
  /** The user `consent: allow|deny` acts as. */
  defaultUserId(data: Data): number
  /**
   * Options the provider understands: a zod object whose every field has a default (so
   * `parse({})` gives the defaults) and that refuses unknown keys. It validates
   * `createFakes({ options })`, the config file and `POST /__admin/options`.
   */
  optionsSchema: z.ZodType<Options>
  /** Endpoint paths for the index page and the conformance suite, relative to the base. */
  endpoints: Readonly<Record<string, string>>
  /**
   * Well-known paths also served at the origin root, before a base that has a path: RFC 8414 §3.1
   * inserts `/.well-known/oauth-authorization-server` between the host and the issuer's path
   * (`https://h/.well-known/oauth-authorization-server/oauth2` for the issuer `https://h/oauth2`).
   * The route is the one declared at `<base><rootPath>`.
   */
  rootPaths?: readonly string[]
  /**
   * Whether the access token store groups live tokens by client and subject and counts them by
   * scope set (./store.ts `newestLive`, `hasLiveTagged`): BookingSync's "a matching token" skips
   * the consent page by them. Off, a provider saves that index (a group per subject: ~170 bytes a
   * pair when every pair has its own user, `npm run bench`, memory); asking a store without groups
   * throws. Refresh tokens are always grouped (a subject's refresh tokens are revoked together).
   */
  accessTokenGroups?: boolean
  /**
   * Whether the runtime keeps each client and subject's newest access token (`latestGrants`):
   * Zapier's `approval_prompt=auto` judges by it. Off, a provider saves that map (~50 bytes a pair
   * when every pair has its own user, `npm run bench`, memory) and one write per issue;
   * `latestGrant()` on it throws.
   */
  keepsLatestGrants?: boolean
  /** How tokens are keyed when not by their whole text (cal.com); by default a token is its own key. */
  tokenKeys?: TokenKeys<Data, Options>
  /** The provider's default error shape. */
  renderError(error: ProviderError, ctx: RequestContext): Response
  /** The error an injected fault answers with (docs/server.md, faults: "the provider's error shape"). */
  faultError(endpoint: ControlEndpoint, status: number): ProviderError
  routes(rt: ProviderRuntime<Data, Options>): Route[]
}

/** Identity helper that keeps a provider definition's types. */
export function defineProvider<Data, Options>(def: ProviderDefinition<Data, Options>): ProviderDefinition<Data, Options> {
  return def
}

/** A provider as one web-standard function. `undefined` means "not one of my URLs". */
export type ProviderApp = ((request: Request) => Promise<Response | undefined>) & {
  /** Whether this provider serves `url` (synchronous: a dispatcher asks before awaiting the app). */
  serves(url: URL): boolean
  /** Rebuilds the route table from the runtime's current options (after `Fakes.setOptions`). */
  reconfigure(): void
}

interface CompiledRoute {
  route: Route
  pattern: RegExp | null
  names: string[]
}

export interface ProviderServices {
  clock: Clock
  clients: ClientRegistry
  log: RequestLog
  faults: Faults
  consent: (provider: ProviderId) => ConsentMode
  maxBodyBytes?: number
  /** Live entries each store holds at most (default 500,000). */
  maxGrants?: number
}

/**
 * Builds a provider's `(Request) => Promise<Response | undefined>`.
 *
 * `bases` maps each host key to where the provider is served: an absolute URL (in-process:
 * `https://app.cal.com`, or a self-hosted base) or a path (standalone: `/calcom`, the origin then
 * comes from the request). Every request is: matched to a route, its body read under the limit,
 * checked against pending faults, handled, and recorded in the log.
 */
export function createProviderApp<Data, Options>(
  def: ProviderDefinition<Data, Options>,
  rt: ProviderRuntime<Data, Options>,
  services: ProviderServices,
  bases: Readonly<Record<string, string>>,
): ProviderApp {
  const maxBody = services.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  let exact = new Map<string, CompiledRoute[]>()
  let patterns: CompiledRoute[] = []
  function compile(): void {
    exact = new Map()
    patterns = []
    for (const route of def.routes(rt)) {
      if (!route.path.includes(':')) {
        const list = exact.get(route.path) ?? []
        list.push({ route, pattern: null, names: [] })
        exact.set(route.path, list)
      } else {
        const names: string[] = []
        const source = route.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)/g, (_, name: string) => {
          names.push(name)
          return '([^/]+)'
        })
        patterns.push({ route, pattern: new RegExp(`^${source}$`), names })
      }
    }
  }
  compile()
  const hostEntries = Object.entries(bases).map(([key, base]) => {
    const absolute = /^https?:\/\//.test(base)
    const url = absolute ? new URL(base) : null
    const prefix = (absolute ? url!.pathname : base).replace(/\/+$/, '')
    return { key, absolute, origin: url?.origin ?? '', prefix }
  })
  // One standalone prefix for several hosts (Zapier) means every host's paths live under it.
  const distinctHosts = new Set(hostEntries.map((h) => `${h.origin}${h.prefix}`)).size > 1

  const rootPaths = def.rootPaths ?? []
  function matchBase(url: URL): { host: string; path: string; base: string } | undefined {
    // Read once: each read of `url.origin` and `url.pathname` builds a new string.
    const origin = url.origin
    const pathname = url.pathname
    for (const h of hostEntries) {
      if (h.absolute && origin !== h.origin) continue
      if (h.prefix && pathname !== h.prefix && !pathname.startsWith(`${h.prefix}/`)) {
        const root = rootPaths.find((p) => pathname === `${p}${h.prefix}`)
        if (root) return { host: h.key, path: root, base: `${origin}${h.prefix}` }
        continue
      }
      return { host: h.key, path: pathname.slice(h.prefix.length) || '/', base: `${origin}${h.prefix}` }
    }
    return undefined
  }

  function matchRoute(path: string, host: string): { route: Route; params: Record<string, string> } | undefined {
    const fits = (r: Route): boolean => !distinctHosts || !r.host || r.host === host
    const found = exact.get(path)?.find((c) => fits(c.route))
    if (found) return { route: found.route, params: {} }
    for (const c of patterns) {
      if (!fits(c.route)) continue
      const m = c.pattern!.exec(path)
      if (m) {
        const params: Record<string, string> = {}
        c.names.forEach((n, i) => {
          params[n] = safeDecode(m[i + 1]!)
        })
        return { route: c.route, params }
      }
    }
    return undefined
  }

  async function handle(request: Request): Promise<Response | undefined> {
    const url = requestUrl(request)
    const where = matchBase(url)
    if (!where) return undefined
    const method = request.method.toUpperCase()
    const matched = matchRoute(where.path, where.host)
    const route = matched?.route
    let endpoint: ControlEndpoint | null = null
    // Most requests read their parameters from one list of sources: a Map only for a second list.
    let paramKey: string | null = null
    let paramFirst: Promise<Params> | null = null
    let paramMore: Map<string, Promise<Params>> | null = null
    // Plain data properties only: with a getter in this literal (`get body()`), V8 (Node 20) kept
    // every context, and each request's whole graph with it (Request, URL, headers, closures),
    // through the young generation's collections until the next full one — ~2 MB promoted per
    // scavenge and a quarter or more of a token request's CPU (test/young-garbage.test.ts; README,
    // Performance).
    const ctx: { -readonly [K in keyof RequestContext]: RequestContext[K] } = {
      request,
      url,
      method,
      path: where.path,
      base: where.base,
      baseOf(host) {
        const h = hostEntries.find((e) => e.key === host)
        if (!h) return where.base
        return h.absolute ? `${h.origin}${h.prefix}` : `${url.origin}${h.prefix}`
      },
      headers: request.headers,
      // The request's body once read (`ctx.body = read` below): the one place it is kept.
      body: EMPTY_BODY,
      routeParams: matched?.params ?? {},
      params(sources) {
        const key = sources.join(',')
        if (key === paramKey) return paramFirst!
        const cached = paramMore?.get(key)
        if (cached) return cached
        const read = readParams(url, request.headers.get('content-type'), ctx.body, sources).then((r) => {
          if (!r.ok) throw new ProviderError(400, 'malformed_body', r.problem === 'malformed_json' ? 'Invalid JSON' : 'Malformed multipart body')
          return r.params
        })
        if (paramKey === null) {
          paramKey = key
          paramFirst = read
        } else (paramMore ??= new Map()).set(key, read)
        return read
      },
    }
    let response: Response
    try {
      const buffered = (request as Request & { [BUFFERED_BODY]?: Uint8Array })[BUFFERED_BODY]
      // The node adapter hands the body over already read: no await on that path.
      const read = buffered ? (buffered.byteLength > maxBody ? 'too_large' : buffered) : await readBody(request, maxBody)
      if (read === 'too_large') throw new ProviderError(413, 'payload_too_large', 'Body exceeded 1mb limit')
      ctx.body = read
      if (!route) throw new ProviderError(404, 'not_found', 'Not Found')
      if (route.methods !== '*' && !route.methods.includes(method)) {
        throw route.wrongMethod?.() ?? new ProviderError(405, 'method_not_allowed', 'Method Not Allowed')
      }
      if (route.endpoint) {
        endpoint = typeof route.endpoint === 'string' ? route.endpoint : await route.endpoint(ctx).catch(() => null)
        const faultStatus = endpoint ? services.faults.take(def.id, endpoint) : undefined
        if (faultStatus !== undefined && endpoint) throw def.faultError(endpoint, faultStatus)
      }
      response = await route.handle(ctx)
    } catch (error) {
      // A full store refuses the new grant in the provider's own shape (503), and the fake keeps serving.
      const providerError =
        error instanceof ProviderError
          ? error
          : error instanceof StoreFullError
            ? new ProviderError(503, 'temporarily_unavailable', error.message)
            : new ProviderError(500, 'server_error', 'Internal Server Error', { cause: String(error) })
      if (!(error instanceof ProviderError) && !(error instanceof StoreFullError)) console.error(`[oauth-fakes:${def.id}] ${method} ${where.path}:`, error)
      response = renderSafely(() => (route?.renderError ?? def.renderError)(providerError, ctx), providerError)
    }
    if (route?.headers) for (const [k, v] of Object.entries(route.headers)) response.headers.set(k, v)
    // Recorded once answered, with only what the log shows (never the Request or its parsed params).
    services.log.record({
      provider: def.id,
      method,
      path: where.path,
      url: request.url,
      endpoint,
      at: services.clock.now(),
      requestHeaders: request.headers,
      requestBody: ctx.body,
      status: response.status,
      responseHeaders: response.headers,
      responseBody: await responseText(response),
      responseBodyFresh: (response as Response & { [FRESH_TEXT]?: true })[FRESH_TEXT] === true,
    })
    return response
  }
  return Object.assign(handle, { serves: (url: URL) => matchBase(url) !== undefined, reconfigure: compile })
}

/** The body of a request without one (shared: a zero-length array has no content to change). */
const EMPTY_BODY = new Uint8Array(0)

/** The text of an engine response (its own text, or a clone's: engine answers are small). */
async function responseText(response: Response): Promise<string> {
  const text = (response as Response & { [TEXT_BODY]?: string })[TEXT_BODY]
  if (text !== undefined) return text
  if (!response.body) return ''
  return response.clone().text().catch(() => '')
}

/** An error answer that cannot itself fail: a renderer that throws falls back to a plain 500. */
function renderSafely(render: () => Response, error: ProviderError): Response {
  try {
    return render()
  } catch (failure) {
    console.error(`[oauth-fakes] rendering ${error.status} ${error.code} failed:`, failure)
    return new Response(JSON.stringify({ error: 'server_error' }), { status: 500, headers: { 'content-type': 'application/json' } })
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/** Reads a request body, stopping as soon as it passes `limit` bytes. */
async function readBody(request: Request, limit: number): Promise<Uint8Array | 'too_large'> {
  const buffered = (request as Request & { [BUFFERED_BODY]?: Uint8Array })[BUFFERED_BODY]
  if (buffered) return buffered.byteLength > limit ? 'too_large' : buffered
  if (!request.body) return new Uint8Array(0)
  const declared = Number(request.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > limit) {
    // Not awaited: a tee'd body (msw clones requests) settles its cancel only when every branch cancels.
    void request.body.cancel().catch(() => undefined)
    return 'too_large'
  }
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      void reader.cancel().catch(() => undefined)
      return 'too_large'
    }
    chunks.push(value)
  }
  if (chunks.length === 1) return chunks[0]!
  const out = new Uint8Array(size)
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.byteLength
  }
  return out
}

/** Creates a provider's runtime state: stores, approvals, data from fixtures. */
export function createRuntime<Data, Options>(
  def: ProviderDefinition<Data, Options>,
  services: ProviderServices,
  options: unknown = {},
): ProviderRuntime<Data, Options> {
  // Built on first use: the server answers its first requests (`GET /`, the control API) without
  // loading @mswjs/data (./msw-data.ts), and a provider never asked for never builds its data.
  let data: { value: Data } | undefined
  const keys = def.tokenKeys
  const rt: ProviderRuntime<Data, Options> = {
    id: def.id,
    clock: services.clock,
    clients: services.clients,
    codes: new ExpiringStore<CodeEntry>({ maxEntries: services.maxGrants }),
    // Grouped by client and subject where a provider asks by them, so nothing on the request path walks a store (./store.ts).
    accessTokens: new ExpiringStore<TokenEntry>({ maxEntries: services.maxGrants, ...(def.accessTokenGroups ? { groupOf: subjectGroup, tagOf: (e: TokenEntry) => scopeTag(e.scopes) } : {}) }),
    refreshTokens: new ExpiringStore<TokenEntry>({ maxEntries: services.maxGrants, groupOf: subjectGroup }),
    latestGrants: def.keepsLatestGrants ? new Map() : null,
    options: def.optionsSchema.parse(options),
    get data(): Data {
      data ??= { value: def.createData() }
      return data.value
    },
    set data(value: Data) {
      data = { value }
    },
    consent: () => services.consent(def.id),
    defaultUserId: () => def.defaultUserId(rt.data),
    client(clientId) {
      return typeof clientId === 'string' ? services.clients.get(def.id, clientId) : undefined
    },
    revokeClient(clientId) {
      const now = services.clock.now()
      let count = 0
      for (const [code] of [...rt.codes.entriesOf(clientId)]) if (rt.codes.delete(code)) count++
      count += rt.accessTokens.revokeClient(clientId, now)
      count += rt.refreshTokens.revokeClient(clientId, now)
      const latest = rt.latestGrants
      if (latest) for (const key of [...latest.keys()]) if (key.startsWith(`${clientId}|`)) latest.delete(key)
      return count
    },
    tokenKey: keys ? (kind, text) => keys.keyOf(kind, text) : (_kind, text) => text,
    tokenText: keys ? (kind, key, entry) => keys.textOf(rt, kind, key, entry) : (_kind, key) => key,
    tokenExtras: keys ? (kind, text) => keys.extrasOf(kind, text) : () => null,
  }
  return rt
}
