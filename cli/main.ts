#!/usr/bin/env node
/**
 * `oauth-fakes`: the command line. `serve` (the default) runs the fakes; `conform` runs the
 * conformance suite against a client.
 */
import { isMain } from './is-main.ts'
import { ownPackageOf } from './package-json.ts'

export const USAGE = `usage: oauth-fakes <command> [options]

commands:
  serve     run the fakes (cal.com, BookingSync, Zapier) and their control API (default)
  conform   run the conformance suite against an OAuth client (any language)
  drift     compare a fake with the real provider's server (what changed since the fake was written)

  oauth-fakes <command> --help    the command's options
  oauth-fakes --version           the version`

/** This package's version, from its package.json (found upwards from this file: source, built or bundled). */
export function version(): string {
  return ownPackageOf(import.meta.url)?.version ?? 'unknown'
}

/** Runs a command; resolves with the exit code, or (serve) once the server stops. */
export async function main(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv
  if (first === '--version' || first === '-v') {
    console.log(version())
    return 0
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    console.log(USAGE)
    return 0
  }
  const command = first === undefined || first.startsWith('-') ? 'serve' : first
  const args = command === first ? rest : argv
  if (command === 'serve') {
    // Imported here: `--version` and `--help` load no server.
    const { serve } = await import('./serve.ts')
    const started = await serve(args)
    if (typeof started === 'number') return started
    return new Promise<number>((resolve) => {
      let stopping = false
      const stop = () => {
        if (stopping) return
        stopping = true
        void started.stop().then(() => resolve(0))
        // Keep-alive sockets may hold close(): do not wait for them past a second.
        setTimeout(() => resolve(0), 1000).unref()
      }
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
      process.once('SIGHUP', stop)
      // Under npm (`npm start`, `npx oauth-fakes`) npm passes a signal to the shell it started this
      // process with; the shell dies and leaves the server orphaned. Stop when the parent goes.
      if (process.env.npm_command !== undefined) {
        const parent = process.ppid
        setInterval(() => {
          if (process.ppid !== parent) stop()
        }, 250).unref()
      }
    })
  }
  if (command === 'conform') {
    const { main: conform } = await import('../conformance/cli.ts')
    return conform([...args])
  }
  if (command === 'drift') {
    const { main: drift } = await import('../drift/cli.ts')
    return drift([...args])
  }
  console.error(`oauth-fakes: unknown command "${command}" (serve, conform or drift; see --help)`)
  return 2
}

// Run as the program (`oauth-fakes …`, `node dist/bin/oauth-fakes.js …`, the bundle of this file: scripts/bundle-cli.mjs); tests import `main`.
if (isMain(import.meta.url)) process.exit(await main(process.argv.slice(2)))
