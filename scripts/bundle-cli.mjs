/**
 * The `oauth-fakes` command as it ships: `cli/main.ts` bundled by esbuild into `<outdir>/oauth-fakes.js`
 * and its chunks (`npm run build` → `dist/bin/`; the command-line tests bundle it the same way,
 * test/cli-bundle.ts).
 *
 * Why a bundle: a cold start of the command was mostly Node's module loader. The serve path loaded
 * ~450 module files (161 of ours, ~285 of zod's), each read, decoded and compiled on its own:
 * `node dist/cli/main.js serve` answered its first request in ~345 ms where a bare node:http
 * server answers in ~140 (README, Performance). Bundled it answers in ~275 ms.
 * - Each command's code stays in a chunk of its own (`splitting`): `--version` loads no server, and
 *   `serve` no conformance suite or report writer.
 * - zod is bundled (it is on every path); zod's `locales` index, which imports all of its 63
 *   languages (zod 4.6), is replaced by one that exports `en`: zod itself imports `en` directly for its
 *   messages, and nothing here asks for another language (~20 ms of a cold start).
 * - Every other package stays external, resolved from `node_modules` as it is installed: msw and
 *   @mswjs/data (the in-process adapter, loaded only there), junit-report-builder (reports), and
 *   playwright-core (`conform --browser`, an optional peer the user installs).
 *
 * `node scripts/bundle-cli.mjs <outdir>`: a directory below `dist/` or `node_modules/.cache/` (`bundleTarget`).
 */
import { readFileSync, rmSync } from 'node:fs'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'esbuild'

const root = dirname(dirname(fileURLToPath(import.meta.url)))

/** Packages left to `node_modules`: every declared one but zod (bundled: see above). */
function externals() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  const names = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})])
  names.delete('zod')
  return [...names]
}

/** zod's `v4/locales/index.js` as `en` alone (zod's own code imports `../locales/en.js` directly). */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: 'export { default as en } from "./en.js"\n',
      resolveDir: dirname(args.path),
    }))
  },
}

/**
 * Where a bundle may be written: `outdir` is emptied first, so it must be a directory of its own
 * below `dist/` (the build's `dist/bin`) or below `node_modules/.cache/` (the tests' bundles) of
 * this repository, never the repository, `dist` itself or anything else. The absolute path, or an
 * Error that says why not.
 */
export function bundleTarget(outdir, base = process.cwd()) {
  const target = resolve(base, outdir)
  const inside = relative(root, target)
  const allowed = inside !== '' && !isAbsolute(inside) && !inside.startsWith('..') && ['dist', join('node_modules', '.cache')].some((dir) => inside.startsWith(dir + sep) && inside.length > dir.length + 1)
  if (!allowed) throw new Error(`bundle-cli: ${target} is not a directory below dist/ or node_modules/.cache/ of ${root}; it would be emptied`)
  return target
}

/** Bundles the command into `outdir` (emptied first: see `bundleTarget`); resolves with the entry's path. */
export async function bundleCli(outdir, { entry = join(root, 'cli/main.ts') } = {}) {
  outdir = bundleTarget(outdir)
  rmSync(outdir, { recursive: true, force: true })
  await build({
    entryPoints: { 'oauth-fakes': entry },
    outdir,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: externals(),
    plugins: [zodEnglishOnly],
    logLevel: 'warning',
  })
  return join(outdir, 'oauth-fakes.js')
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const outdir = process.argv[2]
  if (!outdir) {
    console.error('usage: node scripts/bundle-cli.mjs <outdir>')
    process.exit(2)
  }
  await bundleCli(outdir)
}
