/**
 * Shared pieces of the browser tests (test/browser-*.test.ts): Debian's Chromium driven by
 * playwright-core, a real standalone fake server, and a tiny OAuth client app per provider.
 *
 * The tests need Chromium at /usr/bin/chromium (`apt-get install -y chromium`); without it
 * they FAIL with a message saying so (`npx playwright install` cannot download here).
 */
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { type Browser, type BrowserContext, type BrowserContextOptions, type Page, chromium } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import type { ProviderId } from '../mocks/engine/controls.ts'
import { escapeHtml } from '../mocks/engine/http.ts'
import { type RunningServer, describeProvider, startServer } from '../mocks/server.ts'

export const CHROMIUM = '/usr/bin/chromium'
export const OOB = 'urn:ietf:wg:oauth:2.0:oob'
export const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots')

/** Launches headless Chromium, or throws a clear error when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The browser tests need Chromium at ${CHROMIUM}, which is missing. Install it with: ` +
        '`apt-get update && apt-get install -y chromium` (npx playwright install cannot download here).',
    )
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}

/** Saves a full-page screenshot under test-results/screenshots/ (a test artifact, gitignored). */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true })
  const path = join(SCREENSHOTS, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}

/** A real standalone fake server on a free port (never 4010). */
export function startFakeServer(): Promise<RunningServer> {
  return startServer({ port: 0 })
}

export interface TestApp {
  url: string
  callback: string
  close(): Promise<void>
}

export interface TestAppOptions {
  server: RunningServer
  provider: ProviderId
  clientId: string
  clientSecret: string
  /** Scopes in the provider's own separator. */
  scope: string
  /** Register with the out-of-band redirect URI and offer a "paste the code" form. */
  oob?: boolean
  /** The client's logo (a data URL is shown; anything else is never loaded). */
  logo?: string
  /** Which of the provider's endpoints exchange the code and serve the resource (default `token`, `resource`). */
  endpoints?: { token?: string; resource?: string }
  /** More authorize parameters (cal.com's `show_account_selector`). */
  authorizeParams?: Record<string, string>
}

/**
 * A tiny OAuth client on 127.0.0.1:<free port>, registered with the fake as a client whose
 * redirect URI is its `/callback` (or the oob URI):
 * - `GET /` a page with a "Connect" link to the fake's authorize URL
 * - `GET /callback` checks the state, exchanges the code at the token endpoint, calls the
 *   provider's resource endpoint with the access token, and shows the result
 * - `POST /oob` (form field `code`) the same for a pasted out-of-band code
 */
export async function startTestApp(opts: TestAppOptions): Promise<TestApp> {
  const described = describeProvider(opts.server.fakes, opts.provider)
  const endpoints = described.endpoints as Record<string, string>
  const authorize = endpoints.authorize
  const token = endpoints[opts.endpoints?.token ?? 'token']
  const resource = endpoints[opts.endpoints?.resource ?? 'resource']
  const state = `state-${opts.provider}-${Math.random().toString(36).slice(2)}`
  let redirectUri = OOB

  const send = (res: ServerResponse, status: number, title: string, body: string) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' })
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`)
  }

  const exchange = async (res: ServerResponse, code: string) => {
    const answer = await fetch(token!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: opts.clientId, client_secret: opts.clientSecret }),
    })
    const tokenText = await answer.text()
    if (!answer.ok) return send(res, 502, 'Token exchange failed', `<pre id="result">${escapeHtml(`${answer.status} ${tokenText}`)}</pre>`)
    const { access_token: accessToken } = JSON.parse(tokenText) as { access_token: string }
    const me = await fetch(resource!, { headers: { authorization: `Bearer ${accessToken}` } })
    const meText = await me.text()
    send(
      res,
      200,
      'Connected',
      `<p id="status">success</p><pre id="resource">${escapeHtml(`${me.status} ${meText}`)}</pre><pre id="token">${escapeHtml(tokenText)}</pre>`,
    )
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://app.invalid')
    if (req.method === 'GET' && url.pathname === '/') {
      const q = new URLSearchParams({ client_id: opts.clientId, redirect_uri: redirectUri, response_type: 'code', scope: opts.scope, ...opts.authorizeParams })
      if (!opts.oob) q.set('state', state)
      const pasteForm = opts.oob
        ? '<form method="post" action="/oob"><label>Authorization code <input name="code" id="code" autocomplete="off"></label> <button id="exchange">Exchange</button></form>'
        : ''
      return send(res, 200, 'Test app', `<a id="connect" href="${escapeHtml(`${authorize}?${q}`)}">Connect</a>${pasteForm}`)
    }
    if (req.method === 'GET' && url.pathname === '/callback') {
      const error = url.searchParams.get('error')
      if (error) return send(res, 400, 'Authorization failed', `<p id="error">${escapeHtml(error)}</p><p id="state">${escapeHtml(url.searchParams.get('state'))}</p>`)
      if (url.searchParams.get('state') !== state) return send(res, 400, 'Bad state', '')
      return exchange(res, url.searchParams.get('code') ?? '')
    }
    if (req.method === 'POST' && url.pathname === '/oob') {
      let raw = ''
      for await (const chunk of req) raw += String(chunk)
      return exchange(res, new URLSearchParams(raw).get('code')?.trim() ?? '')
    }
    send(res, 404, 'Not found', '')
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, 'App error', `<pre>${escapeHtml(String(error))}</pre>`))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const callback = `${url}/callback`
  if (!opts.oob) redirectUri = callback
  opts.server.fakes.registerClient({ provider: opts.provider, clientId: opts.clientId, clientSecret: opts.clientSecret, redirectUris: [redirectUri], name: 'Test App', logo: opts.logo ?? null })
  return {
    url,
    callback,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** The trimmed text of the first element matching `selector` (waits for it to exist). */
export async function text(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).first().textContent()) ?? '').trim()
}

/** Whether the first element matching `selector` is visible now. */
export function visible(page: Page, selector: string): Promise<boolean> {
  return page.locator(selector).first().isVisible()
}

/**
 * One browser and one fake server per test file, started in `beforeAll` and closed (with every
 * context and test app made through the suite) in `afterAll`. Fails the file, not skips it, when
 * Chromium is missing.
 */
export function browserSuite(provider: ProviderId, scope: string, defaults: Partial<Pick<TestAppOptions, 'endpoints' | 'authorizeParams'>> = {}) {
  let browser: Browser | undefined
  let server: RunningServer | undefined
  const closers: Array<() => Promise<unknown>> = []
  beforeAll(async () => {
    browser = await launchChromium()
    server = await startFakeServer()
  })
  afterAll(async () => {
    await Promise.all(closers.map((close) => close()))
    await browser?.close()
    await server?.close()
  })
  return {
    get server(): RunningServer {
      return server!
    },
    /** A test app registered as a client of the fake, closed after the file. */
    async app(clientId: string, options: Partial<Omit<TestAppOptions, 'server' | 'provider' | 'clientId'>> = {}): Promise<TestApp> {
      const app = await startTestApp({ server: server!, provider, clientId, clientSecret: `${clientId}-secret`, scope, ...defaults, ...options })
      closers.push(() => app.close())
      return app
    },
    /** A fresh browser context (no cookies from other tests) and a page in it. */
    async page(options: BrowserContextOptions = {}): Promise<{ context: BrowserContext; page: Page }> {
      const context = await browser!.newContext({ viewport: { width: 1000, height: 900 }, ...options })
      closers.push(() => context.close())
      return { context, page: await context.newPage() }
    },
  }
}
