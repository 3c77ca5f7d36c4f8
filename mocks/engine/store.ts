/**
 * The stores behind every code and token: `Map`s keyed by the code or token itself, so that a
 * lookup is O(1) whatever the number of live grants (@mswjs/data's `findFirst` scans every row,
 * which is why nothing on the token path uses it).
 *
 * The entries are spread over `SHARDS` maps by their key. One map of 200,000 entries pauses a write
 * for 15–25 ms whenever V8 rehashes it (as it grows past, or shrinks below, a power of two; the
 * sweep of a large store does both); a shard rehashes a sixteenth of that. The maps' own order is
 * then no longer the store's: each entry carries its place in the insertion order (`ORDER`, a
 * hidden property), and what needs that order (`entries`, `entriesOf`) sorts by it.
 *
 * Expired and revoked entries are kept for `retainSeconds` after they stopped being valid, so a
 * resource server can still tell "expired" from "revoked" from "never issued" (BookingSync's
 * `WWW-Authenticate` descriptions depend on it), then swept: memory stays bounded by the live
 * grants plus that window. Sweeping is incremental (a few entries per write), and a pass starts
 * only once an entry can be swept: the store keeps the earliest time one can (`#sweepDue`).
 */

/**
 * An entry's place in the store's insertion order: a non-enumerable property the store sets on it,
 * so that JSON (the state file), spreads and deep equality do not see it. An entry object belongs to
 * one store (every caller builds its own: `issueTokens`, `issueAuthorizationCode`, the state file's
 * restore); stored in two, the later `set` would decide its place in both.
 */
const ORDER = Symbol('oauth-fakes store order')
type Ordered = { [ORDER]?: number }

/**
 * Where an entry keeps its place: an entry's maker puts `[ORDER_SLOT]: 0` LAST in its object
 * literal (`issueTokens`, `issueAuthorizationCode`), and `set` hides it there (non-enumerable, as
 * for any entry). Added to an object made without it, the place costs a separate property array
 * (40 bytes against the slot's 8: `npm run bench`, memory, 63–65 bytes less a pair); an entry made
 * without it is stored all the same.
 * Until it is stored, the slot is an ordinary symbol-keyed property (JSON and `Object.keys` skip it).
 */
export const ORDER_SLOT: typeof ORDER = ORDER

