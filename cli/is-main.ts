import { realpathSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

/**
 * Whether the module at `moduleUrl` is the program node was started with. `npx oauth-fakes` and
 * `node_modules/.bin/oauth-fakes` start it through a symlink, so both sides are resolved first.
 */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1]
  if (!entry) return false
  try {
    return pathToFileURL(realpathSync(entry)).href === pathToFileURL(realpathSync(new URL(moduleUrl))).href
  } catch {
    return false
  }
}
