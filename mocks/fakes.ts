import { type Clock, createClock } from './engine/clock.ts'
import { clientFromSpec } from './engine/client-spec.ts'
import { type Client, ClientRegistry } from './engine/clients.ts'
import {
  type ConsentMode,
  type FaultSpec,
  Faults,
  PROVIDER_IDS,
  type ProviderId,
  type RecordedRequest,
  RequestLog,
} from './engine/controls.ts'
import type { RequestLogLimits } from './engine/log.ts'
import { requestUrl } from './engine/http.ts'
import { type ProviderApp, type ProviderDefinition, type ProviderRuntime, createProviderApp, createRuntime } from './engine/provider.ts'
import { type CustomProviderSpec, CustomProviderError, defineCustomProviders } from './providers/custom.ts'
import { type OptionsOf, PROVIDERS, type ProviderOptions } from './providers/index.ts'

export interface FakesOptions {
  /** Which providers to run (default: every built-in one and every one in `customProviders`). */
  providers?: readonly ProviderId[]
  /**
   * User-defined providers (docs/providers/custom.md): each is the generic OAuth 2.0 provider with
   * the declared values, served on its declared hosts in-process and under `/<id>` standalone.
   */
  customProviders?: readonly CustomProviderSpec[]
  /** An injected clock (default: real time, movable with `advanceClock`). */
  clock?: Clock
  /**
   * Where each provider is served. In-process the default is its real hosts
   * (`https://app.cal.com`, …); give another base for a self-hosted cal.com:
   * `{ calcom: 'https://cal.example.org' }`. Zapier has two hosts: `{ zapier: { api, auth } }`.
   */
  bases?: Partial<Record<ProviderId, string | Record<string, string>>>
  /**
   * `prefixes`: every provider under `<pathPrefix>/<id>` (the standalone server), on `origin`
   * when given (the server's public URL: every absolute URL the fakes build starts with it),
   * else on whatever origin the request came to.
   */
  mount?: 'real-hosts' | 'prefixes'
  /** With `mount: 'prefixes'`: the origin the providers are served on (`https://fakes.example:4010`). */
  origin?: string
  /** With `mount: 'prefixes'`: a path before `/<id>` (`/t/job-42` for a tenant). */
  pathPrefix?: string
  /** Per-provider behaviour options (profiles), all off by default; validated, unknown keys refused. */
  options?: { [P in keyof ProviderOptions]?: Partial<ProviderOptions[P]> } & { [id: string]: object | undefined }
  /** Bounds of the request log (default 10,000 entries, 64 MiB). */
  logLimits?: RequestLogLimits
  /**
   * More fixtures per provider, kept across resets like the demo data: clients, users (each
   * provider's shape, see its `users.schema`) and the user `consent: allow|deny` acts as.
   */
  fixtures?: { [P in ProviderId]?: ProviderFixtures }
  /** Request bodies above this many bytes are refused with 413 (default 1 MiB). */
  maxBodyBytes?: number
  /**
   * Live codes, access tokens and refresh tokens each provider holds at most (default 500,000
   * each). Past it, dead ones go at once; if all are live, a new grant is refused with 503.
   */
  maxGrants?: number
  /** Registered clients at most (default 10,000); past it `registerClient` throws (the control API: 400). */
  maxClients?: number
}

export interface ClientSpec {
  provider: ProviderId
  clientId: string
  /** Required for a confidential client; a public client has none. */
  clientSecret?: string
  redirectUris: string[]
  name?: string
  scopes?: string[] | null
  logo?: string | null
  /**
   * A public client (RFC 6749 §2.1): no secret; it authenticates by `client_id` alone where the
   * provider allows it (cal.com `v2`, which then requires PKCE). Default: confidential.
   */
  public?: boolean
  /** cal.com (oauth-service era): the client's review state (default `approved`). */
  status?: 'approved' | 'pending' | 'rejected'
  /** cal.com: a trusted client skips the consent click. */
  trusted?: boolean
  /** cal.com: the user who registered the client (may use it while pending). */
  ownerUserId?: number
}

export interface ProviderFixtures {
  clients?: Array<Omit<ClientSpec, 'provider'>>
  users?: unknown[]
  defaultUserId?: number
}

