/**
 * The CLI as one JavaScript file, for tests that start it as a process many times (a `kill -9`
 * loop, the command-line tests): esbuild bundles `cli/main.ts` once per test file in a fraction of
 * a second, and each start is then a plain `node` start instead of tsx compiling the tree again.
 * Dependencies stay external: the bundle lives under `node_modules/.cache`, so they resolve from
 * this repository's `node_modules`.
 */
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
let built: Promise<string> | undefined

/** The path of the bundled CLI (`node <path> serve …`). */
export function bundledCli(): Promise<string> {
  built ??= (async () => {
    const dir = join(root, 'node_modules', '.cache', 'oauth-fakes-tests', `${process.pid}-${Date.now().toString(36)}`)
    mkdirSync(dir, { recursive: true })
    const outfile = join(dir, 'oauth-fakes.mjs')
    await build({ entryPoints: [join(root, 'cli', 'main.ts')], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'silent' })
    return outfile
  })()
  return built
}
