/**
 * `runDrift`: every probe (./probes.ts) against the real server and against an in-process fake
 * with the same client registered, one after the other, each pair normalised and compared
 * (./compare.ts). The real server is asked politely: sequential requests, a pause between them
 * (an injected sleeper), a User-Agent naming this tool, a timeout per request; it cannot be
 * reached → `DriftNetworkError` (not drift). Secrets (the client secret, tokens, anything a
 * server echoes under a token's name) are masked in the result.
 */
import { z } from 'zod'
import { ownPackageOf } from '../cli/package-json.ts'
import type { DriftProvider } from './probes.ts'
import { type Fakes, type FakesOptions, OptionsError, createFakes } from '../mocks/fakes.ts'
import type { ProviderDefinition } from '../mocks/engine/provider.ts'
import { PROVIDERS } from '../mocks/providers/index.ts'
import { type Difference, type Observation, diff, maskDeep, maskText, observe } from './compare.ts'
import { ALL_ASPECTS, BOGUS, PROBES, type Probe, type ProbeContext, type ProbeRequest, ROLES, type Where, codeExchange, fakeGrantRecipe } from './probes.ts'

export interface DriftCredentials {
  clientId: string
  clientSecret: string
  /** One of the client's registered redirect URIs; without it the probes that send one are skipped. */
  redirectUri?: string
  /** A valid access token of the real server (for `api-token`); without it those probes are skipped. */
  token?: string
}

export type Fetch = (request: Request) => Promise<Response>

export interface RunDriftOptions {
  provider: DriftProvider
  /** The real server's base URL for the provider's main host (cal.com `app`, Zapier `api`, BookingSync `www`). */
  base: string
  /**
   * Base URLs of the provider's other hosts, by host key (`{ api: 'https://api.cal.com' }`).
   * Default: the real hosts when `base` is the real main host; with another `base` every other
   * host must be given (credentials meant for one server are not sent to another by default).
   */
  bases?: Readonly<Record<string, string>>
  credentials: DriftCredentials
  /** How the real server is reached (default: `fetch`). It must not follow redirects. */
  fetchReal?: Fetch
  /** The fake's options (cal.com `era`, BookingSync `doorkeeper`, Zapier `noSlashToken`…), validated. */
  fakeOptions?: Readonly<Record<string, unknown>>
  /** Waits between requests to the real server (default: a timer). Tests pass a no-op. */
  sleep?: (ms: number) => Promise<void>
  /** The pause between requests to the real server (default 250 ms). */
  delayMs?: number
  /** Per request to the real server, headers and body (default 10 s). */
  timeoutMs?: number
  probes?: readonly Probe[]
  userAgent?: string
}

export interface ProbeRequestSummary {
  method: string
  host: string
  path: string
}

export type ProbeOutcome =
  | { id: string; description: string; state: 'skipped'; reason: string }
  | { id: string; description: string; state: 'same' | 'differs'; request: ProbeRequestSummary; real: Observation; fake: Observation; differences: Difference[] }

export interface DriftResult {
  provider: DriftProvider
  /** This tool's version (package.json). */
  version: string
  realBases: Record<string, string>
  fakeBases: Record<string, string>
  /** The fake's effective options (secret-like ones left out). */
  fakeOptions: Record<string, unknown>
  /** No probe differs. */
  ok: boolean
  /** Differences over all probes. */
  differences: number
  probes: ProbeOutcome[]
}

/** Bad input to the drift check (a base, a host key, a fake option): exit 2 in the CLI. */
export class DriftUsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DriftUsageError'
  }
}

/** The real server could not be reached (refused, unknown host, timed out, broken answer): exit 2, not drift. */
export class DriftNetworkError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`cannot reach ${url}: ${reason}`)
    this.name = 'DriftNetworkError'
  }
}

export const DEFAULT_DELAY_MS = 250
export const DEFAULT_TIMEOUT_MS = 10_000
/** A body longer than this is read no further (an answer to a probe is small; a page is not compared). */
const BODY_LIMIT = 1 << 20

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

// ---------------------------------------------------------------------------------------------
// Package info and User-Agent
// ---------------------------------------------------------------------------------------------

interface PackageInfo {
  version: string
  url: string
}

let packageInfo: PackageInfo | undefined

