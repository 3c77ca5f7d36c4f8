/**
 * `--reporter junit`: one <testsuite> per provider, one <testcase> per check, built with
 * junit-report-builder (CI systems read this format; it is not written by hand).
 */
import type { Builder } from 'junit-report-builder'
import * as junitModule from 'junit-report-builder'
import type { ConformanceReport } from '../report.ts'

// The package is CommonJS (`module.exports = builder`) while its typings declare
// `export default`: under NodeNext the namespace's `default` is the builder at run time.
const junit = ((junitModule as { default?: unknown }).default ?? junitModule) as Builder

export function renderJunit(report: ConformanceReport): string {
  const builder = junit.newBuilder()
  for (const p of report.providers) {
    const suite = builder.testSuite().name(`conformance.${p.provider}`).time(p.durationMs / 1000)
    for (const c of p.checks) {
      const test = suite.testCase().className(`conformance.${p.provider}`).name(`${c.id}: ${c.description}`)
      test.property('severity', c.severity).property('references', c.specReferences.map((r) => `${r.id} <${r.url}>`).join('; '))
      const detail = [`expected: ${c.details.expected}`, `seen: ${c.details.actual}`, `scenario: ${c.details.scenario}`, ...c.details.requests.map((r) => `request: ${r}`)].join('\n')
      if (c.status === 'SKIPPED' || c.expectedFailure) {
        test.skipped().standardOutput(c.expectedFailure ? `expected failure (baseline)\n${detail}` : c.details.actual)
      } else if (c.status === 'FAILURE') {
        test.failure(`${c.id}: ${c.details.actual}`, 'ConformanceFailure').stacktrace(detail)
      } else if (c.status === 'WARNING') {
        test.standardOutput(`warning (SHOULD): ${detail}`)
      }
    }
  }
  if (report.stale.length) {
    const suite = builder.testSuite().name('conformance.baseline')
    for (const e of report.stale) suite.testCase().className('conformance.baseline').name(`stale: ${e.raw}`).failure(`"${e.raw}" no longer fails: remove it from the expected-failures file`, 'StaleExpectedFailure')
  }
  return builder.build()
}
