/**
 * `--browser`: the user's browser is a real Chromium (Debian's, driven by playwright-core) instead
 * of the suite playing it over plain HTTP (./browser.ts). For clients whose login needs cookies
 * or JavaScript: every route of the client is reached through the scenario's browser context (a
 * `Tab`, reused by one scenario after another and emptied between), so the cookies its /login sets
 * come back at /callback, /oob and /resource.
 *
 * The callback stays under the suite's control. Chromium follows redirects inside its network
 * stack, where Playwright's `page.route` does not see the hops (it continues redirected requests
 * on its own), so the session intercepts document requests with the DevTools protocol's Fetch
 * domain, which pauses every hop: while the user logs in and consents, the request to the client's
 * callback is captured and aborted instead of reaching the client. The scenario then delivers that
 * URL — as is, altered, late or twice — with `callback(url)`: a GET through the context's own
 * request API, which sends the context's cookies (those /login set in the page) and stores what the
 * client sets, and whose response, redirects not followed, is the client's answer. So each route
 * answers exactly one request, as over plain HTTP, and the fake sees the same requests in both
 * modes. (Delivering by navigating the page works too, but costs a document load per delivery —
 * measurably slower on a 2-core machine — and follows redirects the answer must not.)
 */
// Types only: nothing here loads playwright-core (./chromium-launch.ts does, when --browser asks for it).
import type { APIResponse, Browser as PlaywrightBrowser, BrowserContext, CDPSession, Frame, Page, Response as PlaywrightResponse } from 'playwright-core'
import { BrowserError, type Decision } from './browser.ts'
import { type ClientAnswer, type ClientConfig, type ClientDriver, ClientNoAnswerError } from './drivers/driver.ts'
import type { UserAgentFactory, UserAgentSession } from './runner.ts'
import { type LoginResult, PreconditionFailed, type UserAgent, answerLine, isRedirect, providerRefused } from './scenario-run.ts'

/** Screenshots one session keeps at most (each is a few tens of KiB of base64 in a report). */
const MAX_SCREENSHOTS = 6

/** Same scheme, host, port and path (the query is what the scenarios alter). */
function sameEndpoint(a: string | URL, b: string | URL): boolean {
  try {
    const x = new URL(a)
    const y = new URL(b)
    return x.origin === y.origin && x.pathname === y.pathname
  } catch {
    return false
  }
}

/** The fields of the DevTools protocol's `Fetch.requestPaused` the session reads. */
interface RequestPaused {
  requestId: string
  request: { url: string }
  resourceType: string
}

type Phase =
  /** Between steps: nothing may navigate. */
  | { kind: 'idle' }
  /** The user's login and consent: every page loads, except the client's callback, which is captured. */
  | { kind: 'flow' }

export interface ChromiumSessionOptions {
  config: ClientConfig
  /** The client's registered callback URL, `http://127.0.0.1:<port>/callback`: its origin is the client's. */
  callbackUrl: string
  /** How long one navigation or request may take (default 5 s, as over plain HTTP). */
  timeoutMs?: number
  /** Keep screenshots of the provider pages for a report (about 150 ms each: off unless a report shows them). */
  screenshots?: boolean
}

/**
 * A context with its one page and the page's DevTools session, reused by one scenario after another
 * (never by two at once): opening a fresh context and page costs Chromium about 0.5 s of CPU, more
 * than the rest of a scenario. Between scenarios the tab goes back to `about:blank` and the context
 * loses its cookies; nothing else carries over (every scenario's client has its own origin, and the
 * fakes' pages are under its own tenant path). A tab whose reset fails is closed, not reused.
 */