export interface StoredGrant {
  /** The client the entry was issued to (revocation by client is O(entries of that client)). */
  clientId: string
  /** Epoch ms after which the entry is expired; `null` never expires by itself. */
  expiresAt: number | null
  /** Epoch ms of revocation, `null` while valid. */
  revokedAt: number | null
  /** The store's place for the entry's insertion order (`ORDER_SLOT`): 0 in a new entry's literal, never read by its maker. */
  [ORDER_SLOT]?: number
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

export interface ExpiringStoreOptions<V = StoredGrant> {
  /** Seconds an expired or revoked entry is kept so that it can be told from an unknown one. */
  retainSeconds?: number
  /**
   * Sweeping is incremental: each `set` looks at a few entries (`SWEEP_STEP`), oldest first, and
   * drops those whose retention is over, so no write ever pauses for a walk of the whole store. A
   * pass over the store starts at most once per this many seconds of fake time.
   */
  sweepEverySeconds?: number
  /**
   * At most this many entries (default 500,000). When full, dead entries (expired or revoked) go
   * at once, whatever `retainSeconds` says; if every entry is still live, `set` throws
   * StoreFullError (the endpoint answers 503) rather than drop a grant a client still holds.
   */
  maxEntries?: number
  /**
   * A secondary index: the group an entry belongs to (its client and subject, say), `null` for
   * none. A group's live entries (neither revoked nor removed; expired ones count) are found
   * without walking the store: `newestLive`, `liveOf`, `hasLiveTagged`.
   */
  groupOf?: (entry: V) => string | null
  /** Within a group, live entries are also counted by this tag (their scopes, say): `hasLiveTagged`. */
  tagOf?: (entry: V) => string
}

/** Entries a `set` looks at for sweeping: more than one, so sweeping outpaces any rate of writes. */
export const SWEEP_STEP = 8

/**
 * A client's keys in one shard, in the order they joined, as an array: a key costs one slot and a
 * write an append, where a `Set` cost ~30 bytes a key and a hashed insert into a table of every
 * token of the client (`npm run bench`, memory: 29–44 bytes less a pair). A key
 * that leaves (deleted, or re-set for another client) stays in the array and is counted in `gone`;
 * readers skip keys whose entry is not there or not the client's, and the array is compacted when
 * more than half of it is gone (O(keys of that client in that shard), a sixteenth of its keys).
 */
interface ClientKeys {
  keys: string[]
  gone: number
}

/** Maps the entries are spread over (a power of two). */
const SHARDS = 16

/** The shard of a key: its last few characters mixed (keys are random tokens, so this spreads them evenly). Exported for tests. */
export function shardOf(key: string): number {
  // A key is a string by type; should a repeated parameter's array ever get this far, it is found in
  // no shard, as a one-map store found it nowhere — an "unknown" token, not a crash.
  if (typeof key !== 'string') return 0
  let h = key.length
  for (let i = Math.max(0, key.length - 4); i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) | 0
  return h & (SHARDS - 1)
}

function stamp(entry: object, order: number): void {
  Object.defineProperty(entry, ORDER, { value: order, writable: true, configurable: true, enumerable: false })
}

const byOrder = (a: readonly [string, object], b: readonly [string, object]) => ((a[1] as Ordered)[ORDER] ?? 0) - ((b[1] as Ordered)[ORDER] ?? 0)

/**
 * A group's keys in the order they joined, live or not, and how many are live: a key costs one
 * array slot (a Set would cost three times that per token). Keys that left are dropped from the
 * end by `newestLive`, and all at once when they are more than half of the array.
 */
interface Group {
  clientId: string
  keys: string[]
  live: number
  /**
   * Live entries per tag, kept small: while every live entry of the group has one tag (a subject's
   * tokens mostly share their scopes), that tag is `tag` and `live` counts it, and `tags` is `null`;
   * the first live entry with another tag makes `tags` a Map of counts for good. A Map per group
   * would cost ~500 bytes per subject (`npm run bench`, memory).
   */
  tag: string | null
  tags: Map<string, number> | null
}

export class ExpiringStore<V extends StoredGrant> {
  readonly #shards: Array<Map<string, V>> = Array.from({ length: SHARDS }, () => new Map())
  /** Per shard: the keys of each client in that shard (`ClientKeys`). */
  readonly #byClient: Array<Map<string, ClientKeys>> = Array.from({ length: SHARDS }, () => new Map())
  #size = 0
  /** The last insertion's place (`ORDER`). */
  #order = 0
  readonly #groups = new Map<string, Group>()
  /** The groups with live entries, by client. */
  readonly #groupsByClient = new Map<string, Set<string>>()
  readonly #groupOf: ((entry: V) => string | null) | null
  readonly #tagOf: ((entry: V) => string) | null
  readonly #retainMs: number
  readonly #sweepEveryMs: number
  readonly #maxEntries: number
  /** Where the incremental sweep stands (`null` between passes: the shard and its iterator) and when the next pass may start. */
  #cursor: { shard: number; entries: IterableIterator<[string, V]> } | null = null
  #nextPassAt = 0
  /**
   * No entry can be sweepable before this (a lower bound: the earliest `deadSince + retain` of the
   * entries, kept by `set` and `revoke` and narrowed by each whole pass). Until then no pass starts:
   * a store whose entries are all live, or dead for less than the retention, costs its writes nothing.
   */
  #sweepDue = Number.POSITIVE_INFINITY
  /** During a pass: the same bound for what the pass keeps and what is written meanwhile (becomes `#sweepDue` at its end). */
  #sweepDueNext = Number.POSITIVE_INFINITY
  /** After a full store found nothing dead: nothing dies before this, unless something is revoked. */
  #noDeadBefore = 0
  #revocations = 0
  #revocationsAtFull = -1
  /** Told of every change (the state file's journal); `null` when nothing listens. */
  listener: ((change: StoreChange<V>) => void) | null = null

  constructor(options: ExpiringStoreOptions<V> = {}) {
    this.#retainMs = (options.retainSeconds ?? 24 * 3600) * 1000
    this.#sweepEveryMs = (options.sweepEverySeconds ?? 60) * 1000
    this.#maxEntries = options.maxEntries ?? 500_000
    this.#groupOf = options.groupOf ?? null
    this.#tagOf = options.tagOf ?? null
  }

  get size(): number {
    return this.#size
  }

