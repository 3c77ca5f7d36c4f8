import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningServer, startServer } from '../mocks/server.ts'

/** Starts `scripts/serve.ts` as `npm start` does and resolves with the lines it printed once it listens. */
async function serve(args: string[], env: Record<string, string> = {}): Promise<{ child: ChildProcess; lines: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/serve.ts', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line)
      if (line.startsWith('Control API')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)))
  })
  return { child, lines }
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)))
}

describe('npm start', () => {
  it('prints one line per provider with its base URL and demo credentials, and exits 0 promptly on SIGTERM and SIGINT', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const { child, lines } = await serve(['--port', '0'])
      expect(lines).toHaveLength(5)
      expect(lines[0]).toMatch(/^Cal\.com\s+http:\/\/127\.0\.0\.1:\d+\/calcom\s+client_id=calcom-demo-client client_secret=calcom-demo-secret/)
      expect(lines[1]).toMatch(/^BookingSync\s+http:\/\/127\.0\.0\.1:\d+\/bookingsync\s+client_id=bookingsync-demo-client/)
      expect(lines[2]).toMatch(/^Zapier\s+http:\/\/127\.0\.0\.1:\d+\/zapier\s+client_id=zapier-demo-client/)
      expect(lines[3]).toMatch(/^OAuth 2\.0\s+http:\/\/127\.0\.0\.1:\d+\/oauth2\s+client_id=demo-client /)
      const base = lines[0]!.split(/\s+/)[1]!
      expect((await fetch(`${base}/auth/oauth2/authorize?client_id=calcom-demo-client`)).status).toBe(400)
      const started = Date.now()
      child.kill(signal)
      expect(await exited(child)).toBe(0)
      expect(Date.now() - started).toBeLessThan(2000)
    }
  })

  it('takes the port and host from PORT and HOST, and --port over PORT', async () => {
    const { child, lines } = await serve([], { PORT: '0', HOST: '127.0.0.1' })
    expect(lines[0]).toMatch(/http:\/\/127\.0\.0\.1:\d+\/calcom/)
    child.kill('SIGTERM')
    await exited(child)
    const bad = spawn(process.execPath, ['--import', 'tsx', 'scripts/serve.ts', '--port', 'nope'], { stdio: 'ignore' })
    expect(await exited(bad)).toBe(2)
  })
})

describe('npx oauth-fakes (scripts/cli.mjs)', () => {
  const cli = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, ['scripts/cli.mjs', ...args], { stdio: ['ignore', 'pipe', 'ignore'] })
      let stdout = ''
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
      child.once('exit', (code) => resolve({ code, stdout }))
    })

  it('conform runs the conformance suite (exit 0 for the reference client, 2 for a usage error)', async () => {
    const ok = await cli(['conform', '--provider', 'zapier', '--client', 'node fixtures/clients/reference.mjs'])
    expect(ok.stdout).toMatch(/conformance: \d+ passed, 0 failed/)
    expect(ok.code).toBe(0)
    expect((await cli(['conform', '--provider', 'nope', '--client', 'x'])).code).toBe(2)
    expect((await cli(['frobnicate'])).code).toBe(2)
  })
})

describe('the standalone server', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer({ port: 0 })
  })
  afterAll(() => server.close())
  const admin = (action: string, body: unknown, init: RequestInit = {}) =>
    fetch(`${server.url}/__admin/${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body), ...init })

  it('lists providers, endpoints and demo clients at / as JSON and as HTML', async () => {
    const res = await fetch(`${server.url}/`, { headers: { accept: 'application/json' } })
    const index = (await res.json()) as { providers: Array<{ id: string; baseUrl: string; endpoints: Record<string, string>; demoClient: { clientId: string } }> }
    expect(index.providers.map((p) => p.id)).toEqual(['calcom', 'bookingsync', 'zapier', 'oauth2'])
    expect(index.providers[0]!.endpoints.token).toBe(`${server.url}/calcom/api/auth/oauth/token`)
    const html = await (await fetch(`${server.url}/`)).text()
    expect(html).toContain('calcom-demo-client')
    expect(html).toContain('zapier-demo-secret')
  })

  it('answers bad control API input with 400 {"error"} naming the field', async () => {
    const cases: Array<[string, unknown, string]> = [
      ['clock', { advanceSeconds: -5 }, 'advanceSeconds'],
      ['clock', { advanceSeconds: 'ten' }, 'advanceSeconds'],
      ['clock', '{"advanceSeconds":', 'body'],
      ['consent', { provider: 'github', mode: 'allow' }, 'provider'],
      ['consent', { provider: 'calcom', mode: 'maybe' }, 'mode'],
      ['clients', { provider: 'calcom', clientId: 'x', clientSecret: 's', redirectUris: ['not a url'] }, 'redirectUris'],
      ['clients', { provider: 'calcom', clientSecret: 's', redirectUris: ['https://a.test/cb'] }, 'clientId'],
      ['faults', { provider: 'calcom', endpoint: 'everything', status: 503, times: 1 }, 'endpoint'],
      ['faults', { provider: 'calcom', endpoint: 'token', status: 42, times: 1 }, 'status'],
      ['revoke', { provider: 'zapier' }, 'clientId'],
    ]
    for (const [action, body, field] of cases) {
      const res = await admin(action, body)
      expect(res.status, `${action} ${JSON.stringify(body)}`).toBe(400)
      expect(((await res.json()) as { error: string }).error).toContain(field)
    }
    const wrongType = await admin('clock', 'advanceSeconds=5', { headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    expect(wrongType.status).toBe(400)
    expect(((await (await fetch(`${server.url}/__admin/requests?provider=nope`)).json()) as { error: string }).error).toContain('provider')
  })

  it('registers a client that then works at its provider, and moves the clock', async () => {
    const res = await admin('clients', { provider: 'zapier', clientId: 'ci-client', clientSecret: 'ci-secret', redirectUris: ['https://ci.test/cb'], name: 'CI App' })
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({ provider: 'zapier', clientId: 'ci-client', redirectUris: ['https://ci.test/cb'], name: 'CI App' })
    const page = await fetch(`${server.url}/zapier/v2/authorize?response_type=code&client_id=ci-client&redirect_uri=${encodeURIComponent('https://ci.test/cb')}&scope=profile&state=s`)
    expect(page.status).toBe(200)
    const before = Date.now()
    const clock = (await (await admin('clock', { advanceSeconds: 3600 })).json()) as { now: string }
    expect(new Date(clock.now).getTime() - before).toBeGreaterThanOrEqual(3600_000)
    expect((await admin('reset', {})).status).toBe(200)
  })

  it('keeps serving after garbage: a bad Host header, a stray percent sign, an unknown prefix', async () => {
    const { request } = await import('node:http')
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${server.url}/calcom/%`, { headers: { host: 'bad host header' } }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
      req.end()
    })
    // A Host that names no server of ours is refused (URLs never come from it).
    expect(status).toBe(421)
    expect((await fetch(`${server.url}/calcom/%`)).status).toBe(404)
    expect((await fetch(`${server.url}/nowhere`)).status).toBe(404)
    expect((await fetch(`${server.url}/calcom/api/auth/oauth/me`)).status).toBe(401)
  })
})
