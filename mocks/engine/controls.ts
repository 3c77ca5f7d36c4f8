import type { Clock } from './clock.ts'

/** The provider ids, also the standalone server's prefixes (`/calcom`, `/bookingsync`, `/zapier`). */
export type ProviderId = 'calcom' | 'bookingsync' | 'zapier'
export const PROVIDER_IDS: readonly ProviderId[] = ['calcom', 'bookingsync', 'zapier']

/** What the control API's `faults` and the request log call an endpoint (contract §3). */
export type ControlEndpoint = 'token' | 'refresh' | 'authorize' | 'api'
export const CONTROL_ENDPOINTS: readonly ControlEndpoint[] = ['token', 'refresh', 'authorize', 'api']

/** `ask` shows the consent page; `allow`/`deny` answer at once as the provider's default user. */
export type ConsentMode = 'ask' | 'allow' | 'deny'

/** One recorded request, as `GET /__admin/requests` returns it (contract §3). */
export interface RecordedRequest {
  provider: ProviderId
  method: string
  /** The path below the provider's base (the provider's real path, the same in-process and standalone). */
  path: string
  query: Record<string, string | string[]>
  headers: Record<string, string>
  /** The raw body as text ('' when there was none). */
  body: string
  status: number
  /** ISO time on the fakes' clock. */
  at: string
  /** Extension: which control endpoint the request counted as, when it is one. */
  endpoint: ControlEndpoint | null
  /** Extension: the absolute URL as received. */
  url: string
}

/**
 * The request log, oldest first. Bounded: past `limit` entries the oldest are dropped, so a
 * long-running server's memory stays flat.
 */
export class RequestLog {
  #entries: RecordedRequest[] = []
  constructor(readonly limit = 10_000) {}

  record(entry: RecordedRequest): void {
    this.#entries.push(entry)
    if (this.#entries.length > this.limit) this.#entries.splice(0, this.#entries.length - this.limit)
  }

  list(provider?: ProviderId): RecordedRequest[] {
    return provider ? this.#entries.filter((e) => e.provider === provider) : [...this.#entries]
  }

  clear(): void {
    this.#entries = []
  }
}

export interface FaultSpec {
  provider: ProviderId
  endpoint: ControlEndpoint
  status: number
  times: number
}

/** Pending injected faults: the next `times` requests to `provider`/`endpoint` answer `status`. */
export class Faults {
  readonly #pending = new Map<string, { status: number; times: number }>()

  inject(spec: FaultSpec): void {
    this.#pending.set(`${spec.provider}:${spec.endpoint}`, { status: spec.status, times: spec.times })
  }

  /** Consumes one pending fault for this endpoint and returns its status, if any. */
  take(provider: ProviderId, endpoint: ControlEndpoint): number | undefined {
    const key = `${provider}:${endpoint}`
    const fault = this.#pending.get(key)
    if (!fault) return undefined
    if (--fault.times <= 0) this.#pending.delete(key)
    return fault.status
  }

  clear(): void {
    this.#pending.clear()
  }
}

/** Formats a fake-clock instant for the log and the control API. */
export function isoAt(clock: Clock): string {
  return new Date(clock.now()).toISOString()
}