class Tab {
  /** The scenario using the tab now: the page's events go to it. */
  owner: ChromiumSession | null = null
  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly cdp: CDPSession,
  ) {}

  static async open(browser: PlaywrightBrowser): Promise<Tab> {
    // No viewport emulation: one protocol round of work less per page, and nothing here depends on the size.
    const context = await browser.newContext({ serviceWorkers: 'block', viewport: null })
    try {
      const page = await context.newPage()
      const cdp = await context.newCDPSession(page)
      const tab = new Tab(context, page, cdp)
      cdp.on('Fetch.requestPaused', (event) => void tab.#paused(event))
      page.on('response', (response) => tab.owner?.onResponse(page, response))
      page.on('framenavigated', (frame) => tab.owner?.onNavigated(page, frame))
      // Documents (every hop of a redirect chain pauses), and the favicon Chromium asks every origin for (aborted).
      await cdp.send('Fetch.enable', {
        patterns: [
          { urlPattern: '*', resourceType: 'Document', requestStage: 'Request' },
          { urlPattern: '*/favicon.ico', requestStage: 'Request' },
        ],
      })
      return tab
    } catch (error) {
      await context.close().catch(() => {})
      throw error
    }
  }

  async #paused(event: RequestPaused): Promise<void> {
    if (this.owner) return this.owner.onPaused(this.cdp, event)
    // Between scenarios nothing may load (the reset's about:blank makes no request).
    await this.cdp.send('Fetch.failRequest', { requestId: event.requestId, errorReason: 'Aborted' }).catch(() => {})
  }

  /** Ready for the next scenario: a blank page, no cookies. False when the tab cannot be reused. */
  async reset(timeoutMs: number): Promise<boolean> {
    this.owner = null
    try {
      await this.page.goto('about:blank', { timeout: timeoutMs })
      await this.context.clearCookies()
      return true
    } catch {
      return false
    }
  }

  close(): Promise<void> {
    this.owner = null
    return this.context.close().catch(() => {})
  }
}

/**
 * Tabs of one run, at most `max` open: a scenario takes an idle one, opens one, or waits for one,
 * and gives it back when it ends. Waiting is the point: a scenario can start its client while
 * another uses the tab (more tabs than cores only burn CPU: two open tabs keep this Chromium busy
 * even while idle).
 */
class TabPool {
  readonly #idle: Tab[] = []
  readonly #all = new Set<Tab>()
  readonly #waiting: Array<{ resolve(tab: Tab): void; reject(error: Error): void }> = []
  #opening = 0
  #closed = false
  constructor(
    readonly browser: PlaywrightBrowser,
    readonly max: number,
  ) {}

