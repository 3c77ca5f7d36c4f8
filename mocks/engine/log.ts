/**
 * The request log: every request a provider answered, with its answer, oldest first.
 *
 * Bounded by construction. An entry is built when the request has been answered and keeps only
 * what it will show — the request's headers, URL and the first 16 KiB of its body (copied, so a
 * 1 MiB upload is not kept alive by its first bytes), and the same of the response — never the
 * Request, its body or parsed parameters. Past `maxEntries` entries or `maxBytes` bytes the
 * oldest entries go first. Entries are formatted into the public shape (`RecordedRequest`) when
 * read, which most never are.
 */
import type { ControlEndpoint, ProviderId } from './controls.ts'

/** The log keeps at most this much of each request and response body. */
export const LOGGED_BODY_BYTES = 16 * 1024

/** One recorded answer (docs/server.md: `response` of a log entry). */
export interface RecordedResponse {
  status: number
  headers: Record<string, string>
  /** The body as text ('' when there was none); at most 16 KiB of it. */
  body: string
  /** `true` when `body` was cut at 16 KiB. */
  bodyTruncated: boolean
}

/** One recorded request, as `GET /__admin/requests` returns it (docs/server.md). */
export interface RecordedRequest {
  /** Increasing per log (tenant): `?after=<id>` pages from it. */
  id: number
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
  /** The answer's status (also in `response`). */
  status: number
  /** ISO time on the fakes' clock. */
  at: string
  /** Extension: which control endpoint the request counted as, when it is one. */
  endpoint: ControlEndpoint | null
  /** Extension: the absolute URL as received. */
  url: string
  /** What the fake answered. */
  response: RecordedResponse
}

/** What a provider app hands the log once it has answered. */
export interface ExchangeRecord {
  provider: ProviderId
  method: string
  path: string
  url: string
  endpoint: ControlEndpoint | null
  /** Fake-clock epoch ms of the request. */
  at: number
  requestHeaders: Headers
  requestBody: Uint8Array
  status: number
  responseHeaders: Headers
  responseBody: string
  /** `responseBody` was made for this answer (`JSON.stringify`) and shares memory with nothing larger: kept without a copy. */
  responseBodyFresh?: boolean
}

interface Stored {
  id: number
  provider: ProviderId
  method: string
  path: string
  url: string
  endpoint: ControlEndpoint | null
  at: number
  /** Names and values one after the other (`[name, value, name, value, …]`): one array, not one per header. */
  requestHeaders: string[]
  requestBody: string
  requestBodyTruncated: boolean
  status: number
  responseHeaders: string[]
  responseBody: string
  responseBodyTruncated: boolean
  bytes: number
}

export interface RequestLogLimits {
  /** At most this many entries (default 10,000). */
  maxEntries?: number
  /** At most about this many bytes of retained text (default 64 MiB). */
  maxBytes?: number
}

export interface ListOptions {
  provider?: ProviderId
  /** Only entries with an id greater than this. */
  after?: number
  /** At most this many entries. */
  limit?: number
}

/**
 * A copy of a string that shares nothing with it: V8 keeps a sliced string's parent alive, so
 * `s.slice(0, n)` of a 1 MiB body would retain the megabyte.
 */
function detached(text: string): string {
  return text.length === 0 ? text : Buffer.from(text, 'utf8').toString('utf8')
}

function cutText(text: string, fresh: boolean): { text: string; truncated: boolean } {
  if (text.length <= LOGGED_BODY_BYTES) return { text: fresh ? text : detached(text), truncated: false }
  return { text: detached(text.slice(0, LOGGED_BODY_BYTES)), truncated: true }
}

function cutBytes(body: Uint8Array): { text: string; truncated: boolean } {
  if (body.byteLength === 0) return { text: '', truncated: false }
  const truncated = body.byteLength > LOGGED_BODY_BYTES
  // toString copies: nothing of the original buffer is retained.
  return { text: Buffer.from(body.buffer, body.byteOffset, Math.min(body.byteLength, LOGGED_BODY_BYTES)).toString('utf8'), truncated }
}

/**
 * The headers as `[name, value, name, value, …]`. One flat array per entry: the log keeps 10,000
 * entries, each long enough to be promoted by the garbage collector, and an array per header made
 * recording cost a third of an in-process flow (`npm run bench`, flows).
 */
function headerList(headers: Headers): string[] {
  const out: string[] = []
  headers.forEach((value, key) => out.push(key, value))
  return out
}

const listBytes = (list: string[]) => {
  let n = 0
  for (const s of list) n += s.length
  return n
}

/** The headers as an object, each its own property: a header named `__proto__` is one too, not the object's prototype. */
function headerRecord(list: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (let i = 0; i < list.length; i += 2) Object.defineProperty(out, list[i]!, { value: list[i + 1]!, enumerable: true, writable: true, configurable: true })
  return out
}

