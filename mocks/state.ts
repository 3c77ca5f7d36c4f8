/**
 * `serve --state FILE`: the default tenant's clients, codes, tokens, consent modes, options and
 * clock kept in one file across restarts (docs/server.md).
 *
 * The file is a JSON-lines journal: a header, a snapshot, then one line per change. Changes are
 * collected while a request is handled and written — appended and fsynced — before its answer
 * leaves (`flush`), so a client never holds a token the file does not. A `kill -9` can only cut the
 * line being appended: a torn last line is dropped at start (its request was never answered). The
 * journal is compacted into a fresh snapshot by write-to-temp, fsync, rename, fsync of the directory:
 * at every moment the file on disk is a whole old one or a whole new one.
 *
 * A file that is not an oauth-fakes state file, or that is corrupt before its last line, is refused
 * at start with a message, and never overwritten. Users declared in a config file are fixtures
 * (re-read at each start), not state; provider data the fakes change (a deleted Zapier promotion,
 * BookingSync's rate-limit counters) is not kept.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Client } from './engine/clients.ts'
import type { ConsentMode, ProviderId } from './engine/controls.ts'
import { asciiFlat } from './engine/crypto.ts'
import type { CodeEntry, ProviderRuntime, TokenEntry } from './engine/provider.ts'
import type { StoreChange } from './engine/store.ts'
import { latestGrantKey } from './engine/oauth.ts'
import type { Fakes } from './fakes.ts'

const FORMAT = 'oauth-fakes-state'
/**
 * 2: cal.com's tokens are kept under their signature or `secret` claim (the fakes' store keys),
 * with the `extras` their JWTs are written again from. 1 (read, re-keyed): under their whole JWT.
 * An older version refuses a file of 2 rather than answering 401 to every cal.com token in it.
 */
const VERSION = 2
const READS: readonly number[] = [1, 2]
/** Lines of journal before it is folded into a new snapshot. */
const COMPACT_AFTER = 20_000
/** Clock moves smaller than this are not journalled (the control API moves it by whole seconds). */
const CLOCK_RESOLUTION_MS = 50

type StoreName = 'codes' | 'accessTokens' | 'refreshTokens'
const STORES: readonly StoreName[] = ['codes', 'accessTokens', 'refreshTokens']

interface Snapshot {
  t: 'snapshot'
  clockOffsetMs: number
  clients: Client[]
  providers: Partial<Record<ProviderId, { options: unknown; consent: ConsentMode; stores: Record<StoreName, Array<[string, CodeEntry | TokenEntry]>> }>>
}

type Change =
  | { t: 'store'; p: ProviderId; s: StoreName; c: StoreChange<CodeEntry | TokenEntry> }
  | { t: 'client'; client: Client }
  | { t: 'clock'; offsetMs: number }
  | { t: 'consent'; p: ProviderId; mode: ConsentMode }
  | { t: 'options'; p: ProviderId; options: unknown }
  | { t: 'reset' }

/** A state file that cannot be used (the server does not start). */
export class StateError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'StateError'
  }
}

export interface StateFile {
  readonly path: string
  /** Loads the file into `fakes` and starts recording their changes. */
  attach(fakes: Fakes): void
  /** Writes the changes recorded since the last flush (append + fsync). */
  flush(): void
  close(): void
}

/** Opens (or creates) a state file; throws StateError for a foreign or corrupt one. */
export function openState(path: string): StateFile {
  let text: string | null = null
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new StateError(`${path}: cannot read it (${(error as NodeJS.ErrnoException).code})`)
  }
  const loaded = text === null || text === '' ? null : parse(path, text)
  return new JournalState(path, loaded)
}

