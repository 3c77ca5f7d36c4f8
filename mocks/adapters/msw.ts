import { http, type HttpHandler } from 'msw'
import type { Fakes } from '../fakes.ts'

/**
 * msw request handlers for the fakes: ONE catch-all handler per host (a handler per route would
 * cost ~8 µs per non-matching handler on every request). The handler only forwards the Request;
 * the provider app decides everything, and answers `undefined` (msw passes the request on) for
 * URLs it does not serve.
 *
 * @example
 * import { setupServer } from 'msw/node'
 * const fakes = createFakes()
 * const server = setupServer(...createHandlers(fakes))
 * server.listen({ onUnhandledRequest: 'error' })
 */
export function createHandlers(fakes: Fakes): HttpHandler[] {
  const handlers: HttpHandler[] = []
  for (const provider of fakes.providers) {
    const app = fakes.app(provider)
    const seen = new Set<string>()
    for (const base of Object.values(fakes.bases(provider))) {
      if (!/^https?:\/\//.test(base)) continue
      const url = new URL(base)
      const prefix = `${url.origin}${url.pathname.replace(/\/+$/, '')}`
      if (seen.has(prefix)) continue
      seen.add(prefix)
      handlers.push(http.all(`${prefix}/*`, ({ request }) => app(request)))
      // RFC 8414 §3.1: a well-known document of a base with a path lives at the origin's root.
      if (url.pathname.replace(/\/+$/, '')) for (const root of fakes.definition(provider).rootPaths ?? []) handlers.push(http.get(`${url.origin}${root}${url.pathname.replace(/\/+$/, '')}`, ({ request }) => app(request)))
    }
  }
  return handlers
}