export type LogListener = (entry: RecordedRequest) => void

/** The request log of one set of fakes (one tenant), oldest first. */
export class RequestLog {
  readonly maxEntries: number
  readonly maxBytes: number
  // A ring buffer: recording is O(1) however full the log is.
  #ring: Array<Stored | undefined>
  #head = 0
  #size = 0
  #bytes = 0
  #nextId = 1
  readonly #listeners = new Set<LogListener>()

  constructor(limits: RequestLogLimits = {}) {
    this.maxEntries = limits.maxEntries ?? 10_000
    this.maxBytes = limits.maxBytes ?? 64 * 1024 * 1024
    this.#ring = new Array<Stored | undefined>(this.maxEntries)
  }

  /** Entries held now. */
  get size(): number {
    return this.#size
  }

  /** Bytes of text held now (about). */
  get bytes(): number {
    return this.#bytes
  }

  /** The id the next entry will get (`after` for "from now on"). */
  get lastId(): number {
    return this.#nextId - 1
  }

  record(exchange: ExchangeRecord): void {
    const request = cutBytes(exchange.requestBody)
    const response = cutText(exchange.responseBody, exchange.responseBodyFresh === true)
    const requestHeaders = headerList(exchange.requestHeaders)
    const responseHeaders = headerList(exchange.responseHeaders)
    const entry: Stored = {
      id: this.#nextId++,
      provider: exchange.provider,
      method: exchange.method,
      path: exchange.path,
      url: exchange.url,
      endpoint: exchange.endpoint,
      at: exchange.at,
      requestHeaders,
      requestBody: request.text,
      requestBodyTruncated: request.truncated,
      status: exchange.status,
      responseHeaders,
      responseBody: response.text,
      responseBodyTruncated: response.truncated,
      bytes: 256 + exchange.url.length + request.text.length + response.text.length + listBytes(requestHeaders) + listBytes(responseHeaders),
    }
    if (this.#size === this.maxEntries) this.#dropOldest()
    this.#ring[(this.#head + this.#size) % this.maxEntries] = entry
    this.#size++
    this.#bytes += entry.bytes
    while (this.#bytes > this.maxBytes && this.#size > 1) this.#dropOldest()
    if (this.#listeners.size) {
      const formatted = format(entry)
      for (const listener of this.#listeners) listener(formatted)
    }
  }

  #dropOldest(): void {
    const oldest = this.#ring[this.#head]!
    this.#ring[this.#head] = undefined
    this.#head = (this.#head + 1) % this.maxEntries
    this.#size--
    this.#bytes -= oldest.bytes
  }

  /** Entries oldest first, formatted; `after` and `limit` page through them. */
  list(options: ListOptions | ProviderId = {}): RecordedRequest[] {
    return [...this.entries(typeof options === 'string' ? { provider: options } : options)]
  }

  /** The same as `list`, one entry at a time (the control API streams these). */
  *entries(options: ListOptions = {}): Generator<RecordedRequest> {
    let remaining = options.limit ?? Number.POSITIVE_INFINITY
    if (remaining <= 0 || this.#size === 0) return
    const firstId = this.#ring[this.#head]!.id
    // Ids are consecutive within the ring, so `after` maps straight to an index.
    let index = options.after === undefined ? 0 : Math.max(0, options.after - firstId + 1)
    for (; index < this.#size && remaining > 0; index++) {
      const entry = this.#ring[(this.#head + index) % this.maxEntries]
      if (!entry) break
      if (options.provider && entry.provider !== options.provider) continue
      remaining--
      yield format(entry)
    }
  }

  /** Calls `listener` with every entry recorded from now on; returns the unsubscribe function. */
  subscribe(listener: LogListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  clear(): void {
    this.#ring = new Array<Stored | undefined>(this.maxEntries)
    this.#head = 0
    this.#size = 0
    this.#bytes = 0
  }
}

function format(e: Stored): RecordedRequest {
  const url = new URL(e.url)
  // Own properties, as the headers are: a parameter named `__proto__` (or `constructor`) is one like the others.
  const query: Record<string, string | string[]> = {}
  for (const [k, v] of url.searchParams) {
    const prev = Object.hasOwn(query, k) ? query[k] : undefined
    Object.defineProperty(query, k, { value: prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v], enumerable: true, writable: true, configurable: true })
  }
  return {
    id: e.id,
    provider: e.provider,
    method: e.method,
    path: e.path,
    query,
    headers: headerRecord(e.requestHeaders),
    body: e.requestBody,
    bodyTruncated: e.requestBodyTruncated,
    status: e.status,
    at: new Date(e.at).toISOString(),
    endpoint: e.endpoint,
    url: e.url,
    response: {
      status: e.status,
      headers: headerRecord(e.responseHeaders),
      body: e.responseBody,
      bodyTruncated: e.responseBodyTruncated,
    },
  }
}
