/**
 * One scenario's run: the client under test, the fakes it talks to, the user's browser, and the
 * findings the scenario reports. Helpers here are the steps every scenario shares (log in,
 * consent, deliver the redirect) and the log queries the checks judge from.
 */
import type { Fakes } from '../mocks/fakes.ts'
import type { Browser, Decision } from './browser.ts'
import type { ClientClock } from './client-clock.ts'
import { BrowserError } from './browser.ts'
import type { CheckId } from './checks.ts'
import type { ClientAnswer, ClientConfig, ClientDriver } from './drivers/driver.ts'
import type { ConformanceProfile } from './profiles.ts'
import { type Endpoints, type ParsedRequest, describeRequest, isResourceCall, parseRequest, tokenKind } from './recorded.ts'

export interface Finding {
  check: CheckId
  ok: boolean
  expected: string
  actual: string
  scenario: string
  /** The relevant requests the fake recorded, one line each. */
  requests?: string[]
  /** Their ids in the fake's request log (the HTML report marks them on the scenario's timeline). */
  requestIds?: number[]
  /** The check could not be judged here (a step before it failed). */
  skipped?: boolean
}

/** A step the scenario needs before it can judge failed: its remaining checks are skipped. */
export class PreconditionFailed extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PreconditionFailed'
  }
}

export const is2xx = (status: number) => status >= 200 && status < 300
export const isRedirect = (status: number) => [301, 302, 303, 307, 308].includes(status)
export const answerLine = (route: string, a: ClientAnswer) => `${route} → ${a.status}${a.location ? ` (Location: ${a.location})` : ''}${!is2xx(a.status) && a.body ? ` "${a.body.slice(0, 120).replace(/\s+/g, ' ')}"` : ''}`

export interface LoginResult {
  answer: ClientAnswer
  authorizeUrl: URL
}

/**
 * The user's browser in a scenario: it opens the client's /login, answers the provider's page and
 * stops at the provider's redirect, which the scenario then delivers (possibly altered) through
 * `ClientDriver.callback`. Plain HTTP (`HttpUserAgent`, the default) or a real Chromium
 * (./chromium.ts, `--browser`).
 */
export interface UserAgent {
  /** Login → the provider's page → `decision`: the provider's redirect, captured before it reaches the client. */
  authorize(decision: Decision): Promise<{ login: LoginResult; redirect: URL }>
  /** The provider's out-of-band page at `page` (where the provider sent the browser): the code it shows. */
  oobCode(page: URL): Promise<{ status: number; code: string | null }>
}

/** The suite plays the browser over plain HTTP (./browser.ts): no cookies, no JavaScript. */
export class HttpUserAgent implements UserAgent {
  constructor(
    readonly browser: Browser,
    readonly client: ClientDriver,
    readonly config: ClientConfig,
    readonly profile: ConformanceProfile,
  ) {}

  /** `GET /login`; a client that does not redirect to the authorize URL cannot go further. */
  async login(): Promise<LoginResult> {
    const answer = await this.client.login()
    if (!isRedirect(answer.status) || !answer.location) throw new PreconditionFailed(`could not log in: ${answerLine('GET /login', answer)}`)
    let authorizeUrl: URL
    try {
      authorizeUrl = new URL(answer.location, this.config.authorizeUrl)
    } catch {
      throw new PreconditionFailed(`GET /login redirected to an invalid URL: ${answer.location}`)
    }
    return { answer, authorizeUrl }
  }

  /** The browser at the provider: returns where the provider sends it after `decision`. */
  async consent(authorizeUrl: URL, decision: Decision): Promise<URL> {
    try {
      return new URL(await this.browser.authorize(authorizeUrl.href, decision))
    } catch (error) {
      if (error instanceof BrowserError) throw providerRefused(authorizeUrl, error)
      // Off the fakes (a client sending the user somewhere else): what answered, or did not, is the
      // client's doing, not a failure of the suite. On the fakes, an error stays an error.
      if (authorizeUrl.origin !== new URL(this.config.authorizeUrl).origin) {
        throw new PreconditionFailed(`GET /login redirected to ${authorizeUrl.href}, not to the provider's authorize URL (${this.config.authorizeUrl}), and it did not answer: ${(error as Error).message}`)
      }
      throw error
    }
  }

