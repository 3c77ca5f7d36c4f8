/**
 * Raw-socket hostility: what no HTTP client library would send. Each case is one TCP connection:
 * garbage bytes, broken request lines, requests cut short and closed (slowloris-style partial
 * headers), requests dripped a few bytes at a time, pipelined requests (valid and not), oversized
 * headers, request-smuggling framings, other protocols (HTTP/2 preface, TLS, SSH), CONNECT and
 * Upgrade. And `holdPartialConnections`: many half-sent requests held open while normal traffic
 * must still be answered.
 *
 * Expectations per case: `answer` (a well-formed request: it must be answered, never reset),
 * `any` (garbage: an answer or a close are both fine; a 5xx or a hang are not), `none` (we close
 * first; only the server's health afterwards matters).
 */
import type { Socket } from 'node:net'
import type { Target } from './child.ts'
import { answersIndex, type Finding } from './fuzz.ts'
import type { FuzzContext } from './hostile.ts'
import { describeBytes } from './hostile.ts'
import { type ExchangeResult, pool, rawExchange } from './http.ts'
import { Rng, mixSeed } from './rng.ts'

export interface RawCase {
  kind: string
  expect: 'answer' | 'any' | 'none'
  /** How many answers an `answer` case must get (pipelining: the valid requests before the first invalid one). */
  answers: number
  bytes: Buffer
  /** Which responses answer a HEAD. */
  heads: number[]
  /** How the bytes go out: all at once then wait, all then half-close, cut and closed, or dripped. */
  send: 'wait' | 'end' | { cut: number; how: 'end' | 'destroy' } | { drip: number }
}

export interface RawResult {
  seed: number
  cases: number
  byKind: Record<string, number>
  statuses: Record<string, number>
  fiveXX: number
  unanswered: number
  timeouts: number
  /** Connections the server closed (or reset) without an answer, where that is fine. */
  closedWithoutAnswer: number
  healthChecks: number
  healthFailures: number
  crashed: boolean
  findings: Finding[]
}

function validRequest(rng: Rng, ctx: FuzzContext, path: string, close: boolean): { bytes: Buffer; head: boolean } {
  const method = rng.weighted([[5, 'GET'], [4, 'POST'], [1, 'HEAD']] as const)
  const body = method === 'POST' ? `grant_type=${rng.pick(['authorization_code', 'refresh_token'])}&code=${rng.string(20)}&client_id=${rng.pick(ctx.providers).clientId}` : ''
  const headers = [`Host: ${ctx.hostHeader}`, ...(body ? ['Content-Type: application/x-www-form-urlencoded', `Content-Length: ${body.length}`] : []), ...(close ? ['Connection: close'] : [])]
  return { bytes: Buffer.from(`${method} ${path}${rng.chance(0.3) ? `?state=${rng.string(8)}` : ''} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n${body}`), head: method === 'HEAD' }
}

const BAD_REQUEST_LINES = [
  'GET\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', 'GET /\r\n\r\n', 'GET / HTTP/1.1\r\n', ' GET / HTTP/1.1\r\n\r\n', 'GET  / HTTP/1.1\r\n\r\n', 'GET /\u0000 HTTP/1.1\r\n\r\n',
  'GET / HTTP/1.1 extra\r\n\r\n', 'GET / http/1.1\r\n\r\n', 'GET / HTTP/1.1\r\r\r\n', 'GET / HTTP/1.\r\n\r\n', '/ HTTP/1.1\r\n\r\n', 'G\u00e9T / HTTP/1.1\r\n\r\n',
  'GET / HTTP/1.1\r\nHost\r\n\r\n', 'GET / HTTP/1.1\r\n: empty-name\r\n\r\n', 'GET / HTTP/1.1\r\nBad Name: x\r\n\r\n', 'GET / HTTP/1.1\r\nX: a\rb\r\n\r\n',
  'GET / HTTP/1.1\r\nX: a\u0000b\r\n\r\n', 'GET / HTTP/1.1\r\nX:\u0001\r\n\r\n', '\r\n\r\n\r\n\r\n', 'HTTP/1.1 200 OK\r\n\r\n',
]

