/**
 * The example clients in examples/ — Python, Ruby, Go and Node, each on a widely used OAuth
 * library — pass every check of the conformance suite on every provider, in plain HTTP mode: each
 * provider as the fakes default to (today's cal.com, era oauth-service), and cal.com in every older
 * era. So does the minimal client written out in docs/client-contract.md §10; and that document's
 * tables of scenarios, checks, options and environment say what the suite's code does.
 *
 * Heavy: the suite starts the client once per scenario. The examples run one after another (one
 * provider, or cal.com's older eras, per test; the suite's own scenario concurrency within), each
 * test with a generous timeout for a busy 2-core machine. `examples/build.sh` builds the Go binary
 * (offline, from Debian's golang-golang-x-oauth2-dev) and installs the Node example's lockfile
 * (npm) once.
 *
 * Needs Debian's python3-requests-oauthlib, python3-authlib, python3-flask, ruby-oauth2,
 * ruby-webrick, golang-go and golang-golang-x-oauth2-dev. A missing one FAILS its test, with the
 * client's stderr in the message.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import type { ProviderId } from '../mocks/engine/controls.ts'
import { CALCOM_ERAS, type CalcomEraId } from '../mocks/providers/calcom/profile.ts'
import { CHECK_IDS, ClientStartError, type ConformanceReport, PROFILES, SCENARIOS } from '../conformance/index.ts'
import { runConformance } from './slow-machine.ts'
import { main as cli } from '../conformance/cli.ts'
import { ClientClock } from '../conformance/client-clock.ts'
import { configToEnv } from '../conformance/drivers/driver.ts'
import { CROSS_CUTTING } from '../conformance/scenarios.ts'

interface Example {
  name: string
  /** As a user types it after `--client`, from the repository root. */
  command: string
  providers: ProviderId[]
  /** `--client-clock`, when the example needs other than the default (its README says why). */
  clientClock?: 'offset-file'
}

const ALL: ProviderId[] = ['calcom', 'bookingsync', 'zapier']
/** The era the cal.com fake defaults to (today's), and the older ones. */
const DEFAULT_ERA = PROFILES.calcom.options.era as CalcomEraId
const OLDER_ERAS = CALCOM_ERAS.filter((era) => era !== DEFAULT_ERA)

const EXAMPLES: Example[] = [
  { name: 'python-requests-oauthlib', command: '/usr/bin/python3 examples/python-requests-oauthlib/client.py', providers: ALL },
  // Keeps the login's state in Flask's session cookie: the suite's HTTP mode carries it (no --browser).
  { name: 'python-authlib-flask', command: '/usr/bin/python3 examples/python-authlib-flask/app.py', providers: ALL },
  // Under the suite's libfaketime (DONT_FAKE_MONOTONIC=1) Debian's Ruby 3.1 stalls in its timed
  // thread waits, for seconds at random, and WEBrick misses the 5 s a route has: the offset file only.
  { name: 'ruby-oauth2', command: 'ruby examples/ruby-oauth2/client.rb', providers: ALL, clientClock: 'offset-file' },
  { name: 'go-x-oauth2', command: 'examples/go-x-oauth2/bin/go-x-oauth2', providers: ALL },
  { name: 'node-oauth4webapi', command: 'node examples/node-oauth4webapi/client.mjs', providers: ALL },
]

const run = promisify(execFile)

/** Every check that did not pass, one line each: `provider[/era]:check STATUS: what was seen`. */
const notPassed = (report: ConformanceReport) =>
  report.providers.flatMap((p) =>
    p.checks.filter((c) => c.status !== 'SUCCESS').map((c) => `${p.variant ? `${p.provider}/${p.variant}` : p.provider}:${c.id} ${c.status}: ${c.details.actual}`),
  )

async function conform(example: Example, providers: ProviderId[], eras?: readonly CalcomEraId[] | 'all'): Promise<ConformanceReport> {
  try {
    return await runConformance({ providers, command: example.command, ...(eras ? { eras } : {}), ...(example.clientClock ? { clientClock: example.clientClock } : {}) })
  } catch (error) {
    // The client did not come up (a missing package, a syntax error): say why, with its stderr.
    if (error instanceof ClientStartError) throw new Error(`${error.message}\n${error.stderr}`)
    throw error
  }
}

