/**
 * HTTP as the soak script speaks it.
 *
 * - `RawConnection` / `rawExchange`: bytes written to a TCP socket as they are (any method, any
 *   header, any framing), responses parsed by hand (`Content-Length`, chunked, or until close),
 *   several per connection for pipelining. This is how every hostile request goes out: nothing
 *   between the fuzzer and the server normalises or refuses what it sends.
 * - `Client`: well-formed requests over `node:http` with a keep-alive agent, for the flows.
 */
import { Agent, request as httpRequest } from 'node:http'
import { type Socket, connect } from 'node:net'
import { lostKeepAliveRace } from '../../conformance/http-request.ts'

export interface Endpoint {
  host: string
  port: number
}

export interface RawResponse {
  status: number
  /** Header names lower-cased, in order, repeated ones kept. */
  headers: Array<[string, string]>
  body: Buffer
}

export function header(response: RawResponse, name: string): string | undefined {
  return response.headers.find(([k]) => k === name)?.[1]
}

/**
 * Parses complete responses off the front of `buffer`. `isHead(i)` tells whether the i-th
 * response answers a HEAD (no body whatever its headers say). `ended`: the peer closed, so a
 * response framed by the close is complete. Returns the responses and the bytes left.
 */
export function parseResponses(buffer: Buffer, isHead: (index: number) => boolean, ended: boolean, startIndex = 0): { responses: RawResponse[]; rest: Buffer; malformed?: string; need?: number } {
  const responses: RawResponse[] = []
  let offset = 0
  for (;;) {
    const headEnd = buffer.indexOf('\r\n\r\n', offset)
    if (headEnd < 0) break
    const head = buffer.subarray(offset, headEnd).toString('latin1')
    const lines = head.split('\r\n')
    const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0] ?? '')
    if (!m) return { responses, rest: buffer.subarray(offset), malformed: `bad status line ${JSON.stringify((lines[0] ?? '').slice(0, 80))}` }
    const status = Number(m[1])
    const headers: Array<[string, string]> = []
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':')
      if (colon > 0) headers.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()])
    }
    let cursor = headEnd + 4
    const index = startIndex + responses.length
    if (status >= 100 && status < 200) {
      // An interim response (100 Continue): skipped, the real one follows.
      offset = cursor
      continue
    }
    const te = headers.find(([k]) => k === 'transfer-encoding')?.[1]?.toLowerCase()
    const cl = headers.find(([k]) => k === 'content-length')?.[1]
    let body: Buffer
    if (isHead(index) || status === 204 || status === 304) body = Buffer.alloc(0)
    else if (te?.includes('chunked')) {
      const parts: Buffer[] = []
      let complete = false
      for (;;) {
        const lineEnd = buffer.indexOf('\r\n', cursor)
        if (lineEnd < 0) break
        const size = Number.parseInt(buffer.subarray(cursor, lineEnd).toString('latin1').split(';')[0]!.trim(), 16)
        if (!Number.isFinite(size)) return { responses, rest: buffer.subarray(offset), malformed: 'bad chunk size' }
        if (size === 0) {
          // Trailers (none expected) end with an empty line.
          const trailerEnd = buffer.indexOf('\r\n\r\n', lineEnd)
          if (trailerEnd < 0 && buffer.subarray(lineEnd, lineEnd + 4).toString('latin1') !== '\r\n\r\n') break
          cursor = (trailerEnd < 0 ? lineEnd : trailerEnd) + 4
          complete = true
          break
        }
        if (buffer.length < lineEnd + 2 + size + 2) break
        parts.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size))
        cursor = lineEnd + 2 + size + 2
      }
      if (!complete) break
      body = Buffer.concat(parts)
    } else if (cl !== undefined) {
      const length = Number(cl)
      if (buffer.length < cursor + length) return { responses, rest: buffer.subarray(offset), need: cursor + length - offset }
      body = buffer.subarray(cursor, cursor + length)
      cursor += length
    } else {
      if (!ended) break
      body = buffer.subarray(cursor)
      cursor = buffer.length
    }
    responses.push({ status, headers, body })
    offset = cursor
  }
  return { responses, rest: buffer.subarray(offset) }
}

/**
 * Received bytes, joined and parsed only when that may complete an answer: a 20 MB answer comes
 * in hundreds of pieces, and joining at each would copy gigabytes.
 */
class Inbox {
  #chunks: Buffer[] = []
  #size = 0
  #parseAt = 0

  get size(): number {
    return this.#size
  }

  push(data: Buffer): void {
    this.#chunks.push(data)
    this.#size += data.length
  }

