/**
 * The cal.com fake: the "legacy" profile (default) here, the "v2" token endpoints in ./v2.ts.
 * Behaviour: ../shared/providers/calcom.md.
 * Numbers and words live in ./profile.ts; this file wires them to the engine's steps.
 */
import { z } from 'zod'
import { calcomDefaultUserId, calcomDemoClient } from '../../../fixtures/calcom.ts'
import { randomBase64url, signJwtHs256, verifyJwtHs256 } from '../../engine/crypto.ts'
import { ProviderError, reasonPhrase } from '../../engine/errors.ts'
import { bearerToken, json } from '../../engine/http.ts'
import {
  type AuthorizeProfile,
  type TokenFormats,
  authenticateBearer,
  authenticateClient,
  consumeAuthorizationCode,
  handleAuthorizationRequest,
  issueTokens,
} from '../../engine/oauth.ts'
import { validateParams } from '../../engine/params.ts'
import { type ProviderRuntime, type RequestContext, type Route, type TokenEntry, defineProvider } from '../../engine/provider.ts'
import { type CalcomData, createCalcomData } from './data.ts'
import { calcomConsentPage, calcomErrorPage } from './pages.ts'
import { type CalcomOptions, calcomOptionsSchema, calcomProfile as P, calcomV2Profile } from './profile.ts'
import { calcomV2AuthorizeProfile, calcomV2TokenRoutes } from './v2.ts'

type Rt = ProviderRuntime<CalcomData, CalcomOptions>

/** Every cal.com API error is `{"message": …}`. */
const fail = (status: number, message: string) => new ProviderError(status, status === 401 ? 'invalid_client' : 'invalid_request', message)
const unauthorized = () => fail(401, P.messages.unauthorized)

const authorizeProfile: AuthorizeProfile<CalcomData> = {
  // "No response_type is read (the newer API doc lists it; accept and ignore it)."
  responseType: 'ignored',
  // Unknown scopes: cal.com's tRPC input is an enum of AccessScope, so the page fails; no redirect.
  scopes: { known: P.scopes, separator: P.scopeSeparator, unknown: 'page' },
  codeLifetimeSeconds: P.codeLifetimeSeconds,
  newCode: () => randomBase64url(P.codeBytes),
  skipApprovedConsent: false,
  // Go back → `redirect_uri?error=access_denied&state=…` (state omitted when absent).
  errorParams: (code, state) => ({ error: code, state }),
  users: (data) => data.db.user.getAll().map((u) => ({ id: u.id, label: `${u.name} (${u.username})` })),
  // "the user, plus teams where the user is OWNER/ADMIN"; a team choice makes a team grant.
  choices(data, userId) {
    const user = data.user(userId)
    if (!user) return []
    return [
      { value: `${userId}:personal`, label: `${user.name} (personal account)`, subject: { userId, teamId: null, accountId: null } },
      ...data.adminTeams(userId).map((t) => ({
        value: `${userId}:team:${t.id}`,
        label: `${t.name} (team, as ${user.name})`,
        subject: { userId: null, teamId: t.id, accountId: null },
      })),
    ]
  },
  errorPage(kind) {
    if (kind === 'unknown_client') return calcomErrorPage('Unauthorized', 'OAuth client with ID not found')
    if (kind === 'bad_redirect_uri') return calcomErrorPage('Unauthorized', "redirect_uri does not match OAuth client's redirect URI")
    if (kind === 'invalid_scope') return calcomErrorPage('Bad request', `Invalid scope: only ${P.scopes.join(', ')} exist`)
    return calcomErrorPage('Bad request', 'That account or team cannot be chosen by this user')
  },
  consentPage: (view) => calcomConsentPage(view),
}

/** HS256 JWTs with cal.com's claims; `exp` from the fakes' clock; v2 adds a random `jti`. */
function tokenFormats(rt: Rt): TokenFormats {
  const sign = (entry: TokenEntry, type: string, lifetime: number) => {
    const iat = Math.floor(entry.issuedAt / 1000)
    const jti = rt.options.profile === 'v2' ? { jti: randomBase64url(calcomV2Profile.jtiBytes) } : {}
    return signJwtHs256(
      { userId: entry.userId, teamId: entry.teamId, scope: entry.scopes, token_type: type, clientId: entry.clientId, iat, exp: iat + lifetime, ...jti },
      rt.options.jwtSecret,
    )
  }
  return {
    accessLifetimeSeconds: P.accessLifetimeSeconds,
    refreshLifetimeSeconds: P.refreshLifetimeSeconds,
    newAccessToken: (e) => sign(e, P.tokenTypes.access, P.accessLifetimeSeconds),
    newRefreshToken: (e) => sign(e, P.tokenTypes.refresh, P.refreshLifetimeSeconds),
  }
}

/**
 * A JWT that verifies (signature, `exp`), has the wanted `token_type`, and is still live in the
 * store (the store is what revocation through the control API reaches).
 */
