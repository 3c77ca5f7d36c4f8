import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A web-standard handler; `undefined` means "not mine" (the next handler is tried, then 404). */
export type FetchHandler = (request: Request) => Promise<Response | undefined>

/**
 * Serves web-standard handlers over `node:http`. Translation only: Node request → `Request`,
 * `Response` → Node response. Bodies are streamed into the Request; the provider app applies
 * its own body limit.
 */
export function createNodeListener(handlers: readonly FetchHandler[]) {
  return async function listener(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const request = toRequest(req)
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

function toRequest(req: IncomingMessage): Request {
  const host = req.headers.host ?? 'localhost'
  const url = new URL(req.url ?? '/', `http://${host}`)
  const headers = new Headers()
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!)
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
  const body = hasBody ? nodeBodyStream(req) : null
  return new Request(url, { method: req.method, headers, body, duplex: 'half' } as RequestInit)
}

/** The Node request body as a web stream; once the consumer cancels, the rest is drained and dropped. */
function nodeBodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let done = false
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.on('data', (chunk: Buffer) => {
        if (!done) controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
      })
      req.on('end', () => {
        if (done) return
        done = true
        controller.close()
      })
      req.on('error', (error) => {
        if (done) return
        done = true
        controller.error(error)
      })
    },
    cancel() {
      done = true
      req.resume()
    },
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
  const body = response.body ? Buffer.from(await response.arrayBuffer()) : undefined
  if (body) headers['content-length'] = String(body.byteLength)
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