  /** Small, or as big as the last parse said it must be, or ending like a chunked body does. */
  ready(): boolean {
    if (this.#size < 256 * 1024 || this.#size >= this.#parseAt) return true
    const last = this.#chunks.slice(-2)
    return Buffer.concat(last).subarray(-5).toString('latin1') === '0\r\n\r\n'
  }

  take(): Buffer {
    const all = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks)
    this.#chunks = [all]
    return all
  }

  /** What the parse left over; `need` bytes (when known) before the next parse can complete. */
  keep(rest: Buffer, need?: number): void {
    this.#chunks = rest.length ? [rest] : []
    this.#size = rest.length
    this.#parseAt = need ?? this.#size * 2
  }

  clear(): void {
    this.keep(Buffer.alloc(0))
  }
}

export interface ExchangeOptions {
  /** Give up waiting for the answers after this long (the socket is destroyed). */
  timeoutMs?: number
  /** How many responses to wait for before closing (default: until the server closes). */
  expect?: number
  /** Which responses answer a HEAD request. */
  isHead?: (index: number) => boolean
}

export interface ExchangeResult {
  responses: RawResponse[]
  /** The server closed the connection (FIN). */
  closed: boolean
  /** The connection was reset or failed (`ECONNRESET`, `EPIPE`, …). */
  error?: string
  timedOut: boolean
  malformed?: string
}

/**
 * One connection: writes `chunks` (a function gets the socket for timed or partial writes), then
 * collects responses until `expect` arrive, the server closes, or the timeout.
 */
export function rawExchange(to: Endpoint, chunks: Buffer | ((socket: Socket) => Promise<void> | void), options: ExchangeOptions = {}): Promise<ExchangeResult> {
  const timeoutMs = options.timeoutMs ?? 15_000
  const isHead = options.isHead ?? (() => false)
  return new Promise((resolve) => {
    const socket = connect({ host: to.host, port: to.port })
    const inbox = new Inbox()
    const responses: RawResponse[] = []
    let settled = false
    let error: string | undefined
    let malformed: string | undefined
    const finish = (closed: boolean, timedOut: boolean) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (closed) {
        const parsed = parseResponses(inbox.take(), isHead, true, responses.length)
        responses.push(...parsed.responses)
        malformed ??= parsed.malformed
      }
      socket.destroy()
      resolve({ responses, closed, timedOut, ...(error ? { error } : {}), ...(malformed ? { malformed } : {}) })
    }
    const timer = setTimeout(() => finish(false, true), timeoutMs)
    socket.on('data', (data: Buffer) => {
      inbox.push(data)
      if (!inbox.ready()) return
      const parsed = parseResponses(inbox.take(), isHead, false, responses.length)
      responses.push(...parsed.responses)
      inbox.keep(parsed.rest, parsed.need)
      if (parsed.malformed) malformed = parsed.malformed
      if (options.expect !== undefined && responses.length >= options.expect) finish(false, false)
    })
    socket.on('end', () => finish(true, false))
    socket.on('close', () => finish(true, false))
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message
    })
    socket.once('connect', () => {
      if (typeof chunks === 'function') {
        Promise.resolve(chunks(socket)).catch((e: unknown) => {
          error ??= e instanceof Error ? e.message : String(e)
        })
      } else socket.write(chunks)
    })
  })
}

/**
 * A keep-alive connection that sends one request at a time and waits for its answer; it
 * reconnects when the server closed the previous connection.
 */
export class RawConnection {
  #socket: Socket | null = null
  readonly #inbox = new Inbox()
  #waiting: ((r: { response?: RawResponse; closed: boolean; error?: string; malformed?: string }) => void) | null = null
  #head = false
  #ended = false
  #error: string | undefined

  constructor(readonly to: Endpoint) {}