function verifyCalcomToken(rt: Rt, token: string | undefined, type: 'access' | 'refresh'): TokenEntry | undefined {
  if (!token) return undefined
  const claims = verifyJwtHs256(token, rt.options.jwtSecret, rt.clock.nowSeconds())
  if (!claims || claims.token_type !== P.tokenTypes[type]) return undefined
  const store = type === 'access' ? rt.accessTokens : rt.refreshTokens
  const found = store.lookup(token, rt.clock.now())
  return found.state === 'valid' ? found.entry : undefined
}

// The token endpoint's checks, in calcom.md's order: the schema's key order IS the check order.
const tokenRequest = z.object({
  grant_type: z.literal('authorization_code'),
  client_id: z.string(),
  client_secret: z.string(),
  redirect_uri: z.string(),
  code: z.string(),
})

const refreshRequest = z.object({
  client_id: z.string().min(1),
  client_secret: z.string().min(1),
  grant_type: z.literal('refresh_token'),
})

/** `POST /api/auth/oauth/token` */
async function exchangeCode(rt: Rt, ctx: RequestContext): Promise<Response> {
  const params = await ctx.params(['form', 'json'])
  const checked = validateParams(tokenRequest, params)
  // 2. grant_type → 400; 3./4. anything about client, redirect or code → 401.
  if (!checked.ok) throw checked.field === 'grant_type' ? fail(400, P.messages.tokenGrantInvalid) : unauthorized()
  const p = checked.value
  const client = authenticateClient(rt, ctx, params, ['body'])
  if (!client || !client.redirectUris.includes(p.redirect_uri)) throw unauthorized()
  // The code is looked up for THIS client (cal.com's query filters on clientId): another client's
  // code is not found, and not consumed.
  const found = rt.codes.lookup(p.code, rt.clock.now())
  if (found.state === 'unknown' || found.entry.clientId !== client.clientId) throw unauthorized()
  const code = consumeAuthorizationCode(rt, p.code)
  if (!code || code.redirectUri !== p.redirect_uri) throw unauthorized()
  const issued = issueTokens(rt, tokenFormats(rt), {
    clientId: client.clientId,
    subject: { userId: code.userId, teamId: code.teamId, accountId: null },
    scopes: code.scopes,
    grantType: 'authorization_code',
    withRefresh: true,
  })
  // "nothing else (no token_type, no expires_in: clients must cope)"
  return nextJson({ access_token: issued.access, refresh_token: issued.refresh })
}

/** `POST /api/auth/oauth/refreshToken` — the refresh token travels in `Authorization: Bearer`. */
async function refresh(rt: Rt, ctx: RequestContext): Promise<Response> {
  const params = await ctx.params(['form', 'json'])
  const checked = validateParams(refreshRequest, params)
  if (!checked.ok) {
    throw checked.field === 'grant_type' ? fail(400, P.messages.refreshGrantInvalid) : fail(400, P.messages.missingClient)
  }
  const client = authenticateClient(rt, ctx, params, ['body'])
  if (!client) throw unauthorized()
  const old = verifyCalcomToken(rt, bearerToken(ctx.headers), 'refresh')
  // A refresh token of another client does not refresh for this one.
  if (!old || old.clientId !== client.clientId) throw unauthorized()
  // No rotation: the refresh token stays valid until its own 30-day expiry.
  const issued = issueTokens(rt, tokenFormats(rt), {
    clientId: client.clientId,
    subject: { userId: old.userId, teamId: old.teamId, accountId: null },
    scopes: old.scopes,
    grantType: 'refresh_token',
    withRefresh: false,
  })
  issued.accessEntry.pair = bearerToken(ctx.headers) ?? null
  return nextJson({ access_token: issued.access })
}

/** Bearer access token with a scope, as cal.com's `isAuthorized(req, scopes)`. */
function accessFor(rt: Rt, ctx: RequestContext, scope: string): TokenEntry | undefined {
  const token = bearerToken(ctx.headers)
  const entry = verifyCalcomToken(rt, token, 'access')
  if (!entry) return undefined
  const checked = authenticateBearer(rt, token, [scope])
  return checked.ok ? entry : undefined
}

/** `GET|POST /api/auth/oauth/me` → 201 `{"username"}` (a team grant answers the team's name). */
function me(rt: Rt, ctx: RequestContext): Response {
  const entry = accessFor(rt, ctx, 'READ_PROFILE')
  if (!entry) throw unauthorized()
  const name = entry.teamId !== null ? rt.data.team(entry.teamId)?.name : rt.data.user(entry.userId)?.username
  if (name === undefined) throw unauthorized()
  return nextJson({ username: name }, 201)
}

