/**
 * The server under test as a child process (`oauth-fakes serve --port 0 --quiet`), so that a crash
 * is seen as one (an exit or a signal), and its memory is read from outside: RSS from
 * `/proc/<pid>/status`, and the V8 heap (after a forced GC) through ./probe.ts over IPC.
 *
 * `Target` is what the fuzz, race, soak and body-limit blocks need; the tests build one over an
 * in-process `startServer({ port: 0 })` instead.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { Endpoint } from './http.ts'

export interface Target extends Endpoint {
  /** The `Host` header the server answers to (`127.0.0.1:<port>`). */
  hostHeader: string
  /** `false` once the server process is gone. */
  alive(): boolean
  /** How it went away (`exit code 1`, `signal SIGSEGV`), once it has. */
  death(): string | undefined
  /** Lines the server printed for errors of its own (`[oauth-fakes…] … failed`). */
  internalErrors(): readonly string[]
}

export interface Memory {
  rss: number
  heapUsed: number
  heapTotal: number
  external: number
  arrayBuffers: number
  /** Whether a full GC ran just before (the probe and `--expose-gc` are there). */
  gc: boolean
}

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const PROBE = new URL('./probe.ts', import.meta.url).href

/** VmRSS / VmHWM of a process, in bytes (Linux); `undefined` elsewhere or once it is gone. */
export function procMemory(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') }
  } catch {
    return undefined
  }
}

export class ServerChild implements Target {
  readonly host = '127.0.0.1'
  port = 0
  hostHeader = ''
  #exit: string | undefined
  #stopping = false
  readonly #errors: string[] = []
  #errorCount = 0
  readonly #stderrTail: string[] = []
  #questions = 0
  readonly #answers = new Map<number, (m: Memory) => void>()
  #peakRss = 0
  #sampler: NodeJS.Timeout | undefined

  private constructor(readonly child: ChildProcess) {}

  get pid(): number {
    return this.child.pid!
  }

  /** Starts `serve --port 0 --quiet` and resolves once it prints its control API URL. */
  static async start(): Promise<ServerChild> {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', '--import', PROBE, 'cli/main.ts', 'serve', '--port', '0', '--host', '127.0.0.1', '--quiet'], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, PORT: '', HOST: '', OAUTH_FAKES_ADMIN_TOKEN: '' },
    })
    const server = new ServerChild(child)
    child.on('exit', (code, signal) => {
      server.#exit = signal ? `signal ${signal}` : `exit code ${code}`
      for (const [, answer] of server.#answers) answer({ rss: Number.NaN, heapUsed: Number.NaN, heapTotal: Number.NaN, external: Number.NaN, arrayBuffers: Number.NaN, gc: false })
      server.#answers.clear()
    })
    child.on('message', (m: unknown) => {
      const msg = m as { type?: string; id?: number } & Memory
      if (msg.type !== 'memory' || msg.id === undefined) return
      const answer = server.#answers.get(msg.id)
      server.#answers.delete(msg.id)
      answer?.({ rss: msg.rss, heapUsed: msg.heapUsed, heapTotal: msg.heapTotal, external: msg.external, arrayBuffers: msg.arrayBuffers, gc: msg.gc })
    })
    createInterface({ input: child.stderr! }).on('line', (line) => {
      server.#stderrTail.push(line)
      if (server.#stderrTail.length > 50) server.#stderrTail.shift()
      if (/^\[oauth-fakes/.test(line)) {
        server.#errorCount++
        if (server.#errors.length < 50) server.#errors.push(line)
      }
    })
    const port = await new Promise<number>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! })
      lines.on('line', (line) => {
        const m = /^Control API\s+http:\/\/127\.0\.0\.1:(\d+)\/__admin/.exec(line)
        if (m) resolve(Number(m[1]))
      })
      child.once('exit', () => reject(new Error(`the server exited before listening (${server.#exit}): ${server.#stderrTail.join('\n')}`)))
    })
    server.port = port
    server.hostHeader = `127.0.0.1:${port}`
    server.#sampler = setInterval(() => {
      const m = procMemory(server.pid)
      if (m && m.rss > server.#peakRss) server.#peakRss = m.rss
    }, 100)
    server.#sampler.unref()
    return server
  }

  alive(): boolean {
    return this.#exit === undefined
  }

  death(): string | undefined {
    return this.#exit
  }

  /** Whether the exit was asked for (`stop`): otherwise it is a crash. */
  get crashed(): boolean {
    return this.#exit !== undefined && !this.#stopping
  }

  internalErrors(): readonly string[] {
    return this.#errors
  }

  get internalErrorCount(): number {
    return this.#errorCount
  }

  stderrTail(): readonly string[] {
    return this.#stderrTail
  }

  /** RSS now (from /proc). */
  rss(): number {
    return procMemory(this.pid)?.rss ?? Number.NaN
  }

  /** The highest RSS seen by the 100 ms sampler since the last `resetPeak`. */
  peakRss(): number {
    return Math.max(this.#peakRss, this.rss() || 0)
  }

  resetPeak(): void {
    this.#peakRss = this.rss() || 0
  }

  /** The child's memory (heap from the probe, after a full GC when `gc`; RSS from /proc after it). */
  memory(gc: boolean): Promise<Memory> {
    if (!this.alive()) return Promise.resolve({ rss: Number.NaN, heapUsed: Number.NaN, heapTotal: Number.NaN, external: Number.NaN, arrayBuffers: Number.NaN, gc: false })
    const id = ++this.#questions
    return new Promise<Memory>((resolve) => {
      this.#answers.set(id, (m) => resolve({ ...m, rss: this.alive() ? this.rss() : Number.NaN }))
      this.child.send({ type: 'memory', id, gc })
    })
  }

  /** SIGTERM, and SIGKILL if it is still there after 5 s. */
  async stop(): Promise<void> {
    clearInterval(this.#sampler)
    if (!this.alive()) return
    this.#stopping = true
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()))
    this.child.kill('SIGTERM')
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }
}
