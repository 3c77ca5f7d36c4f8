/**
 * The conformance CLI's contract (docs/client-contract.md §5): exit codes, reporters, the expected-failures
 * baseline. Runs `main()` in-process (and the real command once) with `--scenario` filters to
 * keep each run short.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { main } from '../conformance/cli.ts'
import { bundledCli } from './cli-bundle.ts'
import { SLOW_MACHINE_FLAGS } from './slow-machine.ts'
import { parseBaseline } from '../conformance/baseline.ts'
import { answerConsentForm } from '../conformance/browser.ts'
import { estimateStateBits } from '../conformance/scenarios.ts'

const dir = mkdtempSync(join(tmpdir(), 'conformance-cli-'))
const file = (name: string, text?: string) => {
  const path = join(dir, name)
  if (text !== undefined) writeFileSync(path, text)
  return path
}

/** Runs the CLI's main with console output captured. */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = []
  const err: string[] = []
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')))
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')))
  try {
    return { code: await main([...args, ...SLOW_MACHINE_FLAGS]), out: out.join('\n'), err: err.join('\n') }
  } finally {
    log.mockRestore()
    error.mockRestore()
  }
}

const reference = 'node fixtures/clients/reference.mjs'
const deniedIsSuccess = 'node fixtures/clients/broken/denied-is-success.mjs'

afterEach(() => vi.restoreAllMocks())

describe('conformance CLI', () => {
  it('exits 2 on a usage error and says how to use it', async () => {
    expect((await cli()).code).toBe(2)
    const unknown = await cli('--provider', 'github', '--client', reference)
    expect(unknown.code).toBe(2)
    expect(unknown.err).toMatch(/unknown provider "github"/)
    expect((await cli('--provider', 'calcom', '--client', reference, '--reporter', 'json')).err).toMatch(/needs --output/)
    expect((await cli('--provider', 'calcom', '--client', reference, '--expected-failures', file('bad.txt', 'no-such-check\n'))).code).toBe(2)
    const scenario = await cli('--provider', 'calcom', '--client', reference, '--scenario', 'no-such-scenario')
    expect(scenario.code).toBe(2)
    expect(scenario.err).toMatch(/unknown scenario "no-such-scenario"/)
    const chromium = await cli('--provider', 'calcom', '--client', reference, '--chromium', '/usr/bin/chromium')
    expect(chromium.code).toBe(2)
    expect(chromium.err).toMatch(/--chromium is for --browser/)
    const empty = await cli('--provider', 'calcom', '--client', reference, '--browser', '--chromium', '')
    expect(empty.code).toBe(2)
    expect(empty.err).toMatch(/--chromium needs a path/)
  })

  it('exits 2 and names the missing Chromium when --chromium points nowhere', async () => {
    const run = await cli('--provider', 'zapier', '--client', reference, '--browser', '--chromium', '/nonexistent/chromium', '--scenario', 'happy-path')
    expect(run.code).toBe(2)
    expect(run.err).toMatch(/--browser needs Chromium at \/nonexistent\/chromium, which is missing/)
  })

  it('takes the scenario ids of earlier releases: rotation and long-session are part of access-expired now', async () => {
    const run = await cli('--provider', 'zapier', '--client', reference, '--scenario', 'rotation', '--verbose')
    expect(run.code).toBe(0)
    for (const check of ['refresh-on-expiry', 'refresh-request', 'refresh-rotation', 'long-session']) expect(run.out).toMatch(new RegExp(`✓ ${check}\\b`))
  })

  it('exits 2 and shows its stderr when the client exits before opening its port', async () => {
    const run = await cli('--provider', 'calcom', '--client', `node -e "console.error('boom: missing config'); process.exit(3)"`, '--scenario', 'happy-path')
    expect(run.code).toBe(2)
    expect(run.err).toMatch(/exited before opening port \d+ \(exit code 3\)/)
    expect(run.err).toContain('boom: missing config')
  })

  it('exits 0 when every check passes and 1 when one fails, naming expected, seen and reference', async () => {
    expect((await cli('--provider', 'calcom', '--client', reference, '--scenario', 'user-denies')).code).toBe(0)
    const failing = await cli('--provider', 'bookingsync', '--client', deniedIsSuccess, '--scenario', 'user-denies')
    expect(failing.code).toBe(1)
    expect(failing.out).toMatch(/✗ denied-callback-rejected/)
    expect(failing.out).toMatch(/expected: \/callback\?error=access_denied: non-2xx, no token request/)
    expect(failing.out).toMatch(/seen: +GET \/callback → 200/)
    expect(failing.out).toMatch(/see: +RFC 6749 §4\.1\.2\.1/)
  })

  it('keeps the run green for a listed failure and fails it when the entry goes stale', async () => {
    const baseline = file('expected-failures.txt', '# known bugs of our client\nbookingsync:denied-callback-rejected\n')
    const known = await cli('--provider', 'bookingsync', '--client', deniedIsSuccess, '--scenario', 'user-denies', '--expected-failures', baseline)
    expect(known.code).toBe(0)
    expect(known.out).toMatch(/denied-callback-rejected.*\[expected failure\]/)
    const fixed = await cli('--provider', 'bookingsync', '--client', reference, '--scenario', 'user-denies', '--expected-failures', baseline)
    expect(fixed.code).toBe(1)
    expect(fixed.out).toMatch(/stale expected failure "bookingsync:denied-callback-rejected"/)
    // An entry for a provider not in the run is neither used nor stale.
    expect((await cli('--provider', 'calcom', '--client', reference, '--scenario', 'user-denies', '--expected-failures', baseline)).code).toBe(0)
  })

  it('writes JSON checks in the { id, name, description, status, specReferences, details } shape', async () => {
    const output = file('report.json')
    const run = await cli('--provider', 'bookingsync', '--client', deniedIsSuccess, '--scenario', 'user-denies', '--reporter', 'json', '--output', output)
    expect(run.code).toBe(1)
    const report = JSON.parse(readFileSync(output, 'utf8'))
    const check = report.providers[0].checks.find((c: { id: string }) => c.id === 'denied-callback-rejected')
    expect(check).toMatchObject({ id: 'denied-callback-rejected', status: 'FAILURE', severity: 'MUST', provider: 'bookingsync' })
    expect(check.specReferences[0]).toMatchObject({ id: 'RFC 6749 §4.1.2.1' })
    expect(check.details).toMatchObject({ expected: expect.any(String), actual: expect.stringContaining('→ 200') })
    expect(report.ok).toBe(false)
  })

  it('writes a JUnit report with one testcase per check', async () => {
    const output = file('report.xml')
    await cli('--provider', 'bookingsync', '--client', deniedIsSuccess, '--scenario', 'user-denies', '--reporter', 'junit', '--output', output)
    const xml = readFileSync(output, 'utf8')
    expect(xml).toMatch(/<testsuite name="conformance\.bookingsync"[^>]*failures="1"/)
    expect(xml).toMatch(/<testcase classname="conformance\.bookingsync" name="denied-callback-rejected: [^"]*">\s*<properties>[\s\S]*?<failure /)
  })

  it('is what `oauth-fakes conform` (and `npm run conformance`) runs, with its exit status', async () => {
    const run = spawnSync(process.execPath, [await bundledCli(), 'conform', '--provider', 'calcom', '--client', 'exit 7'], { encoding: 'utf8' })
    expect(run.status).toBe(2)
    expect(run.stderr).toMatch(/client "exit 7" exited before opening port/)
  })
})

