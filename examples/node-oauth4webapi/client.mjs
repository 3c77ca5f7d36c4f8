#!/usr/bin/env node
/**
 * An OAuth client for cal.com, BookingSync and Zapier on oauth4webapi.
 *
 * A small web app (node:http) that implements the conformance suite's client contract
 * (docs/client-contract.md): GET /login, GET /callback, POST /oob and GET /resource on
 * 127.0.0.1:$PORT, configured by the OAUTH_* environment. One user; the grant lives in memory.
 *
 * Run it against the suite from the repository root (after `npm ci` in this directory):
 *   npm run conformance -- --provider all --client "node examples/node-oauth4webapi/client.mjs"
 */
import { createServer } from 'node:http'
import * as oauth from 'oauth4webapi'

const env = process.env
const isCalcom = env.OAUTH_PROVIDER === 'calcom'
const redirectUri = env.OAUTH_REDIRECT_URI
const resourceUrl = new URL(env.OAUTH_RESOURCE_URL)

/** The authorization server's metadata, written out: none of the three publishes RFC 8414 discovery. */
const as = {
  issuer: env.OAUTH_BASE_URL,
  authorization_endpoint: env.OAUTH_AUTHORIZE_URL,
  token_endpoint: env.OAUTH_TOKEN_URL, // Zapier's ends in a slash: exactly as given
}
/**
 * Quirk (cal.com): refreshes go to OAUTH_REFRESH_URL — API v2's token endpoint today (the same as
 * OAUTH_TOKEN_URL), its own `/api/auth/oauth/refreshToken` before 2026.
 */
const refreshAs = isCalcom ? { ...as, token_endpoint: env.OAUTH_REFRESH_URL } : as
const client = { client_id: env.OAUTH_CLIENT_ID }
// cal.com reads client_id/client_secret only from the body; Zapier documents HTTP Basic.
// Quirk (BookingSync): Doorkeeper takes Basic or the body, but reads Basic credentials without
// form-decoding them, while oauth4webapi form-encodes them first (RFC 6749 §2.3.1), '-' and '_'
// included: an id like `my-app` arrives as `my%2Dapp` and is refused. The body has no such problem.
const clientAuth = env.OAUTH_PROVIDER === 'zapier' ? oauth.ClientSecretBasic(env.OAUTH_CLIENT_SECRET) : oauth.ClientSecretPost(env.OAUTH_CLIENT_SECRET)

/**
 * Quirk (cal.com, eras pages-router … app-router, and app-router-2025-11's refresh answer): token
 * answers carry no `token_type` (only access_token, and refresh_token). RFC 6749 §5.1 makes it
 * REQUIRED and oauth4webapi rejects the answer without it ("\"response\" body \"token_type\"
 * property must be a string"). cal.com's tokens are Bearer tokens: this fetch adds the missing
 * field before the library reads the answer, and changes nothing else (today's answers carry
 * `"token_type":"bearer"` and pass untouched).
 */
async function fetchAddingTokenType(url, init) {
  const response = await fetch(url, init)
  if (response.status !== 200 || !response.headers.get('content-type')?.includes('json')) return response
  const body = await response.json()
  if (typeof body.access_token === 'string' && body.token_type === undefined) body.token_type = 'bearer'
  const headers = new Headers(response.headers)
  headers.delete('content-length')
  headers.delete('content-encoding')
  return new Response(JSON.stringify(body), { status: response.status, statusText: response.statusText, headers })
}

/** Options for every call: the fakes listen on plain http://127.0.0.1 (never allow that in production). */
const options = () => ({
  [oauth.allowInsecureRequests]: true,
  ...(isCalcom ? { [oauth.customFetch]: fetchAddingTokenType } : {}),
  signal: AbortSignal.timeout(5000),
})

/** Logins in progress: state → PKCE code verifier. Each is good for one callback. */
const pending = new Map()
/** The user's tokens, or null while signed out. */
let tokens = null

/**
 * Quirk (cal.com, era oauth-service): no PKCE for this confidential client. cal.com requires PKCE
 * of public clients only, and API v2's token endpoint refuses a `code_verifier` next to a
 * `client_secret`: 400 invalid_request "code_verifier property is wrong,property code_verifier
 * should not exist" (its DTO for confidential clients has no such field, docs/providers/calcom.md
 * "API v2 token: an unknown field"). BookingSync and Zapier get PKCE, as oauth4webapi recommends.
 */
const usePkce = !isCalcom

async function login() {
  const state = oauth.generateRandomState() // 32 random bytes, base64url
  const codeVerifier = usePkce ? oauth.generateRandomCodeVerifier() : oauth.nopkce
  pending.set(state, codeVerifier)
  const url = new URL(as.authorization_endpoint)
  url.searchParams.set('client_id', client.client_id)
  url.searchParams.set('redirect_uri', redirectUri)
  url.searchParams.set('response_type', 'code')
  url.searchParams.set('scope', env.OAUTH_SCOPE ?? '') // in the provider's own separator
  url.searchParams.set('state', state)
  if (usePkce) {
    url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier))
    url.searchParams.set('code_challenge_method', 'S256')
  }
  return url.href
}

