/**
 * The ports the suite hands to the clients it starts: two suites on one machine (two test runs,
 * vitest's workers, CI jobs on one runner) must never hand out the same one, or one suite talks to
 * the other's client without knowing.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ProcessClient, bindable, claimPort, clearStaleClaim, freePort } from '../conformance/drivers/process-client.ts'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'oauth-fakes-port-test-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

/** The id of a process that has exited (its claims are stale). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
  return Number(child.stdout)
}

describe('client ports', () => {
  it('skips a port another live suite has claimed, and takes over a claim whose process died', async () => {
    // Two ports in the range: the first claimed by a live process (this test's parent), the second by a dead one.
    // Not one another suite's client listens on now (freePort checks by binding as well).
    let base = 0
    do base = 20_000 + Math.floor(Math.random() * 5_000) * 2
    while (!(await bindable(base + 1)))
    writeFileSync(join(dir, String(base)), String(process.ppid))
    writeFileSync(join(dir, String(base + 1)), String(deadPid()))
    const port = await freePort({ from: base, to: base + 2 }, dir)
    expect(port).toBe(base + 1)
    expect(readFileSync(join(dir, String(base + 1)), 'utf8')).toBe(String(process.pid))
    // The live claim is untouched, and nothing else is free in the range.
    expect(readFileSync(join(dir, String(base)), 'utf8')).toBe(String(process.ppid))
    await expect(freePort({ from: base, to: base + 2 }, dir)).rejects.toThrow('no free port')
  })

  it('refuses a port another process holds, takes it over once that process is killed, and frees its claims when it exits', async () => {
    const port = 33_000 + Math.floor(Math.random() * 1_000)
    const module = JSON.stringify(fileURLToPath(new URL('../conformance/drivers/process-client.ts', import.meta.url)))
    const claimer = (then: string) =>
      spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `import { claimPort } from ${module}\nprocess.stdout.write(String(claimPort(${port}, ${JSON.stringify(dir)})) + '\\n')\n${then}`], { stdio: ['ignore', 'pipe', 'inherit'] })
    const firstLine = (child: ReturnType<typeof spawn>) => new Promise<string>((resolve) => child.stdout!.once('data', (c: Buffer) => resolve(c.toString().trim())))
    const exited = (child: ReturnType<typeof spawn>) => new Promise<void>((resolve) => child.once('exit', () => resolve()))

    // A process that claims the port and stays: nobody else gets it.
    const holder = claimer('setInterval(() => {}, 1000)')
    expect(await firstLine(holder)).toBe('true')
    expect(claimPort(port, dir)).toBe(false)
    // Killed (no exit handler runs): its claim is stale, and taken over.
    holder.kill('SIGKILL')
    await exited(holder)
    expect(claimPort(port, dir)).toBe(true)
    expect(claimPort(port, dir)).toBe(false) // held by this process now: not handed out twice
    rmSync(join(dir, String(port)))

    // A process that claims and exits normally leaves nothing behind.
    const quitter = claimer('')
    expect(await firstLine(quitter)).toBe('true')
    await exited(quitter)
    expect(existsSync(join(dir, String(port)))).toBe(false)
  })

  it('gives the port back when its client has exited, for other suites (never to this one again)', async () => {
    const port = await freePort(undefined, dir)
    const claim = join(dir, String(port))
    expect(readFileSync(claim, 'utf8')).toBe(String(process.pid))
    const config = { provider: 'zapier', baseUrl: '', authorizeUrl: '', tokenUrl: '', refreshUrl: '', resourceUrl: '', clientId: 'c', clientSecret: 's', redirectUri: '', scope: '' } as const
    const client = await ProcessClient.start({ command: `"${process.execPath}" -e "require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1')"`, config, port })
    expect(existsSync(claim)).toBe(true) // held while the client runs
    await client.close()
    expect(existsSync(claim)).toBe(false)
  })

  it('clears a dead process\'s claim without removing a claim made after it (two suites clearing it at once)', () => {
    const file = join(dir, '21000')
    const dead = deadPid()
    // The other suite cleared the stale claim and claimed the port afresh before this one got to it.
    writeFileSync(file, String(process.ppid))
    clearStaleClaim(file, dead)
    expect(readFileSync(file, 'utf8')).toBe(String(process.ppid))
    // The stale claim itself goes, and leaves nothing beside it.
    writeFileSync(file, String(dead))
    clearStaleClaim(file, dead)
    expect(existsSync(file)).toBe(false)
    expect(readdirSync(dir)).toEqual([])
  })
})