describe('examples/', () => {
  beforeAll(async () => {
    try {
      await run('bash', ['examples/build.sh'], { timeout: 280_000 })
    } catch (error) {
      const { stderr, message } = error as { stderr?: string; message: string }
      throw new Error(`examples/build.sh failed: ${stderr || message}`)
    }
  }, 300_000)

  describe.each(EXAMPLES)('examples/$name', (example) => {
    it.each(example.providers)(
      `${example.name} passes every conformance check on %s`,
      async (provider) => {
        const report = await conform(example, [provider])
        expect(notPassed(report), `${example.command} against ${provider}`).toEqual([])
        expect(report.ok).toBe(true)
      },
      180_000,
    )

    it(
      `${example.name} passes every conformance check in cal.com's older eras (${OLDER_ERAS.join(', ')})`,
      async () => {
        const report = await conform(example, ['calcom'], OLDER_ERAS)
        expect(report.providers.map((p) => p.variant)).toEqual(OLDER_ERAS)
        expect(notPassed(report), `${example.command} against cal.com's older eras`).toEqual([])
        expect(report.ok).toBe(true)
      },
      300_000,
    )
  })
})

describe('docs/client-contract.md', () => {
  const doc = readFileSync(new URL('../docs/client-contract.md', import.meta.url), 'utf8')

  /** The rows of the markdown table whose header row starts with `| <first> |`, as cells. */
  function table(first: string): string[][] {
    const lines = doc.split('\n')
    const start = lines.findIndex((l) => l.startsWith(`| ${first} |`))
    expect(start, `a table headed "| ${first} |"`).toBeGreaterThanOrEqual(0)
    const rows: string[][] = []
    for (const line of lines.slice(start + 2)) {
      if (!line.startsWith('|')) break
      rows.push(line.slice(1, -1).split(' | ').map((c) => c.trim()))
    }
    return rows
  }
  const ticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!)

  it('has a minimal client (§10) that passes every check on every provider, in every cal.com era', async () => {
    const code = /<!-- minimal-client -->\n```js\n([\s\S]*?)```/.exec(doc)?.[1]
    expect(code, 'a ```js block after <!-- minimal-client -->').toBeDefined()
    const file = join(mkdtempSync(join(tmpdir(), 'client-contract-')), 'minimal-client.mjs')
    writeFileSync(file, code!)
    const report = await conform({ name: 'minimal-client', command: `node ${file}`, providers: ALL }, ALL, 'all')
    expect(notPassed(report)).toEqual([])
    expect(report.ok).toBe(true)
  }, 300_000)

  it('lists the suite’s scenarios (§6), in order, each with the checks it judges', () => {
    const rows = table('scenario (`--scenario`)')
    const documented = rows.map(([scenario, , checks]) => ({ id: scenario === 'every scenario' ? '*' : ticked(scenario!)[0], checks: ticked(checks!) }))
    const actual = [...SCENARIOS.map((s) => ({ id: s.id, checks: [...s.checks] })), { id: '*', checks: [...CROSS_CUTTING] }]
    expect(documented).toEqual(actual)
  })

  it('explains every check (§6), in the order of the catalog', () => {
    expect(table('check').map(([check]) => ticked(check!)[0])).toEqual([...CHECK_IDS])
  })

  it('lists the CLI’s options (§2) as its --help does', async () => {
    const out: string[] = []
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')))
    try {
      expect(await cli(['--help'])).toBe(0)
    } finally {
      log.mockRestore()
    }
    const usage = new Set(out.join('\n').match(/--[a-z][a-z-]*/g))
    expect(table('option').map(([option]) => ticked(option!)[0]).sort()).toEqual([...usage].sort())
  })

  it('lists the environment a client is started with (§4)', () => {
    const clock = new ClientClock('faketime')
    try {
      // Every variable the suite may set: the issuer and PKCE ones come with providers that serve metadata.
      const config = { provider: 'oauth2', baseUrl: '', authorizeUrl: '', tokenUrl: '', refreshUrl: '', resourceUrl: '', clientId: '', clientSecret: '', redirectUri: '', scope: '', issuer: '', pkce: 'S256' as const }
      const given = Object.keys(configToEnv({ ...config, clock: { offsetSeconds: () => 0, env: clock.env() } }, 1)).sort()
      const documented = table('variable').flatMap(([variable]) => ticked(variable!)).sort()
      // Without libfaketime installed the suite sets fewer variables than the table names.
      if (clock.moves) expect(documented).toEqual(given)
      else expect(documented).toEqual(expect.arrayContaining(given))
    } finally {
      clock.dispose()
    }
  })
})
