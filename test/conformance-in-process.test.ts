import { describe, expect, it } from 'vitest'
import { runConformanceInProcess } from '../conformance/index.ts'
import { TypeScriptOAuthClient } from '../fixtures/clients/typescript-client.ts'

describe('conformance suite, in-process mode (msw, a client object)', () => {
  it('passes every check for a correct TypeScript client on all three providers and every cal.com era', { timeout: 300_000 }, async () => {
    const report = await runConformanceInProcess({ provider: ['calcom', 'bookingsync', 'zapier'], eras: 'all', client: (config) => new TypeScriptOAuthClient(config) })
    expect(report.providers).toHaveLength(7)
    const notPassed = report.providers.flatMap((p) => p.checks.filter((c) => c.status !== 'SUCCESS').map((c) => `${p.provider}/${p.variant}:${c.id} ${c.status} ${c.details.actual}`))
    expect(notPassed).toEqual([])
    expect(report.ok).toBe(true)
  })

  it('names exactly the state checks for a client object that ignores state', async () => {
    const report = await runConformanceInProcess({ provider: 'calcom', client: (config) => new TypeScriptOAuthClient(config, { ignoreState: true }) })
    const failed = report.providers[0]!.checks.filter((c) => c.status === 'FAILURE').map((c) => c.id)
    expect(failed.sort()).toEqual(['code-single-use', 'state-mismatch-rejected', 'state-missing-rejected'])
    expect(report.ok).toBe(false)
  })
})
