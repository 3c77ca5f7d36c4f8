/**
 * Tenants: one standalone server, many isolated sets of fakes. A tenant is named by the caller
 * (`/t/<tenant>/…`), created on first use, and has its own clock, clients, grants, consent modes,
 * faults, options and request log. Parallel CI jobs share one server without seeing each other.
 *
 * Bounded: at most `maxTenants` at once (the next new name is refused with 503 until one goes),
 * and a tenant that served no request for `idleSeconds` of real time is dropped, as is one whose
 * `/__admin/reset` is called (its next request starts from the fixtures again).
 */
import type { Fakes } from './fakes.ts'

/** `[A-Za-z0-9._-]{1,64}`, not `.` or `..`: safe in a path segment and in a log line. */
export const TENANT_NAME = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,64}$/

export interface TenantOptions {
  /** At most this many tenants at once (default 500). */
  maxTenants?: number
  /** Drop a tenant after this many seconds without a request (default 3600). */
  idleSeconds?: number
  /** Wall-clock milliseconds (injectable for tests; idle time is real time, not a fake clock). */
  now?: () => number
}

export interface TenantInfo {
  name: string
  createdAt: string
  lastUsedAt: string
  requests: number
}

interface Tenant {
  fakes: Fakes
  createdAt: number
  lastUsedAt: number
}

/** Thrown when a new tenant would pass `maxTenants`. */
export class TenantLimitError extends Error {
  constructor(readonly max: number) {
    super(`tenants: at most ${max} at once; reset one (POST /t/<tenant>/__admin/reset) or wait until one is idle`)
    this.name = 'TenantLimitError'
  }
}

export class Tenants {
  readonly maxTenants: number
  readonly idleMs: number
  readonly #create: (name: string) => Fakes
  readonly #now: () => number
  readonly #tenants = new Map<string, Tenant>()

  constructor(create: (name: string) => Fakes, options: TenantOptions = {}) {
    this.#create = create
    this.maxTenants = options.maxTenants ?? 500
    this.idleMs = (options.idleSeconds ?? 3600) * 1000
    this.#now = options.now ?? Date.now
  }

  get size(): number {
    return this.#tenants.size
  }

  /** The tenant's fakes, created on first use; throws TenantLimitError when full. */
  get(name: string): Fakes {
    const now = this.#now()
    let tenant = this.#tenants.get(name)
    if (!tenant) {
      this.sweep()
      if (this.#tenants.size >= this.maxTenants) throw new TenantLimitError(this.maxTenants)
      tenant = { fakes: this.#create(name), createdAt: now, lastUsedAt: now }
      this.#tenants.set(name, tenant)
    }
    tenant.lastUsedAt = now
    return tenant.fakes
  }

  /** The tenant's fakes if it exists (the dashboard looks without creating). */
  peek(name: string): Fakes | undefined {
    return this.#tenants.get(name)?.fakes
  }

  /** Forgets a tenant (its reset): its next request starts afresh. */
  drop(name: string): boolean {
    return this.#tenants.delete(name)
  }

  /** Drops every tenant idle for `idleSeconds`; returns how many. */
  sweep(): number {
    const cutoff = this.#now() - this.idleMs
    let dropped = 0
    for (const [name, tenant] of this.#tenants) {
      if (tenant.lastUsedAt <= cutoff) {
        this.#tenants.delete(name)
        dropped++
      }
    }
    return dropped
  }

  list(): TenantInfo[] {
    return [...this.#tenants].map(([name, t]) => ({
      name,
      createdAt: new Date(t.createdAt).toISOString(),
      lastUsedAt: new Date(t.lastUsedAt).toISOString(),
      requests: t.fakes.log.lastId,
    }))
  }
}
