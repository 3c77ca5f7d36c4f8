/**
 * The CLI as it ships (`npm run build` → `dist/bin/`, ../scripts/bundle-cli.mjs), bundled once per
 * test file from the sources, for tests that start it as a process many times (a `kill -9` loop,
 * the command-line tests): each start is a plain `node` start of the shipped shape instead of tsx
 * compiling the tree again. The bundle lives under `node_modules/.cache`, so the packages it leaves
 * external resolve from this repository's `node_modules`.
 */
import { mkdirSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll } from 'vitest'
import { bundleCli } from '../scripts/bundle-cli.mjs'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
let built: Promise<string> | undefined
let made: string | undefined

// ~1 MB a bundle, one per test file that imports this: removed once that file's tests are done
// (a hook registered while the file is collected).
afterAll(() => {
  if (made) rmSync(made, { recursive: true, force: true })
})

/** The path of the bundled CLI (`node <path> serve …`). */
export function bundledCli(): Promise<string> {
  built ??= (async () => {
    const dir = join(root, 'node_modules', '.cache', 'oauth-fakes-tests', `${process.pid}-${Date.now().toString(36)}`)
    mkdirSync(dirname(dir), { recursive: true })
    made = dir
    return bundleCli(dir)
  })()
  return built
}
