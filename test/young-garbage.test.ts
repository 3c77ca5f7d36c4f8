/**
 * A request's objects die young. Everything a request allocates (its Request, URL, headers, the
 * context the provider's routes read, parsed parameters, the answer) is garbage once it is
 * answered, so the young generation's collections (scavenges) should free it without copying it
 * to the old generation. A getter in the per-request context's object literal once made V8 keep
 * every request's whole graph through scavenges until the next full collection: ~3 KB promoted
 * per request, and a quarter of the token endpoint's CPU in scavenging.
 *
 * Counted by V8 itself (`--trace-gc-nvp` prints the bytes each scavenge promoted), in a process of
 * its own, so nothing else in a test worker allocates meanwhile. Bytes, not time: a loaded machine
 * runs the same collections.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const index = JSON.stringify(fileURLToPath(new URL('../mocks/index.ts', import.meta.url)))
const REQUESTS = 20_000

/** The script: `REQUESTS` answered requests through createFetch, then the bytes every scavenge during them promoted. */
const script = (path: string) => `
import { createFakes, createFetch } from ${index}
// A log of one entry: the log keeps its entries (10,000 by default), which is retention, not the garbage counted here.
const fakes = createFakes({ providers: ['oauth2'], logLimits: { maxEntries: 1 } })
const fetch = createFetch(fakes)
const url = fakes.bases('oauth2').main + ${JSON.stringify(path)}
const run = async (n) => { for (let i = 0; i < n; i++) await (await fetch(url)).text() }
await run(2_000) // warm-up: the JIT's own allocations are not the requests'
process.stdout.write('BEGIN\\n')
await run(${REQUESTS})
process.stdout.write('END\\n')
`

async function promotedPerRequest(path: string): Promise<{ bytes: number; scavenges: number }> {
  const child = spawn(process.execPath, ['--trace-gc-nvp', '--import', 'tsx', '--input-type=module', '-e', script(path)], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
  expect(code).toBe(0)
  const during = out.slice(out.indexOf('BEGIN\n'), out.indexOf('END\n'))
  expect(during.length).toBeGreaterThan(0)
  let bytes = 0
  let scavenges = 0
  for (const line of during.split('\n')) {
    if (!/\bgc=s\b/.test(line)) continue
    scavenges++
    bytes += Number(/\bpromoted=(\d+)/.exec(line)?.[1] ?? Number.NaN)
  }
  return { bytes: bytes / REQUESTS, scavenges }
}

it('a request through the engine leaves nothing for the old generation to collect', async () => {
  // The issuer's metadata: a route the engine answers and logs (a 404 is answered by the same path).
  for (const path of ['/.well-known/oauth-authorization-server', '/no-such-route']) {
    const { bytes, scavenges } = await promotedPerRequest(path)
    // Enough requests for the young generation to be collected many times over…
    expect(scavenges, path).toBeGreaterThanOrEqual(5)
    // …and almost nothing promoted: with the getter, ~3,000 bytes a request.
    expect(bytes, path).toBeLessThan(150)
  }
})
