/**
 * What the server says it serves (`GET /` and `GET /__admin`, JSON), and one OAuth flow per
 * provider over HTTP: authorize (with the consent mode set to `allow`), code exchange, an API
 * call, refresh, revocation. Everything a provider needs beyond `GET /` (the scope to ask for,
 * where the refresh token goes) is in `FLOW`.
 */
import type { Client, HttpAnswer } from './http.ts'

export type ProviderId = 'calcom' | 'bookingsync' | 'zapier' | 'oauth2'

export interface ProviderInfo {
  id: ProviderId
  /** Endpoint name → path on the server (`/calcom/api/auth/oauth/token`). */
  endpoints: Record<string, string>
  demoClient: { clientId: string; clientSecret: string; redirectUris: string[] }
  options: Record<string, unknown>
}

export interface ControlRoute {
  method: string
  path: string
}

export interface Discovery {
  providers: ProviderInfo[]
  controls: ControlRoute[]
}

const pathOf = (url: string) => {
  const u = new URL(url)
  return `${u.pathname}${u.search}`
}

/** Reads `GET /` (Accept: application/json) and `GET /__admin`. */
export async function discover(client: Client): Promise<Discovery> {
  const index = await client.get('/', { accept: 'application/json' })
  if (index.status !== 200) throw new Error(`GET / answered ${index.status}`)
  const parsed = JSON.parse(index.text) as { providers: Array<Omit<ProviderInfo, 'endpoints'> & { endpoints: Record<string, string> }> }
  const admin = await client.get('/__admin', { accept: 'application/json' })
  if (admin.status !== 200) throw new Error(`GET /__admin answered ${admin.status}`)
  const controls = (JSON.parse(admin.text) as { controls: ControlRoute[] }).controls
  return {
    // The providers the flows know (user-defined ones are fuzzed through their own tests).
    providers: parsed.providers.filter((p) => p.id in FLOW).map((p) => ({ ...p, endpoints: Object.fromEntries(Object.entries(p.endpoints).map(([k, v]) => [k, pathOf(v)])) })),
    controls: controls.map((c) => ({ method: c.method, path: c.path })),
  }
}

interface FlowProfile {
  scope: string
  /** The endpoint the API call goes to (a token with `scope` may call it). */
  api: string
  /** Where the refresh token goes: the body (RFC 6749 §6) for every provider's current default. */
  refreshEndpoint: 'refresh'
}

/** Per provider: what a flow asks for (the index page's "try it" scopes). */
export const FLOW: Record<ProviderId, FlowProfile> = {
  calcom: { scope: 'PROFILE_READ', api: 'v2Me', refreshEndpoint: 'refresh' },
  bookingsync: { scope: 'public rentals_read bookings_read', api: 'resource', refreshEndpoint: 'refresh' },
  zapier: { scope: 'profile zap', api: 'resource', refreshEndpoint: 'refresh' },
  oauth2: { scope: 'profile', api: 'resource', refreshEndpoint: 'refresh' },
}

export interface Tokens {
  access: string
  refresh: string | undefined
}

/** A step that did not answer as a working client expects: which, and what came back. */
export class FlowError extends Error {
  constructor(
    readonly step: string,
    readonly answer: HttpAnswer | undefined,
    detail = '',
  ) {
    super(`${step}: ${answer ? `${answer.status} ${answer.text.slice(0, 200)}` : detail}`)
    this.name = 'FlowError'
  }
}

export class ProviderFlows {
  readonly redirectUri: string
  constructor(
    readonly client: Client,
    readonly info: ProviderInfo,
  ) {
    this.redirectUri = info.demoClient.redirectUris.find((u) => /^https?:/.test(u))!
  }

  get id(): ProviderId {
    return this.info.id
  }

  /** The same flows over another connection pool. */
  withClient(client: Client): ProviderFlows {
    return new ProviderFlows(client, this.info)
  }

  /** The same flows as another registered client (an app of its own: its grants do not touch the others'). */
  asApp(app: ProviderInfo['demoClient']): ProviderFlows {
    return new ProviderFlows(this.client, { ...this.info, demoClient: app })
  }