  async authorize(decision: Decision): Promise<{ login: LoginResult; redirect: URL }> {
    const login = await this.login()
    return { login, redirect: await this.consent(login.authorizeUrl, decision) }
  }

  async oobCode(page: URL): Promise<{ status: number; code: string | null }> {
    const answer = await this.browser.open(page.href)
    return { status: answer.status, code: this.profile.oob?.codePattern.exec(answer.text)?.[1]?.trim() || null }
  }
}

/** The provider showed something a browser cannot get past: the scenario cannot go on. */
export function providerRefused(authorizeUrl: URL, error: BrowserError): PreconditionFailed {
  const title = /<title>([^<]*)<\/title>/i.exec(error.page)?.[1] ?? ''
  return new PreconditionFailed(`the provider did not accept the authorization request (${authorizeUrl.href}): ${error.message}${title ? ` — page "${title}"` : ''}`)
}

export class ScenarioRun {
  readonly findings: Finding[] = []

  constructor(
    readonly scenario: string,
    readonly profile: ConformanceProfile,
    readonly fakes: Fakes,
    readonly config: ClientConfig,
    readonly endpoints: Endpoints,
    /** The user's browser (plain HTTP, or Chromium with `--browser`). */
    readonly agent: UserAgent,
    /** The client's routes; with `--browser` they are reached through the same browser (its cookies). */
    readonly client: ClientDriver,
    /** The client's clock, moved with the fakes' (./client-clock.ts); absent for in-process objects. */
    readonly clock?: ClientClock,
  ) {}

  /**
   * Moves the fakes' clock, and the client's with it: the offset file always, the process's own
   * clock where libfaketime is preloaded.
   */
  advanceClock(seconds: number): void {
    this.fakes.advanceClock(seconds)
    this.clock?.advance(seconds)
  }

  /**
   * Whether the client could have seen an expiry the suite made by moving the clock: its own clock
   * moved (libfaketime), or the provider tells no lifetime (then only a 401 can tell, for everyone).
   */
  get clientCouldSeeExpiry(): boolean {
    return this.clock?.moves === true || !this.profile.sendsExpiresIn
  }

  get provider() {
    return this.profile.provider
  }

  report(check: CheckId, ok: boolean, expected: string, actual: string, requests?: ParsedRequest[]): void {
    this.findings.push({ check, ok, expected, actual, scenario: this.scenario, requests: requests?.map(describeRequest), requestIds: requests?.map((r) => r.raw.id) })
  }

  skip(check: CheckId, why: string): void {
    this.findings.push({ check, ok: true, expected: '', actual: why, scenario: this.scenario, skipped: true })
  }

  /** A position in the fake's request log; `since(mark)` gives what came after it. */
  mark(): number {
    return this.fakes.requests(this.provider).length
  }

  async since(mark: number): Promise<ParsedRequest[]> {
    return Promise.all(this.fakes.requests(this.provider).slice(mark).map(parseRequest))
  }

  exchanges(requests: ParsedRequest[]): ParsedRequest[] {
    return requests.filter((r) => tokenKind(r, this.endpoints) === 'exchange')
  }

  refreshes(requests: ParsedRequest[]): ParsedRequest[] {
    return requests.filter((r) => tokenKind(r, this.endpoints) === 'refresh')
  }

  apiCalls(requests: ParsedRequest[]): ParsedRequest[] {
    return requests.filter((r) => isResourceCall(r, this.endpoints))
  }

  /** Login → consent (allow) → the provider's redirect, not yet delivered. */
  async authorizeAndConsent(decision: Decision = 'allow'): Promise<{ login: LoginResult; redirect: URL }> {
    return this.agent.authorize(decision)
  }

  /** A full sign-in the scenario builds on: the callback must answer 2xx. */
  async signIn(): Promise<void> {
    const { redirect } = await this.authorizeAndConsent('allow')
    const answer = await this.client.callback(redirect.href)
    if (!is2xx(answer.status)) throw new PreconditionFailed(`could not sign in: ${answerLine('GET /callback', answer)}`)
  }

  /** `GET /resource` that must work for the scenario to go on. */
  async resourceWorks(): Promise<void> {
    const answer = await this.client.resource()
    if (!is2xx(answer.status)) throw new PreconditionFailed(`/resource did not work after sign-in: ${answerLine('GET /resource', answer)}`)
  }
}
