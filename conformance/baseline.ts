/**
 * Expected failures: a checked-in list of known failures that keeps CI green while they stand
 * and fails the run as soon as one no longer happens (a stale entry must be deleted, so the list
 * only ever shrinks as the client gets fixed).
 *
 * File format: one entry per line, `check-id` (every provider in the run) or
 * `provider:check-id`; `#` starts a comment. A JSON array of the same strings, or
 * `{"expectedFailures": [...]}`, is read too.
 */
import { readFile } from 'node:fs/promises'
import { PROVIDER_IDS, type ProviderId } from '../mocks/engine/controls.ts'
import { type CheckId, isCheckId } from './checks.ts'
import type { CheckResult, ProviderReport } from './runner.ts'
import { UsageError } from './runner.ts'

export interface BaselineEntry {
  /** As written in the file. */
  raw: string
  provider: ProviderId | null
  check: CheckId
}

export function parseBaseline(text: string, source = 'baseline'): BaselineEntry[] {
  let items: string[]
  const trimmed = text.trim()
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let value: unknown
    try {
      value = JSON.parse(trimmed)
    } catch (error) {
      throw new UsageError(`${source}: invalid JSON (${(error as Error).message})`)
    }
    const list = Array.isArray(value) ? value : (value as { expectedFailures?: unknown }).expectedFailures
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) throw new UsageError(`${source}: expected an array of "check-id" / "provider:check-id" strings`)
    items = list
  } else {
    items = text.split('\n').map((line) => line.replace(/#.*$/, '').trim()).filter(Boolean)
  }
  return items.map((raw) => {
    const [a, b] = raw.includes(':') ? raw.split(':', 2) : [null, raw]
    if (a !== null && !(PROVIDER_IDS as readonly string[]).includes(a)) throw new UsageError(`${source}: unknown provider "${a}" in "${raw}"`)
    if (!b || !isCheckId(b)) throw new UsageError(`${source}: unknown check id "${b}" in "${raw}"`)
    return { raw, provider: a as ProviderId | null, check: b }
  })
}

export async function loadBaseline(path: string): Promise<BaselineEntry[]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new UsageError(`cannot read --expected-failures file ${path}: ${(error as Error).message}`)
  }
  return parseBaseline(text, path)
}

const matches = (e: BaselineEntry, r: CheckResult) => e.check === r.id && (e.provider === null || e.provider === r.provider)

/**
 * Marks listed failures as expected and returns the stale entries: listed, judged in this run,
 * and not failing anywhere it applies. An entry whose checks were all skipped, or whose provider
 * is not in the run, says nothing and is not stale.
 */
export function applyBaseline(reports: ProviderReport[], entries: BaselineEntry[]): BaselineEntry[] {
  const results = reports.flatMap((p) => p.checks)
  for (const r of results) if (r.status !== 'SUCCESS' && r.status !== 'SKIPPED' && entries.some((e) => matches(e, r))) r.expectedFailure = true
  return entries.filter((e) => {
    const mine = results.filter((r) => matches(e, r))
    const judged = mine.filter((r) => r.status !== 'SKIPPED')
    return judged.length > 0 && judged.every((r) => r.status === 'SUCCESS')
  })
}
