import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { BUFFERED_BODY, TEXT_BODY, lazyPrototype } from '../engine/http.ts'

/** A web-standard handler; `undefined` means "not mine" (the next handler is tried, then 404). */
export type FetchHandler = (request: Request) => Promise<Response | undefined>

/**
 * Serves web-standard handlers over `node:http`. Translation only: Node request → `Request`,
 * `Response` → Node response. Bodies are streamed into the Request; the provider app applies
 * its own body limit.
 */
export function createNodeListener(handlers: readonly FetchHandler[], options: { maxBufferedBytes?: number } = {}) {
  const cap = options.maxBufferedBytes ?? 1024 * 1024 + 1
  return async function listener(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const request = await toRequest(req, cap)
      let response: Response | undefined
      for (const handle of handlers) {
        response = await handle(request)
        if (response) break
      }
      await send(res, response ?? new Response(JSON.stringify({ error: 'not found' }), { status: 404, headers: { 'content-type': 'application/json' } }))
    } catch (error) {
      console.error('[oauth-fakes] request failed:', error)
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: 'internal error' }))
      } else res.destroy()
    }
  }
}

/**
 * Node request → web `Request`. Constructing an undici Request and reading its body stream costs
 * ~35 µs, more than everything the engine does for a token request, so the body is read with
 * Node's own events (at most `cap` bytes are kept: the engine answers 413 past its limit) and the
 * Request is a light object: `url`, `method` and `headers` are its own, the body is attached under
 * `BUFFERED_BODY`, and any other Request member builds the real Request on first use.
 */
async function toRequest(req: IncomingMessage, cap: number): Promise<Request> {
  let url = `http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`
  // A Host header no URL can be built with (spaces, garbage) must not turn into a 500.
  if (!URL.canParse(url)) url = `http://localhost${URL.canParse(`http://localhost${req.url}`) ? req.url : '/'}`
  const method = req.method ?? 'GET'
  const headers = new Headers()
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!)
  const body = method === 'GET' || method === 'HEAD' ? new Uint8Array(0) : await readCapped(req, cap)
  return lightRequest(url, method, headers, body)
}

function readCapped(req: IncomingMessage, cap: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      if (size > cap) return // past the cap: drain, keep nothing more
      chunks.push(chunk)
      size += chunk.byteLength
    })
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

const REAL = Symbol('real request')
type Light = { url: string; method: string; headers: Headers; [BUFFERED_BODY]: Uint8Array; [REAL]?: Request }

function real(self: Light): Request {
  self[REAL] ??= new Request(self.url, {
    method: self.method,
    headers: self.headers,
    body: self.method === 'GET' || self.method === 'HEAD' ? null : Buffer.from(self[BUFFERED_BODY]),
  })
  return self[REAL]
}

const lightPrototype = lazyPrototype(
  Request.prototype,
  ['body', 'bodyUsed', 'signal', 'cache', 'credentials', 'destination', 'integrity', 'keepalive', 'mode', 'redirect', 'referrer', 'referrerPolicy', 'duplex'],
  ['arrayBuffer', 'blob', 'bytes', 'formData', 'json', 'text', 'clone'],
  real,
)

function lightRequest(url: string, method: string, headers: Headers, body: Uint8Array): Request {
  const light = Object.create(lightPrototype) as Light
  Object.defineProperties(light, { url: { value: url }, method: { value: method }, headers: { value: headers } })
  light[BUFFERED_BODY] = body
  return light as unknown as Request
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
  // A string body goes out in the same write as the headers (Node joins them); a Buffer would
  // make it a writev of two chunks.
  const body = text !== undefined ? text : response.body ? Buffer.from(await response.arrayBuffer()) : undefined
  if (body !== undefined) headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength)
  res.writeHead(response.status, headers)
  res.end(body)
}

/** Starts a server and resolves once it listens; `close()` also drops idle keep-alive sockets. */
export async function listen(
  handlers: readonly FetchHandler[],
  options: { port?: number; host?: string } = {},
): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer(createNodeListener(handlers))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    server,
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