describe('conformance helpers', () => {
  it('estimates state entropy from length and alphabet', () => {
    expect(estimateStateBits('xyz')).toBeLessThan(20)
    expect(estimateStateBits('a'.repeat(32))).toBe(128) // 32 hex digits
    expect(estimateStateBits('3f1c9b0e-5d1a-4c3e-9a7b-2e6f8d0c4b1a')).toBe(122) // a UUID v4 is not enough
    expect(estimateStateBits('Zm9vYmFyYmF6cXV4LWZvb2Jhcl9iYXpxdXhmb29iYXI')).toBeGreaterThanOrEqual(128)
  })

  it('reads baselines as lines or JSON, and refuses unknown ids', () => {
    expect(parseBaseline('state-per-login\n# comment\nzapier:bearer-header  # why\n')).toEqual([
      { raw: 'state-per-login', provider: null, check: 'state-per-login' },
      { raw: 'zapier:bearer-header', provider: 'zapier', check: 'bearer-header' },
    ])
    expect(parseBaseline('{"expectedFailures":["calcom:refresh-request"]}')[0]).toMatchObject({ provider: 'calcom', check: 'refresh-request' })
    expect(() => parseBaseline('github:state-per-login')).toThrow(/unknown provider/)
  })

  it('answers a consent form like a browser: hidden fields, selected options, the clicked button', () => {
    const page = `<form method="post" action="/calcom/auth/oauth2/authorize"><input type="hidden" name="state" value="a&amp;b">
<select name="user_id"><option value="1">A</option><option value="2" selected>B</option></select>
<button type="submit" name="decision" value="deny">Go back</button><button type="submit" name="decision" value="allow">Allow</button></form>`
    const answer = answerConsentForm(page, 'allow')!
    expect(answer.action).toBe('/calcom/auth/oauth2/authorize')
    expect(Object.fromEntries(answer.fields)).toEqual({ state: 'a&b', user_id: '2', decision: 'allow' })
  })
})
