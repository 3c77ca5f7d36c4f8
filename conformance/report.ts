/** The whole run's outcome, as every reporter receives it. */
import type { BaselineEntry } from './baseline.ts'
import type { CheckResult, ProviderReport } from './runner.ts'

export interface ConformanceReport {
  /** The client command, or "in-process". */
  client: string
  startedAt: string
  durationMs: number
  providers: ProviderReport[]
  /** Baseline entries that no longer fail (they fail the run). */
  stale: BaselineEntry[]
  summary: { passed: number; failed: number; warnings: number; skipped: number; expectedFailures: number; stale: number }
  /** Every check passed (or is a listed expected failure) and no baseline entry is stale. */
  ok: boolean
}

/** A failure that fails the run: a MUST check that failed and is not in the baseline. */
export const isUnexpectedFailure = (r: CheckResult) => r.status === 'FAILURE' && !r.expectedFailure

export function buildReport(client: string, startedAt: Date, providers: ProviderReport[], stale: BaselineEntry[]): ConformanceReport {
  const all = providers.flatMap((p) => p.checks)
  const summary = {
    passed: all.filter((r) => r.status === 'SUCCESS').length,
    failed: all.filter(isUnexpectedFailure).length,
    warnings: all.filter((r) => r.status === 'WARNING' && !r.expectedFailure).length,
    skipped: all.filter((r) => r.status === 'SKIPPED').length,
    expectedFailures: all.filter((r) => r.expectedFailure).length,
    stale: stale.length,
  }
  return { client, startedAt: startedAt.toISOString(), durationMs: Date.now() - startedAt.getTime(), providers, stale, summary, ok: summary.failed === 0 && stale.length === 0 }
}