/** The fakes with their controls: the in-process equivalent of the control API (docs/server.md). */
export interface Fakes {
  readonly clock: Clock
  readonly providers: readonly ProviderId[]
  /** Answers a request for any provider, or `undefined` when no provider serves that URL. */
  fetch(request: Request): Promise<Response | undefined>
  /** One provider's app. */
  app(provider: ProviderId): ProviderApp
  /** The base URL(s) a provider is served on, by host key. */
  bases(provider: ProviderId): Readonly<Record<string, string>>
  runtime(provider: ProviderId): ProviderRuntime
  definition(provider: ProviderId): ProviderDefinition
  registerClient(spec: ClientSpec): Client
  clients(provider?: ProviderId): Client[]
  /** The demo client every provider starts with (from `fixtures/`). */
  demoClient(provider: ProviderId): Client
  /** Moves the fakes' clock forward; codes and tokens dead for longer than their retention are dropped. */
  advanceClock(seconds: number): { now: string }
  setConsent(provider: ProviderId | '*', mode: ConsentMode): void
  consent(provider: ProviderId): ConsentMode
  revoke(provider: ProviderId, clientId: string): number
  injectFault(spec: FaultSpec): void
  requests(provider?: ProviderId): RecordedRequest[]
  /** The request log itself: paging (`list({ after, limit })`), streaming, subscriptions. */
  readonly log: RequestLog
  /** A provider's effective options. */
  options<P extends ProviderId>(provider: P): OptionsOf<P>
  /**
   * Changes some of a provider's options at run time (validated; unknown keys refused) and
   * returns the effective options. Issued codes and tokens stay as they are.
   */
  setOptions<P extends ProviderId>(provider: P, options: Partial<OptionsOf<P>>): OptionsOf<P>
  reset(): void
  /**
   * Called after each change made through these controls (a client registered, a consent mode,
   * options, a reset); codes and tokens report through their stores' `listener`. The state file
   * (`serve --state`) journals both. Returns a function that stops the calls.
   */
  onChange(listener: (event: FakesChange) => void): () => void
}

/** A change made through the controls (`Fakes.onChange`). */
export type FakesChange =
  | { kind: 'client'; client: Client }
  | { kind: 'consent'; provider: ProviderId; mode: ConsentMode }
  | { kind: 'options'; provider: ProviderId; options: unknown }
  | { kind: 'reset' }

/**
 * Creates every fake over one clock, one client registry and one request log.
 *
 * @example
 * const fakes = createFakes()
 * const server = setupServer(...createHandlers(fakes))
 * fakes.setConsent('calcom', 'allow')
 */
