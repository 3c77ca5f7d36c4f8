/** The readable summary: per provider, each check ✓/✗ and, for a failure, expected/seen/reference. */
import type { ConformanceReport } from '../report.ts'
import type { CheckResult } from '../runner.ts'

const MARK: Record<CheckResult['status'], string> = { SUCCESS: '✓', FAILURE: '✗', WARNING: '!', SKIPPED: '-' }

export function renderText(report: ConformanceReport, options: { verbose?: boolean } = {}): string {
  const lines: string[] = []
  for (const p of report.providers) {
    const count = (status: CheckResult['status']) => p.checks.filter((c) => c.status === status).length
    const warnings = count('WARNING')
    lines.push(`${p.title} (${p.variant ? `${p.provider}/${p.variant}` : p.provider}): ${count('SUCCESS')} passed, ${count('FAILURE')} failed, ${count('SKIPPED')} skipped${warnings ? `, ${warnings} warnings` : ''} of ${p.checks.length} checks`)
    for (const c of p.checks) {
      const note = c.expectedFailure ? '  [expected failure]' : c.status === 'SKIPPED' ? '  [skipped]' : c.status === 'WARNING' ? '  [warning: SHOULD]' : ''
      lines.push(`  ${MARK[c.status]} ${c.id.padEnd(26)} ${c.description}${note}`)
      if (c.status === 'FAILURE' || c.status === 'WARNING' || (options.verbose && c.status === 'SKIPPED')) {
        lines.push(`      expected: ${c.details.expected}`)
        lines.push(`      seen:     ${c.details.actual}`)
        if (c.details.scenario) lines.push(`      scenario: ${c.details.scenario}`)
        for (const r of c.details.requests) lines.push(`      request:  ${r}`)
        lines.push(`      see:      ${c.specReferences.map((s) => s.id).join('; ')}`)
      } else if (c.status === 'SKIPPED') {
        lines.push(`      ${c.details.actual}`)
      }
    }
    lines.push('')
  }
  for (const e of report.stale) lines.push(`✗ stale expected failure "${e.raw}": it no longer fails; remove it from the baseline`)
  const s = report.summary
  const extras = [s.warnings ? `${s.warnings} warnings` : '', s.expectedFailures ? `${s.expectedFailures} expected failures` : '', s.stale ? `${s.stale} stale baseline entries` : ''].filter(Boolean)
  lines.push(`conformance: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped${extras.length ? ` (${extras.join(', ')})` : ''} in ${(report.durationMs / 1000).toFixed(1)} s`)
  return lines.join('\n')
}