const FOREIGN = [
  Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\u0000\u0000\u0000\u0004\u0000\u0000\u0000\u0000\u0000', 'latin1'),
  Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, ...new Array<number>(32).fill(7), 0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00]),
  Buffer.from('SSH-2.0-OpenSSH_9.6\r\n'),
  Buffer.from('HELO evil.example\r\n'),
  Buffer.from('PROXY TCP4 10.0.0.1 10.0.0.2 1234 80\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n'),
  Buffer.from('\u0005\u0001\u0000', 'latin1'),
]

function smuggling(rng: Rng, ctx: FuzzContext, path: string): string {
  const h = `Host: ${ctx.hostHeader}`
  return rng.pick([
    `POST ${path} HTTP/1.1\r\n${h}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /__admin/reset HTTP/1.1\r\n${h}\r\n\r\n`,
    `POST ${path} HTTP/1.1\r\n${h}\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef`,
    `POST ${path} HTTP/1.1\r\n${h}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n`,
    `POST ${path} HTTP/1.1\r\n${h}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabc`,
    `POST ${path} HTTP/1.1\r\n${h}\r\nTransfer-Encoding: chunked, identity\r\n\r\n3\r\nabc\r\n0\r\n\r\n`,
    `POST ${path} HTTP/1.1\r\n${h}\r\nTransfer-Encoding: xchunked\r\nContent-Length: 3\r\n\r\nabc`,
    `POST ${path} HTTP/1.1\r\n${h}\r\nTransfer-Encoding:\r\n chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`,
    `GET ${path} HTTP/1.1\r\n${h}\r\nX-Folded: a\r\n b\r\n\r\n`,
    `POST ${path} HTTP/1.1\r\n${h}\r\nContent-Length : 3\r\n\r\nabc`,
    `POST ${path} HTTP/1.1\r\n${h}\r\nContent-Length: -1\r\n\r\n`,
    `POST ${path} HTTP/1.1\r\n${h}\r\nContent-Length: 99999999999999999999\r\n\r\nabc`,
    `POST ${path} HTTP/1.1\r\n${h}\r\nContent-Length: +3\r\n\r\nabc`,
    `POST ${path} HTTP/1.1\r\n${h}\r\nContent-Length: 3, 3\r\n\r\nabc`,
    `POST ${path} HTTP/1.1\r\n${h}\r\nTransfer-Encoding: chunked\r\n\r\n${'f'.repeat(40)}\r\nabc\r\n0\r\n\r\n`,
    `POST ${path} HTTP/1.1\r\n${h}\r\nTransfer-Encoding: chunked\r\n\r\n3;${'e'.repeat(20_000)}\r\nabc\r\n0\r\n\r\n`,
    `POST ${path} HTTP/1.1\r\n${h}\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Trailer: ${'t'.repeat(20_000)}\r\n\r\n`,
  ])
}

