/**
 * `oauth-fakes drift` (docs/drift.md), with no network beyond loopback: the "real" server is a
 * second fake with another era or option (in-process behind an injected fetch, or the standalone
 * server on port 0), and the report must name exactly the differences between the two, none at an
 * identical fake, and never a secret. The sleeper is injected everywhere: nothing here waits.
 */
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { main as cliMain } from '../cli/main.ts'
import { type DriftCliDeps, main } from '../drift/cli.ts'
import { describeLocation, diff, maskSecret, maskText, observe, type Observation } from '../drift/compare.ts'
import { PROBES } from '../drift/probes.ts'
import { differenceLabel } from '../drift/report.ts'
import { type DriftResult, type Fetch, issueFakeToken, resolveRealBases, runDrift } from '../drift/run.ts'
import type { DriftProvider as ProviderId } from '../drift/probes.ts'
import { type Fakes, type FakesOptions, createFakes } from '../mocks/fakes.ts'
import { type RunningServer, startServer } from '../mocks/server.ts'

const CLIENT = {
  clientId: 'drift-test-client-7f3a9c2e',
  clientSecret: 'sk_drift_test_secret_4f9a8b7c6d5e4f3a2b1c0d9e',
  redirectUri: 'https://client.example/oauth/callback',
}

/** The "real" server's hosts: not the fake's, so host names in URLs must be normalised away. */
const REAL_HOSTS: Record<ProviderId, string | Record<string, string>> = {
  calcom: { app: 'https://cal.real.test', api: 'https://api.cal.real.test' },
  bookingsync: 'https://bookingsync.real.test',
  zapier: { api: 'https://api.zapier.real.test', auth: 'https://zapier.real.test' },
}

const noSleep = async () => {}

/** A second fake standing in for the real server, with CLIENT registered. */
function realFake(provider: ProviderId, options: Record<string, unknown> = {}): { fakes: Fakes; fetch: Fetch; baseArgs: string[] } {
  const fakes = createFakes({ providers: [provider], options: { [provider]: options } as FakesOptions['options'], bases: { [provider]: REAL_HOSTS[provider] } })
  fakes.registerClient({ provider, clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret, redirectUris: [CLIENT.redirectUri] })
  const [main, ...others] = Object.entries(fakes.bases(provider))
  return {
    fakes,
    fetch: async (request) => {
      const answer = await fakes.fetch(request)
      if (!answer) throw new Error(`not served: ${request.url}`)
      return answer
    },
    baseArgs: ['--base', main![1], ...others.flatMap(([k, v]) => [`--base-${k}`, v])],
  }
}

const credentialArgs = (provider: ProviderId, extra: string[] = []) => ['--provider', provider, '--client-id', CLIENT.clientId, '--client-secret', CLIENT.clientSecret, '--redirect-uri', CLIENT.redirectUri, ...extra]

/** Runs the drift CLI with its output captured. */
async function drift(args: string[], deps: DriftCliDeps = {}): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = []
  const err: string[] = []
  const code = await main(args, { sleep: noSleep, env: {}, out: (t) => out.push(t), err: (t) => err.push(t), ...deps })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

/** Every difference of a JSON report as one line: `probe: what: real | fake`. */
function lines(result: DriftResult): string[] {
  return result.probes.flatMap((p) => (p.state === 'skipped' ? [] : p.differences.map((d) => `${p.id}: ${differenceLabel(d)}: ${d.real} | ${d.fake}`)))
}

