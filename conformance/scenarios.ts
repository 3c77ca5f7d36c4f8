/**
 * The scenarios: each drives a fresh client against fresh fakes and reports findings for the
 * checks it judges (conformance/checks.ts). Judged from what the fake recorded and what the
 * client answered, never from what the client says about itself.
 */
import { createHash } from 'node:crypto'
import { type CheckId, appliesTo } from './checks.ts'
import { type ConformanceProfile, OOB_REDIRECT_URI } from './profiles.ts'
import type { ClientAnswer } from './drivers/driver.ts'
import type { ParsedRequest } from './recorded.ts'
import { PreconditionFailed, type ScenarioRun, answerLine, is2xx, isRedirect } from './scenario-run.ts'

export interface Scenario {
  id: string
  title: string
  /** The checks this scenario reports (a check may be reported by several). */
  checks: readonly CheckId[]
  /** Start the client with the out-of-band redirect URI. */
  oob?: boolean
  appliesTo?(profile: ConformanceProfile): boolean
  run(t: ScenarioRun): Promise<void>
}

const statusList = (rs: ParsedRequest[]) => (rs.length ? rs.map((r) => r.raw.status).join(', ') : 'none')

/**
 * Entropy estimate of a state value: length × log2(alphabet), the alphabet guessed from the
 * characters used (hex, base64url, …). A UUID counts its 122 random bits.
 */
export function estimateStateBits(state: string): number {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(state)) return 122
  if (/^[0-9a-f]+$/.test(state) || /^[0-9A-F]+$/.test(state)) return state.length * 4
  let alphabet = 0
  if (/[0-9]/.test(state)) alphabet += 10
  if (/[a-z]/.test(state)) alphabet += 26
  if (/[A-Z]/.test(state)) alphabet += 26
  alphabet += new Set(state.replace(/[0-9a-zA-Z]/g, '')).size
  return alphabet <= 1 ? 0 : state.length * Math.log2(alphabet)
}

const scopeSet = (value: string | null, sep: RegExp) => new Set((value ?? '').split(sep).filter(Boolean))

/**
 * 1. The authorization request `GET /login` produces (three logins), then two callbacks whose state
 * was altered or removed (two more logins, each consented). One client for both parts: they used to
 * be two scenarios (`state-validation` the second), and a failed first part stops the second as it
 * stopped that scenario (no redirect from /login, no consent).
 */
const authorizationRequest: Scenario = {
  id: 'authorization-request',
  title: 'Authorization request and state',
  checks: ['login-redirect', 'authorize-client-id', 'authorize-redirect-uri', 'authorize-response-type', 'authorize-scope', 'state-unguessable', 'state-per-login', 'no-secret-in-url', 'pkce-challenge', 'state-mismatch-rejected', 'state-missing-rejected'],
  async run(t) {
    await judgeAuthorizationRequests(t)
    await judgeStateValidation(t)
  },
}

