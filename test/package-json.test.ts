/** The command finds its own package.json from wherever its code sits (cli/package-json.ts). */
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { findOwnPackage, ownPackageOf } from '../cli/package-json.ts'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const own = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }

describe('findOwnPackage', () => {
  it('finds this package from a source file and from a directory many levels below the root', () => {
    expect(ownPackageOf(import.meta.url)?.version).toBe(own.version)
    // Deeper than any fixed number of steps: a bundle's chunk under node_modules/.cache, say.
    expect(findOwnPackage(join(root, 'node_modules/.cache/oauth-fakes-tests/1-x/chunks/a/b/c'))?.version).toBe(own.version)
  })

  it('skips package.json files of other packages on the way up, and is null outside this package', () => {
    expect(findOwnPackage(join(root, 'node_modules/zod/v4/classic'))?.version).toBe(own.version)
    expect(findOwnPackage(tmpdir())).toBeNull()
  })
})