/** `GET /api/integrations/zapier/listBookings` with `?apiKey=` (wins) or a Bearer READ_BOOKING token. */
function listBookings(rt: Rt, ctx: RequestContext): Response {
  const apiKey = ctx.url.searchParams.get('apiKey')
  let subject: { userId: number | null; teamId: number | null }
  // cal.com tests `if (apiKey)`: an empty `?apiKey=` falls through to the Bearer token.
  if (apiKey) {
    const user = rt.data.userByApiKey(apiKey)
    if (!user) throw new ProviderError(401, 'invalid_token', P.messages.apiKeyInvalid)
    subject = { userId: user.id, teamId: null }
  } else {
    const entry = accessFor(rt, ctx, 'READ_BOOKING')
    if (!entry) throw new ProviderError(401, 'invalid_token', P.messages.unauthorized)
    subject = entry
  }
  const bookings = rt.data.bookings(subject).slice(0, P.listBookingsLimit).map((b) => {
    const user = rt.data.user(b.userId)
    const team = rt.data.team(b.teamId)
    return {
      uid: b.uid,
      title: b.title,
      description: b.description,
      customInputs: {},
      responses: b.responses,
      userFieldsResponses: {},
      startTime: b.startTime,
      endTime: b.endTime,
      location: b.location,
      cancellationReason: b.cancellationReason,
      status: b.status,
      metadata: { videoCallUrl: b.videoCallUrl },
      user: user ? { username: user.username, name: user.name, email: user.email, timeZone: user.timeZone, locale: user.locale } : null,
      eventType: { ...b.eventType, bookingFields: [], team: team ? { name: team.name } : null },
      attendees: b.attendees,
    }
  })
  return nextJson(bookings, 201)
}

/** Next.js's `res.json()`: `Content-Type: application/json; charset=utf-8`. */
function nextJson(body: unknown, status = 200): Response {
  return json(body, status, {}, 'application/json; charset=utf-8')
}

/** `{"message": …}`; Next.js's own pages and messages for 404, bad JSON and oversized bodies. */
function renderError(error: ProviderError): Response {
  if (error.code === 'not_found') return calcomErrorPage('404', 'This page could not be found.', 404)
  // Next.js answers these itself, before cal.com's handler runs: `sendError` → `res.end(message)`,
  // a plain-text body without a Content-Type.
  if (error.code === 'malformed_body') return new Response(new TextEncoder().encode(P.messages.invalidJson), { status: 400 })
  if (error.code === 'payload_too_large') return new Response(new TextEncoder().encode(P.messages.bodyTooLarge), { status: 413 })
  return nextJson({ message: error.description ?? reasonPhrase(error.status) }, error.status)
}

export const calcom = defineProvider<CalcomData, CalcomOptions>({
  id: 'calcom',
  title: 'Cal.com',
  hosts: { app: P.host },
  createData: createCalcomData,
  demoClients: () => [calcomDemoClient],
  defaultUserId: () => calcomDefaultUserId,
  optionsSchema: calcomOptionsSchema,
  endpoints: {
    authorize: P.paths.authorize,
    token: P.paths.token,
    refresh: P.paths.refresh,
    resource: P.paths.me,
    listBookings: P.paths.listBookings,
  },
  renderError,
  faultError: (_endpoint, status) => new ProviderError(status, 'fault', reasonPhrase(status)),
  routes: (rt) => {
    const invalidMethod = () => fail(405, P.messages.invalidMethod)
    // listBookings errors carry `"data": null` beside the message.
    const withData = (error: ProviderError) =>
      nextJson(error.status === 405 ? { message: error.description } : { message: error.description ?? reasonPhrase(error.status), data: null }, error.status)
    const v2 = rt.options.profile === 'v2'
    const authorize = v2 ? calcomV2AuthorizeProfile(authorizeProfile) : authorizeProfile
    const tokenRoutes: Route[] = v2
      ? calcomV2TokenRoutes(rt, tokenFormats(rt))
      : [
          { methods: ['POST'], path: P.paths.token, endpoint: 'token', wrongMethod: invalidMethod, handle: (ctx) => exchangeCode(rt, ctx) },
          { methods: ['POST'], path: P.paths.refresh, endpoint: 'refresh', wrongMethod: invalidMethod, handle: (ctx) => refresh(rt, ctx) },
        ]
    return [
      { methods: ['GET', 'POST'], path: P.paths.authorize, endpoint: 'authorize', handle: (ctx) => handleAuthorizationRequest(rt, authorize, ctx) },
      ...tokenRoutes,
      { methods: '*', path: P.paths.me, endpoint: 'api', handle: (ctx) => me(rt, ctx) },
      {
        methods: ['GET'],
        path: P.paths.listBookings,
        endpoint: 'api',
        wrongMethod: () => fail(405, P.messages.listBookingsMethod),
        renderError: (error) => (error.code === 'fault' || error.code === 'malformed_body' || error.code === 'payload_too_large' ? renderError(error) : withData(error)),
        handle: (ctx) => listBookings(rt, ctx),
      },
    ]
  },
})
