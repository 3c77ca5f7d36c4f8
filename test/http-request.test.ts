/**
 * The suite's own HTTP requests (conformance/http-request.ts): to the client under test and, as
 * the HTTP-mode browser, to the fakes. What the suite judges is what they return, so: every
 * `Set-Cookie`, redirects not followed, bodies as sent, and a request that gets no answer fails
 * instead of hanging the scenario.
 */
import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Browser } from '../conformance/browser.ts'
import type { ClientConfig, ClientDriver } from '../conformance/drivers/driver.ts'
import { HttpAgents, TimeoutError, httpTransport, sendRequest, setCookies } from '../conformance/http-request.ts'
import type { ConformanceProfile } from '../conformance/profiles.ts'
import { HttpUserAgent, PreconditionFailed } from '../conformance/scenario-run.ts'
// @ts-expect-error: plain JavaScript without declarations (the reference client has no dependencies, not even on types)
import { send as referenceSend } from '../fixtures/clients/reference.mjs'
import { racyServer } from './racy-server.ts'

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const port = (s.address() as AddressInfo).port
  await new Promise((resolve) => s.close(resolve))
  return port
}

let server: Server
let origin: string
/** Requests the server saw: method, URL, headers and body. */
const seen: Array<{ method: string; url: string; headers: Record<string, string | string[] | undefined>; body: string }> = []

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body })
      if (req.url === '/hang') return // never answers
      if (req.url === '/redirect') return res.writeHead(302, { location: '/elsewhere', 'set-cookie': ['a=1; Path=/', 'b=2; HttpOnly'] }).end()
      if (req.url === '/empty') return res.writeHead(204).end()
      res.writeHead(201, { 'content-type': 'text/plain; charset=utf-8' }).end(`héllo ${body}`)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

describe('sendRequest', () => {
  it('sends method, headers and body, and returns status, headers and the body as text', async () => {
    const answer = await sendRequest(`${origin}/echo`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: 'sid=1' }, body: 'code=x' })
    expect(answer.status).toBe(201)
    expect(answer.body).toBe('héllo code=x')
    expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/echo', body: 'code=x', headers: { cookie: 'sid=1', 'content-type': 'application/x-www-form-urlencoded' } })
  })

  it('does not follow a redirect and keeps every Set-Cookie', async () => {
    const answer = await sendRequest(`${origin}/redirect`, { agents: new HttpAgents() })
    expect(answer.status).toBe(302)
    expect(answer.headers.location).toBe('/elsewhere')
    expect(setCookies(answer.headers)).toEqual(['a=1; Path=/', 'b=2; HttpOnly'])
    expect(seen.at(-1)!.url).toBe('/redirect')
  })

  it('fails with a TimeoutError when no answer comes (the server keeps the request open)', async () => {
    await expect(sendRequest(`${origin}/hang`, { timeoutMs: 100 })).rejects.toBeInstanceOf(TimeoutError)
  })

  it('sends a request once more on a new connection when the peer closed the kept-alive one it went out on', async () => {
    const racy = await racyServer()
    const agents = new HttpAgents()
    try {
      expect((await sendRequest(`${racy.url}/`, { agents })).body).toBe('fresh connection')
      // Sent on the kept-alive connection, dropped there, answered on a new one.
      expect((await sendRequest(`${racy.url}/`, { method: 'POST', body: 'x=1', agents })).body).toBe('fresh connection')
      expect(racy.connections()).toBe(2)
      // The reference client does the same towards the provider (Node's global agent keeps connections alive).
      expect((await referenceSend(`${racy.url}/`)).text).toBe('fresh connection')
      expect((await referenceSend(`${racy.url}/`, { method: 'POST', body: 'x=1' })).text).toBe('fresh connection')
      expect(racy.connections()).toBe(4)
    } finally {
      agents.destroy()
      racy.close()
    }
  })

  it('sends that request again on a connection of its own, not on another idle one that may be closing too', async () => {
    // A busy machine loses the race on every idle connection at once: here the agent holds two idle
    // connections, and the server drops both.
    const racy = await racyServer()
    const agents = new HttpAgents()
    try {
      await Promise.all([sendRequest(`${racy.url}/pair`, { agents }), sendRequest(`${racy.url}/pair`, { agents })])
      expect(racy.connections()).toBe(2)
      expect((await sendRequest(`${racy.url}/`, { method: 'POST', body: 'x=1', agents })).body).toBe('fresh connection')
      expect(racy.connections()).toBe(3)
      // The reference client: Node's global agent, two idle connections.
      await Promise.all([referenceSend(`${racy.url}/pair`), referenceSend(`${racy.url}/pair`)])
      expect((await referenceSend(`${racy.url}/`, { method: 'POST', body: 'x=1' })).text).toBe('fresh connection')
      expect(racy.connections()).toBe(6)
    } finally {
      agents.destroy()
      racy.close()
    }
  })

  it('fails on a refused connection and on a URL it cannot request', async () => {
    await expect(sendRequest(`http://127.0.0.1:${await closedPort()}/`, { timeoutMs: 60_000 })).rejects.toThrow(/ECONNREFUSED/)
    await expect(sendRequest('ftp://127.0.0.1/', {})).rejects.toThrow(/cannot request ftp: URLs/)
  })
})