/** `GET /login` three times: each a redirect to the authorize URL with the client's parameters and a fresh state. */
async function judgeAuthorizationRequests(t: ScenarioRun): Promise<void> {
  const answers = [await t.client.login(), await t.client.login(), await t.client.login()]
  const expectedUrl = new URL(t.config.authorizeUrl)
  const urls: URL[] = []
  const redirectsRight = answers.every((a) => {
    if (!isRedirect(a.status) || !a.location) return false
    try {
      const url = new URL(a.location, t.config.authorizeUrl)
      urls.push(url)
      return url.origin === expectedUrl.origin && url.pathname === expectedUrl.pathname
    } catch {
      return false
    }
  })
  t.report('login-redirect', redirectsRight, `302 to ${t.config.authorizeUrl}?…`, answers.map((a) => answerLine('GET /login', a)).join('; '))
  if (!redirectsRight) throw new PreconditionFailed('GET /login did not redirect to the authorize URL')
  const first = urls[0]!.searchParams
  const param = (name: string) => urls.map((u) => u.searchParams.get(name))
  const allEqual = (name: string, want: string) => param(name).every((v) => v === want)
  t.report('authorize-client-id', allEqual('client_id', t.config.clientId), `client_id=${t.config.clientId}`, `client_id=${first.get('client_id') ?? '(absent)'}`)
  t.report('authorize-redirect-uri', allEqual('redirect_uri', t.config.redirectUri), `redirect_uri=${t.config.redirectUri}`, `redirect_uri=${first.get('redirect_uri') ?? '(absent)'}`)
  if (appliesTo('authorize-response-type', t.profile)) {
    t.report('authorize-response-type', allEqual('response_type', 'code'), 'response_type=code', `response_type=${first.get('response_type') ?? '(absent)'}`)
  }
  const want = scopeSet(t.config.scope, t.profile.scopeSeparator)
  const scopesOk = param('scope').every((s) => {
    const got = scopeSet(s, t.profile.scopeSeparator)
    return got.size === want.size && [...want].every((x) => got.has(x))
  })
  t.report('authorize-scope', scopesOk, `scope=${t.config.scope}`, `scope=${first.get('scope') ?? '(absent)'}`)
  const states = param('state')
  const weakest = Math.min(...states.map((s) => (s ? estimateStateBits(s) : 0)))
  t.report('state-unguessable', weakest >= 128, 'a state of ≥ 128 bits on every login', `states ${states.map((s) => JSON.stringify(s)).join(', ')} (weakest ≈ ${Math.floor(weakest)} bits)`)
  const distinct = new Set(states.filter((s) => s !== null)).size
  t.report('state-per-login', distinct === states.length, `${states.length} logins, ${states.length} different states`, `${distinct} different: ${states.map((s) => JSON.stringify(s)).join(', ')}`)
  const leaking = urls.filter((u) => u.href.includes(t.config.clientSecret))
  t.report('no-secret-in-url', leaking.length === 0, 'the client secret in no authorize URL', leaking.length ? `secret in ${leaking[0]!.href}` : 'not present')
  if (appliesTo('pkce-challenge', t.profile)) {
    const challenges = param('code_challenge')
    const bad = urls.find((u) => u.searchParams.get('code_challenge_method') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(u.searchParams.get('code_challenge') ?? ''))
    const fresh = new Set(challenges).size === challenges.length
    t.report(
      'pkce-challenge',
      !bad && fresh,
      'code_challenge_method=S256 and a fresh 43-character code_challenge on every login',
      bad ? `code_challenge=${bad.searchParams.get('code_challenge') ?? '(absent)'} code_challenge_method=${bad.searchParams.get('code_challenge_method') ?? '(absent)'}` : fresh ? 'as expected' : 'the same code_challenge on two logins',
    )
  }
}

/** RFC 7636 §4.6: the S256 transform of a verifier. */
const s256 = (verifier: string) => createHash('sha256').update(verifier, 'ascii').digest('base64url')

