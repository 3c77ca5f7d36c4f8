/** scripts/bundle-cli.mjs empties its output directory first: only one of its own may be one. */
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { bundleTarget } from '../scripts/bundle-cli.mjs'

const root = dirname(dirname(fileURLToPath(import.meta.url)))

describe('bundleTarget', () => {
  it('takes a directory below dist/ or node_modules/.cache/, relative to the working directory or absolute', () => {
    expect(bundleTarget('dist/bin', root)).toBe(join(root, 'dist/bin'))
    expect(bundleTarget('bin', join(root, 'dist'))).toBe(join(root, 'dist/bin'))
    expect(bundleTarget(join(root, 'node_modules/.cache/oauth-fakes-tests/1-x'), '/')).toBe(join(root, 'node_modules/.cache/oauth-fakes-tests/1-x'))
  })

  it('refuses the repository, any directory above it, dist itself, the cache itself, sources, and anything outside', () => {
    for (const outdir of ['.', '..', '../..', '/', 'dist', 'dist/', 'node_modules/.cache', 'node_modules', '.git', 'mocks', 'distx/bin', tmpdir(), join(tmpdir(), 'x')]) {
      expect(() => bundleTarget(outdir, root), outdir).toThrow(/is not a directory below dist\/ or node_modules\/\.cache\//)
    }
  })
})
