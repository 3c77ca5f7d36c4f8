/**
 * The suite's own HTTP requests — to the client under test and, as the user's browser, to the fakes
 * — on node:http rather than `fetch`. A run makes hundreds of them, and undici (fetch) cost the suite
 * about twice the CPU per request; on a 2-core machine the suite shares with its clients, that was
 * time taken from them. Redirects are never followed: the suite judges each answer itself.
 */
import { type ClientRequest, Agent as HttpAgent, type IncomingHttpHeaders, request as httpRequest } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'

export interface HttpAnswer {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

export interface HttpRequestInit {
  method?: string
  headers?: Record<string, string>
  body?: string
  /** The whole exchange, answer included, within this time (rejects with `TimeoutError`); none when absent. */
  timeoutMs?: number
  /** Connections to reuse (one per client under test: its sockets go when it does). */
  agents?: HttpAgents
}

/** Keep-alive agents for one peer; `destroy()` closes their idle sockets. */
export class HttpAgents {
  readonly http = new HttpAgent({ keepAlive: true })
  readonly https = new HttpsAgent({ keepAlive: true })

  destroy(): void {
    this.http.destroy()
    this.https.destroy()
  }
}

export class TimeoutError extends Error {
  constructor(ms: number) {
    super(`timed out after ${ms} ms`)
    this.name = 'TimeoutError'
  }
}

/**
 * A connection the peer closed as idle while this request was being sent on it (the keep-alive
 * race Node's documentation describes under `request.reusedSocket`): the peer never read the
 * request, so sending it once more on a new connection is safe, whatever the method. "New" matters:
 * the agent's other idle connections to that peer went idle at about the same time and may be
 * closing too (a machine busy enough to lose this race once loses it on every kept-alive socket).
 */
export function lostKeepAliveRace(req: ClientRequest, error: NodeJS.ErrnoException): boolean {
  return req.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE')
}

export function sendRequest(url: string | URL, init: HttpRequestInit): Promise<HttpAnswer> {
  const target = typeof url === 'string' ? new URL(url) : url
  const secure = target.protocol === 'https:'
  if (!secure && target.protocol !== 'http:') return Promise.reject(new Error(`cannot request ${target.protocol} URLs`))
  const request = secure ? httpsRequest : httpRequest
  const agent = init.agents ? (secure ? init.agents.https : init.agents.http) : undefined
  return new Promise((resolve, reject) => {
    let current: ClientRequest
    let answered = false
    const limit = init.timeoutMs
    const timer = limit === undefined ? undefined : setTimeout(() => current.destroy(new TimeoutError(limit)), limit)
    const fail = (error: Error) => {
      clearTimeout(timer)
      reject(error)
    }
    const attempt = (retry: boolean) => {
      // The retry goes out on a connection of its own (`agent: false`), never on another idle one.
      const req = request(target, { method: init.method ?? 'GET', headers: init.headers, agent: retry ? agent : false }, (res) => {
        answered = true
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => {
          clearTimeout(timer)
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') })
        })
        res.on('error', fail)
      })
      current = req
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (retry && !answered && !(error instanceof TimeoutError) && lostKeepAliveRace(req, error)) attempt(false)
        else fail(error)
      })
      req.end(init.body)
    }
    attempt(true)
  })
}

/** `set-cookie` as a list (node:http gives an array, or nothing). */
export function setCookies(headers: IncomingHttpHeaders): string[] {
  return headers['set-cookie'] ?? []
}

/** A `fetch`-shaped transport on `sendRequest` (the suite's HTTP-mode browser reaching the fakes). */
export function httpTransport(timeoutMs?: number): { transport: (request: Request) => Promise<Response>; close(): void } {
  const agents = new HttpAgents()
  return {
    async transport(request) {
      const headers: Record<string, string> = {}
      request.headers.forEach((value, name) => (headers[name] = value))
      const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.text()
      const answer = await sendRequest(request.url, { method: request.method, headers, body, timeoutMs, agents })
      const out = new Headers()
      for (const [name, value] of Object.entries(answer.headers)) {
        if (value === undefined) continue
        for (const v of Array.isArray(value) ? value : [value]) out.append(name, v)
      }
      const nullBody = answer.status === 204 || answer.status === 304 || (answer.status >= 100 && answer.status < 200)
      return new Response(nullBody ? null : answer.body, { status: answer.status, headers: out })
    },
    close: () => agents.destroy(),
  }
}
