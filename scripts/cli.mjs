#!/usr/bin/env node
// `npx oauth-fakes serve [--port N] [--host H]` and `npx oauth-fakes conform --provider … --client "…"`.
// The sources are TypeScript, run through tsx (a dependency): no build step.
import { register } from 'tsx/esm/api'

const [command = 'serve', ...rest] = process.argv.slice(2)
const scripts = { serve: '../scripts/serve.ts', conform: '../conformance/cli.ts' }
if (!(command in scripts) || command === '--help' || command === '-h') {
  console.error('usage: oauth-fakes serve [--port N] [--host H]\n       oauth-fakes conform --provider <calcom|bookingsync|zapier|all> --client "<command>"')
  process.exit(command === '--help' || command === '-h' ? 0 : 2)
}
process.argv = [process.argv[0], process.argv[1], ...rest]
register()
const module = await import(new URL(scripts[command], import.meta.url).href)
// The conformance CLI exports `main` (it runs itself only as the entry script).
if (typeof module.main === 'function') process.exit(await module.main(rest))