  async take(): Promise<Tab> {
    const idle = this.#idle.pop()
    if (idle) return idle
    if (this.#all.size + this.#opening < this.max) {
      this.#opening++
      try {
        const tab = await Tab.open(this.browser)
        this.#all.add(tab)
        return tab
      } catch (error) {
        // No tab after all: a waiting scenario tries for itself (and fails the same way, or succeeds) rather than wait forever.
        this.#wakeOne()
        throw error
      } finally {
        this.#opening--
      }
    }
    return new Promise<Tab>((resolve, reject) => this.#waiting.push({ resolve, reject }))
  }

  async give(tab: Tab, timeoutMs: number): Promise<void> {
    if (!this.#closed && (await tab.reset(timeoutMs)) && !this.#closed) {
      const next = this.#waiting.shift()
      if (next) next.resolve(tab)
      else this.#idle.push(tab)
      return
    }
    this.#all.delete(tab)
    await tab.close()
    // The tab could not be reused: a waiting scenario gets a new one.
    this.#wakeOne()
  }

  /** The oldest waiting scenario opens a tab of its own (or learns it cannot). */
  #wakeOne(): void {
    const next = this.#waiting.shift()
    if (!next) return
    if (this.#closed) return next.reject(new Error('the browser of this run was closed'))
    // After the caller's `#opening--` (a microtask later), so that the slot counts as free.
    queueMicrotask(() => this.take().then(next.resolve, next.reject))
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#idle.length = 0
    for (const waiter of this.#waiting.splice(0)) waiter.reject(new Error('the browser of this run was closed'))
    await Promise.all([...this.#all].map((t) => t.close()))
    this.#all.clear()
  }
}

/**
 * One scenario's browser: the user agent (login, consent, the oob page) and the client driver (its
 * routes, through the same context and its cookies), on a tab of the run's pool.
 */
export class ChromiumSession implements UserAgent, ClientDriver {
  #phase: Phase = { kind: 'idle' }
  /** The client callback captured during the current flow. */
  #captured: string | null = null
  /** Document requests to the provider's authorize endpoint during the current flow. */
  #authorizeRequests: string[] = []
  /** Main-frame navigation responses during the current flow (redirects included). */
  #navs: PlaywrightResponse[] = []
  /** URLs of the documents the main frame committed to during the current flow. */
  #committed: string[] = []
  /** The provider page the last flow ended on (the oob code page). */
  #landed: { url: string; status: number } | null = null
  /** The tab, taken from the pool from the start (while the client starts). */
  readonly #tab: Promise<Tab>
  readonly #waiters = new Set<() => void>()
  /** The provider pages this session went through, for the HTML report (at most MAX_SCREENSHOTS). */
  readonly #screenshots: Array<{ title: string; png: string }> = []
  readonly #origin: string
  readonly #timeoutMs: number

  private constructor(
    tab: Promise<Tab>,
    readonly options: ChromiumSessionOptions,
    readonly pool: TabPool,
  ) {
    this.#origin = new URL(options.callbackUrl).origin
    this.#timeoutMs = options.timeoutMs ?? 5_000
    this.#tab = tab.then((t) => {
      t.owner = this
      t.context.setDefaultTimeout(this.#timeoutMs)
      t.context.setDefaultNavigationTimeout(this.#timeoutMs)
      return t
    })
  }

  /** A session on a tab of `pool` (a fresh one when none is idle): no cookies or pages from other scenarios. */
  static open(pool: TabPool, options: ChromiumSessionOptions): ChromiumSession {
    const session = new ChromiumSession(pool.take(), options, pool)
    // A failure shows at the first step that needs the tab (or never, when the session closes first).
    session.#tab.catch(() => {})
    return session
  }

  async #page(): Promise<{ page: Page; cdp: CDPSession }> {
    return this.#tab
  }

  async #context(): Promise<BrowserContext> {
    return (await this.#tab).context
  }

  /** A main-frame navigation response of the tab (its events come here while this session owns it). */
  onResponse(page: Page, response: PlaywrightResponse): void {
    try {
      if (!response.request().isNavigationRequest() || response.frame() !== page.mainFrame()) return
    } catch {
      return
    }
    this.#navs.push(response)
    this.#notify()
  }

  onNavigated(page: Page, frame: Frame): void {
    if (frame !== page.mainFrame()) return
    this.#committed.push(frame.url())
    this.#notify()
  }

  #notify(): void {
    for (const wake of this.#waiters) wake()
  }

  /** Resolves with `probe()`'s first truthy value, or undefined after `ms`. */
  async #until<T>(probe: () => T | null | undefined | false, ms = this.#timeoutMs): Promise<T | undefined> {
    const now = probe()
    if (now) return now
    return new Promise<T | undefined>((resolve) => {
      const done = (value: T | undefined) => {
        clearTimeout(timer)
        this.#waiters.delete(check)
        resolve(value)
      }
      const check = () => {
        const value = probe()
        if (value) done(value)
      }
      const timer = setTimeout(() => done(undefined), ms)
      this.#waiters.add(check)
    })
  }

  async onPaused(cdp: CDPSession, event: RequestPaused): Promise<void> {
    const url = event.request.url
    const document = event.resourceType === 'Document'
    const capture = document && this.#phase.kind === 'flow' && sameEndpoint(url, this.options.callbackUrl)
    const pass = document && this.#phase.kind === 'flow' && !capture
    if (document && sameEndpoint(url, this.options.config.authorizeUrl)) this.#authorizeRequests.push(url)
    try {
      if (pass) await cdp.send('Fetch.continueRequest', { requestId: event.requestId })
      else await cdp.send('Fetch.failRequest', { requestId: event.requestId, errorReason: 'Aborted' })
    } catch {
      // The navigation was cancelled, or the context closed meanwhile: nothing left to answer.
    }
    // Captured once the browser has let go of it.
    if (capture) this.#captured ??= url
    this.#notify()
  }

  #startFlow(): void {
    this.#phase = { kind: 'flow' }
    this.#captured = null
    this.#authorizeRequests = []
    this.#navs = []
    this.#committed = []
    this.#landed = null
  }

  /** The first navigation response (GET, or `method`) for `url`'s endpoint in this flow. */
  #nav(url: string | URL, method = 'GET'): PlaywrightResponse | undefined {
    return this.#navs.find((r) => r.request().method() === method && sameEndpoint(r.url(), url))
  }