/** One raw case, fully determined by the generator's state. */
export function rawCase(rng: Rng, ctx: FuzzContext, paths: readonly string[]): RawCase {
  const path = rng.pick(paths)
  const kind = rng.weighted([
    [10, 'garbage'], [10, 'bad-request-line'], [16, 'partial-close'], [8, 'slow-drip'], [14, 'pipelined'], [6, 'oversized-headers'], [10, 'smuggling'],
    [5, 'http/1.0'], [4, 'absolute-form'], [2, 'asterisk'], [5, 'foreign-protocol'], [4, 'header-junk'], [2, 'connect'], [2, 'upgrade'], [1, 'expect-continue'], [0.5, 'chunked-over-limit'],
  ] as const)
  const any = (bytes: Buffer): RawCase => ({ kind, expect: 'any', answers: 0, bytes, heads: [], send: 'end' })
  switch (kind) {
    case 'garbage':
      return any(rng.bytes(rng.int(1, 4096)))
    case 'bad-request-line':
      return any(Buffer.from(rng.pick(BAD_REQUEST_LINES).replace('Host: x', `Host: ${ctx.hostHeader}`), 'latin1'))
    case 'partial-close': {
      const { bytes } = validRequest(rng, ctx, path, false)
      const withBody = rng.chance(0.3) ? Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\nHost: ${ctx.hostHeader}\r\nContent-Length: ${rng.int(10, 100_000)}\r\n\r\n`), rng.bytes(rng.int(0, 9))]) : bytes
      return { kind, expect: 'none', answers: 0, bytes: withBody, heads: [], send: { cut: rng.int(1, withBody.length), how: rng.chance(0.5) ? 'end' : 'destroy' } }
    }
    case 'slow-drip': {
      const { bytes, head } = validRequest(rng, ctx, path, true)
      return { kind, expect: 'answer', answers: 1, bytes, heads: head ? [0] : [], send: { drip: rng.int(2, Math.min(40, bytes.length)) } }
    }
    case 'pipelined': {
      const n = rng.int(2, 30)
      const parts: Buffer[] = []
      const heads: number[] = []
      let valid = n
      const bad = rng.chance(0.3) ? rng.int(0, n - 1) : -1
      for (let i = 0; i < n; i++) {
        if (i === bad) {
          parts.push(Buffer.from(rng.pick(BAD_REQUEST_LINES), 'latin1'))
          valid = i
          break
        }
        const r = validRequest(rng, ctx, rng.pick(paths), i === n - 1)
        if (r.head) heads.push(i)
        parts.push(r.bytes)
      }
      // A bad request in the middle: the parser meets it while the earlier ones are still being
      // handled, and Node's 400-and-close may come before their answers: any answers, none a 5xx.
      return { kind, expect: bad >= 0 ? 'any' : 'answer', answers: valid, bytes: Buffer.concat(parts), heads, send: 'wait' }
    }
    case 'oversized-headers': {
      const h = `Host: ${ctx.hostHeader}`
      return any(
        Buffer.from(
          rng.pick([
            () => `GET ${path} HTTP/1.1\r\n${h}\r\nX-Big: ${'x'.repeat(rng.int(17_000, 65_000))}\r\n\r\n`,
            () => `GET ${path} HTTP/1.1\r\n${h}\r\n${Array.from({ length: rng.int(200, 3000) }, (_, i) => `X-${i}: ${'v'.repeat(rng.int(10, 100))}`).join('\r\n')}\r\n\r\n`,
            () => `GET ${path}?${'q'.repeat(rng.int(17_000, 80_000))} HTTP/1.1\r\n${h}\r\n\r\n`,
            () => `GET ${path} HTTP/1.1\r\n${h}\r\nCookie: ${'c=1; '.repeat(rng.int(4000, 10_000))}\r\n\r\n`,
          ])(),
        ),
      )
    }
    case 'smuggling':
      return any(Buffer.from(smuggling(rng, ctx, path), 'latin1'))
    case 'http/1.0': {
      const host = rng.chance(0.5) ? `Host: ${ctx.hostHeader}\r\n` : ''
      return { kind, expect: 'answer', answers: 1, bytes: Buffer.from(`GET ${path} HTTP/1.0\r\n${host}${rng.chance(0.3) ? 'Connection: keep-alive\r\n' : ''}\r\n`), heads: [], send: 'wait' }
    }
    case 'absolute-form': {
      const authority = rng.pick([ctx.hostHeader, 'evil.example', `localhost:${ctx.port}`])
      return { kind, expect: 'answer', answers: 1, bytes: Buffer.from(`GET http://${authority}${path} HTTP/1.1\r\nHost: ${ctx.hostHeader}\r\nConnection: close\r\n\r\n`), heads: [], send: 'wait' }
    }
    case 'asterisk':
      return { kind, expect: 'answer', answers: 1, bytes: Buffer.from(`OPTIONS * HTTP/1.1\r\nHost: ${ctx.hostHeader}\r\nConnection: close\r\n\r\n`), heads: [], send: 'wait' }
    case 'foreign-protocol':
      return any(rng.pick(FOREIGN))
    case 'header-junk':
      return any(Buffer.concat([Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${ctx.hostHeader}\r\nX-Junk: `), rng.bytes(rng.int(1, 200)), Buffer.from('\r\n\r\n')]))
    case 'connect':
      return any(Buffer.from(`CONNECT ${rng.pick(['127.0.0.1:22', ctx.hostHeader, 'evil.example:443'])} HTTP/1.1\r\nHost: ${ctx.hostHeader}\r\n\r\n`))
    case 'upgrade':
      return any(Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${ctx.hostHeader}\r\nConnection: Upgrade\r\nUpgrade: ${rng.pick(['websocket', 'h2c', 'TLS/1.0'])}\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`))
    case 'expect-continue': {
      const body = `grant_type=authorization_code&code=${rng.string(10)}`
      const bytes = Buffer.from(`POST ${path} HTTP/1.1\r\nHost: ${ctx.hostHeader}\r\nExpect: 100-continue\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`)
      return { kind, expect: 'answer', answers: 1, bytes, heads: [], send: { drip: 2 } }
    }
    case 'chunked-over-limit': {
      const chunk = Buffer.alloc(65_536, 'a')
      const count = rng.int(17, 32)
      const pieces = [Buffer.from(`POST ${path} HTTP/1.1\r\nHost: ${ctx.hostHeader}\r\nTransfer-Encoding: chunked\r\nContent-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n\r\n`)]
      for (let i = 0; i < count; i++) pieces.push(Buffer.from('10000\r\n'), chunk, Buffer.from('\r\n'))
      pieces.push(Buffer.from('0\r\n\r\n'))
      return { kind, expect: 'answer', answers: 1, bytes: Buffer.concat(pieces), heads: [], send: 'wait' }
    }
  }
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve))