/** 2. Consent → callback → token request → resource, then a replayed callback (browser back). */
const happyPath: Scenario = {
  id: 'happy-path',
  title: 'Happy path',
  checks: ['callback-success', 'token-request', 'token-redirect-uri', 'token-client-auth', 'resource-success', 'pkce-verifier'],
  async run(t) {
    const { login, redirect } = await t.authorizeAndConsent('allow')
    const code = redirect.searchParams.get('code')
    if (!code) throw new PreconditionFailed(`the provider redirected without a code: ${redirect.href}`)
    const mark = t.mark()
    const callback = await t.client.callback(redirect.href)
    const requests = await t.since(mark)
    const exchanges = t.exchanges(requests)
    const issued = exchanges.some((r) => is2xx(r.raw.status))
    t.report('callback-success', is2xx(callback.status) && issued, '/callback 2xx after a 2xx token response', `${answerLine('GET /callback', callback)}; token responses: ${statusList(exchanges)}`, requests)
    if (exchanges.length === 0) throw new PreconditionFailed('the client made no token request')

    const tokenPath = t.endpoints.token
    const badShape = exchanges.filter((r) => r.raw.method !== 'POST' || r.raw.path !== tokenPath || r.params.grant_type !== 'authorization_code' || r.params.code !== code)
    t.report('token-request', badShape.length === 0, `POST ${tokenPath} grant_type=authorization_code code=<the code delivered>`, badShape.length ? 'differs' : 'as expected', badShape.length ? badShape : exchanges)

    const sentRedirect = login.authorizeUrl.searchParams.get('redirect_uri')
    const badRedirect = exchanges.filter((r) => r.params.redirect_uri !== sentRedirect)
    t.report('token-redirect-uri', badRedirect.length === 0, `redirect_uri=${sentRedirect}`, badRedirect.length ? `redirect_uri=${badRedirect[0]!.params.redirect_uri ?? '(absent)'}` : 'identical', badRedirect.length ? badRedirect : undefined)

    if (appliesTo('pkce-verifier', t.profile)) {
      const challenge = login.authorizeUrl.searchParams.get('code_challenge')
      const wrong = exchanges.filter((r) => !r.params.code_verifier || challenge === null || s256(r.params.code_verifier) !== challenge)
      t.report(
        'pkce-verifier',
        wrong.length === 0,
        `code_verifier whose S256 is the login's code_challenge (${challenge ?? 'none was sent'})`,
        wrong.length ? `code_verifier=${wrong[0]!.params.code_verifier ?? '(absent)'}` : 'as expected',
        wrong.length ? wrong : undefined,
      )
    }

    const authProblems = exchanges.map((r) => clientAuthProblem(t, r) ?? refusedClientAuth(r)).filter((p): p is string => p !== null)
    t.report('token-client-auth', authProblems.length === 0, `client authentication by ${t.profile.clientAuth.join(' or ')}, secret never in the URL`, authProblems[0] ?? 'as expected', exchanges)

    const resourceMark = t.mark()
    const resource = await t.client.resource()
    const calls = t.apiCalls(await t.since(resourceMark))
    const served = calls.some((r) => is2xx(r.raw.status))
    t.report('resource-success', is2xx(resource.status) && served, `/resource 2xx after a 2xx from ${t.endpoints.resource}`, `${answerLine('GET /resource', resource)}; ${t.endpoints.resource} answered ${statusList(calls)}`, calls)

    // The user presses Back / reloads the callback: a conforming client must not present the code
    // again (judged by code-single-use over the whole log). Its answer is not judged.
    await t.client.callback(redirect.href)
  },
}

/**
 * The fake's own verdict on a token request's client authentication: a check never passes while
 * the fake answered `invalid_client` (e.g. Basic credentials encoded in a way the provider does not
 * decode).
 */
export function refusedClientAuth(r: ParsedRequest): string | null {
  // Only an answer that names the client: cal.com's older `{"message":"Unauthorized"}` covers a wrong redirect_uri or code alike.
  if (r.raw.status !== 401 || !r.raw.response.body.includes('invalid_client')) return null
  return `the provider refused the client authentication: ${r.raw.status} ${r.raw.response.body.slice(0, 160)}`
}

/** How the token request authenticated the client, or what is wrong with it. */
export function clientAuthProblem(t: ScenarioRun, r: ParsedRequest): string | null {
  if (r.queryParams.client_secret !== undefined) return `client_secret in the URL query (${r.raw.path}?client_secret=…)`
  const basicOk = r.basic?.id === t.config.clientId && r.basic.secret === t.config.clientSecret
  const bodyOk = r.bodyParams.client_id === t.config.clientId && r.bodyParams.client_secret === t.config.clientSecret
  if (t.profile.clientAuth.includes('basic') && basicOk) return null
  if (t.profile.clientAuth.includes('body') && bodyOk) return null
  if (basicOk) return 'HTTP Basic client authentication, which this provider does not accept'
  return `no accepted client authentication (basic: ${r.basic ? 'wrong credentials' : 'absent'}; body client_id/client_secret: ${r.bodyParams.client_id !== undefined ? 'present but wrong or incomplete' : 'absent'})`
}