  /** Stores `entry` under `key` (a token string is its own key). */
  set(key: string, entry: V, now: number): void {
    this.#sweepStep(now)
    const shard = shardOf(key)
    const entries = this.#shards[shard]!
    const previous = entries.get(key)
    if (previous === undefined && this.#size >= this.#maxEntries) {
      this.#dropDead(now)
      if (this.#size >= this.#maxEntries) throw new StoreFullError(this.#maxEntries)
    }
    if (previous !== undefined) {
      if (previous.revokedAt === null) this.#leaveGroup(key, previous)
      if (previous.clientId !== entry.clientId) this.#unindexClient(key, shard, previous.clientId)
    } else this.#size++
    // A re-set key moves to the newest end of the insertion order.
    stamp(entry, ++this.#order)
    entries.set(key, entry)
    if (previous === undefined || previous.clientId !== entry.clientId) {
      // A key re-set for the same client is in its array already.
      const clients = this.#byClient[shard]!
      const own = clients.get(entry.clientId)
      if (own) own.keys.push(key)
      else clients.set(entry.clientId, { keys: [key], gone: 0 })
    }
    if (entry.revokedAt === null) this.#joinGroup(key, entry)
    else this.#revocations++
    if (entry.expiresAt !== null && entry.expiresAt < this.#noDeadBefore) this.#noDeadBefore = entry.expiresAt
    this.#mayBeSweptAt(this.#sweepableAt(entry))
    this.listener?.({ op: 'set', key, entry })
  }

  /** Records that an entry changed in place (first use of a token): the state file keeps it. */
  touch(key: string): void {
    const entry = this.#get(key)
    if (entry) this.listener?.({ op: 'touch', key, entry })
  }

  /**
   * Every entry that is no longer valid goes now, retained or not (the store is full). When none
   * was, the walk is not repeated until an entry can have died: the earliest expiry it saw has
   * passed, or something was revoked.
   */
  #dropDead(now: number): void {
    if (now < this.#noDeadBefore && this.#revocations === this.#revocationsAtFull) return
    let earliest = Number.POSITIVE_INFINITY
    for (const entries of this.#shards) {
      for (const [key, entry] of entries) {
        if (entry.revokedAt !== null || (entry.expiresAt !== null && entry.expiresAt <= now)) this.delete(key)
        else if (entry.expiresAt !== null && entry.expiresAt < earliest) earliest = entry.expiresAt
      }
    }
    this.#noDeadBefore = earliest
    this.#revocationsAtFull = this.#revocations
  }

  /** The entry and its state at `now`, in O(1). */
  lookup(key: string, now: number): Lookup<V> {
    const entry = this.#get(key)
    if (!entry) return { state: 'unknown' }
    if (entry.revokedAt !== null) return { state: 'revoked', entry }
    if (entry.expiresAt !== null && entry.expiresAt <= now) return { state: 'expired', entry }
    return { state: 'valid', entry }
  }

  /** Removes an entry for good (a consumed authorization code). */
  delete(key: string): boolean {
    const shard = shardOf(key)
    const entries = this.#shards[shard]!
    const entry = entries.get(key)
    if (!entry) return false
    entries.delete(key)
    this.#size--
    this.#unindexClient(key, shard, entry.clientId)
    if (entry.revokedAt === null) this.#leaveGroup(key, entry)
    this.listener?.({ op: 'delete', key })
    return true
  }

  /** Marks one entry revoked; `false` when it is unknown or was already revoked. */
  revoke(key: string, now: number): boolean {
    const entry = this.#get(key)
    if (!entry || entry.revokedAt !== null) return false
    this.#leaveGroup(key, entry)
    entry.revokedAt = now
    this.#revocations++
    this.#mayBeSweptAt(now + this.#retainMs)
    this.listener?.({ op: 'revoke', key, at: now })
    return true
  }

  /** Revokes every entry of a client; returns how many were still valid. */
  revokeClient(clientId: string, now: number): number {
    let count = 0
    for (let shard = 0; shard < SHARDS; shard++) for (const key of this.#keysOf(shard, clientId)) if (this.revoke(key, now)) count++
    return count
  }

  /**
   * Every entry of one client, oldest first (for revocation of related stores, cal.com's "any code
   * of the client", the dashboard and tests): O(entries of that client), whatever the store holds.
   */
  *entriesOf(clientId: string): IterableIterator<[string, V]> {
    const found: Array<[string, V]> = []
    for (let shard = 0; shard < SHARDS; shard++) {
      for (const key of this.#keysOf(shard, clientId)) found.push([key, this.#shards[shard]!.get(key)!])
    }
    yield* found.sort(byOrder)
  }

  #get(key: string): V | undefined {
    return this.#shards[shardOf(key)]!.get(key)
  }

  /** The entry of `key` if it is live (present, not revoked). */
  #liveEntry(key: string): V | undefined {
    const entry = this.#get(key)
    return entry !== undefined && entry.revokedAt === null ? entry : undefined
  }

  /** A store made without `groupOf` keeps no groups: asking it is a mistake, not "none". */
  #groupsKept(): void {
    if (this.#groupOf === null) throw new Error('this store keeps no groups (its maker gave no groupOf)')
  }

  /** The newest live entry of a group (`groupOf`), in O(1) amortized. */
  newestLive(group: string): [string, V] | undefined {
    this.#groupsKept()
    const g = this.#groups.get(group)
    if (!g) return undefined
    for (let key = g.keys.at(-1); key !== undefined; key = g.keys.at(-1)) {
      const entry = this.#liveEntry(key)
      if (entry) return [key, entry]
      // It left; should it come back (a new `set`), it is pushed anew.
      g.keys.pop()
    }
    return undefined
  }

  /** The live entries of a group, oldest first (a copy: the caller may revoke them as it goes). */
  *liveOf(group: string): IterableIterator<[string, V]> {
    this.#groupsKept()
    const g = this.#groups.get(group)
    if (!g) return
    const seen = new Set<string>()
    for (const key of [...g.keys]) {
      const entry = this.#liveEntry(key)
      if (entry && !seen.has(key)) {
        seen.add(key)
        yield [key, entry]
      }
    }
  }

  /** The groups of one client that have live entries (one per subject, say: bounded by subjects, not entries). */
  groupsOf(clientId: string): string[] {
    this.#groupsKept()
    return [...(this.#groupsByClient.get(clientId) ?? [])]
  }

  /** Whether a group has a live entry with this tag (`tagOf`), in O(1). */
  hasLiveTagged(group: string, tag: string): boolean {
    this.#groupsKept()
    if (this.#tagOf === null) throw new Error('this store counts no tags (its maker gave no tagOf)')
    const g = this.#groups.get(group)
    if (!g) return false
    return g.tags !== null ? (g.tags.get(tag) ?? 0) > 0 : g.live > 0 && g.tag === tag
  }

  #joinGroup(key: string, entry: V): void {
    const name = this.#groupOf?.(entry) ?? null
    if (name === null) return
    const tag = this.#tagOf?.(entry) ?? null
    const g = this.#groups.get(name)
    if (!g) {
      // `[key]`: an array of one slot (a subject's group often holds one pair); `push` grows it.
      this.#groups.set(name, { clientId: entry.clientId, keys: [key], live: 1, tag, tags: null })
      let names = this.#groupsByClient.get(entry.clientId)
      if (!names) this.#groupsByClient.set(entry.clientId, (names = new Set()))
      names.add(name)
      return
    }
    g.keys.push(key)
    g.live++
    if (tag === null) return
    if (g.tags === null && tag !== g.tag) {
      // A second tag among the live entries: counts per tag from now on (the others all had `g.tag`).
      g.tags = new Map(g.tag === null ? [] : [[g.tag, g.live - 1]])
      g.tag = null
    }
    if (g.tags !== null) g.tags.set(tag, (g.tags.get(tag) ?? 0) + 1)
  }

  /** Takes a live entry out of its group: it is about to be revoked or removed (still live until then). */
  #leaveGroup(key: string, entry: V): void {
    const name = this.#groupOf?.(entry) ?? null
    if (name === null) return
    const g = this.#groups.get(name)
    if (!g) return
    g.live--
    if (g.tags !== null) {
      const tag = this.#tagOf!(entry)
      const n = (g.tags.get(tag) ?? 1) - 1
      if (n > 0) g.tags.set(tag, n)
      else g.tags.delete(tag)
    }
    if (g.live <= 0) {
      this.#groups.delete(name)
      const names = this.#groupsByClient.get(g.clientId)
      names?.delete(name)
      if (names?.size === 0) this.#groupsByClient.delete(g.clientId)
    } else if (g.keys.length > 2 * g.live + 16) {
      // Keys of entries that left pile up until `newestLive` pops them; past half, they go (`key` is
      // leaving too). A key set twice keeps its newest place.
      const kept: string[] = []
      const seen = new Set<string>([key])
      for (let i = g.keys.length - 1; i >= 0; i--) {
        const k = g.keys[i]!
        if (!seen.has(k) && this.#liveEntry(k) !== undefined) kept.push(k)
        seen.add(k)
      }
      g.keys = kept.reverse()
    }
  }

  /**
   * `key` left a client's index in a shard (deleted, or being re-set for another client: its entry
   * may still be the client's): counted, and the array compacted past half, without `key`.
   */
  #unindexClient(key: string, shard: number, clientId: string): void {
    const clients = this.#byClient[shard]!
    const own = clients.get(clientId)
    if (!own) return
    own.gone++
    if (own.gone >= own.keys.length) clients.delete(clientId)
    else if (own.gone > own.keys.length / 2 + 16) {
      own.keys = this.#keysOf(shard, clientId, key)
      own.gone = 0
    }
  }

  /** A client's keys in one shard that are the client's now (but `leaving`), each once, in the order they joined the index. */
  #keysOf(shard: number, clientId: string, leaving?: string): string[] {
    const own = this.#byClient[shard]!.get(clientId)
    if (!own) return []
    const entries = this.#shards[shard]!
    const out: string[] = []
    // A key appears twice only if it left and came back, which counted one gone: without any, no check.
    const seen = own.gone > 0 ? new Set<string>() : null
    for (const key of own.keys) {
      if (key === leaving || entries.get(key)?.clientId !== clientId) continue
      if (seen) {
        if (seen.has(key)) continue
        seen.add(key)
      }
      out.push(key)
    }
    return out
  }

  clear(): void {
    for (const entries of this.#shards) entries.clear()
    for (const clients of this.#byClient) clients.clear()
    this.#size = 0
    this.#groups.clear()
    this.#groupsByClient.clear()
    this.#cursor = null
    this.#nextPassAt = 0
    this.#noDeadBefore = 0
    this.#sweepDue = this.#sweepDueNext = Number.POSITIVE_INFINITY
  }

  /** When an entry may be swept: `retainSeconds` after it stopped being valid (never while it has no expiry and is not revoked). */
  #sweepableAt(entry: V): number {
    const deadSince = entry.revokedAt ?? entry.expiresAt
    return deadSince === null ? Number.POSITIVE_INFINITY : deadSince + this.#retainMs
  }

  #mayBeSweptAt(at: number): void {
    if (at < this.#sweepDue) this.#sweepDue = at
    if (at < this.#sweepDueNext) this.#sweepDueNext = at
  }

  /** Drops every entry that stopped being valid more than `retainSeconds` before `now`, all at once. */
  sweep(now: number): number {
    let removed = 0
    let due = Number.POSITIVE_INFINITY
    for (const entries of this.#shards) {
      for (const [key, entry] of entries) {
        const at = this.#sweepableAt(entry)
        if (at <= now) {
          this.delete(key)
          removed++
        } else if (at < due) due = at
      }
    }
    this.#cursor = null
    this.#nextPassAt = now + this.#sweepEveryMs
    this.#sweepDue = this.#sweepDueNext = due
    return removed
  }

  /**
   * Looks at the next `SWEEP_STEP` entries of the current pass and drops the sweepable ones. A
   * pass goes through the shards one after the other; a Map iterator survives deletions and sees
   * entries added after it started, so a shard is done once its iterator has caught up with it.
   */
  #sweepStep(now: number): void {
    if (this.#cursor === null) {
      if (now < this.#nextPassAt || now < this.#sweepDue) return
      this.#cursor = { shard: 0, entries: this.#shards[0]!.entries() }
      this.#nextPassAt = now + this.#sweepEveryMs
      this.#sweepDueNext = Number.POSITIVE_INFINITY
    }
    for (let i = 0; i < SWEEP_STEP; i++) {
      const next = this.#cursor.entries.next()
      if (next.done) {
        const shard: number = this.#cursor.shard + 1
        if (shard === SHARDS) {
          // Every entry was seen by the pass or written during it: the bound is exact again.
          this.#cursor = null
          this.#sweepDue = this.#sweepDueNext
          return
        }
        this.#cursor = { shard, entries: this.#shards[shard]!.entries() }
        continue
      }
      const [key, entry] = next.value
      const at = this.#sweepableAt(entry)
      if (at <= now) this.delete(key)
      else if (at < this.#sweepDueNext) this.#sweepDueNext = at
    }
  }

  /**
   * Every entry, oldest first, read-only (the dashboard's grants, the state file's snapshot; nothing
   * is swept or changed). O(n log n): never on a request's path.
   */
  *entries(): IterableIterator<readonly [string, Readonly<V>]> {
    const all: Array<[string, V]> = []
    for (const entries of this.#shards) for (const pair of entries) all.push(pair)
    yield* all.sort(byOrder)
  }
}