/** Sends one case on its own connection. */
export function runRawCase(target: Target, c: RawCase, timeoutMs = 15_000): Promise<ExchangeResult> {
  const isHead = (i: number) => c.heads.includes(i)
  const send = c.send
  // A half-close would make Node abort the requests in flight: `answer` cases never half-close,
  // and stop waiting once every answer is in (a keep-alive connection stays open).
  const expect = c.expect === 'answer' ? { expect: c.answers } : {}
  if (send === 'wait') return rawExchange(target, c.bytes, { timeoutMs, isHead, ...expect })
  return rawExchange(
    target,
    async (socket: Socket) => {
      if (send === 'end') {
        socket.end(c.bytes)
      } else if ('cut' in send) {
        socket.write(c.bytes.subarray(0, send.cut))
        await tick()
        if (send.how === 'end') socket.end()
        else socket.destroy()
      } else {
        // Dripped: a piece per turn of the event loop (no timers: the tests run this too).
        const size = Math.ceil(c.bytes.length / send.drip)
        for (let offset = 0; offset < c.bytes.length && !socket.destroyed; offset += size) {
          socket.write(c.bytes.subarray(offset, offset + size))
          await tick()
        }
      }
    },
    { timeoutMs, isHead, ...expect },
  )
}

export interface RawOptions {
  seed: number
  cases: number
  concurrency?: number
  batch?: number
  timeoutMs?: number
  log?: (line: string) => void
}

