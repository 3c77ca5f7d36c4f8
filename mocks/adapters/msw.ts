import { http, type HttpHandler } from 'msw'
import type { ProviderApp } from '../engine/provider.ts'
import type { Fakes } from '../fakes.ts'

/**
 * msw request handlers for the fakes: ONE catch-all handler for every provider and host (and a
 * second, GET only, for the RFC 8414 well-known documents a base with a path has at its origin's
 * root). msw tries its handlers one after the other and, for each, parses the URL, reads the
 * cookies and compiles a string path into a regular expression before it knows whether the
 * handler matches; a handler per host cost every request that price once per handler before it
 * (cal.com's API, Zapier's auth host), and the compiled path another part of it. Here the paths
 * are one regular expression, built once, that captures nothing for msw to decode (it decoded what
 * a path pattern's `*` matched, and a malformed escape made it answer 500). The handler hands the
 * Request to the first provider, in the providers' order, whose base it is below (as the first
 * `<base>/*` handler that matched did), and answers `undefined` (msw passes the request on) for a
 * URL none serves.
 *
 * @example
 * import { setupServer } from 'msw/node'
 * const fakes = createFakes()
 * const server = setupServer(...createHandlers(fakes))
 * server.listen({ onUnhandledRequest: 'error' })
 */
export function createHandlers(fakes: Fakes): HttpHandler[] {
  const apps: ProviderApp[] = []
  const prefixes: string[] = []
  const roots: string[] = []
  for (const provider of fakes.providers) {
    let served = false
    for (const base of Object.values(fakes.bases(provider))) {
      // A provider mounted on relative paths (the standalone server's fakes) has no URL to intercept.
      if (!/^https?:\/\//.test(base)) continue
      served = true
      const url = new URL(base)
      const path = url.pathname.replace(/\/+$/, '')
      prefixes.push(`${url.origin}${path}/`)
      // RFC 8414 §3.1: a well-known document of a base with a path lives at the origin's root.
      if (path) for (const root of fakes.definition(provider).rootPaths ?? []) roots.push(`${url.origin}${root}${path}`)
    }
    if (served) apps.push(fakes.app(provider))
  }
  if (!apps.length) return []
  const answer = ({ request }: { request: Request }) => {
    const url = new URL(request.url)
    for (const app of apps) if (app.serves(url)) return app(request)
    return undefined
  }
  // msw matches a RegExp against the URL without its query and fragment.
  const handlers = [http.all(new RegExp(`^(?:${prefixes.map((p) => `${escapeRegExp(p)}.*`).join('|')})$`), answer)]
  if (roots.length) handlers.push(http.get(new RegExp(`^(?:${roots.map(escapeRegExp).join('|')})$`), answer))
  return handlers
}

/** `text` as a regular expression that matches it literally. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}
