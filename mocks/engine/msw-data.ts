/**
 * @mswjs/data, loaded the first time something reads a data view (`ClientRegistry.db`, a
 * provider's `data.db`) rather than when the fakes are imported. Its entry module loads msw and
 * graphql (for `toHandlers`, which the fakes never call) and all of date-fns (for its date
 * comparators): about a second, most of what a cold start of the server used to cost
 * (`npm run bench`). It is CommonJS, so it loads synchronously here.
 */
import { createRequire } from 'node:module'
import type * as MswData from '@mswjs/data'

let loaded: typeof MswData | undefined

/** The @mswjs/data module (`factory`, `primaryKey`, `nullable`, …), loaded on first call. */
export function mswData(): typeof MswData {
  loaded ??= createRequire(import.meta.url)('@mswjs/data') as typeof MswData
  return loaded
}