/** Callbacks with an altered or a missing state: each refused, with no token request. */
async function judgeStateValidation(t: ScenarioRun): Promise<void> {
  const judge = async (check: CheckId, alter: (u: URL) => void, what: string) => {
    const { redirect } = await t.authorizeAndConsent('allow')
    alter(redirect)
    const mark = t.mark()
    const answer = await t.client.callback(redirect.href)
    const exchanges = t.exchanges(await t.since(mark))
    t.report(check, !is2xx(answer.status) && exchanges.length === 0, `/callback with ${what}: non-2xx, no token request`, `${answerLine('GET /callback', answer)}; token requests: ${exchanges.length}`, exchanges)
  }
  await judge(
    'state-mismatch-rejected',
    (u) => {
      const state = u.searchParams.get('state') ?? ''
      // Same length and alphabet, different value: a forged state, not a malformed one.
      const flipped = [...state].map((c) => (c === 'A' ? 'B' : 'A')).join('')
      u.searchParams.set('state', flipped || 'A')
    },
    'a tampered state',
  )
  await judge('state-missing-rejected', (u) => u.searchParams.delete('state'), 'no state')
}

/**
 * 3b. RFC 9207: callbacks whose `iss` is another issuer's (a mix-up attack) or missing, from a
 * provider whose metadata says it always sends one.
 */
const issValidation: Scenario = {
  id: 'iss-validation',
  title: 'iss tampered or missing',
  checks: ['iss-mismatch-rejected', 'iss-missing-rejected'],
  appliesTo: (p) => p.iss === true,
  async run(t) {
    const judge = async (check: CheckId, alter: (u: URL) => void, what: string) => {
      const { redirect } = await t.authorizeAndConsent('allow')
      if (!redirect.searchParams.has('iss')) throw new PreconditionFailed(`the provider's redirect carries no iss: ${redirect.href}`)
      alter(redirect)
      const mark = t.mark()
      const answer = await t.client.callback(redirect.href)
      const exchanges = t.exchanges(await t.since(mark))
      t.report(check, !is2xx(answer.status) && exchanges.length === 0, `/callback with ${what}: non-2xx, no token request`, `${answerLine('GET /callback', answer)}; token requests: ${exchanges.length}`, exchanges)
    }
    // Another authorization server's issuer, as a mix-up attacker's would be (RFC 9700 §4.4.2).
    await judge('iss-mismatch-rejected', (u) => u.searchParams.set('iss', 'https://attacker.example'), 'iss=https://attacker.example')
    await judge('iss-missing-rejected', (u) => u.searchParams.delete('iss'), 'no iss')
  },
}

/** 4. The user presses Deny (cal.com's "Go back"). */
const userDenies: Scenario = {
  id: 'user-denies',
  title: 'User denies',
  checks: ['denied-callback-rejected'],
  async run(t) {
    const { redirect } = await t.authorizeAndConsent('deny')
    if (redirect.searchParams.has('code')) throw new PreconditionFailed(`the provider's deny redirect carries a code: ${redirect.href}`)
    // RFC 6749 §4.1.2.1 `error=access_denied`; cal.com's pages until 2025-11 go back to the bare
    // redirect URI (no error, no state): a callback without a code is a refusal all the same.
    const what = redirect.searchParams.get('error') ? `/callback?error=${redirect.searchParams.get('error')}` : `/callback without a code (the provider's deny: ${redirect.href})`
    const mark = t.mark()
    const answer = await t.client.callback(redirect.href)
    const exchanges = t.exchanges(await t.since(mark))
    t.report('denied-callback-rejected', !is2xx(answer.status) && exchanges.length === 0, `${what}: non-2xx, no token request`, `${answerLine('GET /callback', answer)}; token requests: ${exchanges.length}`, exchanges)
  },
}

