/**
 * `serve --state FILE`: clients, grants, tokens, consent modes, options and the clock survive a
 * restart and a `kill -9` at any moment; a foreign or corrupt file is refused and left alone.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, describe, expect, it } from 'vitest'
import { listGrants } from '../mocks/dashboard/grants.ts'
import type { ProviderId } from '../mocks/engine/controls.ts'
import { type RunningServer, startServer } from '../mocks/server.ts'
import { StateError, openState } from '../mocks/state.ts'
import { bundledCli } from './cli-bundle.ts'

const dirs: string[] = []
function tempFile(name = 'state.jsonl'): string {
  const dir = mkdtempSync(join(tmpdir(), 'oauth-fakes-state-'))
  dirs.push(dir)
  return join(dir, name)
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

interface Described {
  id: ProviderId
  endpoints: Record<string, string>
  demoClient: { clientId: string; clientSecret: string; redirectUris: string[] }
}

async function describeServer(base: string): Promise<Described[]> {
  const index = (await (await fetch(`${base}/`, { headers: { accept: 'application/json' } })).json()) as { providers: Described[] }
  return index.providers
}

const SCOPE: Record<string, string> = { calcom: 'PROFILE_READ', bookingsync: 'public', zapier: 'profile', oauth2: 'profile' }

/** Authorization code → tokens with consent mode `allow` (BookingSync and Zapier: one client secret in the body). */
async function obtainTokens(p: Described, client = p.demoClient): Promise<{ access: string; refresh: string }> {
  const redirectUri = client.redirectUris.find((u) => u.startsWith('http'))!
  const authorize = new URL(p.endpoints.authorize!)
  for (const [k, v] of Object.entries({ response_type: 'code', client_id: client.clientId, redirect_uri: redirectUri, state: 's', scope: SCOPE[p.id]! })) authorize.searchParams.set(k, v)
  const consent = await fetch(authorize, { redirect: 'manual' })
  const location = consent.headers.get('location')
  if (consent.status !== 302 || !location) throw new Error(`authorize: ${consent.status} ${await consent.text()}`)
  const code = new URL(location).searchParams.get('code')!
  const token = await fetch(p.endpoints.token!, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: client.clientId, client_secret: client.clientSecret }),
  })
  const body = (await token.json()) as { access_token: string; refresh_token: string }
  if (token.status !== 200) throw new Error(`token: ${token.status} ${JSON.stringify(body)}`)
  return { access: body.access_token, refresh: body.refresh_token }
}

/** The API call the token opens: cal.com's today (API v2's `me`: its tokens carry today's scopes), the others' resource. */
const resourceStatus = async (p: Described, access: string) => (await fetch(p.id === 'calcom' ? p.endpoints.v2Me! : p.endpoints.resource!, { headers: { authorization: `Bearer ${access}` } })).status

