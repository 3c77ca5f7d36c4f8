/**
 * The stores behind every code and token: a `Map` keyed by the code or token itself, so that a
 * lookup is O(1) whatever the number of live grants (@mswjs/data's `findFirst` scans every row,
 * which is why nothing on the token path uses it).
 *
 * Expired and revoked entries are kept for `retainSeconds` after they stopped being valid, so a
 * resource server can still tell "expired" from "revoked" from "never issued" (BookingSync's
 * `WWW-Authenticate` descriptions depend on it), then swept: memory stays bounded by the live
 * grants plus that window.
 */
export interface StoredGrant {
  /** The client the entry was issued to (revocation by client is O(entries of that client)). */
  clientId: string
  /** Epoch ms after which the entry is expired; `null` never expires by itself. */
  expiresAt: number | null
  /** Epoch ms of revocation, `null` while valid. */
  revokedAt: number | null
}

export type Lookup<V> =
  | { state: 'valid'; entry: V }
  | { state: 'expired'; entry: V }
  | { state: 'revoked'; entry: V }
  | { state: 'unknown' }

/** A change to a store, as the state file records it (./../state.ts). */
export type StoreChange<V> = { op: 'set'; key: string; entry: V } | { op: 'delete'; key: string } | { op: 'revoke'; key: string; at: number } | { op: 'touch'; key: string; entry: V }

/** Thrown when a store holds `maxEntries` live entries: a new grant is refused, never a live one dropped. */
export class StoreFullError extends Error {
  constructor(readonly max: number) {
    super(`the fake holds ${max} live codes or tokens, its limit: reset it (POST /__admin/reset) or let some expire`)
    this.name = 'StoreFullError'
  }
}

export interface ExpiringStoreOptions {
  /** Seconds an expired or revoked entry is kept so that it can be told from an unknown one. */
  retainSeconds?: number
  /** A full sweep runs at most once per this many seconds of fake time. */
  sweepEverySeconds?: number
  /**
   * At most this many entries (default 500,000). When full, dead entries (expired or revoked) go
   * at once, whatever `retainSeconds` says; if every entry is still live, `set` throws
   * StoreFullError (the endpoint answers 503) rather than drop a grant a client still holds.
   */
  maxEntries?: number
}

export class ExpiringStore<V extends StoredGrant> {
  readonly #entries = new Map<string, V>()
  readonly #byClient = new Map<string, Set<string>>()
  readonly #retainMs: number
  readonly #sweepEveryMs: number
  readonly #maxEntries: number
  #nextSweepAt = 0
  /** Told of every change (the state file's journal); `null` when nothing listens. */
  listener: ((change: StoreChange<V>) => void) | null = null

  constructor(options: ExpiringStoreOptions = {}) {
    this.#retainMs = (options.retainSeconds ?? 24 * 3600) * 1000
    this.#sweepEveryMs = (options.sweepEverySeconds ?? 60) * 1000
    this.#maxEntries = options.maxEntries ?? 500_000
  }

  get size(): number {
    return this.#entries.size
  }

  /** Stores `entry` under `key` (a token string is its own key). */
  set(key: string, entry: V, now: number): void {
    this.#maybeSweep(now)
    if (this.#entries.size >= this.#maxEntries && !this.#entries.has(key)) {
      this.#dropDead(now)
      if (this.#entries.size >= this.#maxEntries) throw new StoreFullError(this.#maxEntries)
    }
    this.#entries.delete(key) // a re-set key moves to the newest end of the insertion order
    this.#entries.set(key, entry)
    let keys = this.#byClient.get(entry.clientId)
    if (!keys) this.#byClient.set(entry.clientId, (keys = new Set()))
    keys.add(key)
    this.listener?.({ op: 'set', key, entry })
  }

  /** Records that an entry changed in place (first use of a token): the state file keeps it. */
  touch(key: string): void {
    const entry = this.#entries.get(key)
    if (entry) this.listener?.({ op: 'touch', key, entry })
  }

  /** Every entry that is no longer valid goes now, retained or not (the store is full). */
  #dropDead(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (entry.revokedAt !== null || (entry.expiresAt !== null && entry.expiresAt <= now)) this.delete(key)
    }
  }

  /** The entry and its state at `now`, in O(1). */
  lookup(key: string, now: number): Lookup<V> {
    const entry = this.#entries.get(key)
    if (!entry) return { state: 'unknown' }
    if (entry.revokedAt !== null) return { state: 'revoked', entry }
    if (entry.expiresAt !== null && entry.expiresAt <= now) return { state: 'expired', entry }
    return { state: 'valid', entry }
  }

  /** Removes an entry for good (a consumed authorization code). */
  delete(key: string): boolean {
    const entry = this.#entries.get(key)
    if (!entry) return false
    this.#entries.delete(key)
    this.#byClient.get(entry.clientId)?.delete(key)
    this.listener?.({ op: 'delete', key })
    return true
  }

  /** Marks one entry revoked; `false` when it is unknown or was already revoked. */
  revoke(key: string, now: number): boolean {
    const entry = this.#entries.get(key)
    if (!entry || entry.revokedAt !== null) return false
    entry.revokedAt = now
    this.listener?.({ op: 'revoke', key, at: now })
    return true
  }

  /** Revokes every entry of a client; returns how many were still valid. */
  revokeClient(clientId: string, now: number): number {
    let count = 0
    for (const key of this.#byClient.get(clientId) ?? []) if (this.revoke(key, now)) count++
    return count
  }

  /** Every entry of one client (for revocation of related stores and for tests). */
  *entriesOf(clientId: string): IterableIterator<[string, V]> {
    for (const key of this.#byClient.get(clientId) ?? []) {
      const entry = this.#entries.get(key)
      if (entry) yield [key, entry]
    }
  }

  clear(): void {
    this.#entries.clear()
    this.#byClient.clear()
    this.#nextSweepAt = 0
  }

  /** Drops every entry that stopped being valid more than `retainSeconds` before `now`. */
  sweep(now: number): number {
    let removed = 0
    for (const [key, entry] of this.#entries) {
      const deadSince = entry.revokedAt ?? entry.expiresAt
      if (deadSince !== null && deadSince + this.#retainMs <= now) {
        this.delete(key)
        removed++
      }
    }
    for (const [clientId, keys] of this.#byClient) if (keys.size === 0) this.#byClient.delete(clientId)
    this.#nextSweepAt = now + this.#sweepEveryMs
    return removed
  }

  #maybeSweep(now: number): void {
    if (now >= this.#nextSweepAt) this.sweep(now)
  }

  /** Every entry, oldest first, read-only (the dashboard's grants, the state file's snapshot; nothing is swept or changed). */
  *entries(): IterableIterator<readonly [string, Readonly<V>]> {
    for (const [key, entry] of this.#entries) yield [key, entry]
  }
}