describe('drift: the report names exactly what differs', () => {
  it('cal.com pages-router (real) against today\'s oauth-service (fake): {"message"} errors, JSON 405s, no API v2; exit 1', async () => {
    const real = realFake('calcom', { era: 'pages-router' })
    const run = await drift([...credentialArgs('calcom'), ...real.baseArgs, '--json'], { fetchReal: real.fetch })
    expect(run.code).toBe(1)
    const result = JSON.parse(run.out) as DriftResult
    const ct = 'headers content-type: application/json; charset=utf-8 | application/json'
    const v2Unauthorized = (probe: string, words: string) => [
      `${probe}: status: 404 | 401`,
      `${probe}: body kind: html | json`,
      `${probe}: messages error.code: (none) | UnauthorizedException`,
      `${probe}: messages error.details.error: (none) | Unauthorized`,
      `${probe}: messages error.details.message: (none) | ${words}`,
      `${probe}: messages error.details.statusCode: (none) | 401`,
      `${probe}: messages error.message: (none) | ${words}`,
      `${probe}: messages status: (none) | error`,
      `${probe}: headers content-type: text/html; charset=utf-8 | application/json`,
    ]
    const v2TokenError = (probe: string, error: string, description: string) => [
      `${probe}: status: 404 | 400`,
      `${probe}: body kind: html | json`,
      `${probe}: messages error: (none) | ${error}`,
      `${probe}: messages error_description: (none) | ${description}`,
      `${probe}: headers content-type: text/html; charset=utf-8 | application/json`,
      `${probe}: headers cache-control: (none) | no-store`,
      `${probe}: headers pragma: (none) | no-cache`,
    ]
    expect(lines(result)).toEqual([
      'token-unknown-client: messages error: (none) | invalid_client',
      'token-unknown-client: messages message: Unauthorized | (none)',
      `token-unknown-client: ${ct}`,
      'token-wrong-secret: messages error: (none) | invalid_client',
      'token-wrong-secret: messages message: Unauthorized | (none)',
      `token-wrong-secret: ${ct}`,
      'token-bad-grant-type: messages error: (none) | invalid_request',
      'token-bad-grant-type: messages message: grant_type invalid | (none)',
      `token-bad-grant-type: ${ct}`,
      'token-bogus-code: status: 401 | 400',
      'token-bogus-code: messages error: (none) | invalid_grant',
      'token-bogus-code: messages message: Unauthorized | (none)',
      `token-bogus-code: ${ct}`,
      // The pages router parses JSON; the OAuthService route reads the body as a form (no client_id).
      'token-json-body: status: 401 | 400',
      'token-json-body: messages error: (none) | invalid_request',
      'token-json-body: messages message: Unauthorized | (none)',
      `token-json-body: ${ct}`,
      'token-client-credentials: messages error: (none) | invalid_request',
      'token-client-credentials: messages message: grant_type invalid | (none)',
      `token-client-credentials: ${ct}`,
      'token-get: body kind: json | empty',
      'token-get: messages message: Invalid method | (none)',
      'token-get: headers content-type: application/json; charset=utf-8 | (none)',
      'token-head: headers content-type: application/json; charset=utf-8 | (none)',
      'token-put: body kind: json | empty',
      'token-put: messages message: Invalid method | (none)',
      'token-put: headers content-type: application/json; charset=utf-8 | (none)',
      'refresh-bogus-token: status: 401 | 400',
      'refresh-bogus-token: messages error: (none) | invalid_grant',
      'refresh-bogus-token: messages message: Unauthorized | (none)',
      `refresh-bogus-token: ${ct}`,
      ...v2TokenError('v2-token-bogus-code', 'invalid_grant', 'code_invalid_or_expired'),
      ...v2TokenError('v2-token-bogus-refresh', 'invalid_grant', 'invalid_refresh_token'),
      'v2-token-get: body kind: html | json',
      'v2-token-get: messages error: (none) | Not Found',
      'v2-token-get: messages message: (none) | Cannot GET /v2/auth/oauth2/token',
      'v2-token-get: messages statusCode: (none) | 404',
      'v2-token-get: headers content-type: text/html; charset=utf-8 | application/json',
      `api-no-token: ${ct}`,
      `api-bogus-token: ${ct}`,
      ...v2Unauthorized(
        'v2-me-no-token',
        "ApiAuthStrategy - No authentication method provided. Either pass an API key as 'Bearer' header or OAuth client credentials as 'x-cal-secret-key' and 'x-cal-client-id' headers",
      ),
      ...v2Unauthorized('v2-me-bogus-token', 'Invalid Access Token.'),
    ])
    // The pages and the unknown path under the token route answer alike in both eras.
    expect(result.probes.filter((p) => p.state === 'same').map((p) => p.id)).toEqual(['token-trailing-slash', 'authorize-unknown-client', 'authorize-wrong-redirect-uri'])
    expect(result.differences).toBe(lines(result).length)
  })

  it('BookingSync on Doorkeeper 5.6.9 (real) against 4.2.6 (fake): 400s, no Pragma, authorize errors with a status; exit 1', async () => {
    const real = realFake('bookingsync', { doorkeeper: '5.6.9' })
    const run = await drift([...credentialArgs('bookingsync'), ...real.baseArgs, '--json'], { fetchReal: real.fetch })
    expect(run.code).toBe(1)
    const cache = (probe: string) => [`${probe}: headers cache-control: no-cache, no-store | no-store`, `${probe}: headers pragma: (none) | no-cache`]
    expect(lines(JSON.parse(run.out) as DriftResult)).toEqual([
      ...cache('token-unknown-client'),
      ...cache('token-wrong-secret'),
      'token-bad-grant-type: status: 400 | 401',
      ...cache('token-bad-grant-type'),
      'token-bogus-code: status: 400 | 401',
      ...cache('token-bogus-code'),
      'token-json-body: status: 400 | 401',
      ...cache('token-json-body'),
      // The one success answer: Doorkeeper 4.4.1/5.0.0 capitalised the token type.
      'token-client-credentials: body token_type value: Bearer | bearer',
      ...cache('token-client-credentials'),
      'refresh-bogus-token: status: 400 | 401',
      ...cache('refresh-bogus-token'),
      ...cache('api-no-token'),
      ...cache('api-bogus-token'),
      'authorize-unknown-client: status: 401 | 200',
      'authorize-wrong-redirect-uri: status: 400 | 200',
    ])
  })

  it('the fake side takes --option and --era: Zapier noSlashToken=not_found, cal.com pages-router', async () => {
    const zapier = realFake('zapier')
    const run = await drift([...credentialArgs('zapier'), ...zapier.baseArgs, '--option', 'noSlashToken=not_found', '--json'], { fetchReal: zapier.fetch })
    expect(run.code).toBe(1)
    const result = JSON.parse(run.out) as DriftResult
    expect(result.fakeOptions).toEqual({ noSlashToken: 'not_found' })
    expect(lines(result)).toEqual([
      'token-trailing-slash: status: 400 | 404',
      'token-trailing-slash: body kind: json | html',
      'token-trailing-slash: messages error: invalid_grant | (none)',
      'token-trailing-slash: headers content-type: application/json | text/html; charset=utf-8',
      'token-trailing-slash: headers cache-control: no-store | (none)',
      'token-trailing-slash: headers pragma: no-cache | (none)',
    ])
    const calcom = realFake('calcom', { era: 'pages-router' })
    const same = await drift([...credentialArgs('calcom'), ...calcom.baseArgs, '--era', 'pages-router'], { fetchReal: calcom.fetch })
    expect(same.code).toBe(0)
    expect(same.out).toContain('options: era=pages-router')
  })

  it('a number option is given as a number (BookingSync rateLimit=5), a string one as a string', async () => {
    const real = realFake('bookingsync', { rateLimit: 5 })
    const run = await drift([...credentialArgs('bookingsync'), ...real.baseArgs, '--option', 'rateLimit=5', '--option', 'doorkeeper=4.2.6', '--json'], { fetchReal: real.fetch })
    expect(run.err).toBe('')
    expect(run.code).toBe(0)
    expect((JSON.parse(run.out) as DriftResult).fakeOptions).toMatchObject({ rateLimit: 5, doorkeeper: '4.2.6' })
  })
})

