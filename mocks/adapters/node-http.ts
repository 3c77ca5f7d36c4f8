import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { TEXT_BODY, lightRequest } from '../engine/http.ts'

/** What the adapter knows of the connection a request came on (the server's policies read it). */
export interface ConnectionInfo {
  /** The peer's IP address (`127.0.0.1`, `::1`, `::ffff:10.0.0.7`). */
  remoteAddress: string | undefined
}

/** A web-standard handler; `undefined` means "not mine" (the next handler is tried, then 404). */
export type FetchHandler = (request: Request, connection: ConnectionInfo) => Promise<Response | undefined>

/** Limits that keep a hostile or broken peer from holding the server's memory or sockets. */
export interface NodeServerLimits {
  /** Bytes of request headers (default 16 KiB; larger → 431). */
  maxHeaderBytes?: number
  /** Open connections at once (default 1,000; more are closed at once). */
  maxConnections?: number
  /** Milliseconds for a whole request to arrive, headers and body (default 30 s; slower → 408). */
  requestTimeoutMs?: number
  /** Milliseconds for the headers to arrive (default 10 s). */
  headersTimeoutMs?: number
  /** Body bytes read before the rest is drained unread (default 1 MiB + 1: the engine answers 413). */
  maxBufferedBytes?: number
}

export interface NodeListenerOptions {
  /**
   * The origin (and optional base path, not used here) every request target is resolved against:
   * the URL a handler sees is `<origin><request-target>`, never built from the Host header.
   */
  origin: string
  maxBufferedBytes?: number
  /** Called once per answered request (the server's access log). */
  onAnswer?(line: { method: string; path: string; status: number; ms: number }): void
}

/**
 * Serves web-standard handlers over `node:http`. Translation only: Node request → `Request`,
 * `Response` → Node response. The request URL is the configured origin plus the request target
 * (an absolute-form target keeps only its path and query); policies on the Host header, the peer
 * and the paths belong to the handlers.
 */
export function createNodeListener(handlers: readonly FetchHandler[], options: NodeListenerOptions) {
  const cap = options.maxBufferedBytes ?? 1024 * 1024 + 1
  const origin = new URL(options.origin).origin
  return async function listener(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now()
    let status = 500
    try {
      const request = await toRequest(req, origin, cap)
      if (!request) return // the peer went away while sending its body
      const connection: ConnectionInfo = { remoteAddress: req.socket.remoteAddress }
      let response: Response | undefined
      for (const handle of handlers) {
        response = await handle(request, connection)
        if (response) break
      }
      response ??= new Response(JSON.stringify({ error: 'not found' }), { status: 404, headers: { 'content-type': 'application/json' } })
      status = response.status
      await send(res, response)
    } catch (error) {
      if (isClientGone(req, error)) return
      console.error('[oauth-fakes] request failed:', error)
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: 'internal error' }))
      } else res.destroy()
    } finally {
      options.onAnswer?.({ method: req.method ?? '?', path: (req.url ?? '').split('?', 1)[0]!, status, ms: performance.now() - started })
    }
  }
}

/** A peer that closed its connection mid-request is not an error of ours: nothing to print. */
function isClientGone(req: IncomingMessage, error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code
  return req.destroyed || code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'EPIPE'
}

/** The request target as a path + query below `origin` (`null` for `*` and garbage). */
export function requestTarget(raw: string | undefined): string | null {
  const target = raw ?? '/'
  if (target.startsWith('/')) return target
  // Absolute form (RFC 9112 §3.2.2): its path and query only; the authority goes through the Host check.
  if (/^https?:\/\//i.test(target) && URL.canParse(target)) {
    const url = new URL(target)
    return `${url.pathname}${url.search}`
  }
  return null
}

/**
 * Node request → web `Request`. Constructing an undici Request and reading its body stream costs
 * ~35 µs, more than everything the engine does for a token request, so the body is read with
 * Node's own events (at most `cap` bytes are kept: the engine answers 413 past its limit) and the
 * Request is a light one (../engine/http.ts `lightRequest`).
 */