/** The code for tokens: stored only once the token endpoint issued them. */
async function exchange(params, codeVerifier) {
  const response = await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, redirectUri, codeVerifier, options())
  const result = await oauth.processAuthorizationCodeResponse(as, client, response)
  tokens = { access: result.access_token, refresh: result.refresh_token ?? null }
}

async function callback(url) {
  const state = url.searchParams.get('state')
  if (!state || !pending.has(state)) return [400, 'state missing or unknown: possible CSRF']
  const codeVerifier = pending.get(state)
  // One callback per login: a replayed redirect finds its state gone and never re-exchanges.
  pending.delete(state)
  let params
  try {
    // Checks the state once more and turns error=… (access_denied) into an exception.
    params = oauth.validateAuthResponse(as, client, url, state)
  } catch (error) {
    return [403, `authorization failed: ${error.message}`]
  }
  try {
    await exchange(params, codeVerifier)
  } catch (error) {
    return [502, `the code exchange failed: ${error.message}`]
  }
  return [200, 'Connected.']
}

async function outOfBand(code) {
  if (!code) return [400, 'form field code is required']
  try {
    // BookingSync out-of-band: redirectUri is urn:ietf:wg:oauth:2.0:oob, as at authorize. The code
    // was read off a page, so there is no redirect to validate and no PKCE (none was sent).
    const params = oauth.validateAuthResponse(as, client, new URLSearchParams({ code }), oauth.expectNoState)
    await exchange(params, oauth.nopkce)
  } catch (error) {
    return [502, `the code exchange failed: ${error.message}`]
  }
  return [200, 'Connected.']
}

/**
 * Quirk (cal.com, eras before oauth-service): the refresh endpoint of cal.com before 2026
 * (`/api/auth/oauth/refreshToken`) reads the refresh token from `Authorization: Bearer` only
 * ("refresh: in the body it is not read", docs/providers/calcom.md); today's API v2 token endpoint
 * reads it from the body, where RFC 6749 §6 (and refreshTokenGrantRequest) puts it. oauth4webapi
 * lets no option set that header, but client authentication is a plain function of (as, client,
 * body, headers): this one authenticates like every cal.com call (client_id and client_secret in
 * the body) and copies the refresh token into the header too, so one request works in every era.
 * @type {oauth.ClientAuth}
 */
function calcomRefreshAuth(as, client, body, headers) {
  clientAuth(as, client, body, headers)
  headers.set('authorization', `Bearer ${body.get('refresh_token')}`)
}

/** One refresh attempt; false when it failed (the grant is dead: forget it). */
async function refresh() {
  try {
    const auth = isCalcom ? calcomRefreshAuth : clientAuth
    const response = await oauth.refreshTokenGrantRequest(refreshAs, client, auth, tokens.refresh, options())
    const result = await oauth.processRefreshTokenResponse(refreshAs, client, response)
    // BookingSync, Zapier and today's cal.com rotate refresh tokens (take the new one); cal.com's
    // answers before app-router-2025-11 have none (keep ours).
    tokens = { access: result.access_token, refresh: result.refresh_token ?? tokens.refresh }
    return true
  } catch {
    tokens = null
    return false
  }
}

/** GET the resource with `Authorization: Bearer`; a 401 (with or without a WWW-Authenticate challenge) is returned, not thrown. */
async function callApi() {
  try {
    return await oauth.protectedResourceRequest(tokens.access, 'GET', resourceUrl, undefined, undefined, options())
  } catch (error) {
    // BookingSync's 401 says `WWW-Authenticate: Bearer … error_description="The access token expired"`.
    if (error instanceof oauth.WWWAuthenticateChallengeError) return error.response
    throw error
  }
}

async function resource() {
  if (!tokens) return [401, 'not signed in']
  let response = await callApi()
  // oauth4webapi keeps no clock of its own: refresh when the provider says the token is no good,
  // once per call — if that fails, the grant is dead and retrying cannot help.
  if (response.status === 401 && tokens.refresh) {
    if (!(await refresh())) return [401, 'the grant is no longer valid: log in again']
    response = await callApi()
  }
  return [response.status, await response.text(), response.headers.get('content-type') ?? 'text/plain']
}

async function readForm(req) {
  let text = ''
  for await (const chunk of req) text += chunk
  return new URLSearchParams(text)
}

const server = createServer(async (req, res) => {
  const send = (status, body, type = 'text/plain; charset=utf-8', headers = {}) => {
    res.writeHead(status, { 'content-type': type, ...headers })
    res.end(body)
  }
  try {
    const url = new URL(req.url, 'http://127.0.0.1')
    if (req.method === 'GET' && url.pathname === '/login') return send(302, '', undefined, { location: await login() })
    if (req.method === 'GET' && url.pathname === '/callback') return send(...(await callback(url)))
    if (req.method === 'POST' && url.pathname === '/oob') return send(...(await outOfBand((await readForm(req)).get('code')?.trim())))
    if (req.method === 'GET' && url.pathname === '/resource') return send(...(await resource()))
    return send(404, 'not found')
  } catch (error) {
    // The network towards the provider, a timeout: report it and keep serving.
    return send(502, `upstream error: ${error.message}`)
  }
})
server.listen(Number(env.PORT), '127.0.0.1')
process.on('SIGTERM', () => server.close(() => process.exit(0)))
