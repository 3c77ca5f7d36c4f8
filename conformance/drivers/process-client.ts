/**
 * A client under test that is a process in any language: started through a shell with the
 * docs/client-contract.md §5 environment, reached over HTTP on 127.0.0.1:$PORT, killed (its whole process group)
 * as soon as its scenario ends.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CookieJar, type RequestSite } from '../cookies.ts'
import { HttpAgents, sendRequest, setCookies } from '../http-request.ts'
import { type ClientAnswer, type ClientConfig, type ClientDriver, ClientNoAnswerError, ClientStartError, configToEnv } from './driver.ts'

/** Never hand the client this port: the fakes' documented default. */
const RESERVED_PORTS = new Set([4010])
const STDERR_KEEP = 8_000
/**
 * Client ports come from below Linux's ephemeral range (32768+): a port taken from bind(0) and
 * released could be handed straight to the next bind(0) — a fake server starting for another
 * scenario — and the client would fail to bind while the suite happily connected to that server.
 */
const PORT_RANGE = { from: 20_000, to: 32_000 }
/** Ports handed out by this process, never handed out twice. */
const handedOut = new Set<number>()
/** The quickest any client took to open its port in this process (ms): where port polling starts. */
let quickestStartMs: number | undefined
/** Clients running now: killed by `killAllClients()` when the suite is interrupted. */
const running = new Set<ProcessClient>()

/** Kills every client process group still running, synchronously (the CLI's SIGINT handler). */
export function killAllClients(): void {
  for (const client of running) client.kill()
}

/** Whether `port` on 127.0.0.1 can be listened on now. */
export function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/**
 * Ports claimed by suites running on this machine: one file per port, holding the claiming
 * process's id. Two suites at once (two test runs, vitest's workers, CI jobs sharing a runner) would
 * otherwise pick the same free port now and then: the second client fails to bind it, and that
 * suite talks to the first one's client without knowing. Per user: another user's files are not ours to judge.
 */
const LOCK_DIR = join(tmpdir(), `oauth-fakes-ports-${process.getuid?.() ?? 'user'}`)
/** The lock files this process made, by port: removed when its client has exited, or when this process exits. */
const claimed = new Map<number, string>()
let releaseAtExit = false

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists, but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Claims `port` for this process across the machine: false when a live process holds it. A claim
 * left by a process that died is taken over; where no lock can be made at all (a read-only temporary
 * directory), the port is used as before, checked by binding it only.
 */
export function claimPort(port: number, dir = LOCK_DIR): boolean {
  const file = join(dir, String(port))
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number
    try {
      mkdirSync(dir, { recursive: true })
      // Only an exclusive create makes a claim: two processes can never both succeed.
      fd = openSync(file, 'wx')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return true
      const owner = claimOwner(file)
      // Removed meanwhile: try again. Being written (empty for an instant), or held by a live process: not ours.
      if (owner === undefined) continue
      if (owner === null || processAlive(owner)) return false
      clearStaleClaim(file, owner)
      continue
    }
    try {
      writeSync(fd, String(process.pid))
    } catch {
      // An empty claim would read as "being written" for ever.
      try {
        unlinkSync(file)
      } catch {
        // Nothing to tidy.
      }
      return true
    } finally {
      closeSync(fd)
    }
    if (!releaseAtExit) process.once('exit', releaseClaims)
    releaseAtExit = true
    claimed.set(port, file)
    return true
  }
  return false
}

/** The pid a claim names; `null` while it is being written, `undefined` when it is gone. */
function claimOwner(file: string): number | null | undefined {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
  const pid = Number(text)
  return text !== '' && Number.isInteger(pid) && pid > 0 ? pid : null
}

/**
 * Removes the claim of `deadOwner`, and nothing else: unlinking by name could remove a fresh claim
 * another process made after the stale one went (two processes clearing the same stale claim). The
 * file is moved aside first (atomic), and put back when what was moved is not the dead owner's.
 */
