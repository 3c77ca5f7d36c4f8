/**
 * The suite run on the reference client (every check passes, every provider, every cal.com era),
 * on correct clients of other designs (a session cookie, a clock-based refresh, form-encoded Basic
 * credentials) and on each broken variant, where it must name exactly the checks that variant's
 * bug breaks — and no other. Runs one after another: each run starts a client process per scenario.
 */
import { describe, expect, it } from 'vitest'
import type { ProviderId } from '../mocks/engine/controls.ts'
import type { CalcomEraId } from '../mocks/providers/calcom/profile.ts'
import type { CheckId, ConformanceReport } from '../conformance/index.ts'
import { runConformance } from './slow-machine.ts'

const node = (file: string) => `node fixtures/clients/${file}`
const notPassed = (report: ConformanceReport) =>
  report.providers.flatMap((p) => p.checks.filter((c) => c.status !== 'SUCCESS').map((c) => `${p.provider}${p.variant ? `/${p.variant}` : ''}:${c.id} ${c.status}: ${c.details.actual}`))

describe('conformance suite on the reference client', () => {
  it('passes every check for BookingSync, Zapier and every cal.com era', { timeout: 600_000 }, async () => {
    const report = await runConformance({ providers: ['calcom', 'bookingsync', 'zapier'], eras: 'all', command: node('reference.mjs') })
    expect(notPassed(report)).toEqual([])
    expect(report.ok).toBe(true)
    expect(report.providers.map((p) => p.variant ?? p.provider)).toEqual(['pages-router', 'pages-router-2024', 'app-router', 'app-router-2025-11', 'oauth-service', 'bookingsync', 'zapier'])
    // Rotation is judged where a refresh revokes the old token; out-of-band at BookingSync only.
    const ids = (variant: string) => report.providers.find((r) => (r.variant ?? r.provider) === variant)!.checks.map((c) => c.id)
    expect(ids('app-router')).not.toContain('refresh-rotation')
    expect(ids('oauth-service')).toContain('refresh-rotation')
    expect(ids('zapier')).toContain('refresh-rotation')
    expect(ids('bookingsync')).toContain('oob-exchange')
    expect(ids('zapier')).not.toContain('oob-exchange')
  })
})

describe('conformance suite on correct clients of other designs', () => {
  it('a client that keeps state in a session cookie passes over plain HTTP', { timeout: 300_000 }, async () => {
    const report = await runConformance({ providers: ['calcom', 'bookingsync', 'zapier'], command: node('cookie-session.mjs') })
    expect(notPassed(report)).toEqual([])
  })

  it('a client that refreshes from expires_in on its own clock passes wherever expires_in is sent', { timeout: 300_000 }, async () => {
    const report = await runConformance({ providers: ['calcom', 'bookingsync', 'zapier'], command: node('clock-refresh.mjs') })
    expect(notPassed(report)).toEqual([])
  })

  it('…and is not judged where its clock cannot be moved, but still must refresh where no expires_in is sent', { timeout: 300_000 }, async () => {
    const withoutFaketime = await runConformance({ providers: ['zapier'], command: node('clock-refresh.mjs'), clientClock: 'offset-file' })
    const zapier = withoutFaketime.providers[0]!.checks
    expect(zapier.find((c) => c.id === 'refresh-on-expiry')!.status).toBe('SKIPPED')
    expect(zapier.find((c) => c.id === 'refresh-on-expiry')!.details.actual).toMatch(/libfaketime/)
    expect(zapier.filter((c) => c.status === 'FAILURE')).toEqual([])
    const noExpiresIn = await runConformance({ providers: ['calcom'], eras: ['app-router'], command: node('clock-refresh.mjs') })
    const failedIds = noExpiresIn.providers[0]!.checks.filter((c) => c.status === 'FAILURE').map((c) => c.id)
    expect(failedIds).toEqual(expect.arrayContaining(['refresh-on-expiry', 'long-session']))
  })

  it('a client that percent-encodes its Basic credentials passes where the provider decodes them or needs no encoding', { timeout: 300_000 }, async () => {
    const report = await runConformance({ providers: ['bookingsync', 'zapier'], command: node('basic-form-encoded.mjs') })
    expect(notPassed(report)).toEqual([])
  })
})

interface BrokenCase {
  file: string
  provider: ProviderId
  era?: CalcomEraId
  /** Exactly these checks fail. */
  fails: CheckId[]
  /** Exactly these cannot be judged (a step before them fails); every other check passes. */
  skipped?: CheckId[]
}

