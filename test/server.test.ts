/**
 * `oauth-fakes` as a command (the CLI bundled once, started as a process: ./cli-bundle.ts) and the
 * standalone server's general answers: the index, the control API's input errors, clients, garbage.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bookingsyncDemoClient } from '../fixtures/bookingsync.ts'
import { calcomDemoClient } from '../fixtures/calcom.ts'
import { oauth2DemoClient } from '../fixtures/oauth2.ts'
import { zapierDemoClient } from '../fixtures/zapier.ts'
import { type RunningServer, startServer } from '../mocks/server.ts'
import { bundledCli } from './cli-bundle.ts'
import { SLOW_MACHINE_FLAGS } from './slow-machine.ts'

const dirs: string[] = []
const packageVersion = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'oauth-fakes-cli-'))
  dirs.push(dir)
  return dir
}

interface Started {
  child: ChildProcess
  /** Every stdout line so far (grows while the server runs). */
  lines: string[]
  /** The server's URL (from the `Control API` line). */
  url: string
}

/** `oauth-fakes serve …` until it listens. */
async function serve(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<Started> {
  const child = spawn(process.execPath, [await bundledCli(), 'serve', ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  let stderr = ''
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line)
      const m = /^Control API\s+(\S+)\/__admin/.exec(line)
      if (m) resolve(m[1]!)
    })
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)))
  })
  return { child, lines, url }
}

/** A command that ends by itself: its exit code and output. */
async function cli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [await bundledCli(), ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()))
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)))
  return { code, stdout, stderr }
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))

describe('oauth-fakes serve', () => {
  it('prints one line per provider with its base URL and demo credentials, answers, and exits 0 on SIGTERM and SIGINT', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const { child, lines, url } = await serve(['--port', '0', '--quiet'])
      expect(lines[0]).toMatch(new RegExp(`^Cal\\.com\\s+${url}/calcom\\s+client_id=${calcomDemoClient.clientId} client_secret=${calcomDemoClient.clientSecret} redirect_uri=`))
      expect(lines[1]).toMatch(new RegExp(`^BookingSync\\s+${url}/bookingsync\\s+client_id=${bookingsyncDemoClient.clientId} client_secret=${bookingsyncDemoClient.clientSecret}`))
      expect(lines[2]).toMatch(new RegExp(`^Zapier\\s+${url}/zapier\\s+client_id=${zapierDemoClient.clientId} client_secret=${zapierDemoClient.clientSecret}`))
      expect(lines[3]).toMatch(new RegExp(`^OAuth 2\\.0\\s+${url}/oauth2\\s+client_id=${oauth2DemoClient.clientId} client_secret=${oauth2DemoClient.clientSecret}`))
      expect((await fetch(`${url}/calcom/v2/me`)).status).toBe(401)
      child.kill(signal)
      expect(await exited(child)).toBe(0)
    }
  })

  it('prints one line per request (method, path, status, ms); --quiet prints none', async () => {
    const loud = await serve(['--port', '0'])
    await fetch(`${loud.url}/zapier/v1/profiles/me`)
    await fetch(`${loud.url}/__admin`)
    loud.child.kill('SIGTERM')
    await exited(loud.child)
    const requests = loud.lines.filter((l) => /^(GET|POST) /.test(l))
    expect(requests[0]).toMatch(/^GET \/zapier\/v1\/profiles\/me 401 \d+\.\d ms$/)
    expect(requests[1]).toMatch(/^GET \/__admin 200 \d+\.\d ms$/)
    const quiet = await serve(['--port', '0', '--quiet'])
    await fetch(`${quiet.url}/zapier/v1/profiles/me`)
    quiet.child.kill('SIGTERM')
    await exited(quiet.child)
    expect(quiet.lines.filter((l) => /^(GET|POST) /.test(l))).toEqual([])
  })

  it('takes the port and host from PORT and HOST, --port over PORT; a bad port is one line and exit 2', async () => {
    const { child, url } = await serve(['--quiet'], { env: { PORT: '0', HOST: '127.0.0.1' } })
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    child.kill('SIGTERM')
    await exited(child)
    const bad = await cli(['serve', '--port', 'nope'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toBe('oauth-fakes serve: invalid port "nope" (0-65535)\n')
  })

  it('--help and --version answer; an unknown flag or command is one line and exit 2', async () => {
    const help = await cli(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^usage: oauth-fakes <command>/)
    const serveHelp = await cli(['serve', '--help'])
    expect(serveHelp.stdout).toMatch(/^usage: oauth-fakes serve /)
    expect(serveHelp.stdout).toContain('--config FILE')
    const version = await cli(['--version'])
    expect(version.stdout.trim()).toBe(packageVersion)
    const flag = await cli(['serve', '--prot', '1'])
    expect(flag.code).toBe(2)
    expect(flag.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^oauth-fakes serve: Unknown option '--prot'.*\(see --help\)$/)])
    const command = await cli(['frobnicate'])
    expect(command.code).toBe(2)
    expect(command.stderr.trim().split('\n')).toHaveLength(1)
  })

  it('drift, from a chunk of the bundle (a directory deeper than the entry), still finds this package and names its version', async () => {
    const { child, url } = await serve(['--port', '0', '--quiet'])
    try {
      // The fakes' own server stands in for the real one: what matters here is the report's version.
      const drift = await cli(['drift', '--provider', 'zapier', '--base', `${url}/zapier`, '--base-auth', `${url}/zapier`, '--client-id', zapierDemoClient.clientId, '--client-secret', zapierDemoClient.clientSecret, '--json', '--timeout', '30'])
      expect(drift.stderr).toBe('')
      expect((JSON.parse(drift.stdout) as { version: string }).version).toBe(packageVersion)
    } finally {
      child.kill('SIGTERM')
      await exited(child)
    }
  })

  it('conform runs the conformance suite: exit 0 for the reference client, 2 for a usage error', async () => {
    const ok = await cli(['conform', '--provider', 'zapier', '--quiet', '--client', 'node fixtures/clients/reference.mjs', ...SLOW_MACHINE_FLAGS])
    expect(ok.stdout).toMatch(/conformance: \d+ passed, 0 failed/)
    expect(ok.code).toBe(0)
    const usage = await cli(['conform', '--provider', 'nope', '--client', 'x'])
    expect(usage.code).toBe(2)
    expect(usage.stderr.trim().split('\n')).toHaveLength(1)
  })
})