  /** Waits until the main frame committed a document at `url`'s endpoint in this flow, and parsed it. */
  async #loaded(page: Page, url: string | URL): Promise<void> {
    if (!(await this.#until(() => this.#committed.some((u) => sameEndpoint(u, url))))) throw new Error(`the page at ${url} did not load within ${this.#timeoutMs} ms`)
    await page.waitForLoadState('domcontentloaded')
  }

  async #answer(response: PlaywrightResponse): Promise<ClientAnswer> {
    const status = response.status()
    let body = ''
    // Chromium keeps no body for a redirect.
    if (!isRedirect(status)) {
      const timeout = new Promise<string>((resolve) => setTimeout(() => resolve(''), this.#timeoutMs).unref())
      body = await Promise.race([response.text().catch(() => ''), timeout])
    }
    return { status, location: response.headers().location ?? null, body }
  }

  /** One request to the client with the context's cookies (it stores what the client sets), no redirect followed. */
  async #request(route: string, run: (options: { maxRedirects: number; timeout: number }) => Promise<APIResponse>): Promise<ClientAnswer> {
    try {
      const response = await run({ maxRedirects: 0, timeout: this.#timeoutMs })
      return { status: response.status(), location: response.headers().location ?? null, body: await response.text() }
    } catch (error) {
      throw new ClientNoAnswerError(`${route} got no answer within ${this.#timeoutMs} ms: ${(error as Error).message.split('\n')[0]}`)
    }
  }

  /** PNG screenshots (base64) of the provider pages: each consent page before the click, the out-of-band code page. */
  screenshots(): Array<{ title: string; png: string }> {
    return [...this.#screenshots]
  }

  async #capture(page: Page, what: string): Promise<void> {
    if (!this.options.screenshots || this.#screenshots.length >= MAX_SCREENSHOTS) return
    try {
      const png = await page.screenshot({ type: 'png', fullPage: true, timeout: this.#timeoutMs })
      this.#screenshots.push({ title: `${what}: ${await page.title()}`, png: png.toString('base64') })
    } catch {
      // A screenshot only illustrates the report: never a reason for a scenario to fail.
    }
  }

  // ClientDriver: the client's routes, through this context.

  login(): Promise<ClientAnswer> {
    return this.#request('GET /login', async (o) => (await this.#context()).request.get(`${this.#origin}/login`, o))
  }

  callback(url: string): Promise<ClientAnswer> {
    return this.#request('GET /callback', async (o) => (await this.#context()).request.get(url, o))
  }

  oob(code: string): Promise<ClientAnswer> {
    return this.#request('POST /oob', async (o) => (await this.#context()).request.post(`${this.#origin}/oob`, { form: { code }, ...o }))
  }

  resource(): Promise<ClientAnswer> {
    return this.#request('GET /resource', async (o) => (await this.#context()).request.get(`${this.#origin}/resource`, o))
  }

  /** Gives the tab back to the pool, blank and without cookies (the client process is the runner's to stop). */
  async close(): Promise<void> {
    this.#phase = { kind: 'idle' }
    let tab: Tab
    try {
      tab = await this.#tab
    } catch {
      return // it never opened
    }
    if (tab.owner === this) await this.pool.give(tab, this.#timeoutMs)
  }

  // UserAgent: the user logs in and answers the consent page.

  async authorize(decision: Decision): Promise<{ login: LoginResult; redirect: URL }> {
    try {
      return await this.#flow(decision)
    } finally {
      this.#phase = { kind: 'idle' }
    }
  }

  async #flow(decision: Decision): Promise<{ login: LoginResult; redirect: URL }> {
    const { page } = await this.#page()
    this.#startFlow()
    const loginUrl = `${this.#origin}/login`
    let failure: Error | undefined
    const navigation = page.goto(loginUrl, { waitUntil: 'commit' }).then(
      () => undefined,
      (error: Error) => {
        failure = error
        this.#notify()
      },
    )
    // 1. The client's /login.
    const loginResponse = await this.#until(() => this.#nav(loginUrl) ?? (failure && 'failed'))
    if (!loginResponse || loginResponse === 'failed') {
      throw new ClientNoAnswerError(`GET /login got no answer in the browser within ${this.#timeoutMs} ms${failure ? `: ${failure.message.split('\n')[0]}` : ''}`)
    }
    const answer = await this.#answer(loginResponse)
    // 2. Where it sends the browser: its Location, or (a login page with a script) the authorize endpoint it navigates to.
    let target: URL | undefined
    if (isRedirect(answer.status) && answer.location) {
      try {
        target = new URL(answer.location, loginUrl)
      } catch {
        throw new PreconditionFailed(`GET /login redirected to an invalid URL: ${answer.location}`)
      }
    } else {
      await navigation
      const seen = await this.#until(() => this.#authorizeRequests[0], 1_000)
      if (!seen) throw new PreconditionFailed(`could not log in: ${answerLine('GET /login', answer)}`)
      target = new URL(seen)
    }
    const authorizeUrl = target
    const login: LoginResult = { answer, authorizeUrl }
    if (sameEndpoint(target, this.options.callbackUrl)) return { login, redirect: await this.#followed(page, target) }
    // 3. The provider's authorize page: a redirect (an error sent back to the client), or the consent page.
    const first = await this.#until(() => this.#nav(target) ?? (failure && 'failed'))
    if (!first || first === 'failed') throw this.#noProvider(authorizeUrl, failure)
    const authorizeStatus = first.status()
    const authorizeLocation = first.headers().location
    if (isRedirect(authorizeStatus) && authorizeLocation) return { login, redirect: await this.#followed(page, new URL(authorizeLocation, first.url())) }
    try {
      // Not `waitForURL`: the page may still show the previous flow's consent page, at the same URL.
      await this.#loaded(page, target)
    } catch (error) {
      throw this.#noProvider(authorizeUrl, error as Error)
    }
    await this.#capture(page, `Consent page, before ${decision === 'allow' ? 'Allow' : 'Deny'}`)
    // The button's place on the page (scrolled into view), read in the page's own world: locators would
    // inject Playwright's selector engine into every consent page, which costs more than the rest of the step.
    const box = await page.evaluate((id) => {
      const element = document.getElementById(id)
      if (!element) return null
      element.scrollIntoView({ block: 'center', inline: 'center' })
      const r = element.getBoundingClientRect()
      return { x: r.left + r.width / 2, y: r.top + r.height / 2 }
    }, decision)
    if (!box) {
      const error = new BrowserError(`the authorize URL answered ${authorizeStatus} without a redirect or a consent form`, authorizeStatus, await page.content())
      throw providerRefused(authorizeUrl, error)
    }
    // 4. The user's click posts the form; the provider redirects to the callback (captured) or its own page.
    // A real (trusted) mouse click on #allow / #deny.
    await page.mouse.click(box.x, box.y)
    const posted = await this.#until(() => this.#navs.find((r) => r.request().method() === 'POST'))
    if (!posted) throw this.#noProvider(authorizeUrl, new Error(`the consent form (${decision}) got no answer within ${this.#timeoutMs} ms`))
    const location = posted.headers().location
    if (!isRedirect(posted.status()) || !location) {
      const error = new BrowserError(`the consent form (${decision}) answered ${posted.status()} without a redirect`, posted.status(), await posted.text().catch(() => ''))
      throw providerRefused(authorizeUrl, error)
    }
    return { login, redirect: await this.#followed(page, new URL(location, posted.url())) }
  }

  /** The provider redirected the browser to `to`: the captured callback, or a provider page it loaded. */
  async #followed(page: Page, to: URL): Promise<URL> {
    if (sameEndpoint(to, this.options.callbackUrl)) {
      const captured = await this.#until(() => this.#captured)
      // Chromium's copy of the URL when it has one (it is what the browser would have sent).
      return new URL(captured ?? to.href)
    }
    const response = await this.#until(() => this.#nav(to))
    try {
      await this.#loaded(page, to)
      this.#landed = { url: page.url(), status: response?.status() ?? 0 }
    } catch {
      // Not loaded: oobCode() opens it again.
    }
    return to
  }

  #noProvider(authorizeUrl: URL, failure: Error | undefined): PreconditionFailed {
    return new PreconditionFailed(`the browser did not get through the provider's authorize page (${authorizeUrl.href}): ${failure?.message.split('\n')[0] ?? `no answer within ${this.#timeoutMs} ms`}`)
  }

  async oobCode(page: URL): Promise<{ status: number; code: string | null }> {
    const tab = await this.#page()
    try {
      let status = this.#landed && this.#landed.url === page.href ? this.#landed.status : undefined
      if (status === undefined) {
        this.#startFlow()
        status = (await tab.page.goto(page.href, { waitUntil: 'domcontentloaded' }))?.status() ?? 0
      }
      const code = (await tab.page.evaluate(() => document.getElementById('authorization_code')?.textContent ?? ''))?.trim()
      await this.#capture(tab.page, 'Out-of-band code page')
      return { status, code: code || null }
    } finally {
      this.#phase = { kind: 'idle' }
    }
  }
}

/** The user agent of a `--browser` run: `close()` closes the tabs it opened (not the browser). */
export type ChromiumUserAgent = UserAgentFactory & { close(): Promise<void> }

/**
 * `--browser`: each scenario on a tab of `browser` (a context and its page), reused from one
 * scenario to the next; at most `tabs` open (default 1), the scenarios beyond wait for one.
 */
export function chromiumUserAgent(browser: PlaywrightBrowser, options: { timeoutMs?: number; screenshots?: boolean; tabs?: number } = {}): ChromiumUserAgent {
  const pool = new TabPool(browser, Math.max(1, options.tabs ?? 1))
  const factory = async ({ config, callbackUrl }: UserAgentSession) => {
    const session = ChromiumSession.open(pool, { config, callbackUrl, timeoutMs: options.timeoutMs, screenshots: options.screenshots })
    // The session reaches the client at its own origin, through the context: it needs nothing of the process driver.
    return { agent: session, drive: () => session, screenshots: () => session.screenshots(), close: () => session.close() }
  }
  return Object.assign(factory, { close: () => pool.close() })
}