describe('drift: an identical fake', () => {
  it.each(['calcom', 'bookingsync', 'zapier'] as const)('%s: every probe runs (a real token too), no difference, exit 0', async (provider) => {
    const real = realFake(provider)
    const granted = await issueFakeToken(real.fakes, provider, CLIENT)
    if (!('token' in granted)) throw new Error(granted.problem)
    const run = await drift([...credentialArgs(provider, ['--token', granted.token]), ...real.baseArgs, '--json'], { fetchReal: real.fetch })
    const result = JSON.parse(run.out) as DriftResult
    expect(lines(result)).toEqual([])
    expect(run.code).toBe(0)
    expect(result.ok).toBe(true)
    expect(result.probes.filter((p) => p.state === 'skipped')).toEqual([])
    expect(result.probes.map((p) => p.id)).toEqual(PROBES.filter((p) => p.request[provider]).map((p) => p.id))
    // The valid token really was valid on both sides.
    const apiToken = result.probes.find((p) => p.id === 'api-token')!
    expect(apiToken.state === 'same' && apiToken.real.status).toBe(provider === 'calcom' ? 401 : 200)
    if (provider === 'calcom') {
      const v2 = result.probes.find((p) => p.id === 'v2-me-token')!
      expect(v2.state === 'same' && v2.real.status).toBe(200)
    }
  })

  it('the table says so', async () => {
    const real = realFake('zapier')
    const run = await drift([...credentialArgs('zapier'), ...real.baseArgs], { fetchReal: real.fetch })
    expect(run.code).toBe(0)
    expect(run.out).toContain('no drift: the fake answered every probe as the real server did')
    expect(run.out).toContain('16 probes: 15 same, 0 differ, 1 skipped')
    expect(run.out).toContain('skipped api-token: needs --token (a valid access token)')
    expect(run.out).not.toContain('PROBE')
  })

  it('an empty OAUTH_FAKES_TOKEN is no token (GitHub Actions gives a missing secret as ""); an empty --token is a usage error', async () => {
    const real = realFake('zapier')
    const run = await drift([...credentialArgs('zapier'), ...real.baseArgs, '--json'], { fetchReal: real.fetch, env: { OAUTH_FAKES_TOKEN: '' } })
    expect(run.code).toBe(0)
    const skipped = (JSON.parse(run.out) as DriftResult).probes.find((p) => p.id === 'api-token')!
    expect(skipped.state === 'skipped' && skipped.reason).toBe('needs --token (a valid access token)')
    const empty = await drift([...credentialArgs('zapier'), ...real.baseArgs, '--token', ''], { fetchReal: real.fetch })
    expect([empty.code, empty.err]).toEqual([2, 'oauth-fakes drift: --token: must not be empty (see --help)'])
  })

  it.each(['calcom', 'bookingsync', 'zapier'] as const)('%s: without --redirect-uri, the redirect URI the fake side registers for the client is not the one the wrong-redirect probe sends: no difference', async (provider) => {
    const real = realFake(provider)
    const run = await drift(['--provider', provider, '--client-id', CLIENT.clientId, '--client-secret', CLIENT.clientSecret, ...real.baseArgs, '--json'], { fetchReal: real.fetch })
    const result = JSON.parse(run.out) as DriftResult
    expect(lines(result)).toEqual([])
    expect(run.code).toBe(0)
    const probe = result.probes.find((p) => p.id === 'authorize-wrong-redirect-uri')!
    expect(probe.state).toBe('same')
  })

  it('without --redirect-uri the probes that send one are skipped, and never sent', async () => {
    const real = realFake('bookingsync')
    const sent: string[] = []
    const run = await drift(['--provider', 'bookingsync', '--client-id', CLIENT.clientId, '--client-secret', CLIENT.clientSecret, ...real.baseArgs, '--json'], {
      fetchReal: (r) => {
        sent.push(`${r.method} ${new URL(r.url).pathname}`)
        return real.fetch(r)
      },
    })
    expect(run.code).toBe(0)
    const result = JSON.parse(run.out) as DriftResult
    const skipped = result.probes.filter((p) => p.state === 'skipped').map((p) => p.id)
    expect(skipped).toEqual(['token-wrong-secret', 'token-bogus-code', 'token-json-body', 'token-trailing-slash', 'api-token'])
    expect(sent).toHaveLength(result.probes.length - skipped.length)
  })
})

