import type { Clock } from './clock.ts'

/** The provider ids, also the standalone server's prefixes (`/calcom`, `/bookingsync`, `/zapier`). */
export const PROVIDER_IDS = ['calcom', 'bookingsync', 'zapier'] as const
export type ProviderId = (typeof PROVIDER_IDS)[number]

/** What the control API's `faults` and the request log call an endpoint (contract §3). */
export const CONTROL_ENDPOINTS = ['token', 'refresh', 'authorize', 'api'] as const
export type ControlEndpoint = (typeof CONTROL_ENDPOINTS)[number]

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
  /** The raw body as text ('' when there was none); at most 16 KiB of it. */
  body: string
  /** Extension: `true` when `body` was cut at 16 KiB. */
  bodyTruncated: boolean
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
  // A ring buffer: recording is O(1) however full the log is. Entries may be recorded as a
  // function that builds them: formatting headers, query and body costs more than most
  // endpoints, and most entries are never read.
  #ring: Array<RecordedRequest | (() => RecordedRequest) | undefined>
  #next = 0
  #size = 0
  constructor(readonly limit = 10_000) {
    this.#ring = new Array<RecordedRequest | undefined>(limit)
  }

  record(entry: RecordedRequest | (() => RecordedRequest)): void {
    this.#ring[this.#next] = entry
    this.#next = (this.#next + 1) % this.limit
    if (this.#size < this.limit) this.#size++
  }

  list(provider?: ProviderId): RecordedRequest[] {
    const out: RecordedRequest[] = []
    const start = (this.#next - this.#size + this.limit) % this.limit
    for (let i = 0; i < this.#size; i++) {
      const index = (start + i) % this.limit
      let entry = this.#ring[index]!
      if (typeof entry === 'function') this.#ring[index] = entry = entry()
      if (!provider || entry.provider === provider) out.push(entry)
    }
    return out
  }

  clear(): void {
    this.#ring = new Array<RecordedRequest | (() => RecordedRequest) | undefined>(this.limit)
    this.#next = 0
    this.#size = 0
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