export async function rawFuzz(target: Target, ctx: FuzzContext, paths: readonly string[], options: RawOptions): Promise<RawResult> {
  const result: RawResult = { seed: options.seed, cases: 0, byKind: {}, statuses: {}, fiveXX: 0, unanswered: 0, timeouts: 0, closedWithoutAnswer: 0, healthChecks: 0, healthFailures: 0, crashed: false, findings: [] }
  const batch = options.batch ?? 500
  const add = (f: Finding) => {
    if (result.findings.length < 200) result.findings.push(f)
  }
  for (let start = 0; start < options.cases && !result.crashed; start += batch) {
    const count = Math.min(batch, options.cases - start)
    await pool(count, options.concurrency ?? 32, async (k) => {
      const index = start + k
      // Target index -1: the raw cases' own stream of the seed.
      const c = rawCase(new Rng(mixSeed(options.seed, 0xffff, index)), ctx, paths)
      const r = await runRawCase(target, c, options.timeoutMs)
      result.cases++
      result.byKind[c.kind] = (result.byKind[c.kind] ?? 0) + 1
      const where = { target: `raw ${c.kind}`, index, request: describeBytes(c.bytes) }
      for (const res of r.responses) {
        const cls = `${Math.floor(res.status / 100)}xx`
        result.statuses[cls] = (result.statuses[cls] ?? 0) + 1
        if (res.status >= 500) {
          result.fiveXX++
          add({ kind: '5xx', ...where, detail: `${res.status} ${res.body.toString('utf8').slice(0, 300)}` })
        }
      }
      if (r.timedOut && c.expect !== 'none') {
        result.timeouts++
        add({ kind: 'timeout', ...where, detail: `the connection was neither answered nor closed within ${options.timeoutMs ?? 15_000} ms` })
      } else if (c.expect === 'answer' && r.responses.length < c.answers) {
        result.unanswered++
        add({ kind: 'unanswered', ...where, detail: `${r.responses.length} of ${c.answers} answers, then ${r.error ?? 'close'}${r.malformed ? ` (${r.malformed})` : ''}` })
      } else if (r.responses.length === 0) result.closedWithoutAnswer++
    })
    result.healthChecks++
    if (!target.alive()) {
      result.crashed = true
      add({ kind: 'crash', target: 'raw', index: start + count - 1, detail: `the server died (${target.death()}) during raw cases ${start}-${start + count - 1}` })
    } else if (!(await answersIndex(target))) {
      result.healthFailures++
      add({ kind: 'unhealthy', target: 'raw', index: start + count - 1, detail: `GET / did not answer 200 after raw cases ${start}-${start + count - 1}` })
    }
  }
  options.log?.(`  raw  ${String(result.cases).padStart(6)} cases  ${Object.entries(result.byKind).sort().map(([k, v]) => `${k}:${v}`).join(' ')}`)
  options.log?.(`       answers ${Object.entries(result.statuses).sort().map(([k, v]) => `${k}:${v}`).join(' ')}; closed without an answer (allowed): ${result.closedWithoutAnswer}`)
  return result
}

export interface HoldResult {
  held: number
  /** Connections of ours the server had closed by the end (it may drop slow ones; that is fine). */
  droppedByServer: number
  normalRequests: number
  normalAnswered: number
}

/**
 * Slowloris: `held` connections each send half a request and stop, and stay open while
 * `normalRequests` ordinary requests are made; every ordinary one must be answered.
 */
export async function holdPartialConnections(target: Target, ctx: FuzzContext, held: number, normalRequests: number): Promise<HoldResult> {
  const { connect } = await import('node:net')
  const sockets: Socket[] = []
  let dropped = 0
  await Promise.all(
    Array.from(
      { length: held },
      (_, i) =>
        new Promise<void>((resolve) => {
          const s = connect({ host: target.host, port: target.port }, () => {
            s.write(i % 2 ? `POST /calcom/api/auth/oauth/token HTTP/1.1\r\nHost: ${ctx.hostHeader}\r\nContent-Length: 1000\r\n\r\nabc` : `GET / HTTP/1.1\r\nHost: ${ctx.hostHeader}\r\nX-Slow: a`)
            resolve()
          })
          s.on('error', () => undefined)
          s.on('close', () => dropped++)
          sockets.push(s)
        }),
    ),
  )
  let answered = 0
  await pool(normalRequests, 8, async () => {
    if (await answersIndex(target)) answered++
  })
  for (const s of sockets) s.destroy()
  return { held, droppedByServer: dropped, normalRequests, normalAnswered: answered }
}