describe('drift: against the standalone server (real HTTP on port 0)', () => {
  let server: RunningServer | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  it('Zapier APPEND_SLASH (real) against the served /oauth/token (fake): only the slashless token path differs; polite requests', async () => {
    server = await startServer({ port: 0, options: { zapier: { noSlashToken: 'redirect' } } })
    server.fakes.registerClient({ provider: 'zapier', clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret, redirectUris: [CLIENT.redirectUri] })
    const base = `${server.url}/zapier`
    const pauses: number[] = []
    let inFlight = 0
    let maxInFlight = 0
    const fetchReal: Fetch = async (request) => {
      pauses.push(-1) // a request, between the pauses
      maxInFlight = Math.max(maxInFlight, ++inFlight)
      try {
        return await fetch(request)
      } finally {
        inFlight--
      }
    }
    const run = await drift([...credentialArgs('zapier'), '--base', base, '--base-auth', base], { fetchReal, sleep: async (ms) => void pauses.push(ms) })
    expect(run.err).toBe('')
    expect(run.code).toBe(1)
    // The table: probe, what differs, real, fake; the 301 not followed, its Location on the auth host.
    const rows = run.out.split('\n').filter((l) => l.startsWith('token-trailing-slash') || /^\s{10,}\S/.test(l)).map((l) => l.trim().split(/\s{2,}/))
    expect(rows).toEqual([
      ['token-trailing-slash', 'status', '301', '400'],
      ['body kind', 'empty', 'json'],
      ['messages error', '(none)', 'invalid_grant'],
      ['headers content-type', '(none)', 'application/json'],
      ['headers cache-control', '(none)', 'no-store'],
      ['headers pragma', '(none)', 'no-cache'],
      // Both hosts live under the server's one prefix: the Location is on either.
      ['location', '{api|auth}/oauth/token/', '(none)'],
    ])
    expect(run.out).toContain('DRIFT: 7 differences in 1 probe')
    expect(run.out).toContain(`real  api   ${base}`)
    // Sequential, a 250 ms pause between requests (none before the first), each with the User-Agent.
    const requests = server.fakes.requests('zapier')
    expect(requests).toHaveLength(15)
    expect(pauses).toEqual([-1, ...Array.from({ length: 14 }, () => [250, -1]).flat()])
    expect(maxInFlight).toBe(1)
    for (const r of requests) expect(r.headers['user-agent']).toMatch(/^oauth-fakes-drift\/\d+\.\d+\.\d+ \(\+https:\/\/\S+\)$/)
  })

  it('an unreachable base is exit 2, "cannot reach", not drift', async () => {
    // A port that was free a moment ago and is closed now: the connection is refused at once.
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number }
        s.close(() => resolve(port))
      })
    })
    const run = await drift([...credentialArgs('zapier'), '--base', `http://127.0.0.1:${closed}/zapier`, '--base-auth', `http://127.0.0.1:${closed}/zapier`])
    expect(run.code).toBe(2)
    expect(run.out).toBe('')
    expect(run.err).toMatch(new RegExp(`^oauth-fakes drift: cannot reach http://127\\.0\\.0\\.1:${closed}/zapier/oauth/token/: connect ECONNREFUSED 127\\.0\\.0\\.1:${closed} \\(not drift: check --base and the network\\)$`))
  })
})

