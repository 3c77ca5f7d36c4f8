/**
 * The provider docs (docs/providers/*.md) carry their behaviour as tables that this module reads
 * and replays against the fakes, so the docs and the fakes cannot drift apart.
 *
 * A table follows an HTML comment naming the provider options it holds for:
 *   <!-- table: {"provider":"calcom","options":{"era":"pages-router"}} -->
 * Each row: | what | request | answer | source |. Cells are made of `backticked` parts.
 *
 * Request parts: first `METHOD /path?query` (a provider path, below its base), then any of
 *   `form:a=b&c=d`  `json:{"a":"b"}`  `multipart:a=b&c=d`  `body:<raw> as <content-type>`
 *   `header:Name: value`  `basic:<id>:<secret>`  `bearer:<token>`  `host:<host key>`
 *   `clock:+<seconds>` (moves the fakes' clock after the placeholders are made, before the request)
 *   `consent:allow|deny` (the consent mode for this row)  `client:{…ClientSpec}` (registers a client first)
 * Answer parts: first `STATUS`, then any of
 *   `{…}` / `[…]` a JSON body: equal, keys in this order; a `"…"` value matches any non-empty
 *   string or number (tokens, times)
 *   `text:<exact body>`  `contains:<text>`  `empty` (no body)  `header:Name: value`  `header:Name` (present)
 *   `no-header:Name`  `location:<URL>` (with `…` matching any run of characters)
 * Placeholders `{name}` in any part are made on demand by the provider's `Placeholders` (a fresh
 * code, a token pair from a real exchange, …): each row runs against freshly reset fakes.
 */
import { readFileSync } from 'node:fs'
import { expect } from 'vitest'
import { type Fakes, createFakes } from '../mocks/fakes.ts'
import type { ProviderId } from '../mocks/engine/controls.ts'

export interface TableRow {
  line: number
  what: string
  request: string[]
  answer: string[]
  source: string
}

export interface DocsTable {
  provider: ProviderId
  options: Record<string, unknown>
  heading: string
  rows: TableRow[]
}