  #open(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.to.host, port: this.to.port })
      this.#socket = socket
      this.#inbox.clear()
      this.#ended = false
      this.#error = undefined
      socket.once('connect', () => {
        socket.off('error', reject)
        resolve(socket)
      })
      socket.once('error', reject)
      // Events of a connection that was already replaced are ignored.
      socket.on('data', (data: Buffer) => {
        if (this.#socket !== socket) return
        this.#inbox.push(data)
        if (this.#inbox.ready()) this.#deliver(false)
      })
      const gone = () => {
        if (this.#socket !== socket) return
        this.#ended = true
        this.#deliver(true)
        this.#socket = null
      }
      socket.on('end', gone)
      socket.on('close', gone)
      socket.on('error', (e: NodeJS.ErrnoException) => {
        if (this.#socket === socket) this.#error = e.code ?? e.message
      })
    })
  }

  #deliver(ended: boolean): void {
    if (!this.#waiting) return
    const parsed = parseResponses(this.#inbox.take(), () => this.#head, ended)
    const first = parsed.responses[0]
    if (!first) this.#inbox.keep(parsed.rest, parsed.need)
    if (first) {
      // Anything after the first response would belong to no request of ours: dropped.
      this.#inbox.clear()
      const done = this.#waiting
      this.#waiting = null
      const close = (header(first, 'connection') ?? '').toLowerCase().includes('close')
      if (close) this.close()
      done({ response: first, closed: close || ended })
    } else if (ended || parsed.malformed) {
      const done = this.#waiting
      this.#waiting = null
      this.close()
      done({ closed: true, ...(this.#error ? { error: this.#error } : {}), ...(parsed.malformed ? { malformed: parsed.malformed } : {}) })
    }
  }

  /** Sends one request and resolves with its response, or with how the connection ended. */
  async send(bytes: Buffer, options: { head?: boolean; timeoutMs?: number } = {}): Promise<{ response?: RawResponse; closed: boolean; error?: string; timedOut?: boolean; malformed?: string }> {
    if (!this.#socket || this.#ended || this.#socket.destroyed) {
      try {
        await this.#open()
      } catch (e) {
        return { closed: true, error: `connect: ${(e as NodeJS.ErrnoException).code ?? String(e)}` }
      }
    }
    const socket = this.#socket!
    this.#head = options.head ?? false
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting = null
        this.close()
        resolve({ closed: true, timedOut: true })
      }, options.timeoutMs ?? 20_000)
      this.#waiting = (r) => {
        clearTimeout(timer)
        resolve(r)
      }
      socket.write(bytes, (e) => {
        if (e) this.#error ??= (e as NodeJS.ErrnoException).code ?? e.message
      })
    })
  }

  close(): void {
    this.#socket?.destroy()
    this.#socket = null
  }
}

/** A well-formed request's answer. */
export interface HttpAnswer {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
}

/** Well-formed requests over `node:http` with a keep-alive agent (the flows, races and health checks). */
export class Client {
  readonly agent: Agent
  /** Answers by status, for every request this client made. */
  readonly statuses = new Map<number, number>()
  /** Every 5xx answer this client got: method, path, status, the start of the body. */
  readonly serverErrors: string[] = []
  serverErrorCount = 0

  constructor(
    readonly to: Endpoint,
    readonly hostHeader: string,
    maxSockets = 64,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets })
  }

  #count(method: string, path: string, answer: HttpAnswer): HttpAnswer {
    this.statuses.set(answer.status, (this.statuses.get(answer.status) ?? 0) + 1)
    if (answer.status >= 500) {
      this.serverErrorCount++
      if (this.serverErrors.length < 20) this.serverErrors.push(`${method} ${path} → ${answer.status} ${answer.text.slice(0, 200)}`)
    }
    return answer
  }

  /**
   * One request on a kept-alive connection. A connection the server closed as idle just as the
   * request went out on it (the keep-alive race, `lostKeepAliveRace`) was never read by the server:
   * the request goes once more, on a connection of its own. Any other failure is the answer.
   */
  request(method: string, path: string, options: { headers?: Record<string, string>; body?: string | Buffer; timeoutMs?: number } = {}): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const body = options.body === undefined ? undefined : typeof options.body === 'string' ? Buffer.from(options.body) : options.body
      const attempt = (reuse: boolean) => {
        let answered = false
        const req = httpRequest(
          {
            host: this.to.host,
            port: this.to.port,
            method,
            path,
            agent: reuse ? this.agent : false,
            headers: { host: this.hostHeader, ...(body ? { 'content-length': String(body.byteLength) } : {}), ...options.headers },
          },
          (res) => {
            answered = true
            const chunks: Buffer[] = []
            res.on('data', (c: Buffer) => chunks.push(c))
            res.on('end', () => resolve(this.#count(method, path, { status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') })))
            res.on('error', reject)
          },
        )
        req.setTimeout(options.timeoutMs ?? 30_000, () => req.destroy(new Error(`timeout: ${method} ${path}`)))
        req.on('error', (error: NodeJS.ErrnoException) => {
          if (reuse && !answered && lostKeepAliveRace(req, error)) attempt(false)
          else reject(error)
        })
        req.end(body)
      }
      attempt(true)
    })
  }

  get(path: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    return this.request('GET', path, { headers })
  }

  postForm(path: string, values: Record<string, string>, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    return this.request('POST', path, { headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(values).toString() })
  }

  postJson(path: string, value: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    return this.request('POST', path, { headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) })
  }

  close(): void {
    this.agent.destroy()
  }
}

/** Runs `task(i, worker)` for i in [0, count) with at most `concurrency` at once; `worker` < concurrency. */
export async function pool(count: number, concurrency: number, task: (i: number, worker: number) => Promise<void>): Promise<void> {
  let next = 0
  const run = async (worker: number) => {
    for (;;) {
      const i = next++
      if (i >= count) return
      await task(i, worker)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, (_, w) => run(w)))
}