describe('drift: robustness', () => {
  it('a server that never answers: exit 2 once --timeout passes', async () => {
    const run = await drift([...credentialArgs('zapier'), '--base', 'https://api.zapier.com', '--timeout', '0.05'], { fetchReal: () => new Promise<Response>(() => {}) })
    expect(run.code).toBe(2)
    expect(run.err).toBe('oauth-fakes drift: cannot reach https://zapier.com/oauth/token/: no answer within 0.05 s (not drift: check --base and the network)')
  })

  it('a body that never ends is read no further than 1 MiB (the probe completes)', async () => {
    const real = realFake('zapier')
    const endless: Fetch = async (request) => {
      if (!new URL(request.url).pathname.startsWith('/v1/profiles/me')) return real.fetch(request)
      const chunk = new TextEncoder().encode('x'.repeat(64 * 1024))
      return new Response(new ReadableStream({ pull: (c) => c.enqueue(chunk) }), { status: 401, headers: { 'content-type': 'text/plain' } })
    }
    const run = await drift([...credentialArgs('zapier'), ...real.baseArgs, '--json'], { fetchReal: endless })
    expect(run.code).toBe(1)
    const probe = (JSON.parse(run.out) as DriftResult).probes.find((p) => p.id === 'api-no-token')!
    expect(probe.state === 'differs' && probe.real.text).toBe(`${'x'.repeat(200)}…`)
  })
})

describe('drift: secrets are never printed', () => {
  it('a server echoing the secret and the token in bodies and headers: masked in the table and the JSON', async () => {
    const real = realFake('zapier')
    const granted = await issueFakeToken(real.fakes, 'zapier', CLIENT)
    if (!('token' in granted)) throw new Error(granted.problem)
    const token = granted.token
    // Every answer echoes what it was sent: the client secret, the token, a fresh token of its own.
    let issued = 0
    const leaky: Fetch = async (request) => {
      const fresh = `leaked-access-token-${String(++issued).padStart(12, '0')}`
      return new Response(
        JSON.stringify({ error: 'invalid_client', error_description: `client_secret=${CLIENT.clientSecret} token=${token}`, access_token: fresh, detail: fresh }),
        {
          status: 401,
          headers: { 'content-type': 'application/json', 'www-authenticate': `Bearer realm="${token}", error="${CLIENT.clientSecret}"`, location: `${CLIENT.redirectUri}?code=${fresh}&error=${CLIENT.clientSecret}` },
        },
      )
    }
    const secrets = [CLIENT.clientSecret, token, 'leaked-access-token-0000000000']
    for (const format of [[], ['--json']]) {
      // Secrets from the command line, and from the environment.
      for (const [args, env] of [
        [['--client-secret', CLIENT.clientSecret, '--token', token], {}],
        [[], { OAUTH_FAKES_CLIENT_SECRET: CLIENT.clientSecret, OAUTH_FAKES_TOKEN: token }],
      ] as const) {
        const run = await drift(['--provider', 'zapier', '--client-id', CLIENT.clientId, '--redirect-uri', CLIENT.redirectUri, '--base', 'https://api.zapier.com', ...args, ...format], { fetchReal: leaky, env })
        expect(run.code).toBe(1)
        for (const s of secrets) expect(run.out + run.err).not.toContain(s)
        expect(run.out).toContain(maskSecret(CLIENT.clientSecret))
        expect(maskSecret(CLIENT.clientSecret)).toBe('sk…(45 chars)')
      }
    }
  })

  it('nor in an error message, nor in a usage error', async () => {
    const failing: Fetch = async () => {
      throw new TypeError('fetch failed', { cause: new Error(`proxy refused ${CLIENT.clientSecret}`) })
    }
    const run = await drift([...credentialArgs('zapier'), '--base', 'https://api.zapier.com'], { fetchReal: failing })
    expect(run.code).toBe(2)
    expect(run.err).toContain('cannot reach https://zapier.com/oauth/token/: proxy refused sk…(45 chars)')
    expect(run.err).not.toContain(CLIENT.clientSecret)
    const usage = await drift(['--provider', 'zapier', '--client-secret', CLIENT.clientSecret, CLIENT.clientSecret])
    expect(usage.code).toBe(2)
    expect(usage.err).not.toContain(CLIENT.clientSecret)
  })
})