function parse(path: string, text: string): { snapshot: Snapshot | null; changes: Change[]; version: number } {
  const lines = text.split('\n')
  // The last element is '' when the file ends with a newline; anything else there is a torn append.
  const complete = lines.slice(0, -1)
  let header: unknown
  try {
    header = JSON.parse(complete[0] ?? lines[0] ?? '')
  } catch {
    throw new StateError(`${path}: not an oauth-fakes state file (refusing to overwrite it; use another --state file)`)
  }
  const h = header as { format?: string; version?: number }
  if (h.format !== FORMAT) throw new StateError(`${path}: not an oauth-fakes state file (refusing to overwrite it; use another --state file)`)
  if (!READS.includes(h.version ?? NaN)) throw new StateError(`${path}: state format ${h.version}, this version reads ${READS.join(' and ')}`)
  let snapshot: Snapshot | null = null
  const changes: Change[] = []
  complete.slice(1).forEach((line, i) => {
    let record: { t?: string }
    try {
      record = JSON.parse(line) as { t?: string }
    } catch {
      throw new StateError(`${path}: corrupt at line ${i + 2} (refusing to overwrite it)`)
    }
    if (record.t === 'snapshot') snapshot = record as Snapshot
    else changes.push(record as Change)
  })
  return { snapshot, changes, version: h.version! }
}

type Loaded = ReturnType<typeof parse>

class JournalState implements StateFile {
  readonly path: string
  #fd: number | null = null
  #pending: string[] = []
  #journalLines = 0
  #fakes: Fakes | null = null
  #loaded: Loaded | null
  #lastOffset = 0

  constructor(path: string, loaded: Loaded | null) {
    this.path = path
    this.#loaded = loaded
  }

  attach(fakes: Fakes): void {
    this.#fakes = fakes
    if (this.#loaded) this.#restore(fakes, this.#loaded)
    this.#loaded = null
    // A fresh compact file: the loaded journal folded in (or the first snapshot of a new file).
    this.#compact()
    this.#listen(fakes)
  }

  #restore(fakes: Fakes, { snapshot, changes, version }: Loaded): void {
    const texts = version === 1
    if (snapshot) {
      setOffset(fakes, snapshot.clockOffsetMs)
      for (const c of snapshot.clients) if (fakes.providers.includes(c.provider)) fakes.registerClient({ ...c, clientSecret: c.public ? undefined : c.clientSecret } as Parameters<Fakes['registerClient']>[0])
      for (const [id, p] of Object.entries(snapshot.providers) as Array<[ProviderId, NonNullable<Snapshot['providers'][ProviderId]>]>) {
        if (!fakes.providers.includes(id)) continue
        fakes.setOptions(id, p.options as never)
        fakes.setConsent(id, p.consent)
        const rt = fakes.runtime(id)
        for (const s of STORES) for (const [key, entry] of p.stores[s]) restoreEntry(rt, s, key, entry, texts)
      }
    }
    for (const change of changes) this.#apply(fakes, change, texts)
  }