/** Without a working exchange, nothing after sign-in can be judged. */
const AFTER_SIGN_IN: CheckId[] = ['bearer-header', 'refresh-on-expiry', 'refresh-request', 'long-session', 'revoked-grant-fails', 'no-refresh-loop', 'keeps-answering']

const BROKEN: BrokenCase[] = [
  { file: 'ignores-state.mjs', provider: 'calcom', fails: ['state-mismatch-rejected', 'state-missing-rejected', 'code-single-use'] },
  // A constant state also lets a replayed callback through: the code is presented twice.
  { file: 'constant-state.mjs', provider: 'zapier', fails: ['state-per-login', 'code-single-use'] },
  // cal.com's older eras send no expires_in: only a 401 tells, and this client ignores it.
  { file: 'never-refreshes.mjs', provider: 'calcom', era: 'app-router', fails: ['refresh-on-expiry', 'long-session'], skipped: ['refresh-request'] },
  // …and where expires_in is sent, its own clock (moved by libfaketime) tells it too.
  { file: 'never-refreshes.mjs', provider: 'zapier', fails: ['refresh-on-expiry', 'long-session'], skipped: ['refresh-request', 'refresh-rotation'] },
  { file: 'keeps-old-refresh-token.mjs', provider: 'bookingsync', fails: ['refresh-rotation', 'long-session'] },
  { file: 'keeps-old-refresh-token.mjs', provider: 'zapier', fails: ['refresh-rotation', 'long-session'] },
  { file: 'keeps-old-refresh-token.mjs', provider: 'calcom', fails: ['refresh-rotation', 'long-session'] },
  // simple-oauth2's bug: the second expiry finds no refresh token, on every provider.
  { file: 'drops-refresh-token.mjs', provider: 'calcom', era: 'pages-router', fails: ['long-session'] },
  { file: 'drops-refresh-token.mjs', provider: 'calcom', fails: ['long-session', 'refresh-rotation'] },
  { file: 'drops-refresh-token.mjs', provider: 'bookingsync', fails: ['long-session', 'refresh-rotation'] },
  { file: 'drops-refresh-token.mjs', provider: 'zapier', fails: ['long-session', 'refresh-rotation'] },
  { file: 'calcom-refresh-in-body.mjs', provider: 'calcom', era: 'app-router', fails: ['refresh-request', 'refresh-on-expiry', 'long-session'] },
  {
    file: 'redirect-uri-from-request.mjs',
    provider: 'calcom',
    era: 'app-router',
    fails: ['token-redirect-uri', 'callback-success', 'resource-success', 'recovers-after-error'],
    skipped: AFTER_SIGN_IN,
  },
  { file: 'denied-is-success.mjs', provider: 'bookingsync', fails: ['denied-callback-rejected'] },
  { file: 'token-in-query.mjs', provider: 'zapier', fails: ['bearer-header'] },
  { file: 'refresh-loop.mjs', provider: 'bookingsync', fails: ['no-refresh-loop'] },
  // The fake refused the credentials: token-client-auth fails with it, whatever the request looked like.
  {
    file: 'basic-encodes-everything.mjs',
    provider: 'bookingsync',
    fails: ['token-client-auth', 'callback-success', 'resource-success', 'recovers-after-error', 'oob-exchange'],
    skipped: [...AFTER_SIGN_IN, 'refresh-rotation'],
  },
]

describe('conformance suite on the broken clients', () => {
  it.each(BROKEN)('$file against $provider $era fails exactly $fails', { timeout: 300_000 }, async ({ file, provider, era, fails, skipped = [] }) => {
    const report = await runConformance({ providers: [provider], ...(era ? { eras: [era] } : {}), command: node(`broken/${file}`) })
    const checks = report.providers[0]!.checks
    const withStatus = (s: string) => checks.filter((c) => c.status === s).map((c) => c.id).sort()
    expect(withStatus('FAILURE'), notPassed(report).join('\n')).toEqual([...fails].sort())
    expect(withStatus('SKIPPED'), notPassed(report).join('\n')).toEqual([...skipped].sort())
    expect(withStatus('WARNING')).toEqual([])
    expect(report.ok).toBe(false)
  })

  it('the same mistake passes where the provider itself accepts it (Zapier decodes percent-encoded Basic credentials)', { timeout: 300_000 }, async () => {
    const report = await runConformance({ providers: ['zapier'], command: node('broken/basic-encodes-everything.mjs') })
    expect(notPassed(report)).toEqual([])
  })
})