describe('oauth-fakes serve --config', () => {
  const config = {
    $schema: './node_modules/oauth-fakes/dist/oauth-fakes.schema.json',
    providers: {
      calcom: {
        era: 'pages-router',
        clients: [{ clientId: 'ci-app', clientSecret: 'ci-app-secret', redirectUris: ['http://127.0.0.1:9/cb'], name: 'CI App' }],
        users: [{ id: 42, username: 'ada', name: 'Ada Lovelace', email: 'ada@example.com' }],
        defaultUserId: 42,
      },
    },
  }

  it('declares a client, a user and the cal.com era: a flow with them works (the file found in the working directory)', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'oauth-fakes.config.json'), JSON.stringify(config))
    const { child, url } = await serve(['--port', '0', '--quiet'], { cwd: dir })
    try {
      await fetch(`${url}/__admin/consent`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'calcom', mode: 'allow' }) })
      const authorize = await fetch(`${url}/calcom/auth/oauth2/authorize?client_id=ci-app&redirect_uri=${encodeURIComponent('http://127.0.0.1:9/cb')}&state=s&scope=READ_PROFILE`, { redirect: 'manual' })
      expect(authorize.status).toBe(302)
      const code = new URL(authorize.headers.get('location')!).searchParams.get('code')!
      // The pages-router era: the token route under /api/auth/oauth, client in the body.
      const token = await fetch(`${url}/calcom/api/auth/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code, client_id: 'ci-app', client_secret: 'ci-app-secret', grant_type: 'authorization_code', redirect_uri: 'http://127.0.0.1:9/cb' }),
      })
      expect(token.status).toBe(200)
      const { access_token } = (await token.json()) as { access_token: string }
      const me = await fetch(`${url}/calcom/api/auth/oauth/me`, { headers: { authorization: `Bearer ${access_token}` } })
      expect(await me.json()).toMatchObject({ username: 'ada' })
    } finally {
      child.kill('SIGTERM')
      await exited(child)
    }
  })

  it('refuses a bad file at start with one line naming the file and the field', async () => {
    const dir = tempDir()
    const cases: Array<[unknown, string]> = [
      [{ providers: { calcom: { era: 'stone-age' } } }, 'bad.json: providers.calcom.era: '],
      [{ providers: { calcom: { clients: [{ clientId: 'x', clientSecret: 's', redirectUris: ['not a url'] }] } } }, 'bad.json: providers.calcom.clients.0.redirectUris.0: must be an absolute URI'],
      [{ providers: { zapier: { users: [{ id: 'one' }] } } }, 'bad.json: providers.zapier.users.0.'],
      // zod's own English messages: the shipped bundle keeps zod's `en` locale (scripts/bundle-cli.mjs).
      [{ port: 'eighty' }, 'bad.json: port: Invalid input: expected number, received string'],
      [{ prot: 1 }, 'bad.json: (top level): Unrecognized key: "prot"'],
    ]
    for (const [content, message] of cases) {
      writeFileSync(join(dir, 'bad.json'), JSON.stringify(content))
      const result = await cli(['serve', '--port', '0', '--config', 'bad.json'], { cwd: dir })
      expect(result.code, JSON.stringify(content)).toBe(2)
      expect(result.stderr.trim().split('\n'), JSON.stringify(content)).toEqual([expect.stringContaining(`oauth-fakes serve: ${message}`)])
    }
    writeFileSync(join(dir, 'bad.json'), '{"port": 80,')
    const notJson = await cli(['serve', '--config', 'bad.json'], { cwd: dir })
    expect(notJson.code).toBe(2)
    expect(notJson.stderr).toMatch(/^oauth-fakes serve: bad\.json: not JSON/)
    const missing = await cli(['serve', '--config', 'missing.json'], { cwd: dir })
    expect(missing.stderr).toBe('oauth-fakes serve: missing.json: cannot read it (ENOENT)\n')
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
    expect(index.providers[0]!.endpoints.v2Token).toBe(`${server.url}/calcom/v2/auth/oauth2/token`)
    const html = await (await fetch(`${server.url}/`)).text()
    expect(html).toContain(calcomDemoClient.clientId)
    expect(html).toContain(zapierDemoClient.clientSecret)
  })

  it('keeps a connection alive and says for how long it may sit idle (docs/client-contract.md §5: 5 s)', async () => {
    const res = await fetch(`${server.url}/__admin`)
    await res.text()
    expect(res.headers.get('connection')).toBe('keep-alive')
    expect(res.headers.get('keep-alive')).toBe('timeout=5')
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
    expect(((await (await fetch(`${server.url}/__admin/clients?provider=nope`)).json()) as { error: string }).error).toContain('provider')
  })

  it('registers a client that then works at its provider and is listed; moves the clock', async () => {
    const res = await admin('clients', { provider: 'zapier', clientId: 'ci-client', clientSecret: 'ci-secret', redirectUris: ['https://ci.test/cb'], name: 'CI App' })
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({ provider: 'zapier', clientId: 'ci-client', redirectUris: ['https://ci.test/cb'], name: 'CI App' })
    const listed = (await (await fetch(`${server.url}/__admin/clients?provider=zapier`)).json()) as Array<{ clientId: string; provider: string }>
    expect(listed.map((c) => c.clientId)).toEqual([zapierDemoClient.clientId, 'ci-client'])
    const page = await fetch(`${server.url}/zapier/oauth/authorize/?response_type=code&client_id=ci-client&redirect_uri=${encodeURIComponent('https://ci.test/cb')}&scope=profile&state=s`)
    expect(page.status).toBe(200)
    const before = server.fakes.clock.now()
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
    expect((await fetch(`${server.url}/calcom/v2/me`)).status).toBe(401)
  })
})
