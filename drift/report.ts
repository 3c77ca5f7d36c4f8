/**
 * The drift report: a table for people (probe, what differs, real, fake) and JSON for machines.
 * Both render an already masked `DriftResult` (run.ts masks secrets before it returns).
 */
import type { Difference } from './compare.ts'
import type { DriftResult } from './run.ts'

/** A table cell at most this wide; longer values are cut (the JSON report has them whole). */
const CELL = 60

/** `status`, `headers content-type`, `body token_type`, `location query keys`. */
export function differenceLabel(d: Difference): string {
  return d.field === d.aspect ? d.aspect : `${d.aspect} ${d.field}`
}

export function renderTable(result: DriftResult): string {
  const lines: string[] = []
  lines.push(`oauth-fakes drift: ${result.provider} (oauth-fakes ${result.version})`)
  const hostRows = (label: string, bases: Record<string, string>) =>
    Object.entries(bases).forEach(([k, v], i) => lines.push(`  ${(i ? '' : label).padEnd(5)} ${k.padEnd(5)} ${v}`))
  hostRows('real', result.realBases)
  hostRows('fake', result.fakeBases)
  const options = Object.entries(result.fakeOptions).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
  lines.push(`  ${''.padEnd(5)} options: ${options.join(' ') || '(defaults)'}`)
  lines.push('')

  let cut = false
  const cell = (s: string) => {
    const flat = s.replace(/\s+/g, ' ')
    if (flat.length <= CELL) return flat
    cut = true
    return `${flat.slice(0, CELL - 1)}…`
  }
  const rows: string[][] = []
  for (const probe of result.probes) {
    if (probe.state !== 'differs') continue
    probe.differences.forEach((d, i) => rows.push([i ? '' : probe.id, differenceLabel(d), cell(d.real), cell(d.fake)]))
  }
  if (rows.length) {
    const header = ['PROBE', 'WHAT DIFFERS', 'REAL', 'FAKE']
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
    const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()
    lines.push(line(header))
    for (const r of rows) lines.push(line(r))
    if (cut) lines.push('(long values cut; --json has them whole)')
    lines.push('')
  }

  const count = (state: string) => result.probes.filter((p) => p.state === state).length
  const same = count('same')
  const differs = count('differs')
  const skipped = result.probes.filter((p) => p.state === 'skipped')
  lines.push(`${result.probes.length} probes: ${same} same, ${differs} differ${differs === 1 ? 's' : ''}, ${skipped.length} skipped`)
  for (const p of skipped) if (p.state === 'skipped') lines.push(`  skipped ${p.id}: ${p.reason}`)
  lines.push(
    result.ok
      ? 'no drift: the fake answered every probe as the real server did'
      : `DRIFT: ${result.differences} difference${result.differences === 1 ? '' : 's'} in ${differs} probe${differs === 1 ? '' : 's'}`,
  )
  return lines.join('\n')
}

/** The whole result, indented: every probe with both observations and its differences. */
export function renderJson(result: DriftResult): string {
  return JSON.stringify(result, null, 2)
}