async function toRequest(req: IncomingMessage, origin: string, cap: number): Promise<Request | null> {
  const target = requestTarget(req.url)
  // Concatenated with OUR origin, a target like `//evil.example/x` stays a path on this server.
  const candidate = `${origin}${target ?? '/'}`
  // Parsed once here; the server, the fakes and the provider read this URL (`PARSED_URL`) instead of parsing `url` again.
  let parsed: URL | undefined
  if (target !== null) {
    try {
      parsed = new URL(candidate)
    } catch {
      parsed = undefined
    }
  }
  const url = parsed ? candidate : `${origin}/`
  parsed ??= new URL(url)
  const method = req.method ?? 'GET'
  const headers = new Headers()
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    try {
      headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!)
    } catch {
      // A header value undici refuses (a byte it does not allow) is dropped, not a crash.
    }
  }
  const body = method === 'GET' || method === 'HEAD' ? new Uint8Array(0) : await readCapped(req, cap)
  if (body === null) return null
  return lightRequest(url, method, headers, body, parsed)
}

/** The body, at most `cap` bytes kept; `null` when the peer aborted. */
function readCapped(req: IncomingMessage, cap: number): Promise<Uint8Array | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      if (size > cap) return // past the cap: drain, keep nothing more
      chunks.push(chunk)
      size += chunk.byteLength
    })
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)))
    req.on('error', () => resolve(null))
    req.on('aborted', () => resolve(null))
  })
}

async function send(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string | string[]> = {}
  response.headers.forEach((value, key) => {
    if (key === 'set-cookie') return
    headers[key] = value
  })
  const cookies = response.headers.getSetCookie()
  if (cookies.length) headers['set-cookie'] = cookies
  const text = (response as Response & { [TEXT_BODY]?: string })[TEXT_BODY]
  if (text !== undefined || !response.body) {
    // A string body goes out in the same write as the headers (Node joins them).
    if (text !== undefined) headers['content-length'] = String(Buffer.byteLength(text))
    res.writeHead(response.status, headers)
    res.end(text)
    return
  }
  // A stream (the request log, server-sent events): chunk by chunk, waiting when the peer is slow.
  res.writeHead(response.status, headers)
  const reader = response.body.getReader()
  const gone = new Promise<void>((resolve) => res.once('close', resolve))
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), gone.then(() => null)])
      if (next === null || next.done) break
      if (!res.write(next.value)) await Promise.race([new Promise((r) => res.once('drain', r)), gone])
      if (res.destroyed) break
    }
  } finally {
    void reader.cancel().catch(() => undefined)
    res.end()
  }
}

export interface ListenOptions extends NodeServerLimits {
  port?: number
  host?: string
  /** The origin handlers see (default `http://<host>:<port>` once listening). */
  origin?: string | ((address: { host: string; port: number }) => string)
  onAnswer?: NodeListenerOptions['onAnswer']
}

/** Starts a server and resolves once it listens; `close()` also drops idle keep-alive sockets. */
export async function listen(
  handlers: readonly FetchHandler[],
  options: ListenOptions = {},
): Promise<{ server: Server; url: string; port: number; close(): Promise<void> }> {
  let listener: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined
  const server = createServer(
    {
      maxHeaderSize: options.maxHeaderBytes ?? 16 * 1024,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      headersTimeout: options.headersTimeoutMs ?? 10_000,
      // How often Node enforces the two timeouts above (its default, 30 s, would triple them).
      connectionsCheckingInterval: 1_000,
    },
    (req, res) => void listener!(req, res),
  )
  server.maxConnections = options.maxConnections ?? 1_000
  // A connection that sent garbage or timed out gets Node's own 400/408/431 and is closed; nothing printed.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request'
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    else socket.destroy()
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const url = `http://${host}:${address.port}`
  let origin: string
  try {
    origin = typeof options.origin === 'function' ? options.origin({ host, port: address.port }) : (options.origin ?? url)
  } catch (error) {
    // Whatever the caller builds once the port is known failed: nothing listens on its behalf.
    await new Promise<void>((resolve) => server.close(() => resolve()))
    throw error
  }
  listener = createNodeListener(handlers, { origin, maxBufferedBytes: options.maxBufferedBytes, onAnswer: options.onAnswer })
  return {
    server,
    url,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
