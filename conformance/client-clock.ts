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
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
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

export class ClientClock {
  readonly dir: string
  readonly offsetFile: string
  readonly #faketimeFile: string
  readonly #library: string | undefined
  #offsetSeconds = 0

  /** `dir`: a directory `create` made and wrote the files in (without it, the constructor makes and writes them, synchronously). */
  constructor(mode: ClientClockMode, dir?: string) {
    this.dir = dir ?? mkdtempSync(join(tmpdir(), 'oauth-fakes-clock-'))
    this.offsetFile = join(this.dir, 'offset')
    this.#faketimeFile = join(this.dir, 'faketime')
    this.#library = mode === 'faketime' ? cachedFaketime() : undefined
    if (dir === undefined) this.#write()
  }

  /** A clock whose files are made without blocking the event loop (the suite makes one per scenario). */
  static async create(mode: ClientClockMode): Promise<ClientClock> {
    const dir = await mkdtemp(join(tmpdir(), 'oauth-fakes-clock-'))
    await Promise.all([writeFile(join(dir, 'offset'), '0\n'), writeFile(join(dir, 'faketime'), '+0\n')])
    return new ClientClock(mode, dir)
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
    rmSync(this.dir, { recursive: true, force: true })
  }

  /** `dispose`, without blocking the event loop. */
  async close(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true })
  }
}
