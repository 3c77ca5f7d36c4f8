/**
 * Runs the same tests against the fakes in-process (msw on the providers' real URLs, no server)
 * and over HTTP (a real standalone server on a free port). `describeModes` gives each test a
 * `Harness` whose `url()` points at the right place and whose `admin()` drives the control API
 * (the `/__admin` HTTP API, or the same handler called in-process).
 */
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe } from 'vitest'
import { createHandlers } from '../mocks/adapters/msw.ts'
import { createAdminApp } from '../mocks/admin.ts'
import { createClock } from '../mocks/engine/clock.ts'
import type { ProviderId } from '../mocks/engine/controls.ts'
import { type Fakes, type FakesOptions, createFakes } from '../mocks/fakes.ts'
import { type RunningServer, startServer } from '../mocks/server.ts'

export type Mode = 'in-process' | 'http'

export interface Harness {
  mode: Mode
  fakes: Fakes
  /** Absolute URL of a provider path (`url('calcom', '/api/auth/oauth/token')`); `host` for Zapier's two hosts. */
  url(provider: ProviderId, path: string, host?: string): string
  /** A control API call: `admin('clock', { advanceSeconds: 1801 })`, `admin('requests?provider=calcom')`. */
  admin(action: string, body?: unknown): Promise<Response>
  /** fetch that never follows redirects (tests look at the 302 itself). */
  fetch(input: string, init?: RequestInit): Promise<Response>
}

/** Options of the fakes under test (provider options, body limit…), the same in both modes. */
export type HarnessFakesOptions = Omit<FakesOptions, 'mount' | 'bases'>

/**
 * Declares a `describe` block per mode; the harness is ready inside `it`, and the fakes are reset
 * after every test. `fakesOptions` go to `createFakes` / `startServer`
 * (e.g. `{ options: { bookingsync: { rotation: 'on-use' } } }`).
 */
export function describeModes(name: string, body: (h: Harness) => void, options: { modes?: Mode[]; fakesOptions?: HarnessFakesOptions } = {}): void {
  for (const mode of options.modes ?? (['in-process', 'http'] as Mode[])) {
    describe(`${name} (${mode})`, () => {
      const h = createHarness(mode, options.fakesOptions)
      beforeAll(() => h.start())
      afterEach(() => h.harness.fakes.reset())
      afterAll(() => h.stop())
      body(h.harness)
    })
  }
}

function createHarness(mode: Mode, fakesOptions: HarnessFakesOptions = {}) {
  let fakes: Fakes | undefined
  let server: RunningServer | undefined
  let msw: ReturnType<typeof setupServer> | undefined
  let admin: ReturnType<typeof createAdminApp> | undefined
  const harness: Harness = {
    mode,
    get fakes() {
      if (!fakes) throw new Error('harness not started')
      return fakes
    },
    url(provider, path, host) {
      if (mode === 'http') return `${server!.url}/${provider}${path}`
      const bases = fakes!.bases(provider)
      const base = host ? bases[host] : Object.values(bases)[0]
      return `${base}${path}`
    },
    async admin(action, body) {
      const init: RequestInit =
        body === undefined && action.startsWith('requests')
          ? { method: 'GET' }
          : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) }
      if (mode === 'http') return fetch(`${server!.url}/__admin/${action}`, init)
      return (await admin!(new Request(`http://fakes.local/__admin/${action}`, init)))!
    },
    fetch: (input, init) => fetch(input, { redirect: 'manual', ...init }),
  }
  return {
    harness,
    async start() {
      // Time stands still unless a test moves it: a lifetime boundary (valid at 1799 s, expired
      // at 1800 s) must not depend on how long the machine took between two requests. The start
      // is a whole second, as JWT `iat`/`exp` are.
      const frozenAt = Math.floor(Date.now() / 1000) * 1000
      fakesOptions = { clock: createClock(() => frozenAt), ...fakesOptions }
      if (mode === 'http') {
        server = await startServer({ ...fakesOptions, port: 0 })
        fakes = server.fakes
      } else {
        fakes = createFakes(fakesOptions)
        msw = setupServer(...createHandlers(fakes))
        msw.listen({ onUnhandledRequest: 'error' })
      }
      admin = createAdminApp(fakes)
    },
    async stop() {
      msw?.close()
      await server?.close()
    },
  }
}

/** A form-urlencoded POST body. */
export function form(values: Record<string, string>): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(values).toString() }
}

/** The query parameters of a redirect's Location. */
export function locationParams(response: Response): URLSearchParams {
  const location = response.headers.get('location')
  if (!location) throw new Error(`expected a redirect, got ${response.status}`)
  return new URL(location).searchParams
}
