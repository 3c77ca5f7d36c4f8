import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** What the command reads of this package's own package.json. */
export interface OwnPackage {
  name: 'oauth-fakes'
  version?: string
  repository?: string | { url?: string }
  homepage?: string
}

/**
 * This package's package.json, found upwards from `from` (a directory): the first one named
 * `oauth-fakes`, however deep the code that asks sits — a source file, tsc's output, or a chunk of
 * the command's bundle (`dist/bin/chunks/`, or the tests' bundle under `node_modules/.cache`).
 * `null` when there is none up to the filesystem's root.
 */
export function findOwnPackage(from: string): OwnPackage | null {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown }
      if (pkg.name === 'oauth-fakes') return pkg as OwnPackage
    } catch {
      // none here, or not JSON: one directory up
    }
    if (dirname(dir) === dir) return null
  }
}

/** `findOwnPackage` from the module at `moduleUrl` (its `import.meta.url`). */
export function ownPackageOf(moduleUrl: string): OwnPackage | null {
  return findOwnPackage(dirname(fileURLToPath(moduleUrl)))
}
