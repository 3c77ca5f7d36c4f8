/**
 * Hostile bodies at the body limit: `posts` POSTs of a 1 MiB body (`concurrency` at a time) to
 * the token endpoints and the control API — one long value, a hundred thousand parameters,
 * percent-escapes, JSON nested half a million deep, wide JSON, thousands of multipart parts,
 * binary — most exactly at the limit (accepted and parsed), some one byte past it (413). The heap
 * must stay within bounds, nothing may answer 5xx, and the server must answer normally after.
 */
import type { Memory } from './child.ts'
import type { Discovery } from './flows.ts'
import { type Client, pool } from './http.ts'
import { Rng, mixSeed } from './rng.ts'

export const LIMIT = 1024 * 1024

interface BodyKind {
  name: string
  contentType: string
  /** A body of exactly `size` bytes. */
  make(size: number, rng: Rng): Buffer
}

const fill = (unit: string, size: number, prefix = '', suffix = '') => {
  const body = Buffer.alloc(size, unit)
  body.write(prefix, 0, 'latin1')
  if (suffix) body.write(suffix, size - suffix.length, 'latin1')
  return body
}

export const BODY_KINDS: readonly BodyKind[] = [
  { name: 'one long value (form)', contentType: 'application/x-www-form-urlencoded', make: (n) => fill('a', n, 'grant_type=authorization_code&code=') },
  { name: 'many parameters (form)', contentType: 'application/x-www-form-urlencoded', make: (n) => fill('a=1&', n) },
  { name: 'repeated grant_type (form)', contentType: 'application/x-www-form-urlencoded', make: (n) => fill('&grant_type=refresh_token', n, 'client_id=x') },
  { name: 'percent escapes (form)', contentType: 'application/x-www-form-urlencoded', make: (n) => fill('%41', n, 'code=') },
  { name: 'nested arrays (JSON)', contentType: 'application/json', make: (n) => Buffer.concat([Buffer.alloc(Math.floor(n / 2), '['), Buffer.alloc(n - Math.floor(n / 2), ']')]) },
  { name: 'nested objects (JSON)', contentType: 'application/json', make: (n) => fill('{"a":', n) },
  { name: 'wide object (JSON)', contentType: 'application/json', make: (n) => wideJson(n) },
  { name: 'one long string (JSON)', contentType: 'application/json', make: (n) => fill('x', n, '{"client_id":"a","grant_type":"refresh_token","refresh_token":"', '"}') },
  { name: 'many parts (multipart)', contentType: 'multipart/form-data; boundary=b', make: (n) => fill('--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n', n) },
  { name: 'binary', contentType: 'application/octet-stream', make: (n, rng) => rng.bytes(n) },
]

function wideJson(size: number): Buffer {
  const parts: string[] = ['{']
  let length = 1
  for (let i = 0; length < size - 40; i++) {
    const part = `${i ? ',' : ''}"k${i}":"v"`
    parts.push(part)
    length += part.length
  }
  const head = parts.join('')
  return fill(' ', size, head, '}')
}

export interface BodyLimitResult {
  posts: number
  concurrency: number
  size: number
  statuses: Record<string, number>
  /** Exactly-at-limit bodies refused 413 by a provider endpoint (the limit is inclusive). */
  atLimitRefused: number
  /** One-past-the-limit bodies a provider endpoint did not refuse (413, or its framework's 4xx). */
  overLimitAccepted: number
  fiveXX: number
  transportErrors: number
  examples: string[]
  memory?: { before: Memory; after: Memory; afterGc: Memory; peakRss: number }
  answersAfter: boolean
}

/** Where the bodies go: every token endpoint, BookingSync's revoke, and control API routes. */
export function bodyLimitPaths(discovery: Discovery): Array<{ path: string; provider: boolean }> {
  const paths: Array<{ path: string; provider: boolean }> = []
  for (const p of discovery.providers) for (const name of ['token', 'refresh', 'v2Token', 'revoke']) if (p.endpoints[name] && !paths.some((x) => x.path === p.endpoints[name])) paths.push({ path: p.endpoints[name]!, provider: true })
  for (const c of discovery.controls) if (c.method === 'POST' && !c.path.endsWith('/reset')) paths.push({ path: c.path, provider: false })
  return paths
}

export async function bodyLimit(
  client: Client,
  discovery: Discovery,
  options: { seed: number; posts: number; concurrency: number; size?: number; measure?: (gc: boolean) => Promise<Memory>; peak?: { reset(): void; read(): number }; answersNormally: () => Promise<boolean> },
): Promise<BodyLimitResult> {
  const size = options.size ?? LIMIT
  const paths = bodyLimitPaths(discovery)
  const rng = new Rng(mixSeed(options.seed, 0xb0d7))
  // Built once, sent many times: what is measured is the server's memory, not ours.
  const bodies = BODY_KINDS.map((k) => ({ kind: k, at: k.make(size, rng), over: k.make(size + 1, rng) }))
  const result: BodyLimitResult = { posts: 0, concurrency: options.concurrency, size, statuses: {}, atLimitRefused: 0, overLimitAccepted: 0, fiveXX: 0, transportErrors: 0, examples: [], answersAfter: false }
  const before = options.measure ? await options.measure(true) : undefined
  options.peak?.reset()
  await pool(options.posts, options.concurrency, async (i) => {
    const target = paths[i % paths.length]!
    const b = bodies[Math.floor(i / paths.length) % bodies.length]!
    // One in ten a byte past the limit.
    const over = i % 10 === 9
    try {
      const answer = await client.request('POST', target.path, { headers: { 'content-type': b.kind.contentType }, body: over ? b.over : b.at, timeoutMs: 60_000 })
      result.posts++
      const cls = `${answer.status}`
      result.statuses[cls] = (result.statuses[cls] ?? 0) + 1
      if (answer.status >= 500) {
        result.fiveXX++
        if (result.examples.length < 10) result.examples.push(`POST ${target.path} [${b.kind.name}${over ? ', limit + 1' : ''}] → ${answer.status} ${answer.text.slice(0, 200)}`)
      }
      if (target.provider && !over && answer.status === 413) result.atLimitRefused++
      // Past the limit a provider refuses: 413, or its framework's own 4xx (Zapier: Django's 400 page).
      if (target.provider && over && (answer.status < 400 || answer.status > 499)) {
        result.overLimitAccepted++
        if (result.examples.length < 10) result.examples.push(`POST ${target.path} [${b.kind.name}, limit + 1] → ${answer.status}, not a 4xx refusal`)
      }
    } catch (error) {
      result.transportErrors++
      if (result.examples.length < 10) result.examples.push(`POST ${target.path} [${b.kind.name}]: ${error instanceof Error ? error.message : String(error)}`)
    }
  })
  if (options.measure && before) {
    const after = await options.measure(false)
    const afterGc = await options.measure(true)
    result.memory = { before, after, afterGc, peakRss: options.peak?.read() ?? Number.NaN }
  }
  result.answersAfter = await options.answersNormally()
  return result
}