  #creds(): Record<string, string> {
    return { client_id: this.info.demoClient.clientId, client_secret: this.info.demoClient.clientSecret }
  }

  /** `GET authorize` with consent `allow` (set beforehand) → the code from the redirect. */
  async authorize(state = 'soak'): Promise<string> {
    const q = new URLSearchParams({ client_id: this.info.demoClient.clientId, redirect_uri: this.redirectUri, response_type: 'code', scope: FLOW[this.id].scope, state })
    const answer = await this.client.get(`${this.info.endpoints.authorize}?${q}`)
    const location = answer.headers.location
    if (answer.status !== 302 || typeof location !== 'string') throw new FlowError('authorize', answer)
    const code = new URL(location).searchParams.get('code')
    if (!code) throw new FlowError('authorize', answer, `no code in ${location}`)
    return code
  }

  async exchange(code: string): Promise<Tokens> {
    const answer = await this.client.postForm(this.info.endpoints.token!, { grant_type: 'authorization_code', code, redirect_uri: this.redirectUri, ...this.#creds() })
    return this.#tokens('token', answer)
  }

  /** The refresh request as every provider's default takes it: the token in the body. */
  refreshRequest(refreshToken: string): Promise<HttpAnswer> {
    return this.client.postForm(this.info.endpoints[FLOW[this.id].refreshEndpoint]!, { grant_type: 'refresh_token', refresh_token: refreshToken, ...this.#creds() })
  }

  async refresh(refreshToken: string): Promise<Tokens> {
    return this.#tokens('refresh', await this.refreshRequest(refreshToken))
  }

  /** An API call with the access token; resolves with the status (2xx expected). */
  async api(access: string): Promise<number> {
    const answer = await this.client.get(this.info.endpoints[FLOW[this.id].api]!, { authorization: `Bearer ${access}` })
    if (answer.status < 200 || answer.status > 299) throw new FlowError('api', answer)
    return answer.status
  }

  /** RFC 7009 revocation where the provider has it (BookingSync's `revoke`, the generic provider's `revocation`). */
  async revoke(token: string): Promise<void> {
    const path = this.info.endpoints.revoke ?? this.info.endpoints.revocation
    if (!path) return
    const answer = await this.client.postForm(path, { token, ...this.#creds() })
    if (answer.status !== 200) throw new FlowError('revoke', answer)
  }

  #tokens(step: string, answer: HttpAnswer): Tokens {
    if (answer.status !== 200) throw new FlowError(step, answer)
    const body = JSON.parse(answer.text) as { access_token?: string; refresh_token?: string }
    if (!body.access_token) throw new FlowError(step, answer, 'no access_token')
    return { access: body.access_token, refresh: body.refresh_token }
  }
}

/** The control API, as the script uses it. */
export class Admin {
  constructor(
    readonly client: Client,
    readonly prefix = '/__admin',
  ) {}

  async #post(action: string, body: unknown): Promise<unknown> {
    const path = `${this.prefix}/${action}`
    const answer = body === undefined ? await this.client.request('POST', path) : await this.client.postJson(path, body)
    if (answer.status < 200 || answer.status > 299) throw new Error(`POST ${this.prefix}/${action} answered ${answer.status}: ${answer.text.slice(0, 200)}`)
    return answer.text ? (JSON.parse(answer.text) as unknown) : undefined
  }

  consent(provider: ProviderId | '*', mode: 'ask' | 'allow' | 'deny') {
    return this.#post('consent', { provider, mode })
  }

  advanceClock(seconds: number) {
    return this.#post('clock', { advanceSeconds: seconds })
  }

  /** Registers a confidential client (`POST /__admin/clients`) and returns it as flows take it. */
  async registerClient(provider: ProviderId, clientId: string, redirectUri: string): Promise<ProviderInfo['demoClient']> {
    const app = { clientId, clientSecret: `${clientId}-secret`, redirectUris: [redirectUri] }
    await this.#post('clients', { provider, ...app })
    return app
  }

  revoke(provider: ProviderId, clientId: string) {
    return this.#post('revoke', { provider, clientId })
  }

  options(provider: ProviderId, options: Record<string, unknown>) {
    return this.#post('options', { provider, options })
  }

  reset() {
    return this.#post('reset', undefined)
  }
}

/** Every lifetime a fake has, passed: cal.com refresh tokens (30 days) are the longest that end. */
export const PAST_EVERY_LIFETIME_SECONDS = 31 * 24 * 3600
/** How long a dead code or token is kept before a sweep drops it (mocks/engine/store.ts). */
export const RETENTION_SECONDS = 24 * 3600