/** 5. The code is delivered after its lifetime. */
const codeExpired: Scenario = {
  id: 'code-expired',
  title: 'Code expired',
  checks: ['expired-code-fails'],
  async run(t) {
    const { redirect } = await t.authorizeAndConsent('allow')
    t.advanceClock(t.profile.codeLifetimeSeconds + 60)
    const mark = t.mark()
    const callback = await t.client.callback(redirect.href)
    const resource = await t.client.resource()
    const requests = await t.since(mark)
    t.report(
      'expired-code-fails',
      !is2xx(callback.status) && !is2xx(resource.status),
      `code older than ${t.profile.codeLifetimeSeconds} s: /callback non-2xx, then /resource non-2xx`,
      `${answerLine('GET /callback', callback)}; ${answerLine('GET /resource', resource)}`,
      [...t.exchanges(requests), ...t.apiCalls(requests)],
    )
  },
}

function tokenKindOf(t: ScenarioRun, r: ParsedRequest): 'exchange' | 'refresh' | null {
  if (t.exchanges([r]).length) return 'exchange'
  if (t.refreshes([r]).length) return 'refresh'
  return null
}

/** The refresh token a refresh request presents (the body's, else cal.com's Bearer header). */
function presentedRefreshToken(t: ScenarioRun, r: ParsedRequest): string | null {
  return r.params.refresh_token ?? (t.profile.refreshStyle === 'calcom-bearer' ? r.bearer : null)
}

/** The refresh token a token answer issued, if any. */
function issuedRefreshToken(r: ParsedRequest): string | null {
  try {
    const body = JSON.parse(r.raw.response.body) as { refresh_token?: unknown }
    return typeof body.refresh_token === 'string' ? body.refresh_token : null
  } catch {
    return null
  }
}

/** What is wrong with one refresh request, per the provider's documented shape. */
export function refreshProblem(t: ScenarioRun, r: ParsedRequest): string | null {
  if (r.raw.method !== 'POST') return `${r.raw.method} instead of POST`
  if (r.params.grant_type !== 'refresh_token') return `grant_type=${r.params.grant_type ?? '(absent)'}`
  if (t.profile.refreshStyle === 'calcom-bearer') {
    if (r.raw.path !== t.endpoints.refresh) return `sent to ${r.raw.path}, not ${t.endpoints.refresh}`
    if (!r.bearer) return `no refresh token in Authorization: Bearer${r.params.refresh_token !== undefined ? ' (it was sent as a refresh_token parameter instead)' : ''}`
    if (r.bodyParams.client_id !== t.config.clientId || r.bodyParams.client_secret !== t.config.clientSecret) return 'client_id/client_secret missing or wrong in the body'
  } else {
    if (r.raw.path !== t.endpoints.token) return `sent to ${r.raw.path}, not ${t.endpoints.token}`
    if (r.queryParams.refresh_token !== undefined) return 'refresh_token in the URL query'
    if (r.bodyParams.refresh_token === undefined) return 'no refresh_token parameter in the body'
    const auth = clientAuthProblem(t, r)
    if (auth) return auth
  }
  // Shape only: whether the fake accepted the token is judged by refresh-on-expiry / refresh-rotation.
  return null
}

function reportRefreshShape(t: ScenarioRun, refreshes: ParsedRequest[]): void {
  if (refreshes.length === 0) return t.skip('refresh-request', 'no refresh request was made')
  const problems = refreshes.map((r) => refreshProblem(t, r)).filter((p): p is string => p !== null)
  const expected =
    t.profile.refreshStyle === 'calcom-bearer'
      ? `POST ${t.endpoints.refresh}, Authorization: Bearer <refresh token>, body grant_type=refresh_token&client_id&client_secret`
      : `POST ${t.endpoints.token}, body grant_type=refresh_token&refresh_token=…, client authentication by ${t.profile.clientAuth.join(' or ')}`
  t.report('refresh-request', problems.length === 0, expected, problems[0] ?? 'as documented', refreshes)
}

/**
 * 6. The access token expires, three times in a row: each /resource after an expiry must refresh
 * and succeed. One client serves three checks that used to be three scenarios doing the same first
 * steps: `refresh-on-expiry` is judged on the first expiry, `refresh-rotation` (providers that
 * rotate) on the first two, `long-session` on all three, `refresh-request` on every refresh. A run
 * stops at the first expiry that fails (what follows would only repeat that failure).
 */
