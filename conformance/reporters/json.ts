/** `--reporter json`: the report as is (the MCP conformance check shape per check). */
import type { ConformanceReport } from '../report.ts'

export function renderJson(report: ConformanceReport): string {
  return `${JSON.stringify(report, null, 2)}\n`
}