describe('drift: usage', () => {
  const base = ['--base', 'https://app.cal.com']
  it.each([
    [[], '--provider: is required'],
    [['--provider', 'github', ...base, '--client-id', 'a', '--client-secret', 'b'], '--provider: "github" is not a provider (calcom, bookingsync, zapier)'],
    [['--provider', 'calcom', ...base, '--client-id', 'a'], '--client-secret: is required (or set OAUTH_FAKES_CLIENT_SECRET)'],
    [['--provider', 'calcom', '--client-id', 'a', '--client-secret', 'b'], '--base: is required'],
    [['--provider', 'calcom', '--base', 'app.cal.com', '--client-id', 'a', '--client-secret', 'b'], '--base: "app.cal.com" is not a URL'],
    [['--provider', 'calcom', '--base', 'ftp://app.cal.com', '--client-id', 'a', '--client-secret', 'b'], '--base: "ftp://app.cal.com" is not an http(s) URL'],
    [['--provider', 'calcom', '--base', 'https://cal.example.org', '--client-id', 'a', '--client-secret', 'b'], '--base is not https://app.cal.com: give --base-api too (calcom\'s api host, https://api.cal.com on the real service)'],
    [['--provider', 'calcom', ...base, '--base-auth', 'https://x.test', '--client-id', 'a', '--client-secret', 'b'], '--base-auth: calcom has no host "auth" (its hosts: app, api)'],
    [['--provider', 'calcom', ...base, '--base-app', 'https://x.test', '--client-id', 'a', '--client-secret', 'b'], '--base-app: "app" is calcom\'s main host; give it as --base'],
    [['--provider', 'zapier', '--base', 'https://api.zapier.com', '--client-id', 'a', '--client-secret', 'b', '--era', 'app-router'], '--era is for cal.com; other providers take --option'],
    [['--provider', 'calcom', ...base, '--client-id', 'a', '--client-secret', 'b', '--era', '2019'], '--era: "2019" is not a cal.com era (pages-router, pages-router-2024, app-router, app-router-2025-11, oauth-service)'],
    [['--provider', 'calcom', ...base, '--client-id', 'a', '--client-secret', 'b', '--era', 'app-router', '--option', 'era=app-router'], '--era and --option era=…: give the era once'],
    [['--provider', 'zapier', '--base', 'https://api.zapier.com', '--client-id', 'a', '--client-secret', 'b', '--option', 'slash'], '--option: must be key=value'],
    [['--provider', 'zapier', '--base', 'https://api.zapier.com', '--client-id', 'a', '--client-secret', 'b', '--option', 'colour=blue'], 'fake option: options.zapier: Unrecognized key: "colour"'],
    [['--provider', 'zapier', '--base', 'https://api.zapier.com', '--client-id', 'a', '--client-secret', 'b', '--option', 'noSlashToken=maybe'], 'fake option: options.zapier.noSlashToken:'],
    [['--provider', 'zapier', '--base', 'https://api.zapier.com', '--client-id', 'a', '--client-secret', 'b', '--timeout', 'soon'], '--timeout: must be a number of seconds'],
    [['--provider', 'zapier', '--colour'], "Unknown option '--colour'"],
  ])('%j → exit 2: %s', async (args, message) => {
    const run = await drift([...args], { fetchReal: () => Promise.reject(new Error('no request may be sent on a usage error')) })
    expect(run.code).toBe(2)
    expect(run.out).toBe('')
    expect(run.err.split('\n')).toHaveLength(1)
    expect(run.err).toContain(`oauth-fakes drift: ${message}`)
    expect(run.err).toMatch(/\(see --help\)$/)
  })

  it('--help prints the usage, exit 0; `oauth-fakes drift` reaches it, and the top-level usage names it', async () => {
    const help = await drift(['--help'])
    expect(help.code).toBe(0)
    expect(help.out).toMatch(/^usage: oauth-fakes drift --provider <calcom\|bookingsync\|zapier> --base URL/)
    expect(help.out).toContain('--base-api https://api.cal.com')
    expect(help.out).toContain('--base-auth https://zapier.com')
    const logged: string[] = []
    const log = console.log
    const error = console.error
    console.log = (...a: unknown[]) => void logged.push(a.join(' '))
    console.error = (...a: unknown[]) => void logged.push(a.join(' '))
    try {
      expect(await cliMain(['drift', '--help'])).toBe(0)
      expect(await cliMain(['--help'])).toBe(0)
      expect(await cliMain(['drift-check'])).toBe(2)
    } finally {
      console.log = log
      console.error = error
    }
    expect(logged[0]).toBe(help.out)
    expect(logged[1]).toMatch(/\n {2}drift {5}compare a fake with the real provider's server/)
    expect(logged[2]).toBe('oauth-fakes: unknown command "drift-check" (serve, conform or drift; see --help)')
  })

  it('the default other hosts are the real ones when --base is the real main host', () => {
    expect(resolveRealBases('zapier', 'https://api.zapier.com/')).toEqual({ api: 'https://api.zapier.com', auth: 'https://zapier.com' })
    expect(resolveRealBases('calcom', 'https://app.cal.com', { api: 'http://127.0.0.1:9/api' })).toEqual({ app: 'https://app.cal.com', api: 'http://127.0.0.1:9/api' })
  })
})

describe('drift: docs/drift.md', () => {
  it('its probe table lists every probe, in order, with its providers and what it needs', () => {
    const doc = readFileSync(new URL('../docs/drift.md', import.meta.url), 'utf8')
    const rows = [...doc.matchAll(/^\| `([a-z0-9-]+)` \| .* \| (all|cal\.com) \|([^|]*)\|$/gm)].map((m) => [m[1], m[2], m[3]!.trim()])
    const needs = { redirectUri: '`--redirect-uri`', token: '`--token`' }
    expect(rows).toEqual(PROBES.map((p) => [p.id, Object.keys(p.request).length === 3 ? 'all' : 'cal.com', (p.needs ?? []).map((n) => needs[n]).join(', ')]))
  })
})

describe('drift: normalising', () => {
  const bases = { api: 'https://api.example', auth: 'https://example' }
  const seen = (status: number, headers: Record<string, string>, body = '', method = 'GET', on = bases): Observation =>
    observe(status, new Headers(headers), body, { bases: on, url: `${on.auth}/oauth/token/`, method })
  const differences = (a: Observation, b: Observation) => diff(a, b, ['status', 'body', 'messages', 'headers', 'location']).map((d) => `${differenceLabel(d)}: ${d.real} | ${d.fake}`)

  it('headers: content-type spacing and case, challenge parameter order, cache-control and Allow order are not differences', () => {
    const a = seen(401, { 'content-type': 'application/json;charset=UTF-8', 'www-authenticate': 'Bearer realm="api",error="invalid_token"', 'cache-control': 'no-store, no-cache', allow: 'POST, OPTIONS' })
    const b = seen(401, { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'bearer error="invalid_token", realm="api"', 'cache-control': 'no-cache,no-store', allow: 'options,post' })
    expect(differences(a, b)).toEqual([])
    const c = seen(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="api", error="invalid_token", error_description="The access token expired"' })
    expect(differences(a, c)).toEqual([
      'headers content-type: application/json; charset=utf-8 | application/json',
      'headers www-authenticate: Bearer error="invalid_token", realm="api" | Bearer error="invalid_token", error_description="The access token expired", realm="api"',
      'headers cache-control: no-cache, no-store | (none)',
      'headers allow: OPTIONS, POST | (none)',
    ])
  })

  it('bodies: token values, key order and timestamps are not compared; types and keys are; null and [] match anything', () => {
    const a = seen(200, { 'content-type': 'application/json' }, '{"access_token":"abc","expires_in":7200,"created_at":1700000000,"scope":null,"items":[]}')
    const b = seen(200, { 'content-type': 'application/json' }, '{"created_at":1800000000,"expires_in":7200,"access_token":"xyz","scope":"public","items":[{"id":1}]}')
    expect(differences(a, b)).toEqual([])
    const c = seen(200, { 'content-type': 'application/json' }, '{"access_token":"abc","expires_in":"7200","token_type":"bearer","items":[{"id":"1"}]}')
    expect(differences(b, c)).toEqual(['body created_at: number | (absent)', 'body expires_in: number | string', 'body scope: string | (absent)', 'body items[].id: number | string', 'body token_type: (absent) | string'])
  })

  it('a success answer\'s token_type and expires_in are compared by value (constants, not tokens)', () => {
    const ok = (body: string) => seen(200, { 'content-type': 'application/json' }, body)
    expect(differences(ok('{"access_token":"a","token_type":"bearer","expires_in":7200}'), ok('{"access_token":"b","token_type":"Bearer","expires_in":3600}'))).toEqual([
      'body token_type value: bearer | Bearer',
      'body expires_in value: 7200 | 3600',
    ])
    expect(differences(ok('{"token_type":"bearer"}'), ok('{}'))).toEqual(['body token_type: string | (absent)'])
  })

  it('error words are compared in error answers only, host names in them replaced by <base>', () => {
    const a = seen(400, {}, '{"error":"invalid_request","error_description":"see https://example/docs"}')
    const other = { api: 'https://api.real.test', auth: 'https://real.test' }
    const b = seen(400, {}, '{"error":"invalid_request","error_description":"see https://real.test/docs"}', 'GET', other)
    expect(a.messages).toEqual({ error: 'invalid_request', error_description: 'see <base>/docs' })
    expect(differences(a, b)).toEqual([])
    const ok1 = seen(200, {}, '{"message":"hello"}')
    const ok2 = seen(200, {}, '{"message":"bye"}')
    expect(differences(ok1, ok2)).toEqual([])
    expect(differences(seen(400, {}, 'Invalid JSON'), seen(400, {}, 'Bad JSON'))).toEqual(['messages text: Invalid JSON | Bad JSON'])
  })

  it('a HEAD answer has no body, whatever the Response carries', () => {
    expect(differences(seen(405, {}, '{"message":"Invalid method"}', 'HEAD'), seen(405, {}, '', 'HEAD'))).toEqual([])
  })

  it('Location: relative or absolute, under a base it is the host key and path; query keys and the error are compared, values not', () => {
    const shared = { api: 'http://127.0.0.1:4010/zapier', auth: 'http://127.0.0.1:4010/zapier' }
    const standalone = observe(301, new Headers({ location: '/zapier/oauth/token/' }), '', { bases: shared, url: 'http://127.0.0.1:4010/zapier/oauth/token', method: 'POST' })
    const real = seen(301, { location: 'https://example/oauth/token/' })
    expect(describeLocation(standalone.location!)).toBe('{api|auth}/oauth/token/')
    expect(differences(standalone, real)).toEqual([])
    const codes: string[] = []
    const redirect = (q: string) => observe(302, new Headers({ location: `https://client.example/cb?${q}` }), '', { bases, url: `${bases.api}/v2/authorize`, method: 'GET', secret: (v) => codes.push(v) })
    expect(differences(redirect('code=abc&state=x'), redirect('state=y&code=def'))).toEqual([])
    expect(codes).toEqual(['abc', 'def'])
    expect(differences(redirect('error=invalid_scope&state=x'), redirect('error=access_denied&error_description=No&state=x'))).toEqual([
      'location query keys: error, state | error, error_description, state',
      'location error: invalid_scope | access_denied',
      'location error_description: (none) | No',
    ])
    expect(differences(redirect('state=x'), seen(302, { location: 'https://example/oauth/authorize/' }))).toEqual(['location target: https://client.example/cb | {auth}/oauth/authorize/', 'location query keys: state | (none)'])
  })

  it('masks: two characters and the length (the length only for a short secret), every occurrence, longest first', () => {
    expect(maskSecret('sk_live_0123456789abcdef0123456789abcdef')).toBe('sk…(40 chars)')
    expect(maskSecret('hunter22')).toBe('…(8 chars)')
    expect(maskText('a=sk_live_0123456789 b=sk_live_0123456789-2 c=sk_live_0123456789', ['sk_live_0123456789', 'sk_live_0123456789-2'])).toBe('a=sk…(18 chars) b=sk…(20 chars) c=sk…(18 chars)')
  })
})
