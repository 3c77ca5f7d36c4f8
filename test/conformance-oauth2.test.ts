/**
 * The conformance suite on the generic provider: the reference client passes every check, the new
 * ones included (PKCE, metadata endpoints, iss), and each broken variant fails exactly the checks
 * its bug breaks.
 */
import { describe, expect, it } from 'vitest'
import { type CheckId, type ConformanceReport, runConformance } from '../conformance/index.ts'

const node = (file: string) => `node fixtures/clients/${file}`
const notPassed = (report: ConformanceReport) =>
  report.providers.flatMap((p) => p.checks.filter((c) => c.status !== 'SUCCESS').map((c) => `${p.provider}:${c.id} ${c.status}: ${c.details.actual}`))
const failed = (report: ConformanceReport) => report.providers[0]!.checks.filter((c) => c.status === 'FAILURE').map((c) => c.id).sort()

describe('conformance on the generic OAuth 2.0 provider', () => {
  it('the reference client passes every check, PKCE, metadata and iss included', { timeout: 120_000 }, async () => {
    const report = await runConformance({ providers: ['oauth2'], command: node('reference.mjs') })
    expect(notPassed(report)).toEqual([])
    const ids = report.providers[0]!.checks.map((c) => c.id)
    expect(ids).toEqual(expect.arrayContaining(['pkce-challenge', 'pkce-verifier', 'metadata-endpoints', 'iss-mismatch-rejected', 'iss-missing-rejected', 'refresh-rotation']))
    // The reference client discovered its endpoints at the RFC 8414 §3.1 location.
    expect(report.providers[0]!.scenarios.some((s) => s.requests.some((r) => r.path === '/.well-known/oauth-authorization-server' && r.status === 200))).toBe(true)
  })

  it.each<{ file: string; fails: CheckId[] }>([
    { file: 'skips-pkce.mjs', fails: ['pkce-challenge', 'pkce-verifier'] },
    { file: 'ignores-iss.mjs', fails: ['iss-mismatch-rejected', 'iss-missing-rejected'] },
  ])('$file fails exactly $fails', { timeout: 120_000 }, async ({ file, fails }) => {
    const report = await runConformance({ providers: ['oauth2'], command: node(`broken/${file}`) })
    expect(failed(report), notPassed(report).join('\n')).toEqual([...fails].sort())
    expect(report.providers[0]!.checks.filter((c) => c.status === 'SKIPPED' || c.status === 'WARNING')).toEqual([])
    expect(report.ok).toBe(false)
  })

  it('the existing providers are judged as before: no PKCE, metadata or iss checks', { timeout: 120_000 }, async () => {
    const report = await runConformance({ providers: ['zapier'], command: node('reference.mjs'), scenarios: ['authorization-request'] })
    const ids = report.providers[0]!.checks.map((c) => c.id)
    expect(ids).not.toContain('pkce-challenge')
    expect(ids).not.toContain('metadata-endpoints')
    expect(ids).not.toContain('iss-mismatch-rejected')
  })
})