export function createFakes(options: FakesOptions = {}): Fakes {
  const clock = options.clock ?? createClock()
  const clients = new ClientRegistry()
  const log = new RequestLog(options.logLimits)
  const faults = new Faults()
  const consentModes = new Map<ProviderId, ConsentMode>()
  // The registry of this call: the built-in providers and the declared ones.
  const registry = new Map<ProviderId, ProviderDefinition>(PROVIDER_IDS.map((id) => [id, PROVIDERS[id] as unknown as ProviderDefinition]))
  let custom: ProviderDefinition[]
  try {
    custom = defineCustomProviders(options.customProviders ?? []) as unknown as ProviderDefinition[]
  } catch (error) {
    throw error instanceof CustomProviderError ? new OptionsError(error.message) : error
  }
  for (const def of custom) registry.set(def.id, def)
  const ids: readonly ProviderId[] = options.providers ?? [...registry.keys()]
  const services = {
    clock,
    clients,
    log,
    faults,
    consent: (p: ProviderId) => consentModes.get(p) ?? 'ask',
    maxBodyBytes: options.maxBodyBytes,
    maxGrants: options.maxGrants,
  }
  const entries = new Map<ProviderId, { def: ProviderDefinition; rt: ProviderRuntime; app: ProviderApp; bases: Record<string, string> }>()
  for (const id of ids) {
    // The registry's definitions differ in their Data/Options types; here they are handled alike.
    const def = registry.get(id)
    if (!def) throw new Error(`unknown provider "${id}"`)
    const extra = options.fixtures?.[id]
    const users = parseUsers(def, id, extra?.users ?? [])
    const withUsers = (data: unknown) => {
      for (const u of users) def.users!.add(data, u)
      return data
    }
    const fixtureDef: ProviderDefinition = users.length || extra?.defaultUserId !== undefined
      ? { ...def, createData: () => withUsers(def.createData()), defaultUserId: (data) => extra?.defaultUserId ?? def.defaultUserId(data) }
      : def
    const rt = createRuntime(fixtureDef, services, parseOptions(def, id, options.options?.[id] ?? {}))
    const prefix = `${(options.pathPrefix ?? '').replace(/\/+$/, '')}/${id}`
    const bases = resolveBases(def, options.mount === 'prefixes' ? `${options.origin?.replace(/\/+$/, '') ?? ''}${prefix}` : options.bases?.[id])
    entries.set(id, { def: fixtureDef, rt, app: createProviderApp(fixtureDef, rt, services, bases), bases })
  }
  const entry = (p: ProviderId) => {
    const e = entries.get(p)
    if (!e) throw new Error(`provider "${p}" is not running (running: ${ids.join(', ')})`)
    return e
  }
  const listeners = new Set<(event: FakesChange) => void>()
  // Fixtures come back with every start and reset: they are not changes.
  let fixturesLoading = false
  const emit = (event: FakesChange) => {
    if (!fixturesLoading) for (const l of listeners) l(event)
  }
  const registerDemoClients = () => {
    fixturesLoading = true
    try {
      for (const { def } of entries.values()) for (const c of def.demoClients()) clients.register(c)
      for (const id of ids) for (const c of options.fixtures?.[id]?.clients ?? []) fakes.registerClient({ ...c, provider: id })
    } finally {
      fixturesLoading = false
    }
  }

  const fakes: Fakes = {
    clock,
    providers: ids,
    async fetch(request) {
      const url = requestUrl(request)
      for (const { app } of entries.values()) if (app.serves(url)) return app(request)
      return undefined
    },
    app: (p) => entry(p).app,
    bases: (p) => entry(p).bases,
    runtime: (p) => entry(p).rt,
    definition: (p) => entry(p).def,
    registerClient(spec) {
      entry(spec.provider)
      const max = options.maxClients ?? 10_000
      if (clients.size >= max && !clients.get(spec.provider, spec.clientId)) throw new Error(`clients: at most ${max} registered clients; reset or replace one`)
      if (spec.public === true && spec.clientSecret !== undefined) throw new Error('clientSecret: a public client has no secret')
      if (spec.public !== true && !spec.clientSecret) throw new Error('clientSecret: required unless public is true')
      const client = clients.register(clientFromSpec(spec.provider, spec))
      emit({ kind: 'client', client })
      return client
    },
    clients: (p) => clients.list(p),
    demoClient(p) {
      const demo = entry(p).def.demoClients()[0]!
      return clients.get(p, demo.clientId) ?? demo
    },
    advanceClock(seconds) {
      clock.advance(seconds)
      // What the move took past its retention goes now, in one pass (a control call, not a
      // request): a test that jumps a day ahead finds the memory of that day's grants freed.
      const now = clock.now()
      for (const { rt } of entries.values()) for (const store of [rt.codes, rt.accessTokens, rt.refreshTokens] as const) store.sweep(now)
      return { now: new Date(clock.now()).toISOString() }
    },
    setConsent(p, mode) {
      if (p !== '*') entry(p) // throws for a provider that is not running
      for (const id of p === '*' ? ids : [p]) {
        consentModes.set(id, mode)
        emit({ kind: 'consent', provider: id, mode })
      }
    },
    consent: (p) => services.consent(p),
    revoke: (p, clientId) => entry(p).rt.revokeClient(clientId),
    injectFault(spec) {
      entry(spec.provider)
      faults.inject(spec)
    },
    requests: (p) => log.list(p),
    log,
    options: (p) => entry(p).rt.options as OptionsOf<typeof p>,
    setOptions(p, patch) {
      const e = entry(p)
      e.rt.options = parseOptions(e.def, p, { ...(e.rt.options as object), ...patch })
      e.app.reconfigure()
      emit({ kind: 'options', provider: p, options: e.rt.options })
      return e.rt.options as OptionsOf<typeof p>
    },
    reset() {
      clock.reset()
      log.clear()
      faults.clear()
      consentModes.clear()
      clients.clear()
      for (const [id, { def, rt, app }] of entries) {
        // Options go back to what createFakes was given (a config file's are fixtures too).
        rt.options = parseOptions(def, id, options.options?.[id] ?? {})
        app.reconfigure()
        rt.codes.clear()
        rt.accessTokens.clear()
        rt.refreshTokens.clear()
        rt.latestGrants?.clear()
        rt.data = def.createData()
      }
      emit({ kind: 'reset' })
      registerDemoClients()
    },
    onChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
  registerDemoClients()
  return fakes
}

/** A provider's options, validated by its schema; a bad value throws naming `options.<id>.<field>`. */
export function parseOptions(def: ProviderDefinition, id: ProviderId, given: unknown): unknown {
  const parsed = def.optionsSchema.safeParse(given)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]!
  throw new OptionsError(`options.${id}${issue.path.length ? `.${issue.path.join('.')}` : ''}: ${issue.message}`)
}

/** Users a config file adds, validated by the provider's schema; a bad one throws naming `fixtures.<id>.users.<n>.<field>`. */
function parseUsers(def: ProviderDefinition, id: ProviderId, users: unknown[]): unknown[] {
  if (users.length && !def.users) throw new OptionsError(`fixtures.${id}.users: this provider takes no users`)
  return users.map((u, n) => {
    const parsed = def.users!.schema.safeParse(u)
    if (parsed.success) return parsed.data
    const issue = parsed.error.issues[0]!
    throw new OptionsError(`fixtures.${id}.users.${n}${issue.path.length ? `.${issue.path.join('.')}` : ''}: ${issue.message}`)
  })
}

/** Options a provider does not accept (`createFakes`, the config file, `POST /__admin/options`). */
export class OptionsError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'OptionsError'
  }
}

function resolveBases(def: ProviderDefinition, given: string | Record<string, string> | undefined): Record<string, string> {
  const keys = Object.keys(def.hosts)
  if (given === undefined) return { ...def.hosts }
  if (typeof given === 'string') return Object.fromEntries(keys.map((k) => [k, given.replace(/\/+$/, '')]))
  return { ...def.hosts, ...given }
}