const accessExpired: Scenario = {
  id: 'access-expired',
  title: 'Access token expired, three times',
  checks: ['refresh-on-expiry', 'refresh-rotation', 'long-session', 'refresh-request'],
  async run(t) {
    await t.signIn()
    await t.resourceWorks()
    const mark = t.mark()
    const lifetime = t.profile.accessLifetimeSeconds
    /** One expiry: the clock moves past the access token's lifetime, then /resource. */
    const expire = async () => {
      const cycleMark = t.mark()
      t.advanceClock(lifetime + 60)
      const resource = await t.client.resource()
      const requests = await t.since(cycleMark)
      const refreshes = t.refreshes(requests)
      return { resource, refreshes, calls: t.apiCalls(requests), ok: is2xx(resource.status) && refreshes.some((r) => is2xx(r.raw.status)) }
    }
    const longSessionExpected = 'three expiries in a row: each time a 2xx refresh, then /resource 2xx'
    const longSessionFailed = async (cycle: number, resource: ClientAnswer, refreshes: ParsedRequest[]) => {
      const last = refreshes.at(-1)
      const why = last ? `its refresh was answered ${last.raw.status} ${last.raw.response.body.slice(0, 120)}` : 'it made no refresh request'
      t.report('long-session', false, longSessionExpected, `expiry ${cycle}: ${answerLine('GET /resource', resource)}; ${why}`, t.refreshes(await t.since(mark)))
    }
    const finish = async () => reportRefreshShape(t, t.refreshes(await t.since(mark)))

    // Expiry 1: refresh-on-expiry.
    const first = await expire()
    const ok = first.ok && first.calls.some((r) => is2xx(r.raw.status))
    const actual = `${answerLine('GET /resource', first.resource)}; refresh responses: ${statusList(first.refreshes)}; resource responses: ${statusList(first.calls)}`
    // Never fail a client for an expiry it could not see: one that refreshes from `expires_in` on its own clock.
    const unseen = !ok && first.refreshes.length === 0 && !t.clientCouldSeeExpiry
    if (unseen) {
      t.skip('refresh-on-expiry', `${actual}. Not judged: the provider tells expires_in and the client's clock could not be moved with the fakes' (libfaketime is not installed; Debian: faketime), so a client that refreshes on its own clock could not see this expiry`)
    } else {
      t.report('refresh-on-expiry', ok, `after ${lifetime} s: a 2xx refresh, then /resource 2xx`, actual, [...first.refreshes, ...first.calls])
    }
    if (!first.ok) {
      if (appliesTo('refresh-rotation', t.profile)) t.skip('refresh-rotation', `the first refresh did not work (see refresh-on-expiry): ${answerLine('GET /resource', first.resource)}`)
      if (unseen) t.skip('long-session', `the first expiry was not refreshed and the client's clock could not be moved (no libfaketime): not judged`)
      else await longSessionFailed(1, first.resource, first.refreshes)
      return finish()
    }

    // Expiry 2: refresh-rotation — each refresh presents the refresh token of the answer before it.
    const second = await expire()
    if (appliesTo('refresh-rotation', t.profile)) {
      const refreshes = t.refreshes(await t.since(mark))
      let newest: string | null = null
      const stale: ParsedRequest[] = []
      for (const r of await t.since(0)) {
        const kind = tokenKindOf(t, r)
        if (kind === 'refresh' && newest !== null && presentedRefreshToken(t, r) !== newest) stale.push(r)
        if ((kind === 'exchange' || kind === 'refresh') && is2xx(r.raw.status)) newest = issuedRefreshToken(r) ?? newest
      }
      t.report(
        'refresh-rotation',
        is2xx(second.resource.status) && refreshes.length >= 2 && stale.length === 0 && refreshes.every((r) => is2xx(r.raw.status)),
        'each refresh presents the refresh token of the previous answer; both /resource 2xx',
        `${answerLine('GET /resource', first.resource)}; ${answerLine('GET /resource', second.resource)}; ${refreshes.length} refreshes${stale.length ? `, ${stale.length} presenting a refresh token other than the newest` : ''}`,
        stale.length ? stale : refreshes,
      )
    }
    if (!second.ok) {
      await longSessionFailed(2, second.resource, second.refreshes)
      return finish()
    }

    // Expiry 3: long-session.
    const third = await expire()
    if (third.ok) t.report('long-session', true, longSessionExpected, 'three refreshes, each accepted', t.refreshes(await t.since(mark)))
    else await longSessionFailed(3, third.resource, third.refreshes)
    return finish()
  },
}

