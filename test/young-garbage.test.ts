/**
 * A request's objects die young. Everything a request allocates (its Request, URL, headers, the
 * context the provider's routes read, parsed parameters, the answer) is garbage once it is
 * answered, so the young generation's collections (scavenges) should free it without copying it
 * to the old generation. Two shapes of the per-request context once made V8 keep every request's
 * whole graph through scavenges until the next full collection — a getter in its object literal,
 * and `Object.create(ctx)` (BookingSync's Rails parameters: V8 gives an object used as a
 * prototype a map of its own, in the old generation, pointing at it) — ~2 KB promoted per request,
 * and a quarter of a token request's CPU spent scavenging.
 *
 * Counted by V8 itself (`--trace-gc-nvp` prints the bytes each scavenge promoted), in a process of
 * its own, so nothing else in a test worker allocates meanwhile. Bytes, not time: a loaded machine
 * runs the same collections.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const index = JSON.stringify(fileURLToPath(new URL('../mocks/index.ts', import.meta.url)))
const flows = JSON.stringify(fileURLToPath(new URL('../scripts/flows.ts', import.meta.url)))

/**
 * The child: `count` runs of `kind` through createFetch after a warm-up, between the markers
 * BEGIN and END; V8's lines for the scavenges in between are what is counted.
 * - `metadata`, `missing`: oauth2's metadata document, and a path it does not serve.
 * - `flow:<provider>`: a full authorization-code flow as a client makes it (authorize with consent
 *   `allow`, code exchange, one API call: scripts/flows.ts, the one `npm run bench` runs).
 */
const script = (kind: string, count: number) => `
import { createFakes, createFetch } from ${index}
import { flow, providerSetup } from ${flows}
const kind = ${JSON.stringify(kind)}
const provider = kind.startsWith('flow:') ? kind.slice(5) : 'oauth2'
// A log of one entry: the log keeps its entries (10,000 by default), which is retention, not the garbage counted here.
const fakes = createFakes({ providers: [provider], logLimits: { maxEntries: 1 }, options: { bookingsync: { rateLimit: 1_000_000_000 } } })
fakes.setConsent(provider, 'allow')
const fetch = createFetch(fakes)
const setup = providerSetup(fakes, provider)
const base = Object.values(fakes.bases(provider))[0]
async function once() {
  if (kind === 'flow:' + provider) return flow(fetch, setup)
  const response = await fetch(base + (kind === 'metadata' ? '/.well-known/oauth-authorization-server' : '/no-such-route'))
  await response.text()
}
for (let i = 0; i < 500; i++) await once() // warm-up: the JIT's own allocations are not the requests'
process.stdout.write('BEGIN\\n')
for (let i = 0; i < ${count}; i++) await once()
process.stdout.write('END\\n')
`

/** Bytes V8's scavenges promoted per run of `kind`, and how many scavenges there were. */
async function promoted(kind: string, count: number): Promise<{ perRun: number; scavenges: number }> {
  const child = spawn(process.execPath, ['--trace-gc-nvp', '--import', 'tsx', '--input-type=module', '-e', script(kind, count)], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
  expect(code, kind).toBe(0)
  const during = out.slice(out.indexOf('BEGIN\n'), out.indexOf('END\n'))
  expect(during.length, kind).toBeGreaterThan(0)
  let bytes = 0
  let scavenges = 0
  for (const line of during.split('\n')) {
    if (!/\bgc=s\b/.test(line)) continue
    scavenges++
    bytes += Number(/\bpromoted=(\d+)/.exec(line)?.[1] ?? Number.NaN)
  }
  return { perRun: bytes / count, scavenges }
}

it('a request the engine answers leaves nothing for the old generation to collect', async () => {
  for (const kind of ['metadata', 'missing']) {
    const { perRun, scavenges } = await promoted(kind, 20_000)
    // Enough requests for the young generation to be collected many times over…
    expect(scavenges, kind).toBeGreaterThanOrEqual(5)
    // …and almost nothing promoted (~30 bytes a request measured; ~2,000 with the getter).
    expect(perRun, kind).toBeLessThan(150)
  }
})

it("a full flow promotes what it keeps (its tokens) and not its requests' garbage, for every provider", async () => {
  for (const provider of ['calcom', 'bookingsync', 'zapier', 'oauth2']) {
    const { perRun, scavenges } = await promoted(`flow:${provider}`, 4_000)
    expect(scavenges, provider).toBeGreaterThanOrEqual(5)
    // What a flow keeps is its live pair (585–911 bytes, `npm run bench`, memory) and the used code
    // where a provider keeps it; its three requests' garbage, when it was promoted, added ~6,000.
    expect(perRun, provider).toBeLessThan(2_000)
  }
})
