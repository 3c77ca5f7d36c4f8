/**
 * The package as a user gets it (`npm run test:package`, run by .ci/run after `npm test`): `npm pack`,
 * the tarball installed into an empty project with no dev tools, then plain node, a strict
 * consumer `tsc`, `npx oauth-fakes serve` and `npx oauth-fakes conform` there.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SLOW_MACHINE_FLAGS } from '../slow-machine.ts'

const run = promisify(execFile)
const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))))
const work = mkdtempSync(join(tmpdir(), 'oauth-fakes-package-'))
const project = join(work, 'consumer')
const npm = (args: string[], cwd: string) => run('npm', args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' } })

beforeAll(async () => {
  // `npm pack` runs `prepare` (the build): the tarball is what `npm publish` would upload.
  await npm(['pack', '--pack-destination', work], root)
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))!
  mkdirSync(project)
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }))
  // The same @types/node as this repository (already in npm's cache after `npm ci`); no playwright-core.
  const typesNode = (JSON.parse(readFileSync(join(root, 'node_modules/@types/node/package.json'), 'utf8')) as { version: string }).version
  await npm(['install', '--prefer-offline', '--no-save', join(work, tarball), `@types/node@${typesNode}`], project)
}, 900_000)

afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('the installed package', () => {
  it('ships built JavaScript, types, the JSON Schema, a LICENSE, and no tests or TypeScript sources', () => {
    const pkg = join(project, 'node_modules/oauth-fakes')
    const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name).slice(pkg.length + 1)]))
    const all = files(pkg)
    expect(all).toContain('dist/mocks/index.js')
    expect(all).toContain('dist/mocks/index.d.ts')
    expect(all).toContain('dist/conformance/index.d.ts')
    // The command is the bundle (scripts/bundle-cli.mjs), and it is what `npx oauth-fakes` starts.
    expect(all).toContain('dist/bin/oauth-fakes.js')
    expect(realpathSync(join(project, 'node_modules/.bin/oauth-fakes'))).toBe(realpathSync(join(pkg, 'dist/bin/oauth-fakes.js')))
    // The command's own modules ship only inside the bundle (package.json `files`).
    expect(all.filter((f) => f.startsWith('dist/cli/') || f.startsWith('dist/drift/'))).toEqual([])
    expect(all).toContain('LICENSE')
    expect(all.filter((f) => f.startsWith('test/') || (f.endsWith('.ts') && !f.endsWith('.d.ts')))).toEqual([])
    const schema = JSON.parse(readFileSync(join(pkg, 'dist/oauth-fakes.schema.json'), 'utf8')) as { properties: Record<string, unknown> }
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['port', 'publicUrl', 'providers', 'state']))
    expect(readdirSync(join(project, 'node_modules'))).not.toContain('playwright-core')
  })

  it('runs a full cal.com flow in plain node through the msw handlers', async () => {
    writeFileSync(
      join(project, 'flow.mjs'),
      `import { setupServer } from 'msw/node'
import { createFakes, createHandlers } from 'oauth-fakes'
const fakes = createFakes()
const server = setupServer(...createHandlers(fakes))
server.listen({ onUnhandledRequest: 'error' })
fakes.setConsent('calcom', 'allow')
const { clientId, clientSecret, redirectUris } = fakes.demoClient('calcom')
const authorize = await fetch(\`https://app.cal.com/auth/oauth2/authorize?client_id=\${clientId}&redirect_uri=\${encodeURIComponent(redirectUris[0])}&state=s&scope=PROFILE_READ\`, { redirect: 'manual' })
const code = new URL(authorize.headers.get('location')).searchParams.get('code')
const token = await fetch('https://api.cal.com/v2/auth/oauth2/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ client_id: clientId, client_secret: clientSecret, grant_type: 'authorization_code', code, redirect_uri: redirectUris[0] }) })
const tokens = await token.json()
const me = await fetch('https://api.cal.com/v2/me', { headers: { authorization: \`Bearer \${tokens.access_token}\` } })
console.log(JSON.stringify({ authorize: authorize.status, token: token.status, me: me.status }))
server.close()
`,
    )
    const { stdout } = await run(process.execPath, ['flow.mjs'], { cwd: project })
    expect(JSON.parse(stdout)).toEqual({ authorize: 302, token: 200, me: 200 })
  })

  it('type-checks a consumer under tsc --strict --module nodenext --exactOptionalPropertyTypes, without playwright-core', async () => {
    writeFileSync(
      join(project, 'consumer.ts'),
      `import { createFakes, createHandlers, startServer, type Fakes, type FakesOptions } from 'oauth-fakes'
import { runConformance, type ConformanceReport } from 'oauth-fakes/conformance'

const options: FakesOptions = { options: { calcom: { era: 'pages-router' } }, maxBodyBytes: 65536 }
const fakes: Fakes = createFakes(options)
export const handlers = createHandlers(fakes)
export async function conform(): Promise<ConformanceReport> {
  const server = await startServer({ port: 0, onRequest: (line) => console.log(line) })
  await server.close()
  return runConformance({ providers: ['calcom'], command: 'node client.mjs' })
}
`,
    )
    const tsc = join(root, 'node_modules/typescript/bin/tsc')
    // skipLibCheck stays off: the package's own declarations are checked too.
    const result = await run(process.execPath, [tsc, '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--exactOptionalPropertyTypes', '--noEmit', '--types', 'node', 'consumer.ts'], { cwd: project }).catch((e: { stdout: string }) => ({ stdout: e.stdout, failed: true }))
    expect(result.stdout).toBe('')
  })

  it('npx oauth-fakes serve answers, and stops on SIGTERM with exit 0', async () => {
    const child = spawn('npx', ['--no-install', 'oauth-fakes', 'serve', '--port', '0'], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] })
    const url = await controlUrl(child)
    const index = (await (await fetch(`${url}/`, { headers: { accept: 'application/json' } })).json()) as { providers: Array<{ id: string }> }
    expect(index.providers.map((p) => p.id)).toEqual(['calcom', 'bookingsync', 'zapier', 'oauth2'])
    // npx passes SIGTERM to the shell it runs the bin with, which dies: the server notices that it
    // lost its parent and stops too (no orphan left listening).
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    const killedAt = performance.now()
    child.kill('SIGTERM')
    await exited
    while (await fetch(`${url}/`).then(() => true, () => false)) await new Promise((r) => setImmediate(r))
    console.log(`npx oauth-fakes serve: stopped ${Math.round(performance.now() - killedAt)} ms after SIGTERM`)
  })

  it('npx oauth-fakes --version and --help answer; an unknown flag is one line and exit 2', async () => {
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version
    expect((await run('npx', ['--no-install', 'oauth-fakes', '--version'], { cwd: project })).stdout.trim()).toBe(version)
    expect((await run('npx', ['--no-install', 'oauth-fakes', '--help'], { cwd: project })).stdout).toMatch(/^usage: oauth-fakes <command>/)
    const bad = await run('npx', ['--no-install', 'oauth-fakes', 'serve', '--prot', '1'], { cwd: project }).catch((e: { code: number; stderr: string }) => e)
    expect(bad).toMatchObject({ code: 2 })
    expect((bad as { stderr: string }).stderr.trim().split('\n')).toHaveLength(1)
  })

  it('npx oauth-fakes conform passes the shipped reference client; --browser without playwright-core says how to get it', async () => {
    const client = 'node node_modules/oauth-fakes/fixtures/clients/reference.mjs'
    const { stdout } = await run('npx', ['--no-install', 'oauth-fakes', 'conform', '--provider', 'all', '--quiet', '--client', client, ...SLOW_MACHINE_FLAGS], { cwd: project, maxBuffer: 16 * 1024 * 1024 })
    expect(stdout).toMatch(/conformance: \d+ passed, 0 failed/)
    const browser = await run('npx', ['--no-install', 'oauth-fakes', 'conform', '--provider', 'zapier', '--browser', '--client', client], { cwd: project }).catch((e: { code: number; stderr: string }) => e)
    expect(browser).toMatchObject({ code: 2 })
    expect((browser as { stderr: string }).stderr).toContain('npm install playwright-core')
  })
})

/** The control API's URL from the server's start lines. */
function controlUrl(child: ChildProcess): Promise<string> {
  let stderr = ''
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^Control API\s+(\S+)\/__admin/.exec(line)
      if (m) resolve(m[1]!)
    })
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)))
  })
}