/** The backticked parts of a table cell. */
function parts(cell: string): string[] {
  return [...cell.matchAll(/`([^`]*)`/g)].map((m) => m[1]!.replace(/\\\|/g, '|'))
}

/** Every table of a docs file, with the options it holds for. */
export function readDocsTables(file: string): DocsTable[] {
  const lines = readFileSync(file, 'utf8').split('\n')
  const tables: DocsTable[] = []
  let current: DocsTable | null = null
  let heading = ''
  lines.forEach((line, i) => {
    if (line.startsWith('#')) heading = line.replace(/^#+\s*/, '')
    const marker = /^<!-- table: (.*) -->$/.exec(line.trim())
    if (marker) {
      const spec = JSON.parse(marker[1]!) as { provider: ProviderId; options?: Record<string, unknown> }
      current = { provider: spec.provider, options: spec.options ?? {}, heading, rows: [] }
      tables.push(current)
      return
    }
    if (!current) return
    if (!line.startsWith('|')) {
      if (current.rows.length && line.trim() === '') current = null
      return
    }
    const cells = line
      .split(/(?<!\\)\|/)
      .slice(1, -1)
      .map((c) => c.trim())
    if (cells.length < 4 || /^-+$/.test(cells[0]!.replace(/\s/g, '')) || cells[0] === 'what') return
    current.rows.push({ line: i + 1, what: cells[0]!, request: parts(cells[1]!), answer: parts(cells[2]!), source: cells[3]! })
  })
  return tables
}

/** Makes the values a row's `{placeholders}` stand for, against one set of fakes. */
export type Placeholders = (name: string, fakes: Fakes) => Promise<string>

/** `a=b&c={x}` with placeholders filled; values are percent-encoded for form bodies. */
async function fill(text: string, resolve: (name: string) => Promise<string>): Promise<string> {
  let out = ''
  let last = 0
  for (const m of text.matchAll(/\{([a-z_][a-z0-9_]*)\}/g)) {
    out += text.slice(last, m.index) + (await resolve(m[1]!))
    last = m.index! + m[0].length
  }
  return out + text.slice(last)
}

function formBody(filled: string): string {
  // Values were filled raw; re-encode each pair so tokens with + or / survive.
  return filled
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const i = pair.indexOf('=')
      return i < 0 ? encodeURIComponent(pair) : `${encodeURIComponent(pair.slice(0, i))}=${encodeURIComponent(pair.slice(i + 1))}`
    })
    .join('&')
}

/** Compares a JSON body with the documented one: equal values and key order; `"…"` matches any string or number. */
export function matchJson(actual: unknown, expected: unknown, path = '$'): string | null {
  if (expected === '…') return (typeof actual === 'string' && actual !== '') || typeof actual === 'number' ? null : `${path}: expected any value, got ${JSON.stringify(actual)}`
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path}: expected an array, got ${JSON.stringify(actual)}`
    if (actual.length !== expected.length) return `${path}: expected ${expected.length} items, got ${actual.length}`
    for (let i = 0; i < expected.length; i++) {
      const problem = matchJson(actual[i], expected[i], `${path}[${i}]`)
      if (problem) return problem
    }
    return null
  }
  if (expected && typeof expected === 'object') {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) return `${path}: expected an object, got ${JSON.stringify(actual)}`
    const ek = Object.keys(expected)
    const ak = Object.keys(actual)
    if (ek.join(',') !== ak.join(',')) return `${path}: expected keys ${ek.join(',')}, got ${ak.join(',')}`
    for (const k of ek) {
      const problem = matchJson((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], `${path}.${k}`)
      if (problem) return problem
    }
    return null
  }
  return actual === expected ? null : `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Runs one documented row against fresh fakes and asserts the answer. */
export async function runRow(table: DocsTable, row: TableRow, placeholders: Placeholders): Promise<void> {
  const fakes = createFakes({ providers: [table.provider], options: { [table.provider]: table.options }, clock: frozenClock() })
  const cache = new Map<string, string>()
  const resolve = async (name: string) => {
    if (!cache.has(name)) cache.set(name, await placeholders(name, fakes))
    return cache.get(name)!
  }
  const [first, ...rest] = row.request
  const m = /^([A-Z]+) (\S+)$/.exec(first ?? '')
  if (!m) throw new Error(`line ${row.line}: the request must start with \`METHOD /path\`, got ${JSON.stringify(first)}`)
  const headers = new Headers()
  let body: BodyInit | undefined
  let host: string | undefined
  let advance = 0
  for (const part of rest) {
    const [kind, ...tail] = part.split(':')
    const value = tail.join(':')
    if (kind === 'form') {
      body = formBody(await fill(value, resolve))
      headers.set('content-type', 'application/x-www-form-urlencoded')
    } else if (kind === 'json') {
      body = await fill(value, async (n) => JSON.stringify(await resolve(n)).slice(1, -1))
      headers.set('content-type', 'application/json')
    } else if (kind === 'multipart') {
      const form = new FormData()
      for (const pair of (await fill(value, resolve)).split('&').filter(Boolean)) {
        const i = pair.indexOf('=')
        form.append(pair.slice(0, i), pair.slice(i + 1))
      }
      body = form
    } else if (kind === 'body') {
      const asIndex = value.lastIndexOf(' as ')
      body = await fill(value.slice(0, asIndex), resolve)
      headers.set('content-type', value.slice(asIndex + 4))
    } else if (kind === 'header') {
      const i = value.indexOf(': ')
      headers.set(value.slice(0, i), await fill(value.slice(i + 2), resolve))
    } else if (kind === 'basic') {
      headers.set('authorization', `Basic ${Buffer.from(await fill(value, resolve)).toString('base64')}`)
    } else if (kind === 'bearer') {
      headers.set('authorization', `Bearer ${await fill(value, resolve)}`)
    } else if (kind === 'host') host = value
    else if (kind === 'clock') advance = Number(value)
    else if (kind === 'consent') fakes.setConsent(table.provider, value as 'allow' | 'deny')
    else if (kind === 'client') fakes.registerClient({ provider: table.provider, ...(JSON.parse(await fill(value, resolve)) as object) } as Parameters<Fakes['registerClient']>[0])
    else throw new Error(`line ${row.line}: unknown request part ${JSON.stringify(part)}`)
  }
  const pathAndQuery = await fill(m[2]!, async (n) => encodeURIComponent(await resolve(n)))
  const bases = fakes.bases(table.provider)
  const base = host ? bases[host] : Object.values(bases)[0]
  if (advance) fakes.advanceClock(advance)
  const response = (await fakes.fetch(new Request(`${base}${pathAndQuery}`, { method: m[1], headers, body, redirect: 'manual' })))!
  const text = await response.text()
  const where = `docs line ${row.line} (${row.what}): ${first}`
  const [status, ...checks] = row.answer
  expect(response.status, `${where} → ${response.status} ${text.slice(0, 300)}`).toBe(Number(status))
  for (const check of checks) {
    if (check.startsWith('{') || check.startsWith('[')) {
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch {
        throw new Error(`${where}: expected a JSON body, got ${JSON.stringify(text.slice(0, 300))}`)
      }
      const expected = JSON.parse(await fill(check, async (n) => JSON.stringify(await resolve(n)).slice(1, -1)))
      const problem = matchJson(parsed, expected)
      expect(problem, `${where}: ${problem} (body ${text.slice(0, 300)})`).toBeNull()
    } else if (check.startsWith('text:')) expect(text, where).toBe(await fill(check.slice(5), resolve))
    else if (check.startsWith('contains:')) expect(text, where).toContain(await fill(check.slice(9), resolve))
    else if (check === 'empty') expect(text, where).toBe('')
    else if (check.startsWith('no-header:')) expect(response.headers.has(check.slice(10)), `${where}: header ${check.slice(10)}`).toBe(false)
    else if (check.startsWith('header:')) {
      const spec = check.slice(7)
      const i = spec.indexOf(': ')
      if (i < 0) expect(response.headers.has(spec), `${where}: header ${spec}`).toBe(true)
      else expect(response.headers.get(spec.slice(0, i)), `${where}: header ${spec.slice(0, i)}`).toBe(await fill(spec.slice(i + 2), resolve))
    } else if (check.startsWith('location:')) {
      const expected = await fill(check.slice(9), async (n) => (await resolve(n)).replace(/…/g, '\u0000'))
      const pattern = new RegExp(`^${expected.split('…').map(escapeRe).join('.*').replace(/\u0000/g, '…')}$`)
      expect(response.headers.get('location'), where).toMatch(pattern)
    } else throw new Error(`line ${row.line}: unknown answer part ${JSON.stringify(check)}`)
  }
}

/** A clock that stands still (at a whole second) unless the row moves it. */
function frozenClock() {
  const at = Math.floor(Date.now() / 1000) * 1000
  let offset = 0
  return {
    now: () => at + offset,
    nowSeconds: () => Math.floor((at + offset) / 1000),
    advance(seconds: number) {
      offset += seconds * 1000
    },
    reset() {
      offset = 0
    },
  }
}