/** 8. The grant is revoked and the access token expires: fail once, cleanly, and stay up. */
const revokedGrant: Scenario = {
  id: 'revoked-grant',
  title: 'Revoked grant',
  checks: ['revoked-grant-fails', 'no-refresh-loop', 'keeps-answering'],
  async run(t) {
    await t.signIn()
    await t.resourceWorks()
    t.fakes.revoke(t.provider, t.config.clientId)
    t.advanceClock(t.profile.accessLifetimeSeconds + 60)
    const mark1 = t.mark()
    const first = await t.client.resource()
    const refreshes1 = t.refreshes(await t.since(mark1))
    t.report('revoked-grant-fails', !is2xx(first.status), '/resource non-2xx once the grant is revoked', answerLine('GET /resource', first), refreshes1)
    let keeps: string | null = null
    const mark2 = t.mark()
    try {
      const again = await t.client.resource()
      const login = await t.client.login()
      // Any answer to /resource will do (it cannot work any more); /login must still start a login.
      void again
      if (!isRedirect(login.status)) keeps = `afterwards ${answerLine('GET /login', login)}`
    } catch (error) {
      keeps = (error as Error).message
    }
    const refreshes2 = t.refreshes(await t.since(mark2))
    const worst = Math.max(refreshes1.length, refreshes2.length)
    t.report('no-refresh-loop', worst <= 1, 'at most one refresh request per /resource call', `${refreshes1.length} then ${refreshes2.length} refresh requests for two /resource calls`, worst > 1 ? [...refreshes1, ...refreshes2] : undefined)
    t.report('keeps-answering', keeps === null, 'the client still answers /resource and /login (302)', keeps ?? 'it does')
  },
}

/** 9. Out-of-band (BookingSync): the code is read off the provider's page and pasted. */
const outOfBand: Scenario = {
  id: 'out-of-band',
  title: 'Out-of-band code',
  checks: ['oob-exchange'],
  oob: true,
  appliesTo: (p) => p.oob !== null,
  async run(t) {
    const { redirect } = await t.authorizeAndConsent('allow')
    const page = await t.agent.oobCode(redirect)
    const code = page.code
    if (!code) throw new PreconditionFailed(`no code on the provider's oob page ${redirect.href} (${page.status})`)
    const mark = t.mark()
    const answer = await t.client.oob(code)
    const exchanges = t.exchanges(await t.since(mark))
    const good = exchanges.filter((r) => r.params.redirect_uri === OOB_REDIRECT_URI && r.params.code === code && is2xx(r.raw.status))
    t.report('oob-exchange', is2xx(answer.status) && good.length > 0, `POST /oob → 2xx after an exchange with redirect_uri=${OOB_REDIRECT_URI}`, `${answerLine('POST /oob', answer)}; token responses: ${statusList(exchanges)}`, exchanges)
  },
}