/** This package's version and public URL (package.json `repository`, else `homepage`, else its npm page). */
export function driftPackageInfo(): PackageInfo {
  if (packageInfo) return packageInfo
  const pkg = ownPackageOf(import.meta.url)
  const repo = typeof pkg?.repository === 'string' ? pkg.repository : pkg?.repository?.url
  const url = (repo ?? pkg?.homepage ?? 'https://www.npmjs.com/package/oauth-fakes').replace(/^git\+/, '').replace(/\.git$/, '')
  return (packageInfo = { version: pkg?.version ?? 'unknown', url })
}

/** `oauth-fakes-drift/0.1.0 (+https://…)`: who is asking, and where to read why. */
export function driftUserAgent(): string {
  const { version, url } = driftPackageInfo()
  return `oauth-fakes-drift/${version} (+${url})`
}

// ---------------------------------------------------------------------------------------------
// Bases
// ---------------------------------------------------------------------------------------------

/** A provider's definition without starting a fake (the registry's entries differ in their Data/Options types; here they are handled alike, as in mocks/fakes.ts). */
export function definitionOf(provider: DriftProvider): ProviderDefinition {
  return PROVIDERS[provider] as unknown as ProviderDefinition
}

const baseUrl = z.string().transform((value, ctx) => {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a URL' })
    return z.NEVER
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: 'is not an http(s) URL' })
  else if (url.search || url.hash) ctx.addIssue({ code: 'custom', message: 'must have no query or fragment' })
  return value.replace(/\/+$/, '')
})

function parseBase(name: string, value: string): string {
  const parsed = baseUrl.safeParse(value)
  if (!parsed.success) throw new DriftUsageError(`${name}: "${value}" ${parsed.error.issues[0]?.message ?? 'is not a base URL'}`)
  return parsed.data
}

/** The real server's base per host key (see `RunDriftOptions.bases`). */
export function resolveRealBases(provider: DriftProvider, base: string, others: Readonly<Record<string, string>> = {}): Record<string, string> {
  const hosts = definitionOf(provider).hosts
  const keys = Object.keys(hosts)
  const main = keys[0]!
  const out: Record<string, string> = { [main]: parseBase('--base', base) }
  for (const [key, value] of Object.entries(others)) {
    if (key === main) throw new DriftUsageError(`--base-${key}: "${key}" is ${provider}'s main host; give it as --base`)
    if (!keys.includes(key)) throw new DriftUsageError(`--base-${key}: ${provider} has no host "${key}" (its hosts: ${keys.join(', ')})`)
    out[key] = parseBase(`--base-${key}`, value)
  }
  const atRealMain = out[main] === hosts[main]!.replace(/\/+$/, '')
  for (const key of keys.slice(1)) {
    if (out[key] !== undefined) continue
    if (!atRealMain) throw new DriftUsageError(`--base is not ${hosts[main]}: give --base-${key} too (${provider}'s ${key} host, ${hosts[key]} on the real service)`)
    out[key] = hosts[key]!
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

function url(bases: Readonly<Record<string, string>>, req: Where & { query?: Readonly<Record<string, string>> }): string {
  const base = bases[req.host]
  if (base === undefined) throw new Error(`drift: probe asks for host "${req.host}", which this provider does not have`)
  const query = req.query ? `?${new URLSearchParams(req.query as Record<string, string>)}` : ''
  return `${base.replace(/\/+$/, '')}${req.path}${query}`
}

function toRequest(bases: Readonly<Record<string, string>>, req: ProbeRequest, userAgent: string, signal?: AbortSignal): Request {
  const headers = new Headers({ 'user-agent': userAgent, accept: 'application/json' })
  for (const [k, v] of Object.entries(req.headers ?? {})) headers.set(k, v)
  let body: string | undefined
  if (req.form) {
    headers.set('content-type', 'application/x-www-form-urlencoded')
    body = new URLSearchParams(req.form as Record<string, string>).toString()
  } else if (req.json !== undefined) {
    headers.set('content-type', 'application/json')
    body = JSON.stringify(req.json)
  }
  return new Request(url(bases, req), { method: req.method, headers, body, redirect: 'manual', ...(signal ? { signal } : {}) })
}

/** The body as text, read no further than `BODY_LIMIT` bytes. */
async function readCapped(response: Response): Promise<string> {
  if (!response.body) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    chunks.push(value)
    size += value.byteLength
    if (size > BODY_LIMIT) {
      void reader.cancel().catch(() => undefined)
      break
    }
  }
  return Buffer.concat(chunks).toString('utf8')
}

class Timeout extends Error {}

/** `work`, or a `Timeout` once `signal` aborts, whether or not `work` listens to the signal. */
function withTimeout<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Timeout())
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

