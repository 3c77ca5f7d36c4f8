/**
 * The example clients in examples/ — Python, Ruby, Go and Node, each on a widely used OAuth
 * library — pass every check of the conformance suite on every provider they support, and so does
 * the minimal client written out in docs/client-contract.md §10.
 *
 * Heavy: the suite starts the client once per scenario. The examples run one after another (one
 * provider per test, the suite's own scenario concurrency within), each test with a generous
 * timeout for a busy 2-core machine. `examples/build.sh` builds the Go binary (offline, from
 * Debian's golang-golang-x-oauth2-dev) and installs the Node example's lockfile (npm) once.
 *
 * Needs Debian's python3-requests-oauthlib, python3-authlib, python3-flask, ruby-oauth2,
 * ruby-webrick, golang-go and golang-golang-x-oauth2-dev; the Authlib example also needs Chromium
 * (/usr/bin/chromium) while it runs with `--browser`. A missing one FAILS its test, with the
 * client's stderr in the message.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ProviderId } from '../mocks/engine/controls.ts'
import { ClientStartError, type ConformanceReport, launchChromium, runConformance } from '../conformance/index.ts'

interface Example {
  name: string
  /** As a user types it after `--client`, from the repository root. */
  command: string
  providers: ProviderId[]
  /**
   * Drive login and consent in Chromium: the Authlib example keeps its state in Flask's session
   * cookie, which the suite carries only in `--browser` mode today. Drop this once the suite keeps
   * cookies in plain HTTP mode too.
   */
  browser?: boolean
}

const ALL: ProviderId[] = ['calcom', 'bookingsync', 'zapier']

const EXAMPLES: Example[] = [
  { name: 'python-requests-oauthlib', command: '/usr/bin/python3 examples/python-requests-oauthlib/client.py', providers: ALL },
  { name: 'python-authlib-flask', command: '/usr/bin/python3 examples/python-authlib-flask/app.py', providers: ALL, browser: true },
  { name: 'ruby-oauth2', command: 'ruby examples/ruby-oauth2/client.rb', providers: ALL },
  { name: 'go-x-oauth2', command: 'examples/go-x-oauth2/bin/go-x-oauth2', providers: ALL },
  { name: 'node-oauth4webapi', command: 'node examples/node-oauth4webapi/client.mjs', providers: ALL },
]

const run = promisify(execFile)
let browser: Browser | undefined

beforeAll(async () => {
  try {
    await run('bash', ['examples/build.sh'], { timeout: 280_000 })
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string }
    throw new Error(`examples/build.sh failed: ${stderr || message}`)
  }
}, 300_000)

afterAll(async () => {
  await browser?.close()
})

/** Every check that did not pass, one line each: `provider:check STATUS: what was seen`. */
const notPassed = (report: ConformanceReport) =>
  report.providers.flatMap((p) => p.checks.filter((c) => c.status !== 'SUCCESS').map((c) => `${p.provider}:${c.id} ${c.status}: ${c.details.actual}`))

async function conform(example: Example, providers: ProviderId[]): Promise<ConformanceReport> {
  if (example.browser) browser ??= await launchChromium()
  try {
    return await runConformance({ providers, command: example.command, ...(example.browser ? { browser } : {}) })
  } catch (error) {
    // The client did not come up (a missing package, a syntax error): say why, with its stderr.
    if (error instanceof ClientStartError) throw new Error(`${error.message}\n${error.stderr}`)
    throw error
  }
}

describe.each(EXAMPLES)('examples/$name', (example) => {
  it.each(example.providers)(
    `${example.name} passes every conformance check on %s`,
    async (provider) => {
      const report = await conform(example, [provider])
      expect(notPassed(report), `${example.command} against ${provider}`).toEqual([])
      expect(report.ok).toBe(true)
    },
    example.browser ? 300_000 : 120_000,
  )
})

describe('docs/client-contract.md', () => {
  it('has a minimal client (§10) that passes every check on every provider', async () => {
    const doc = readFileSync(new URL('../docs/client-contract.md', import.meta.url), 'utf8')
    const code = /<!-- minimal-client -->\n```js\n([\s\S]*?)```/.exec(doc)?.[1]
    expect(code, 'a ```js block after <!-- minimal-client -->').toBeDefined()
    const file = join(mkdtempSync(join(tmpdir(), 'client-contract-')), 'minimal-client.mjs')
    writeFileSync(file, code!)
    const report = await conform({ name: 'minimal-client', command: `node ${file}`, providers: ALL }, ALL)
    expect(notPassed(report)).toEqual([])
    expect(report.ok).toBe(true)
  }, 120_000)
})