  /** `texts`: a file of version 1, whose token keys are the tokens' texts. */
  #apply(fakes: Fakes, change: Change, texts: boolean): void {
    if (change.t === 'reset') fakes.reset()
    else if (change.t === 'clock') setOffset(fakes, change.offsetMs)
    else if (change.t === 'client') {
      if (fakes.providers.includes(change.client.provider)) fakes.registerClient({ ...change.client, clientSecret: change.client.public ? undefined : change.client.clientSecret } as Parameters<Fakes['registerClient']>[0])
    } else if (!fakes.providers.includes(change.p)) return
    else if (change.t === 'consent') fakes.setConsent(change.p, change.mode)
    else if (change.t === 'options') fakes.setOptions(change.p, change.options as never)
    else {
      const rt = fakes.runtime(change.p)
      const store = rt[change.s]
      const c = change.c
      const key = texts ? storeKey(rt, change.s, c.key) : c.key
      if (c.op === 'set' || c.op === 'touch') restoreEntry(rt, change.s, c.key, c.entry, texts)
      else if (c.op === 'delete') store.delete(key)
      else store.revoke(key, c.at)
    }
  }

  #listen(fakes: Fakes): void {
    const record = (change: Change) => this.#pending.push(JSON.stringify(change))
    for (const p of fakes.providers) {
      const rt = fakes.runtime(p)
      for (const s of STORES) (rt[s] as { listener: ((c: StoreChange<CodeEntry | TokenEntry>) => void) | null }).listener = (c) => record({ t: 'store', p, s, c })
    }
    fakes.onChange((event) => {
      if (event.kind === 'client') record({ t: 'client', client: event.client })
      else if (event.kind === 'consent') record({ t: 'consent', p: event.provider, mode: event.mode })
      else if (event.kind === 'options') record({ t: 'options', p: event.provider, options: event.options })
      else if (event.kind === 'reset') record({ t: 'reset' })
    })
    this.#lastOffset = offsetOf(fakes)
  }

  flush(): void {
    const fakes = this.#fakes
    if (!fakes) return
    const offset = offsetOf(fakes)
    // Read from two clocks a moment apart, the offset jitters by a millisecond: only a move counts.
    if (Math.abs(offset - this.#lastOffset) >= CLOCK_RESOLUTION_MS) {
      this.#pending.push(JSON.stringify({ t: 'clock', offsetMs: offset } satisfies Change))
      this.#lastOffset = offset
    }
    if (!this.#pending.length) return
    const text = `${this.#pending.join('\n')}\n`
    writeSync(this.#fd!, text)
    fsyncSync(this.#fd!)
    this.#journalLines += this.#pending.length
    this.#pending = []
    if (this.#journalLines > COMPACT_AFTER) this.#compact()
  }

  /** Writes header + snapshot to a temp file, fsyncs it, renames it over the file, fsyncs the directory. */
  #compact(): void {
    const fakes = this.#fakes!
    const snapshot: Snapshot = { t: 'snapshot', clockOffsetMs: offsetOf(fakes), clients: fakes.clients(), providers: {} }
    for (const p of fakes.providers) {
      const rt = fakes.runtime(p)
      snapshot.providers[p] = {
        options: fakes.options(p),
        consent: fakes.consent(p),
        stores: { codes: [...rt.codes.entries()], accessTokens: [...rt.accessTokens.entries()], refreshTokens: [...rt.refreshTokens.entries()] } as Record<StoreName, Array<[string, CodeEntry | TokenEntry]>>,
      }
    }
    const temp = `${this.path}.tmp-${process.pid}`
    const fd = openSync(temp, 'w', 0o600)
    writeSync(fd, `${JSON.stringify({ format: FORMAT, version: VERSION, writtenAt: new Date().toISOString() })}\n${JSON.stringify(snapshot)}\n`)
    fsyncSync(fd)
    closeSync(fd)
    renameSync(temp, this.path)
    const dir = openSync(dirname(this.path), 'r')
    fsyncSync(dir)
    closeSync(dir)
    if (this.#fd !== null) closeSync(this.#fd)
    this.#fd = openSync(this.path, 'a')
    this.#journalLines = 0
    this.#pending = []
  }

  close(): void {
    this.flush()
    if (this.#fd !== null) closeSync(this.#fd)
    this.#fd = null
  }
}

/** How far the fakes' clock runs ahead of real time. */
function offsetOf(fakes: Fakes): number {
  return fakes.clock.now() - Date.now()
}

function setOffset(fakes: Fakes, offsetMs: number): void {
  const ahead = offsetMs - offsetOf(fakes)
  if (ahead > 1000) fakes.clock.advance(ahead / 1000)
}

const KIND = { accessTokens: 'access', refreshTokens: 'refresh' } as const

/**
 * The key a token kept by its text (a file of version 1) is stored under now: cal.com's JWTs by
 * a part of them (`ProviderRuntime.tokenKey`), copied flat — a slice would keep the whole JWT.
 */
function storeKey(rt: ProviderRuntime, store: StoreName, text: string): string {
  if (store === 'codes') return text
  const key = rt.tokenKey(KIND[store], text)
  return key === undefined || key === text ? text : asciiFlat(key)
}

/** Puts an entry back where it was, the latest grant included (the stores index the rest themselves). */
function restoreEntry(rt: ProviderRuntime, store: StoreName, key: string, entry: CodeEntry | TokenEntry, texts: boolean): void {
  const now = rt.clock.now()
  if (store !== 'codes' && texts) {
    // Version 1: the key and the pair are texts, and the entry has no `extras`.
    const t = entry as TokenEntry
    t.extras = rt.tokenExtras(KIND[store], key)
    if (t.pair !== null) t.pair = storeKey(rt, store === 'accessTokens' ? 'refreshTokens' : 'accessTokens', t.pair)
    key = storeKey(rt, store, key)
  }
  rt[store].set(key, entry as never, now)
  if (store !== 'accessTokens' || !rt.latestGrants) return
  const t = entry as TokenEntry
  if (t.userId === null && t.teamId === null && t.accountId === null) return
  rt.latestGrants.set(latestGrantKey(t.clientId, t), key)
}