/** Why a request failed, in a few words: `ECONNREFUSED`, `ENOTFOUND`, the error's message. */
function networkReason(error: unknown, timeoutMs: number): string {
  if (error instanceof Timeout || (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))) return `no answer within ${timeoutMs / 1000} s`
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined
  const code = typeof cause?.code === 'string' ? cause.code : undefined
  const message = typeof cause?.message === 'string' ? cause.message : error instanceof Error ? error.message : String(error)
  return code && !message.includes(code) ? `${code} (${message})` : message
}

// ---------------------------------------------------------------------------------------------
// The fake side
// ---------------------------------------------------------------------------------------------

function createFakeSide(provider: DriftProvider, fakeOptions: Readonly<Record<string, unknown>>, credentials: DriftCredentials): Fakes {
  let fakes: Fakes
  try {
    // The options are validated by the provider's schema (unknown keys and bad values refused).
    fakes = createFakes({ providers: [provider], options: { [provider]: fakeOptions } as FakesOptions['options'] })
  } catch (error) {
    if (error instanceof OptionsError) throw new DriftUsageError(`fake option: ${error.message}`)
    throw error
  }
  try {
    fakes.registerClient({ provider, clientId: credentials.clientId, clientSecret: credentials.clientSecret, redirectUris: [credentials.redirectUri ?? BOGUS.redirectUri], name: 'oauth-fakes drift' })
  } catch (error) {
    throw new DriftUsageError(`the client cannot be registered in the fake: ${(error as Error).message}`)
  }
  return fakes
}

/** The probe context of one side: its credentials, and the provider's endpoints by role. */
export function probeContext(provider: DriftProvider, credentials: DriftCredentials, token: string | undefined): ProbeContext {
  const def = definitionOf(provider)
  return {
    provider,
    clientId: credentials.clientId,
    clientSecret: credentials.clientSecret,
    redirectUri: credentials.redirectUri ?? BOGUS.redirectUri,
    token,
    at(role) {
      const r = ROLES[provider][role]
      const path = r ? def.endpoints[r.endpoint] : undefined
      if (!r || path === undefined) throw new Error(`drift: ${provider} has no "${role}" endpoint`)
      return { host: r.host, path }
    },
  }
}

/**
 * An access token a fake issues to a client it knows: consent `allow`, the authorize request, the
 * code exchange (`fakeGrantRecipe`). The fake side of `api-token`; tests use it for the "real" side.
 */
export async function issueFakeToken(fakes: Fakes, provider: DriftProvider, credentials: DriftCredentials): Promise<{ token: string; refreshToken?: string } | { problem: string }> {
  const recipe = fakeGrantRecipe(provider, fakes.options(provider) as Record<string, unknown>)
  const c = probeContext(provider, credentials, undefined)
  const bases = fakes.bases(provider)
  const previous = fakes.consent(provider)
  fakes.setConsent(provider, 'allow')
  try {
    const authorize = await fakes.fetch(new Request(url(bases, { ...c.at(recipe.authorize), query: { client_id: c.clientId, redirect_uri: c.redirectUri, ...recipe.query } }), { redirect: 'manual' }))
    const location = authorize?.headers.get('location')
    const code = location ? new URL(location).searchParams.get('code') : null
    if (!code) return { problem: `its authorize endpoint answered ${authorize?.status ?? 'nothing'} without a code` }
    const exchange = await fakes.fetch(toRequest(bases, { ...c.at(recipe.token), method: 'POST', form: codeExchange(c, { code }) }, 'oauth-fakes-drift'))
    const body = exchange ? ((await exchange.json().catch(() => ({}))) as Record<string, unknown>) : {}
    if (typeof body.access_token !== 'string') return { problem: `its token endpoint answered ${exchange?.status ?? 'nothing'} without an access token` }
    return { token: body.access_token, ...(typeof body.refresh_token === 'string' ? { refreshToken: body.refresh_token } : {}) }
  } finally {
    fakes.setConsent(provider, previous)
  }
}

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

