import type { Clock } from './clock.ts'

/**
 * The built-in provider ids, also the standalone server's prefixes (`/calcom`, `/bookingsync`,
 * `/zapier`, `/oauth2`).
 */
export const PROVIDER_IDS = ['calcom', 'bookingsync', 'zapier', 'oauth2'] as const
export type BuiltinProviderId = (typeof PROVIDER_IDS)[number]
/**
 * A provider's id: a built-in one, or the id of a user-defined provider (`createFakes({
 * customProviders })`, docs/providers/custom.md), which must match `CUSTOM_PROVIDER_ID`.
 */
export type ProviderId = BuiltinProviderId | (string & {})

/** A user-defined provider's id: a path segment, and no built-in id, `t` (tenants) or `__admin`. */
export const CUSTOM_PROVIDER_ID = /^(?!t$)[a-z][a-z0-9-]{0,31}$/

export function isBuiltinProvider(id: string): id is BuiltinProviderId {
  return (PROVIDER_IDS as readonly string[]).includes(id)
}

/** What the control API's `faults` and the request log call an endpoint (docs/server.md). */
export const CONTROL_ENDPOINTS = ['token', 'refresh', 'authorize', 'api'] as const
export type ControlEndpoint = (typeof CONTROL_ENDPOINTS)[number]

/** `ask` shows the consent page; `allow`/`deny` answer at once as the provider's default user. */
export type ConsentMode = 'ask' | 'allow' | 'deny'

export { type RecordedRequest, type RecordedResponse, RequestLog } from './log.ts'

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