export function clearStaleClaim(file: string, deadOwner: number): void {
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`
  try {
    renameSync(file, aside)
  } catch {
    return // gone already
  }
  try {
    if (claimOwner(aside) !== deadOwner) linkSync(aside, file) // someone's fresh claim: back it goes
  } catch {
    // Another claim was made meanwhile: that one stands.
  } finally {
    try {
      unlinkSync(aside)
    } catch {
      // Nothing to tidy.
    }
  }
}

/** Gives up this process's claim on `port` (its client has exited; this process never hands it out again). */
export function releasePort(port: number): void {
  const file = claimed.get(port)
  if (file === undefined) return
  claimed.delete(port)
  try {
    unlinkSync(file)
  } catch {
    // Gone already.
  }
}

function releaseClaims(): void {
  for (const file of claimed.values()) {
    try {
      unlinkSync(file)
    } catch {
      // Gone already.
    }
  }
  claimed.clear()
}

/**
 * A free TCP port on 127.0.0.1 for a client: never one this process handed out before, nor one
 * another suite on this machine has claimed (`claimPort`), and bindable now (the client binds it next).
 */
export async function freePort(range: { from: number; to: number } = PORT_RANGE, lockDir = LOCK_DIR): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = range.from + Math.floor(Math.random() * (range.to - range.from))
    if (RESERVED_PORTS.has(port) || handedOut.has(port)) continue
    handedOut.add(port)
    if (!claimPort(port, lockDir)) continue
    if (await bindable(port)) return port
  }
  throw new Error('no free port found for the client')
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

export interface ProcessClientOptions {
  command: string
  config: ClientConfig
  port: number
  /** How long the client may take to accept connections (docs/client-contract.md §5: at most 10 s). */
  startTimeoutMs?: number
  /** How long one route may take to answer. */
  requestTimeoutMs?: number
}

export class ProcessClient implements ClientDriver {
  readonly #child: ChildProcess
  readonly #origin: string
  readonly #port: number
  readonly #requestTimeoutMs: number
  /** The user's browser keeps the client's cookies (one jar per scenario: a client process per scenario). */
  readonly #cookies = new CookieJar()
  /** Keep-alive connections to the client, closed with it. */
  readonly #agents = new HttpAgents()
  #stderr = ''
  #exited: { code: number | null; signal: NodeJS.Signals | null } | null = null

  private constructor(child: ChildProcess, port: number, requestTimeoutMs: number) {
    this.#child = child
    this.#origin = `http://127.0.0.1:${port}`
    this.#port = port
    this.#requestTimeoutMs = requestTimeoutMs
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-STDERR_KEEP)
    })
    // stdout is drained so a chatty client never blocks on a full pipe.
    child.stdout?.resume()
    running.add(this)
    child.once('exit', (code, signal) => {
      this.#exited = { code, signal }
      running.delete(this)
    })
  }

  /** SIGKILLs the client's process group now, without waiting for it. */
  kill(): void {
    if (this.#exited || this.#child.pid === undefined) return
    try {
      process.kill(-this.#child.pid, 'SIGKILL')
    } catch {
      // Already gone.
    }
  }

  get stderr(): string {
    return this.#stderr
  }

  /** Starts the command and waits until its port accepts connections. */
  static async start(options: ProcessClientOptions): Promise<ProcessClient> {
    const env = { ...process.env, ...configToEnv(options.config, options.port) }
    // detached: the shell and whatever it starts share a new process group we can kill whole.
    const child = spawn('/bin/sh', ['-c', options.command], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    const client = new ProcessClient(child, options.port, options.requestTimeoutMs ?? 5_000)
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve))
    let failure: Error | undefined
    void spawnError.then((e) => (failure = e))
    const deadline = Date.now() + (options.startTimeoutMs ?? 10_000)
    // Polled: not before three quarters of the quickest start seen so far (a refused connect costs
    // the CPU the starting clients need), then every 10 ms at first and a tenth of the time the
    // client has taken so far (at most 50 ms): a slow start on a busy machine costs at most a tenth
    // more, not dozens of refused connects.
    const since = Date.now()
    if (quickestStartMs !== undefined) await new Promise((r) => setTimeout(r, quickestStartMs! * 0.75))
    while (Date.now() < deadline) {
      if (failure) break
      if (client.#exited) break
      if (await canConnect(options.port)) {
        quickestStartMs = Math.min(quickestStartMs ?? Infinity, Date.now() - since)
        return client
      }
      await new Promise((r) => setTimeout(r, Math.min(50, Math.max(10, (Date.now() - since) / 10))))
    }
    const why = failure
      ? `could not be started: ${failure.message}`
      : client.#exited
        ? `exited before opening port ${options.port} (exit code ${client.#exited.code ?? client.#exited.signal})`
        : `did not open port ${options.port} within ${options.startTimeoutMs ?? 10_000} ms`
    await client.close()
    throw new ClientStartError(`client "${options.command}" ${why}`, client.#stderr)
  }

  /** A request as the user's browser makes it: with the jar's cookies, keeping what the client sets. */
  async #request(path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}, site: RequestSite = 'same-site'): Promise<ClientAnswer> {
    const url = path.startsWith('http') ? path : `${this.#origin}${path}`
    const target = new URL(url)
    const headers = { ...init.headers }
    const cookie = this.#cookies.header(target, site, init.method ?? 'GET')
    if (cookie) headers.cookie = cookie
    try {
      const answer = await sendRequest(target, { ...init, headers, timeoutMs: this.#requestTimeoutMs, agents: this.#agents })
      this.#cookies.store(target, setCookies(answer.headers))
      return { status: answer.status, location: answer.headers.location ?? null, body: answer.body }
    } catch (error) {
      const exited = this.#exited ? ` (the client exited: ${this.#exited.code ?? this.#exited.signal})` : ''
      throw new ClientNoAnswerError(`${init.method ?? 'GET'} ${target.pathname} got no answer within ${this.#requestTimeoutMs} ms: ${(error as Error).message}${exited}`)
    }
  }

  login(): Promise<ClientAnswer> {
    return this.#request('/login')
  }

  callback(url: string): Promise<ClientAnswer> {
    // The redirect names the client's own origin (its registered redirect URI): call it as is. It
    // is the provider's redirect, a top-level navigation from another site (SameSite=Lax, not Strict).
    return this.#request(url, {}, 'cross-site')
  }

  oob(code: string): Promise<ClientAnswer> {
    return this.#request('/oob', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ code }).toString() })
  }

  resource(): Promise<ClientAnswer> {
    return this.#request('/resource')
  }

  async close(): Promise<void> {
    this.#agents.destroy()
    await this.#stop()
    // Nothing of this client listens any more: another suite on the machine may have the port.
    releasePort(this.#port)
  }

  async #stop(): Promise<void> {
    if (this.#exited || this.#child.pid === undefined) return
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()))
    try {
      process.kill(-this.#child.pid, 'SIGKILL')
    } catch {
      // Already gone (the group died between the check and the kill).
      return
    }
    await exited
  }
}