export async function runDrift(options: RunDriftOptions): Promise<DriftResult> {
  const { provider, credentials } = options
  const realBases = resolveRealBases(provider, options.base, options.bases)
  const fakes = createFakeSide(provider, options.fakeOptions ?? {}, credentials)
  const fakeBases = { ...fakes.bases(provider) }
  const fetchReal = options.fetchReal ?? ((request: Request) => fetch(request))
  const sleep = options.sleep ?? realSleep
  const delayMs = options.delayMs ?? DEFAULT_DELAY_MS
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const userAgent = options.userAgent ?? driftUserAgent()
  const secrets = new Set<string>([credentials.clientSecret, ...(credentials.token ? [credentials.token] : [])])
  const secret = (v: string) => void secrets.add(v)
  const mask = <T>(value: T): T => maskDeep(value, secrets)

  const context = (token: string | undefined) => probeContext(provider, credentials, token)
  const probes = (options.probes ?? PROBES).filter((p) => p.request[provider])
  const fakeGrant = credentials.token && probes.some((p) => p.needs?.includes('token')) ? await issueFakeToken(fakes, provider, credentials) : undefined
  if (fakeGrant && 'token' in fakeGrant) for (const t of [fakeGrant.token, fakeGrant.refreshToken]) if (t) secret(t)

  const outcomes: ProbeOutcome[] = []
  let realRequests = 0
  for (const probe of probes) {
    const build = probe.request[provider]!
    const head = { id: probe.id, description: probe.description }
    if (probe.needs?.includes('redirectUri') && !credentials.redirectUri) {
      outcomes.push({ ...head, state: 'skipped', reason: 'needs --redirect-uri (one the client registered)' })
      continue
    }
    if (probe.needs?.includes('token') && !credentials.token) {
      outcomes.push({ ...head, state: 'skipped', reason: 'needs --token (a valid access token)' })
      continue
    }
    if (probe.needs?.includes('token') && fakeGrant && 'problem' in fakeGrant) {
      outcomes.push({ ...head, state: 'skipped', reason: `the fake issued no token: ${fakeGrant.problem}` })
      continue
    }
    const realReq = build(context(credentials.token))
    const fakeReq = build(context(fakeGrant && 'token' in fakeGrant ? fakeGrant.token : undefined))

    // The real side: a pause before every request but the first, a timeout over headers and body.
    if (realRequests++ > 0) await sleep(delayMs)
    const signal = AbortSignal.timeout(timeoutMs)
    const request = toRequest(realBases, realReq, userAgent, signal)
    let real: Observation
    try {
      const response = await withTimeout(fetchReal(request), signal)
      const body = await withTimeout(readCapped(response), signal)
      real = observe(response.status, response.headers, body, { bases: realBases, url: request.url, method: realReq.method, secret })
    } catch (error) {
      const where = new URL(request.url)
      throw new DriftNetworkError(`${where.origin}${where.pathname}`, maskText(networkReason(error, timeoutMs), secrets))
    }

    const fakeRequest = toRequest(fakeBases, fakeReq, userAgent)
    const answer = await fakes.fetch(fakeRequest)
    if (!answer) throw new Error(`drift: the fake does not serve ${fakeRequest.method} ${fakeRequest.url}`)
    const fake = observe(answer.status, answer.headers, await readCapped(answer), { bases: fakeBases, url: fakeRequest.url, method: fakeReq.method, secret })

    const differences = diff(real, fake, probe.compare ?? ALL_ASPECTS)
    outcomes.push({ ...head, state: differences.length ? 'differs' : 'same', request: { method: realReq.method, host: realReq.host, path: realReq.path }, real, fake, differences })
  }

  const effective = fakes.options(provider) as Record<string, unknown>
  const differences = outcomes.reduce((n, o) => n + (o.state === 'skipped' ? 0 : o.differences.length), 0)
  return mask({
    provider,
    version: driftPackageInfo().version,
    realBases,
    fakeBases,
    fakeOptions: Object.fromEntries(Object.entries(effective).filter(([k]) => !/secret|password|key/i.test(k))),
    ok: differences === 0,
    differences,
    probes: outcomes,
  })
}
