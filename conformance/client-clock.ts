/**
 * The client's clock. The suite moves the fakes' clock instead of waiting (a 2-hour token expires
 * in a millisecond); a client that refreshes on its own clock from `expires_in` — a correct design
 * — must see the same move, or it is judged for an expiry it could not see. Two ways, both given
 * to every process client:
 *
 * - `OAUTH_CLOCK_OFFSET_FILE`: a file holding how many seconds the fakes' clock is ahead of real
 *   time (an integer), rewritten before the suite's next request to the client. Any client can
 *   read it (the Go example does: Go does not call libc for the time).
 * - Debian's libfaketime (package `faketime`), preloaded with the same offset (re-read on every
 *   time call), so a Python, Ruby or Node client's clock moves by itself. Monotonic clocks are
 *   left alone (timeouts keep working).
 *
 * Where libfaketime is missing the suite still writes the file, and does not fail a client that
 * refreshes from `expires_in` for missing an expiry its clock did not show (see `refresh-on-expiry`).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Where Debian puts libfaketime. */
export const FAKETIME_LIBRARIES = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/faketime/libfaketime.so.1']

export function findFaketime(): string | undefined {
  return FAKETIME_LIBRARIES.find((p) => existsSync(p))
}

/** `findFaketime()` once per process: every scenario asks. */
let faketime: { library: string | undefined } | undefined
function cachedFaketime(): string | undefined {
  faketime ??= { library: findFaketime() }
  return faketime.library
}

/** How far a client's clock can be moved: by itself (`faketime`), or only through the offset file. */
export type ClientClockMode = 'faketime' | 'offset-file'

/**
 * One directory for every clock of this process (made on first use, removed when the process exits):
 * a directory per scenario cost the suite a mkdtemp and a recursive rm each.
 */
let shared: { dir: string; next: number } | undefined
function sharedDir(): { dir: string; next: number } {
  if (!shared) {
    const dir = mkdtempSync(join(tmpdir(), 'oauth-fakes-clock-'))
    shared = { dir, next: 0 }
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
  }
  return shared
}

export class ClientClock {
  readonly offsetFile: string
  readonly #faketimeFile: string
  readonly #library: string | undefined
  #offsetSeconds = 0

  /** `written`: `create` wrote the files already (without it, the constructor writes them, synchronously). */
  constructor(mode: ClientClockMode, written?: { offsetFile: string; faketimeFile: string }) {
    const files = written ?? ClientClock.#files()
    this.offsetFile = files.offsetFile
    this.#faketimeFile = files.faketimeFile
    this.#library = mode === 'faketime' ? cachedFaketime() : undefined
    if (written === undefined) this.#write()
  }

  static #files(): { offsetFile: string; faketimeFile: string } {
    const dir = sharedDir()
    const n = ++dir.next
    return { offsetFile: join(dir.dir, `${n}.offset`), faketimeFile: join(dir.dir, `${n}.faketime`) }
  }

  /** A clock whose files are written without blocking the event loop (the suite makes one per scenario). */
  static async create(mode: ClientClockMode): Promise<ClientClock> {
    const files = ClientClock.#files()
    await Promise.all([writeFile(files.offsetFile, '0\n'), writeFile(files.faketimeFile, '+0\n')])
    return new ClientClock(mode, files)
  }

  /** Whether the client's own clock moves (libfaketime preloaded). */
  get moves(): boolean {
    return this.#library !== undefined
  }

  get offsetSeconds(): number {
    return this.#offsetSeconds
  }

  advance(seconds: number): void {
    this.#offsetSeconds += Math.round(seconds)
    this.#write()
  }

  #write(): void {
    // Write-then-rename would leave a window with no file for libfaketime; a same-size overwrite is atomic enough for a number.
    writeFileSync(this.offsetFile, `${this.#offsetSeconds}\n`)
    writeFileSync(this.#faketimeFile, `+${this.#offsetSeconds}\n`)
  }

  /** The environment that gives a process client this clock. */
  env(): Record<string, string> {
    const env: Record<string, string> = { OAUTH_CLOCK_OFFSET_FILE: this.offsetFile }
    if (this.#library) {
      env.LD_PRELOAD = [this.#library, process.env.LD_PRELOAD].filter(Boolean).join(' ')
      env.FAKETIME_TIMESTAMP_FILE = this.#faketimeFile
      env.FAKETIME_NO_CACHE = '1'
      env.DONT_FAKE_MONOTONIC = '1'
    }
    return env
  }

  dispose(): void {
    for (const file of [this.offsetFile, this.#faketimeFile]) rmSync(file, { force: true })
  }

  /** `dispose`, without blocking the event loop. */
  async close(): Promise<void> {
    await Promise.all([this.offsetFile, this.#faketimeFile].map((file) => unlink(file).catch(() => undefined)))
  }
}