describe('httpTransport (the HTTP-mode browser reaching the fakes)', () => {
  it('turns a Request into the server’s answer as a Response, redirect and cookies as sent', async () => {
    const { transport, close } = httpTransport()
    try {
      const redirect = await transport(new Request(`${origin}/redirect`, { redirect: 'manual' }))
      expect(redirect.status).toBe(302)
      expect(redirect.headers.get('location')).toBe('/elsewhere')
      expect(redirect.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; HttpOnly'])
      const posted = await transport(new Request(`${origin}/form`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'allow=1' }))
      expect(posted.status).toBe(201)
      expect(await posted.text()).toBe('héllo allow=1')
      const empty = await transport(new Request(`${origin}/empty`))
      expect(empty.status).toBe(204)
      expect(empty.body).toBeNull()
    } finally {
      close()
    }
  })
})

describe('the HTTP-mode browser sent off the fakes by a client', () => {
  const config = (authorizeUrl: string) => ({ provider: 'zapier', baseUrl: origin, authorizeUrl, tokenUrl: '', refreshUrl: '', resourceUrl: '', clientId: 'c', clientSecret: 's', redirectUri: '', scope: '' }) as ClientConfig
  const loginTo = (location: string): ClientDriver => ({
    login: async () => ({ status: 302, location, body: '' }),
    callback: async () => ({ status: 200, location: null, body: '' }),
    oob: async () => ({ status: 200, location: null, body: '' }),
    resource: async () => ({ status: 200, location: null, body: '' }),
    close: async () => {},
  })

  it('is a precondition the scenario reports, not an error of the run, when the page there does not answer', async () => {
    const transport = httpTransport(5_000)
    try {
      const elsewhere = `http://127.0.0.1:${await closedPort()}/oauth/authorize?client_id=c`
      const agent = new HttpUserAgent(new Browser(transport.transport), loginTo(elsewhere), config(`${origin}/oauth/authorize`), {} as ConformanceProfile)
      const failed = await agent.authorize('allow').catch((e: unknown) => e)
      expect(failed).toBeInstanceOf(PreconditionFailed)
      expect((failed as Error).message).toContain(`GET /login redirected to ${elsewhere}, not to the provider's authorize URL`)
      // On the fakes' own origin, a request that gets no answer is the suite's problem: it is thrown as is.
      const fakes = `http://127.0.0.1:${await closedPort()}`
      const onFakes = new HttpUserAgent(new Browser(transport.transport), loginTo(`${fakes}/oauth/authorize?client_id=c`), config(`${fakes}/oauth/authorize`), {} as ConformanceProfile)
      const refused = await onFakes.authorize('allow').catch((e: unknown) => e)
      expect(refused).not.toBeInstanceOf(PreconditionFailed)
      expect((refused as Error).message).toMatch(/ECONNREFUSED/)
    } finally {
      transport.close()
    }
  })
})