/** 11. The token endpoint fails once (503): report it, store nothing, and recover at the next login. */
const transientFailure: Scenario = {
  id: 'token-endpoint-failure',
  title: 'Transient token-endpoint failure',
  checks: ['token-error-reported', 'recovers-after-error'],
  async run(t) {
    const { redirect } = await t.authorizeAndConsent('allow')
    t.fakes.injectFault({ provider: t.provider, endpoint: 'token', status: 503, times: 1 })
    const mark = t.mark()
    const callback = await t.client.callback(redirect.href)
    const resource = await t.client.resource()
    const exchanges = t.exchanges(await t.since(mark))
    const faulted = exchanges.some((r) => r.raw.status === 503)
    if (exchanges.length === 0) t.skip('token-error-reported', `the client made no token request at /callback (${answerLine('GET /callback', callback)}): nothing to judge`)
    else t.report(
      'token-error-reported',
      faulted && !is2xx(callback.status) && !is2xx(resource.status),
      'token endpoint 503 → /callback non-2xx, and /resource non-2xx (nothing stored)',
      `${answerLine('GET /callback', callback)}; ${answerLine('GET /resource', resource)}; token responses: ${statusList(exchanges)}`,
      exchanges,
    )
    const next = await t.authorizeAndConsent('allow')
    const mark2 = t.mark()
    const again = await t.client.callback(next.redirect.href)
    const exchanges2 = t.exchanges(await t.since(mark2))
    t.report('recovers-after-error', is2xx(again.status) && exchanges2.some((r) => is2xx(r.raw.status)), 'the next login: /callback 2xx after a 2xx token response', `${answerLine('GET /callback', again)}; token responses: ${statusList(exchanges2)}`, exchanges2)
  },
}

/** Scenario ids of earlier releases, still accepted by `--scenario`: they became part of another. */
const SCENARIO_ALIASES: ReadonlyMap<string, string> = new Map([
  ['state-validation', 'authorization-request'],
  ['rotation', 'access-expired'],
  ['long-session', 'access-expired'],
])

/** The scenario a `--scenario` id names today (an id of an earlier release → the scenario it is part of). */
export function scenarioId(id: string): string {
  return SCENARIO_ALIASES.get(id) ?? id
}

export const SCENARIOS: readonly Scenario[] = [authorizationRequest, happyPath, issValidation, userDenies, codeExpired, accessExpired, revokedGrant, outOfBand, transientFailure]

/** Checks judged over every scenario's whole request log (10. single-use codes, and the like). */
export const CROSS_CUTTING: readonly CheckId[] = ['code-single-use', 'bearer-header', 'no-secret-in-url', 'metadata-endpoints']

/** Cross-cutting findings over one scenario's complete log. */
export function judgeWholeLog(t: ScenarioRun, all: ParsedRequest[]): void {
  const exchanges = t.exchanges(all)
  if (exchanges.length) {
    const seen = new Map<string, number>()
    for (const r of exchanges) if (r.params.code) seen.set(r.params.code, (seen.get(r.params.code) ?? 0) + 1)
    const twice = exchanges.filter((r) => (seen.get(r.params.code ?? '') ?? 0) > 1)
    t.report('code-single-use', twice.length === 0, 'every authorization code presented once', twice.length ? `a code presented ${seen.get(twice[0]!.params.code ?? '')} times` : 'each once', twice.length ? twice : undefined)
  }
  const calls = t.apiCalls(all)
  if (calls.length) {
    const bad = calls.filter((r) => !r.bearer || r.queryParams.access_token !== undefined || (r.bearer && r.raw.url.includes(r.bearer)))
    t.report('bearer-header', bad.length === 0, 'Authorization: Bearer <access token> on every API call, no token in the URL', bad.length ? (bad[0]!.bearer ? 'the access token also appears in the URL' : 'no Bearer header') : 'as expected', bad.length ? bad : undefined)
  }
  const leaking = all.filter((r) => r.raw.url.includes(t.config.clientSecret))
  t.report('no-secret-in-url', leaking.length === 0, 'the client secret in no request URL', leaking.length ? 'the secret appears in a URL' : 'not present', leaking.length ? leaking : undefined)
  if (appliesTo('metadata-endpoints', t.profile)) {
    // What the metadata names (endpoints' paths below the base, and the document itself) and the resource.
    const named = new Set(Object.values(t.fakes.definition(t.provider).endpoints))
    const elsewhere = all.filter((r) => !named.has(r.raw.path))
    t.report(
      'metadata-endpoints',
      elsewhere.length === 0,
      `requests only to the metadata's endpoints: ${[...named].join(', ')}`,
      elsewhere.length ? `${elsewhere[0]!.raw.method} ${elsewhere[0]!.raw.path} → ${elsewhere[0]!.raw.status}` : 'as expected',
      elsewhere.length ? elsewhere : undefined,
    )
  }
}