const adminPost = (base: string, action: string, body: unknown) => fetch(`${base}/__admin/${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

describe('serve --state: a restart keeps what the fakes knew', () => {
  it('keeps clients, tokens, consent modes, options and the clock; a refresh token issued before works after', async () => {
    const file = tempFile()
    let server: RunningServer = await startServer({ port: 0, state: openState(file), warn: () => {} })
    const extra = { clientId: 'kept-client', clientSecret: 'kept-secret-0123456789', redirectUris: ['http://127.0.0.1:9/cb'] }
    expect((await adminPost(server.url, 'clients', { provider: 'zapier', ...extra })).status).toBe(201)
    expect((await adminPost(server.url, 'consent', { provider: '*', mode: 'allow' })).status).toBe(200)
    expect((await adminPost(server.url, 'options', { provider: 'bookingsync', options: { rotation: 'on-use' } })).status).toBe(200)
    const providers = await describeServer(server.url)
    const zapier = providers.find((p) => p.id === 'zapier')!
    const bookingsync = providers.find((p) => p.id === 'bookingsync')!
    const zTokens = await obtainTokens(zapier, { ...extra, clientSecret: extra.clientSecret })
    const bTokens = await obtainTokens(bookingsync)
    expect((await adminPost(server.url, 'clock', { advanceSeconds: 600 })).status).toBe(200)
    // One more request after the clock moved: the move is written with it.
    expect(await resourceStatus(zapier, zTokens.access)).toBe(200)
    const clockBefore = server.fakes.clock.now()
    await server.close()

    server = await startServer({ port: 0, state: openState(file), warn: () => {} })
    try {
      const after = await describeServer(server.url)
      const z2 = after.find((p) => p.id === 'zapier')!
      const b2 = after.find((p) => p.id === 'bookingsync')!
      expect(server.fakes.clients('zapier').map((c) => c.clientId)).toContain('kept-client')
      expect(server.fakes.consent('calcom')).toBe('allow')
      expect(server.fakes.options('bookingsync').rotation).toBe('on-use')
      // The clock is as far ahead of real time as it was (give or take the time between the two reads).
      expect(server.fakes.clock.now()).toBeGreaterThanOrEqual(clockBefore)
      expect(server.fakes.clock.now() - Date.now()).toBeGreaterThan(590_000)
      expect(await resourceStatus(z2, zTokens.access)).toBe(200)
      expect(await resourceStatus(b2, bTokens.access)).toBe(200)
      const refreshed = await fetch(z2.endpoints.token!, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: zTokens.refresh, client_id: extra.clientId, client_secret: extra.clientSecret }),
      })
      expect(refreshed.status).toBe(200)
      // A new grant after the restart is kept by the next one too: the journal goes on.
      const later = await obtainTokens(b2)
      await server.close()
      server = await startServer({ port: 0, state: openState(file), warn: () => {} })
      const b3 = (await describeServer(server.url)).find((p) => p.id === 'bookingsync')!
      expect(await resourceStatus(b3, later.access)).toBe(200)
    } finally {
      await server.close()
    }
  })

  it('reads a file of version 1, where cal.com kept its JWTs by their whole text: its tokens and revocations hold after the restart', async () => {
    const file = tempFile()
    let server = await startServer({ port: 0, state: openState(file), warn: () => {} })
    await adminPost(server.url, 'consent', { provider: 'calcom', mode: 'allow' })
    const calcom = (await describeServer(server.url)).find((p) => p.id === 'calcom')!
    const auth = { client_id: calcom.demoClient.clientId, client_secret: calcom.demoClient.clientSecret }
    const v2Refresh = (base: Described, refresh: string) =>
      fetch(base.endpoints.v2Token!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: refresh, ...auth }) })
    const first = await obtainTokens(calcom)
    // A second later (the same claims in the same second are the same JWT), a refresh: the first refresh token is revoked.
    await adminPost(server.url, 'clock', { advanceSeconds: 1 })
    const second = (await (await v2Refresh(calcom, first.refresh)).json()) as { access_token: string; refresh_token: string }
    await server.close()
    // The file as version 1 wrote it: each JWT was its own store key (and its pair's), entries had no `extras`.
    const keyOf = { access: (t: string) => t.split('.')[2]!, refresh: (t: string) => (JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()) as { secret: string }).secret }
    let old = readFileSync(file, 'utf8')
    expect(old.split('\n', 1)[0]).toContain('"version":2')
    for (const [access, refresh] of [[first.access, first.refresh], [second.access_token, second.refresh_token]] as const) {
      expect(old).toContain(`"${keyOf.access(access)}"`)
      expect(old).toContain(`"${keyOf.refresh(refresh)}"`)
      old = old.replaceAll(`"${keyOf.access(access)}"`, `"${access}"`).replaceAll(`"${keyOf.refresh(refresh)}"`, `"${refresh}"`)
    }
    old = old.replace('"version":2', '"version":1').replace(/,"extras":(null|\{[^}]*\})/g, '')
    expect(old).not.toContain('"extras"')
    writeFileSync(file, old)
    server = await startServer({ port: 0, state: openState(file), warn: () => {} })
    try {
      const c2 = (await describeServer(server.url)).find((p) => p.id === 'calcom')!
      expect((await fetch(c2.endpoints.v2Me!, { headers: { authorization: `Bearer ${second.access_token}` } })).status).toBe(200)
      expect(((await (await v2Refresh(c2, first.refresh)).json()) as { error_description?: string }).error_description).toBe('refresh_token_revoked')
      // The dashboard's rows show the texts the client holds, the rotated-away one as such.
      const rows = listGrants(server.fakes.runtime('calcom'), server.fakes.clock.now())
      expect(rows.refresh.map((r) => [r.value, r.state])).toEqual([
        [first.refresh, 'rotated'],
        [second.refresh_token, 'live'],
      ])
      expect(rows.access.map((r) => r.value)).toEqual([first.access, second.access_token])
      expect((await v2Refresh(c2, second.refresh_token)).status).toBe(200)
    } finally {
      await server.close()
    }
  })

  it('a reset is kept: tokens from before it are gone after the restart', async () => {
    const file = tempFile()
    let server = await startServer({ port: 0, state: openState(file), warn: () => {} })
    await adminPost(server.url, 'consent', { provider: 'zapier', mode: 'allow' })
    const zapier = (await describeServer(server.url)).find((p) => p.id === 'zapier')!
    const tokens = await obtainTokens(zapier)
    expect((await adminPost(server.url, 'reset', {})).status).toBe(200)
    await server.close()
    server = await startServer({ port: 0, state: openState(file), warn: () => {} })
    try {
      const z2 = (await describeServer(server.url)).find((p) => p.id === 'zapier')!
      expect(await resourceStatus(z2, tokens.access)).toBe(401)
      expect(server.fakes.consent('zapier')).toBe('ask')
    } finally {
      await server.close()
    }
  })

  it('drops a torn last line (its answer never left) and keeps everything before it', async () => {
    const file = tempFile()
    let server = await startServer({ port: 0, state: openState(file), warn: () => {} })
    await adminPost(server.url, 'consent', { provider: 'zapier', mode: 'allow' })
    const zapier = (await describeServer(server.url)).find((p) => p.id === 'zapier')!
    const tokens = await obtainTokens(zapier)
    await server.close()
    appendFileSync(file, '{"t":"client","client":{"provider":"zap')
    server = await startServer({ port: 0, state: openState(file), warn: () => {} })
    try {
      const z2 = (await describeServer(server.url)).find((p) => p.id === 'zapier')!
      expect(await resourceStatus(z2, tokens.access)).toBe(200)
      // The file was rewritten whole at start: the torn line is gone, not parsed on the next start.
      expect(readFileSync(file, 'utf8').endsWith('\n')).toBe(true)
    } finally {
      await server.close()
    }
  })

  it('refuses a file that is not a state file, and leaves it as it was', () => {
    const file = tempFile('notes.txt')
    writeFileSync(file, 'my notes\n')
    expect(() => openState(file)).toThrow(StateError)
    expect(() => openState(file)).toThrow(/not an oauth-fakes state file \(refusing to overwrite it/)
    expect(readFileSync(file, 'utf8')).toBe('my notes\n')
  })

  it('refuses a state file corrupt before its last line, naming the line', async () => {
    const file = tempFile()
    const server = await startServer({ port: 0, state: openState(file), warn: () => {} })
    await adminPost(server.url, 'consent', { provider: 'zapier', mode: 'allow' })
    await adminPost(server.url, 'consent', { provider: 'zapier', mode: 'deny' })
    await server.close()
    const lines = readFileSync(file, 'utf8').split('\n')
    lines[2] = '{garbage'
    writeFileSync(file, lines.join('\n'))
    expect(() => openState(file)).toThrow(/corrupt at line 3/)
    expect(readFileSync(file, 'utf8')).toBe(lines.join('\n'))
  })

  it('refuses a state file of another format version', () => {
    const file = tempFile()
    writeFileSync(file, `${JSON.stringify({ format: 'oauth-fakes-state', version: 99 })}\n`)
    expect(() => openState(file)).toThrow(/state format 99, this version reads 1 and 2/)
  })
})

/** A server in its own process (`oauth-fakes serve --state`), to be killed with SIGKILL. */
async function spawnServer(file: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [await bundledCli(), 'serve', '--port', '0', '--quiet', '--state', file], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
  const lines = createInterface({ input: child.stdout! })
  const url = await new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      const m = /^Control API\s+(\S+)\/__admin/.exec(line)
      if (m) resolve(m[1]!)
    })
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)))
  })
  return { child, url }
}

/** A small seeded generator (mulberry32): the kill moments differ per round, the same every run. */
function seeded(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('serve --state under kill -9', () => {
  it('20 kills at random moments of a soak: every client and every token a client was given still works', { timeout: 600_000 }, async () => {
    const file = tempFile()
    const random = seeded(13)
    const issued: Array<{ provider: ProviderId; access: string }> = []
    const registered: string[] = []
    let checkedUpTo = 0
    for (let round = 0; round < 20; round++) {
      const { child, url } = await spawnServer(file)
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      try {
        const providers = await describeServer(url)
        // Everything a client was told just before the crash must still hold after it (all of
        // it is checked once more at the end).
        for (const t of issued.slice(checkedUpTo)) expect(await resourceStatus(providers.find((p) => p.id === t.provider)!, t.access), `round ${round}: ${t.provider} token`).toBe(200)
        const clients = (await (await fetch(`${url}/__admin/clients`)).json()) as Array<{ clientId: string }>
        for (const id of registered) expect(clients.map((c) => c.clientId), `round ${round}`).toContain(id)
        checkedUpTo = issued.length
        await adminPost(url, 'consent', { provider: '*', mode: 'allow' })
        // Four workers make grants and clients; the process dies after a random number of answers,
        // with requests in flight.
        const killAfter = 4 + Math.floor(random() * 40)
        let answered = 0
        const worker = async (w: number) => {
          for (let i = 0; ; i++) {
            const p = providers[(w + i) % providers.length]!
            if (i % 5 === 4) {
              const clientId = `c-${round}-${w}-${i}`
              const res = await adminPost(url, 'clients', { provider: p.id, clientId, clientSecret: 'secret-secret-secret', redirectUris: ['http://127.0.0.1:9/cb'] })
              if (res.status === 201) registered.push(clientId)
            } else {
              issued.push({ provider: p.id, ...(await obtainTokens(p)) })
            }
            if (++answered === killAfter) child.kill('SIGKILL')
          }
        }
        // Each worker stops at its first failed request: the server is gone.
        await Promise.all([0, 1, 2, 3].map((w) => worker(w).catch(() => undefined)))
      } finally {
        child.kill('SIGKILL')
        await exited
      }
    }
    expect(issued.length).toBeGreaterThan(60)
    expect(registered.length).toBeGreaterThan(5)
    // One last start reads the file the 20th kill left.
    const { child, url } = await spawnServer(file)
    try {
      const providers = await describeServer(url)
      for (const t of issued) expect(await resourceStatus(providers.find((p) => p.id === t.provider)!, t.access)).toBe(200)
    } finally {
      child.kill('SIGKILL')
    }
  })
})
