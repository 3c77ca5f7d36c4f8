/**
 * The README's curl walk-throughs, run exactly as written (only the port differs) against a real
 * standalone server. The answers are judged from the fakes' request log.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ProviderId } from '../mocks/engine/controls.ts'
import { type RunningServer, startServer } from '../mocks/server.ts'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

function walkthrough(provider: string): string {
  const match = readme.match(new RegExp(`<!-- walkthrough: ${provider} -->\\n\`\`\`sh\\n([\\s\\S]*?)\`\`\``))
  if (!match) throw new Error(`README has no walk-through for ${provider}`)
  return match[1]!
}

describe('the README walk-throughs', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer({ port: 0 })
  })
  afterAll(() => server.close())

  async function run(provider: ProviderId): Promise<{ stdout: string; log: Array<{ method: string; path: string; status: number }> }> {
    server.fakes.reset()
    const script = walkthrough(provider).replaceAll('http://127.0.0.1:4010', server.url)
    const cwd = mkdtempSync(join(tmpdir(), 'oauth-fakes-readme-'))
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], { cwd })
    return { stdout, log: server.fakes.requests(provider).map((r) => ({ method: r.method, path: r.path, status: r.status })) }
  }

  it('cal.com (today): authorize → consent → code → API v2 token → me → clock +1801 s → 401 → refresh (rotating) → the old refresh token refused → me again', async () => {
    const { stdout, log } = await run('calcom')
    expect(stdout).toContain('<h1>Demo App would like access to your Cal.com account</h1>')
    expect(stdout).toMatch(/^http:\/\/127\.0\.0\.1:3000\/callback\?code=[A-Za-z0-9_-]{54}&state=xyz$/m)
    expect(stdout).toMatch(/^\{"access_token":"[^"]+","token_type":"bearer","refresh_token":"[^"]+","expires_in":1800,"scope":"BOOKING_READ PROFILE_READ"\}$/m)
    expect(stdout).toMatch(/^\{"status":"success","data":\{"id":1,.*"username":"pro".*\}\} 200$/m)
    expect(stdout).toMatch(/"error":\{"code":"UnauthorizedException","message":"Invalid Access Token\.".*\} 401$/m)
    expect(stdout).toContain('{"error":"invalid_grant","error_description":"refresh_token_revoked"} 400')
    expect(log.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'GET /auth/oauth2/authorize 200',
      'POST /auth/oauth2/authorize 302',
      'POST /v2/auth/oauth2/token 200',
      'GET /v2/me 200',
      'GET /v2/me 401',
      'POST /v2/auth/oauth2/token 200',
      'POST /v2/auth/oauth2/token 400',
      'GET /v2/me 200',
    ])
  })

  it('BookingSync: the out-of-band flow, expiry and rotation', async () => {
    const { stdout, log } = await run('bookingsync')
    expect(stdout).toMatch(/\/bookingsync\/oauth\/authorize\/[0-9a-f]{64}$/m)
    expect(stdout).toMatch(/"token_type":"bearer","expires_in":7200/)
    expect(stdout).toContain('error_description="The access token expired"')
    expect(stdout).toContain('"error":"invalid_grant"')
    expect(log.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'GET /oauth/authorize 200',
      'POST /oauth/authorize 302',
      expect.stringMatching(/^GET \/oauth\/authorize\/[0-9a-f]{64} 200$/),
      'POST /oauth/token 200',
      'GET /api/v3/rentals 200',
      'GET /api/v3/accounts 401',
      'POST /oauth/token 200',
      'POST /oauth/token 401',
    ])
  })

  it('Zapier: code, tokens, API, rotation, the app token and the errors', async () => {
    const { stdout, log } = await run('zapier')
    expect(stdout).toMatch(/^http:\/\/127\.0\.0\.1:3000\/callback\?code=[A-Za-z0-9]{30}&state=xyz$/m)
    expect(stdout).toMatch(/"expires_in": 36000, "token_type": "Bearer", "scope": "profile zap", "refresh_token": "[A-Za-z0-9]{30}"/)
    expect(stdout).toContain('"full_name":"Jacob Corwin"')
    expect(stdout).toContain('{"error": "invalid_grant"}')
    expect(stdout).toMatch(/^204$/m)
    expect(stdout).toContain('"code":"not_authenticated"')
    expect(stdout).toContain('error_description="The access token has expired."')
    expect(stdout).toMatch(/^401$/m)
    expect(log.filter((r) => r.status >= 500)).toEqual([])
  })
})
