/**
 * The suite run on the reference client (every check passes, all providers) and on each broken
 * variant, where it must name exactly the checks that variant's bug breaks — and no other.
 * Each broken variant runs only against the provider(s) where its mistake applies.
 */
import { describe, expect, it } from 'vitest'
import type { ProviderId } from '../mocks/engine/controls.ts'
import { type CheckId, runConformance } from '../conformance/index.ts'

const node = (file: string) => `node fixtures/clients/${file}`

describe('conformance suite on the reference client', () => {
  it('passes every check for cal.com, BookingSync and Zapier', async () => {
    const report = await runConformance({ providers: ['calcom', 'bookingsync', 'zapier'], command: node('reference.mjs') })
    const notPassed = report.providers.flatMap((p) => p.checks.filter((c) => c.status !== 'SUCCESS').map((c) => `${p.provider}:${c.id} ${c.status}: ${c.details.actual}`))
    expect(notPassed).toEqual([])
    expect(report.ok).toBe(true)
    // Rotation applies to BookingSync and Zapier, out-of-band to BookingSync only.
    const ids = (p: ProviderId) => report.providers.find((r) => r.provider === p)!.checks.map((c) => c.id)
    expect(ids('calcom')).not.toContain('refresh-rotation')
    expect(ids('zapier')).toContain('refresh-rotation')
    expect(ids('bookingsync')).toContain('oob-exchange')
    expect(ids('zapier')).not.toContain('oob-exchange')
  })
})

interface BrokenCase {
  file: string
  provider: ProviderId
  /** Exactly these checks fail. */
  fails: CheckId[]
  /** Exactly these cannot be judged (a step before them fails); every other check passes. */
  skipped?: CheckId[]
}

const BROKEN: BrokenCase[] = [
  { file: 'ignores-state.mjs', provider: 'calcom', fails: ['state-mismatch-rejected', 'state-missing-rejected', 'code-single-use'] },
  // A constant state also lets a replayed callback through: the code is presented twice.
  { file: 'constant-state.mjs', provider: 'zapier', fails: ['state-per-login', 'code-single-use'] },
  { file: 'never-refreshes.mjs', provider: 'calcom', fails: ['refresh-on-expiry'], skipped: ['refresh-request'] },
  { file: 'keeps-old-refresh-token.mjs', provider: 'bookingsync', fails: ['refresh-rotation'] },
  { file: 'keeps-old-refresh-token.mjs', provider: 'zapier', fails: ['refresh-rotation'] },
  { file: 'calcom-refresh-in-body.mjs', provider: 'calcom', fails: ['refresh-request', 'refresh-on-expiry'] },
  {
    file: 'redirect-uri-from-request.mjs',
    provider: 'calcom',
    // Without a working exchange nothing after sign-in can be judged.
    fails: ['token-redirect-uri', 'callback-success', 'resource-success', 'recovers-after-error'],
    skipped: ['bearer-header', 'refresh-on-expiry', 'refresh-request', 'revoked-grant-fails', 'no-refresh-loop', 'keeps-answering'],
  },
  { file: 'denied-is-success.mjs', provider: 'bookingsync', fails: ['denied-callback-rejected'] },
  { file: 'token-in-query.mjs', provider: 'zapier', fails: ['bearer-header'] },
  { file: 'refresh-loop.mjs', provider: 'bookingsync', fails: ['no-refresh-loop'] },
]

describe('conformance suite on the broken clients', () => {
  it.concurrent.each(BROKEN)('$file against $provider fails exactly $fails', async ({ file, provider, fails, skipped = [] }) => {
    const report = await runConformance({ providers: [provider], command: node(`broken/${file}`) })
    const checks = report.providers[0]!.checks
    const withStatus = (s: string) => checks.filter((c) => c.status === s).map((c) => c.id).sort()
    expect(withStatus('FAILURE')).toEqual([...fails].sort())
    expect(withStatus('SKIPPED')).toEqual([...skipped].sort())
    expect(withStatus('WARNING')).toEqual([])
    expect(report.ok).toBe(false)
  })
})
