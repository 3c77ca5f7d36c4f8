/**
 * Child process of `npm run bench`: one server to measure, on 127.0.0.1 and a free port.
 *   bench-server.ts fakes N [provider] → the standalone fakes, with N codes and refresh tokens issued ahead
 *                            (codes are single use and BookingSync/Zapier refresh tokens rotate,
 *                            so every request under load needs its own)
 *   bench-server.ts bare   → the ceiling: a bare node:http server doing the minimum a token
 *                            endpoint does (read body, parse params, random token, Map insert, JSON)
 *   bench-server.ts adapter → the same work behind the fakes' node:http adapter (`listen`: the light
 *                            web Request and Response, the Headers), with no provider behind it
 * Prints one JSON line `{url, grants}` on stdout once it listens; then, for each line `cpu` read on
 * stdin, one line `{"cpu": µs}`: the CPU time (user + system) this process has used so far.
 */
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createInterface } from 'node:readline'
import { listen } from '../mocks/adapters/node-http.ts'
import { issueAuthorizationCode } from '../mocks/engine/authorize.ts'
import type { ProviderId } from '../mocks/engine/controls.ts'
import { BUFFERED_BODY, textResponse } from '../mocks/engine/http.ts'
import { startServer } from '../mocks/server.ts'

const kind = process.argv[2]
const count = Number(process.argv[3] ?? 50_000)

const tokens = new Map<string, { clientId: string; at: number }>()
/** The bare endpoint's work on a request body's text: its answer's text. */
function bareToken(form: string): string {
  const params = new URLSearchParams(form)
  const token = randomBytes(32).toString('hex')
  tokens.set(token, { clientId: params.get('client_id') ?? '', at: Date.now() })
  return JSON.stringify({ access_token: token, token_type: 'bearer', expires_in: 7200 })
}

if (kind === 'bare') {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = bareToken(Buffer.concat(chunks).toString('utf8'))
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
      res.end(body)
    })
  })
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo
    console.log(JSON.stringify({ url: `http://127.0.0.1:${port}`, grants: {} }))
  })
} else if (kind === 'adapter') {
  // What the engine reads a request's body from, and how it answers with text (mocks/engine/http.ts).
  const running = await listen(
    [
      async (request) => {
        const body = (request as Request & { [BUFFERED_BODY]: Uint8Array })[BUFFERED_BODY]
        return textResponse(bareToken(Buffer.from(body).toString('utf8')), { headers: { 'content-type': 'application/json' } }, true)
      },
    ],
    { port: 0 },
  )
  console.log(JSON.stringify({ url: running.url, grants: {} }))
} else {
  const running = await startServer({ port: 0 })
  const grants: Record<string, { codes: string[]; refreshTokens: string[]; redirectUri: string }> = {}
  // One provider per process (argv[4]): each run starts on a fresh heap, unaffected by the
  // tokens earlier runs left behind.
  const only = process.argv[4] as ProviderId | undefined
  for (const provider of (running.fakes.providers as ProviderId[]).filter((p) => !only || p === only)) {
    const rt = running.fakes.runtime(provider)
    const client = running.fakes.demoClient(provider)
    const redirectUri = client.redirectUris.find((u) => u.startsWith('http'))!
    const def = running.fakes.definition(provider) as unknown as { endpoints: Record<string, string> }
    if (!def.endpoints.token) continue
    // The bench measures the token endpoint, not the consent page: codes are issued directly.
    const codeFormat = { codeLifetimeSeconds: 3600, newCode: () => randomBytes(40).toString('base64url') }
    const codes = Array.from({ length: count }, () => issueAuthorizationCode(rt, codeFormat, client, redirectUri, [], { userId: 1, teamId: null, accountId: null }))
    // Refresh tokens from real exchanges (rotating providers need one per refresh request).
    const refreshTokens = new Set<string>()
    // cal.com revokes a user's other refresh tokens at each refresh: its grants belong to many users.
    const extra = Array.from({ length: count }, (_, i) => issueAuthorizationCode(rt, codeFormat, client, redirectUri, [], { userId: provider === 'calcom' ? 100_000 + i : 1, teamId: null, accountId: null }))
    for (let i = 0; i < count; i++) {
      const response = await running.fakes.fetch(
        new Request(`${running.url}/${provider}${def.endpoints.token}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'authorization_code', code: extra[i]!, redirect_uri: redirectUri, client_id: client.clientId, client_secret: client.clientSecret }),
        }),
      )
      const body = (await response!.json()) as { refresh_token?: string }
      if (body.refresh_token) refreshTokens.add(body.refresh_token)
    }
    grants[provider] = { codes, refreshTokens: [...refreshTokens], redirectUri }
  }
  console.log(JSON.stringify({ url: running.url, grants }))
}

// The bench reads the server's own CPU time around a run (its cost per request, whatever the load generator's).
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'cpu') return
  const used = process.cpuUsage()
  console.log(JSON.stringify({ cpu: used.user + used.system }))
})

// Exit on SIGTERM so `--cpu-prof` runs can write their profile.
process.on('SIGTERM', () => process.exit(0))
