/**
 * The cal.com fake, era by era (./profile.ts: what each era answers, with the commit of each
 * value). The `era` option picks one; the default is what app.cal.com runs today. Docs and one
 * table per era: docs/providers/calcom.md.
 *
 * Every era shares the authorize page (engine), HS256 JWTs, codes, `me` and listBookings; the
 * token and refresh routes are the era's own, in three generations: the `{"message"}` routes
 * (pages and app router), the OAuthService routes of `apps/web` (`{"error"}`), and API v2's
 * `/v2/auth/oauth2/token` (`{"error","error_description"}`).
 */
import { z } from 'zod'
import { calcomDefaultUserId, calcomDemoClient } from '../../../fixtures/calcom.ts'
import { type AuthorizeFailure, type AuthorizeProfile, handleAuthorizationRequest } from '../../engine/authorize.ts'
import type { Client } from '../../engine/clients.ts'
import { asciiFlat, jwtPart, randomBase64url, safeEqual, signJwtHs256, verifyJwtHs256 } from '../../engine/crypto.ts'
import { AnswerError, ProviderError, reasonPhrase } from '../../engine/errors.ts'
import { bearerToken, json, textResponse } from '../../engine/http.ts'
import { type TokenFormats, authenticateBearer, issueTokens, revokeRefreshTokensOf } from '../../engine/oauth.ts'
import { type Params, lastValues } from '../../engine/params.ts'
import { type PkceProfile, verifyPkce } from '../../engine/pkce.ts'
import { type CodeEntry, type GrantSubject, type ProviderRuntime, type RequestContext, type Route, type TokenEntry, type TokenKeys, defineProvider } from '../../engine/provider.ts'
import { type CalcomData, createCalcomData } from './data.ts'
import { calcomBlankPage, calcomConsentPage, calcomErrorPage } from './pages.ts'
import { type CalcomEra, type CalcomOptions, calcomEras, calcomOptionsSchema, calcomProfile as P } from './profile.ts'

type Rt = ProviderRuntime<CalcomData, CalcomOptions>
const era = (rt: Rt): CalcomEra => calcomEras[rt.options.era]

// ---------------------------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------------------------

/** An answer built by the route itself (a status and a body), thrown to leave the handler. */
class Answer extends ProviderError {
  constructor(readonly response: Response) {
    super(response.status, 'fault')
  }
}

/** Next.js pages router `res.json()`: `application/json; charset=utf-8`. */
const pagesJson = (body: unknown, status = 200) => json(body, status, {}, 'application/json; charset=utf-8')
/** Next.js app router `NextResponse.json()`: `application/json`. */
const appJson = (body: unknown, status = 200, headers: Record<string, string> = {}) => json(body, status, headers, 'application/json')
/** An `{"message"}` error in the era's framework. */
const messageError = (e: CalcomEra, status: number, message: string) => new Answer(e.body === 'next-pages' ? pagesJson({ message }, status) : appJson({ message }, status))
/** Next.js's own answers: plain-text pages-router errors, the app router's empty 405. */
const nextPlain = (status: number, text: string) => new Answer(textResponse(text, { status, headers: { 'content-type': 'text/plain' } }))
const nextEmpty405 = () => new Answer(new Response(null, { status: 405 }))

/** 4e0798577 / e24e1d876: `NextResponse.json(body, { headers })` on success. */
const RFC_HEADERS = { 'content-type': 'application/json;charset=UTF-8', 'cache-control': 'no-store', pragma: 'no-cache' }

// ---------------------------------------------------------------------------------------------
// Tokens: HS256 JWTs (jsonwebtoken's `sign(payload, CALENDSO_ENCRYPTION_KEY, { expiresIn })`)
// ---------------------------------------------------------------------------------------------

interface MintOptions {
  /** The tokens' claims without `teamId` (a refreshed token in the first pages-router era). */
  dropTeam?: boolean
  /** The refresh JWT's `secret` claim (index 027e9710 `mintTokens`): OAuthService eras. */
  secret?: string
  /** The code's PKCE challenge, carried by the refresh JWT after the secret (4e0798577). */
  pkce?: { codeChallenge: unknown; codeChallengeMethod: unknown }
}

/**
 * What a JWT carries beyond its entry (`TokenEntry.extras`). The stores keep an access JWT under
 * its signature and a refresh JWT under its `secret` claim — the row cal.com itself finds it by
 * (`findBySecret`, index 027e9710) — or, before the OAuthService had secrets, its signature; the
 * JWT is written again from the entry where it is shown (`calcomTokenKeys`). ~380 characters a
 * token kept twice as a key and a pair otherwise: 1,600 bytes a live pair, ~910 so (`npm run bench`, memory).
 */
type JwtExtras = {
  /** The `jwtSecret` option it was signed with (the option may change at run time). */
  signedWith?: string
  /** The key is the refresh JWT's `secret` claim. */
  secret?: true
  /** No `teamId` claim. */
  dropTeam?: true
  /** The PKCE claims of a refresh JWT (both, in this order, when the code had a challenge). */
  codeChallenge?: unknown
  codeChallengeMethod?: unknown
}
/** The extras most tokens share, one set per signing secret (a token holds a pointer, not a copy). */
const sharedExtras = new Map<string, { plain: JwtExtras; noTeam: JwtExtras; secretKeyed: JwtExtras }>()
function extrasFor(signedWith: string) {
  let shared = sharedExtras.get(signedWith)
  if (!shared) {
    if (sharedExtras.size >= 100) sharedExtras.clear()
    shared = { plain: Object.freeze({ signedWith }), noTeam: Object.freeze({ signedWith, dropTeam: true as const }), secretKeyed: Object.freeze({ signedWith, secret: true as const }) }
    sharedExtras.set(signedWith, shared)
  }
  return shared
}

/**
 * Claims in jsonwebtoken's order: the payload `{userId, teamId, scope, token_type, clientId, …}`,
 * then `iat`, then `exp` (68bd877c5:apps/web/pages/api/auth/oauth/token.ts#L79-L103); a refresh
 * JWT's `secret` and PKCE claims before `iat` (index 027e9710 `mintTokens`). `secret` is the
 * refresh token's key where its extras say so.
 */
function jwt(rt: Rt, entry: Readonly<TokenEntry>, kind: TokenEntry['kind'], secret?: string): string {
  // Made by `formats` below (or `extrasOf`), so of this shape.
  const x = (entry.extras ?? {}) as JwtExtras
  const iat = Math.floor(entry.issuedAt / 1000)
  const team = x.dropTeam ? {} : { teamId: entry.teamId }
  const extra = x.secret && secret !== undefined ? { secret, ...('codeChallenge' in x ? { codeChallenge: x.codeChallenge, codeChallengeMethod: x.codeChallengeMethod } : {}) } : {}
  const lifetime = kind === 'access' ? P.accessLifetimeSeconds : P.refreshLifetimeSeconds
  return signJwtHs256({ userId: entry.userId, ...team, scope: entry.scopes, token_type: P.tokenTypes[kind], clientId: entry.clientId, ...extra, iat, exp: iat + lifetime }, x.signedWith ?? rt.options.jwtSecret)
}

/** A compact JWT's signature, `undefined` for anything else; a slice of `text` (flatten it to keep it). */
function signatureOf(text: string): string | undefined {
  const first = text.indexOf('.')
  const last = text.lastIndexOf('.')
  if (first <= 0 || first === last || text.indexOf('.', first + 1) !== last) return undefined
  return text.slice(last + 1)
}

/** The JSON payload of a compact JWT, unverified; `undefined` when it is none. */
const payloadOf = (text: string) => jwtPart(text.split('.')[1])

/** The store key of a JWT whose claims are known (verified): a refresh token's `secret`, else its signature. */
function keyOfClaims(kind: TokenEntry['kind'], text: string, claims: Readonly<Record<string, unknown>>): string | undefined {
  return kind === 'refresh' && typeof claims.secret === 'string' ? claims.secret : signatureOf(text)
}

/** cal.com's tokens in the stores, keyed by part of their JWT (`JwtExtras`). */
const calcomTokenKeys: TokenKeys<CalcomData, CalcomOptions> = {
  keyOf(kind, text) {
    if (signatureOf(text) === undefined) return undefined
    return keyOfClaims(kind, text, kind === 'refresh' ? (payloadOf(text) ?? {}) : {})
  },
  extrasOf(kind, text) {
    const claims = payloadOf(text) ?? {}
    const x: JwtExtras = {}
    if (kind === 'refresh' && typeof claims.secret === 'string') x.secret = true
    if (!('teamId' in claims)) x.dropTeam = true
    if (x.secret && 'codeChallenge' in claims) Object.assign(x, { codeChallenge: claims.codeChallenge, codeChallengeMethod: claims.codeChallengeMethod })
    return Object.keys(x).length ? x : null
  },
  textOf: (rt, kind, key, entry) => jwt(rt, entry, kind, key),
}

/** Tokens as `jsonwebtoken.sign(payload, CALENDSO_ENCRYPTION_KEY, { expiresIn })` makes them (`jwt`). */
function formats(rt: Rt, options: MintOptions = {}): TokenFormats {
  const shared = extrasFor(rt.options.jwtSecret)
  const accessExtras = options.dropTeam ? shared.noTeam : shared.plain
  const refreshExtras = options.secret === undefined ? accessExtras : options.pkce ? { ...shared.secretKeyed, ...options.pkce } : shared.secretKeyed
  return {
    accessLifetimeSeconds: P.accessLifetimeSeconds,
    refreshLifetimeSeconds: P.refreshLifetimeSeconds,
    newAccessToken: (e) => {
      e.extras = accessExtras
      return jwt(rt, e, 'access')
    },
    newRefreshToken: (e) => {
      e.extras = refreshExtras
      return jwt(rt, e, 'refresh', options.secret)
    },
    // The secret is a string of its own; a signature is cut from the JWT, so copied flat.
    keyOf: (kind, text) => (kind === 'refresh' && options.secret !== undefined ? options.secret : asciiFlat(signatureOf(text)!)),
  }
}

/**
 * A JWT that verifies (signature, `exp`), has the wanted `token_type`, and is not revoked in the
 * store (the control API's revoke reaches it; cal.com itself never revokes an access JWT).
 */
function verified(rt: Rt, token: string | undefined, type: 'access' | 'refresh'): { claims: Record<string, unknown>; key: string; entry: TokenEntry } | undefined {
  if (!token) return undefined
  const claims = verifyJwtHs256(token, rt.options.jwtSecret, rt.clock.nowSeconds())
  if (!claims || claims.token_type !== P.tokenTypes[type]) return undefined
  const key = keyOfClaims(type, token, claims)
  if (key === undefined) return undefined
  const found = (type === 'access' ? rt.accessTokens : rt.refreshTokens).lookup(key, rt.clock.now())
  return found.state === 'valid' ? { claims, key, entry: found.entry } : undefined
}

const subjectOf = (e: { userId: number | null; teamId: number | null }): GrantSubject => ({ userId: e.userId, teamId: e.teamId, accountId: null })

// ---------------------------------------------------------------------------------------------
// Request bodies
// ---------------------------------------------------------------------------------------------

/**
 * The token and refresh routes' body. `next-pages`: Next.js's parser (JSON or form; a repeated
 * form key is an array). `url-form`: `parseUrlFormData`, the body text as a query string whatever
 * its Content-Type, the last of a repeated key (e3e624464:apps/web/app/api/parseRequestData.ts#L8-L18).
 */
async function readBody(e: CalcomEra, ctx: RequestContext): Promise<Params> {
  if (e.body === 'url-form') return Object.fromEntries(new URLSearchParams(Buffer.from(ctx.body).toString('utf8')))
  return ctx.params(['form', 'json'])
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

/**
 * The pages/app-router client lookup: `findFirst({ where: { clientId, clientSecret: sha256(secret) } })`
 * (68bd877c5:apps/web/pages/api/auth/oauth/token.ts#L28-L38). Prisma drops an `undefined` filter,
 * so without `client_id` any client with that secret matches; without a secret a random one is
 * hashed (nothing matches); a non-string secret makes `createHash().update()` throw (a 500).
 */
function legacyClient(rt: Rt, e: CalcomEra, params: Params): Client | undefined {
  const secret = params.client_secret
  if (secret !== undefined && typeof secret !== 'string') throw e.body === 'next-pages' ? nextPlain(500, 'Internal Server Error') : new Answer(new Response(null, { status: 500 }))
  if (secret === undefined) return undefined
  const id = params.client_id
  if (id === undefined) return rt.clients.list('calcom').find((c) => c.public !== true && safeEqual(secret, c.clientSecret))
  const client = rt.client(id)
  return client && client.public !== true && safeEqual(secret, client.clientSecret) ? client : undefined
}

/**
 * `accessCode.findFirst({ where: { code, clientId, expiresAt: { gt: now } } })`, then
 * `deleteMany` of this code for this client (87bc8d649:apps/web/app/api/auth/oauth/token/route.ts#L33-L58):
 * single use whatever follows. Prisma drops `code: undefined`, so without `code` any live code of
 * the client is found, and every code of the client deleted.
 */
function takeCode(rt: Rt, clientId: string, code: string | undefined): CodeEntry | undefined {
  const now = rt.clock.now()
  if (code === undefined) {
    const all = [...rt.codes.entriesOf(clientId)]
    const live = all.find(([value]) => rt.codes.lookup(value, now).state === 'valid')?.[1]
    for (const [value] of all) rt.codes.delete(value)
    return live
  }
  const found = rt.codes.lookup(code, now)
  if (found.state === 'unknown' || found.entry.clientId !== clientId) return undefined
  rt.codes.delete(code)
  return found.state === 'valid' ? found.entry : undefined
}

// ---------------------------------------------------------------------------------------------
// The `{"message"}` routes: pages router (2023–2025-03) and app router (2025-03–2025-11)
// ---------------------------------------------------------------------------------------------

/** `POST /api/auth/oauth/token` (68bd877c5 pages; 87bc8d649 app router; e24e1d876 adds the RFC fields). */
async function legacyToken(rt: Rt, ctx: RequestContext): Promise<Response> {
  const e = era(rt)
  if (ctx.method !== 'POST') throw e.wrongMethod === 'message' ? messageError(e, 405, P.messages.invalidMethod) : nextEmpty405()
  const p = await readBody(e, ctx)
  if (p.grant_type !== 'authorization_code') throw messageError(e, 400, P.messages.tokenGrantInvalid)
  const client = legacyClient(rt, e, p)
  // `client.redirectUri !== redirect_uri`: the one registered URI, exactly.
  if (!client || client.redirectUris[0] !== p.redirect_uri) throw messageError(e, 401, P.messages.unauthorized)
  const code = takeCode(rt, client.clientId, str(p.code) ?? (p.code === undefined ? undefined : ''))
  if (!code) throw messageError(e, 401, P.messages.unauthorized)
  const issued = issueTokens(rt, formats(rt), { clientId: client.clientId, subject: subjectOf(code), scopes: code.scopes, grantType: 'authorization_code', withRefresh: true })
  if (e.tokenRfcFields) return appJson({ access_token: issued.access, token_type: P.responseTokenType, refresh_token: issued.refresh, expires_in: P.accessLifetimeSeconds }, 200, RFC_HEADERS)
  const body = { access_token: issued.access, refresh_token: issued.refresh }
  return e.body === 'next-pages' ? pagesJson(body) : appJson(body)
}

/**
 * `POST /api/auth/oauth/refreshToken` (68bd877c5; 710a1a7d3 keeps teamId; 517d50932 "Missing client
 * id or secret"; 02b57eb82 answers a new refresh token). The refresh token comes from
 * `Authorization` only (`split(" ")[1]`, the scheme not checked); its `clientId` is never compared
 * with the client's.
 */
async function legacyRefresh(rt: Rt, ctx: RequestContext): Promise<Response> {
  const e = era(rt)
  if (ctx.method !== 'POST') throw e.wrongMethod === 'message' ? messageError(e, 405, P.messages.invalidMethod) : nextEmpty405()
  const p = await readBody(e, ctx)
  if (e.refreshMissingClient && (!p.client_id || !p.client_secret)) throw messageError(e, 400, P.messages.missingClient)
  if (p.grant_type !== 'refresh_token') throw messageError(e, 400, P.messages.refreshGrantInvalid)
  const client = legacyClient(rt, e, p)
  if (!client) throw messageError(e, 401, P.messages.unauthorized)
  const token = ctx.headers.get('authorization')?.split(' ')[1] ?? ''
  const old = verified(rt, token, 'refresh')
  if (!old) throw messageError(e, 401, P.messages.unauthorized)
  const subject = subjectOf(old.entry)
  const issued = issueTokens(rt, formats(rt, { dropTeam: !e.refreshKeepsTeam }), {
    clientId: old.entry.clientId,
    // 68bd877c5:…/refreshToken.ts#L56-L67: no teamId in the first era, so a team token refreshes into nobody's.
    subject: e.refreshKeepsTeam ? subject : { ...subject, teamId: null },
    scopes: old.entry.scopes,
    grantType: 'refresh_token',
    withRefresh: e.refreshRotation !== 'none',
  })
  // Its pair is the refresh token presented (a slice of it: copied flat).
  if (e.refreshRotation === 'none') issued.accessEntry.pair = asciiFlat(old.key)
  const body = e.refreshRotation === 'none' ? { access_token: issued.access } : { access_token: issued.access, refresh_token: issued.refresh }
  return e.body === 'next-pages' ? pagesJson(body) : appJson(body)
}

// ---------------------------------------------------------------------------------------------
// OAuthService (4e0798577 → today): `apps/web` routes and API v2
// ---------------------------------------------------------------------------------------------

/** A service error: the OAuth code, its reason, its status (index 027e9710 `ErrorWithCode`). An answer: no stack (`AnswerError`). */
class ServiceError extends AnswerError {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly reason: string,
  ) {
    super(reason)
  }
}

/** `validateClient`: a confidential client's secret (compared in constant time); a public client always passes. */
function validateClient(client: Client, secret: unknown): void {
  if (client.public === true) return
  if (typeof secret !== 'string' || !safeEqual(secret, client.clientSecret)) throw new ServiceError(401, 'invalid_client', 'invalid_client_credentials')
}

/** `ensureClientAccessAllowed`: rejected never; pending only for its owner (index 027e9710). */
function ensureAccessAllowed(client: Client, userId: number | null): void {
  if (client.status === 'rejected') throw new ServiceError(401, 'unauthorized_client', 'client_rejected')
  if ((client.status ?? 'approved') !== 'approved' && (client.ownerUserId === undefined || client.ownerUserId !== userId)) throw new ServiceError(401, 'unauthorized_client', 'client_not_approved')
}

/** 4e0798577:packages/lib/pkce.ts + OAuthService `verifyPKCE`: S256 only; public clients always, confidential ones with a challenge. */
const PKCE: PkceProfile = {
  methods: ['S256'],
  defaultMethod: 'S256',
  required: 'public-clients',
  checkSyntax: false,
  verifierWithoutChallenge: 'ignore',
  missingVerifier: 'invalid_request',
  descriptions: { required: P.reasons.pkce_required, unsupportedMethod: P.reasons.invalid_code_challenge_method, malformed: P.reasons.invalid_code_challenge_method },
}

/** `mintTokens` + the refresh row (index 027e9710): the refresh JWT carries a `secret` (and the code's PKCE challenge). */
function mint(rt: Rt, client: Client, subject: GrantSubject, scopes: string[], code?: CodeEntry) {
  const pkce = code?.codeChallenge ? { codeChallenge: code.codeChallenge, codeChallengeMethod: code.codeChallengeMethod } : undefined
  return issueTokens(rt, formats(rt, { secret: randomBase64url(32), pkce }), { clientId: client.clientId, subject, scopes, grantType: code ? 'authorization_code' : 'refresh_token', withRefresh: true })
}

/** `exchangeCodeForTokens(clientId, code, secret, redirectUri, verifier)`, in the service's order. */
function exchangeCode(rt: Rt, p: { clientId: string; code: string; secret: unknown; redirectUri: string; verifier: unknown }) {
  const client = rt.client(p.clientId)
  if (!client) throw new ServiceError(401, 'invalid_client', 'client_not_found')
  // Membership in the registered list (index 703c5416 `isRedirectUriRegistered`), not the authorize-time URI.
  if (p.redirectUri && !client.redirectUris.includes(p.redirectUri)) throw new ServiceError(400, 'invalid_grant', 'redirect_uri_mismatch')
  validateClient(client, p.secret)
  const code = takeCode(rt, client.clientId, p.code)
  if (!code) throw new ServiceError(400, 'invalid_grant', 'code_invalid_or_expired')
  ensureAccessAllowed(client, code.userId)
  const pkce = verifyPkce(PKCE, client, code, p.verifier)
  if (!pkce.ok) throw pkce.error === 'invalid_request' ? new ServiceError(400, 'invalid_request', 'pkce_missing_parameters_or_invalid_method') : new ServiceError(400, 'invalid_grant', 'pkce_verification_failed')
  return mint(rt, client, subjectOf(code), code.scopes, code)
}

/** `refreshAccessToken(clientId, refreshToken, secret)`: verify, bind to the client, check the secret row, rotate. */
function refreshTokens(rt: Rt, p: { clientId: string; refreshToken: string; secret: unknown }) {
  const client = rt.client(p.clientId)
  if (!client) throw new ServiceError(401, 'invalid_client', 'client_not_found')
  validateClient(client, p.secret)
  const claims = verifyJwtHs256(p.refreshToken, rt.options.jwtSecret, rt.clock.nowSeconds())
  if (!claims || claims.token_type !== P.tokenTypes.refresh) throw new ServiceError(400, 'invalid_grant', 'invalid_refresh_token')
  if (claims.clientId !== client.clientId) throw new ServiceError(400, 'invalid_grant', 'client_id_mismatch')
  const userId = typeof claims.userId === 'number' ? claims.userId : null
  const teamId = typeof claims.teamId === 'number' ? claims.teamId : null
  ensureAccessAllowed(client, userId)
  // `findBySecret(secret)`: a rotated-away (or revoked) refresh token's row is gone.
  const row = rt.refreshTokens.lookup(keyOfClaims('refresh', p.refreshToken, claims) ?? '', rt.clock.now())
  if (row.state !== 'valid') throw new ServiceError(400, 'invalid_grant', 'refresh_token_revoked')
  if (userId === null && teamId === null) throw new ServiceError(400, 'invalid_grant', 'invalid_refresh_token')
  const subject = { userId, teamId, accountId: null }
  const issued = mint(rt, client, subject, Array.isArray(claims.scope) ? (claims.scope as string[]) : [])
  // `rotateTokenForUser`: every earlier refresh token of this client and user (or team) goes.
  revokeRefreshTokensOf(rt, client.clientId, subject, issued.refreshKey)
  return issued
}

/** The `apps/web` routes answer the service's code alone: `{"error": "<code>"}` (61a932f8f:…/token/route.ts#L54-L59). */
function serviceAnswer(error: unknown, fallback: string): never {
  if (error instanceof ServiceError) throw new Answer(appJson({ error: error.error }, error.status))
  if (error instanceof ProviderError) throw error
  throw new Answer(appJson({ error: fallback }, 500))
}

/** `POST /api/auth/oauth/token` in the OAuthService era (4e0798577, 61a932f8f; index 503bbcce). */
async function serviceToken(rt: Rt, ctx: RequestContext): Promise<Response> {
  if (ctx.method !== 'POST') throw nextEmpty405()
  const p = Object.fromEntries(new URLSearchParams(Buffer.from(ctx.body).toString('utf8')))
  // 4e0798577:…/token/route.ts#L22-L28: missing parameters before the grant type, both `invalid_request`.
  if (!p.client_id || !p.code || !p.redirect_uri) throw new Answer(appJson({ error: 'invalid_request' }, 400))
  if (p.grant_type !== 'authorization_code') throw new Answer(appJson({ error: 'invalid_request' }, 400))
  try {
    const issued = exchangeCode(rt, { clientId: p.client_id, code: p.code, secret: p.client_secret, redirectUri: p.redirect_uri, verifier: p.code_verifier })
    return appJson({ access_token: issued.access, token_type: P.responseTokenType, refresh_token: issued.refresh, expires_in: P.accessLifetimeSeconds }, 200, RFC_HEADERS)
  } catch (error) {
    return serviceAnswer(error, 'error_code_exchange')
  }
}

/** `POST /api/auth/oauth/refreshToken` in the OAuthService era: the token from the body, else the header (61a932f8f:…/refreshToken/route.ts#L27). */
async function serviceRefresh(rt: Rt, ctx: RequestContext): Promise<Response> {
  if (ctx.method !== 'POST') throw nextEmpty405()
  const p = Object.fromEntries(new URLSearchParams(Buffer.from(ctx.body).toString('utf8')))
  if (!p.client_id) throw new Answer(appJson({ error: 'invalid_request' }, 400))
  if (p.grant_type !== 'refresh_token') throw new Answer(appJson({ error: 'invalid_request' }, 400))
  const token = p.refresh_token || ctx.headers.get('authorization')?.split(' ')[1] || ''
  try {
    const issued = refreshTokens(rt, { clientId: p.client_id, refreshToken: token, secret: p.client_secret })
    return appJson({ access_token: issued.access, token_type: P.responseTokenType, refresh_token: issued.refresh, expires_in: P.accessLifetimeSeconds }, 200, RFC_HEADERS)
  } catch (error) {
    return serviceAnswer(error, 'server_error')
  }
}

/**
 * API v2 `POST /v2/auth/oauth2/token` (index apps/api/v2/src/modules/auth/oauth2: the controller,
 * `token.input.pipe.ts@d61c5fdf`, `oauth2-http-exception.filter.ts@9c7f11e0`). JSON or form;
 * 200; `Cache-Control: no-store` and `Pragma: no-cache` on every answer (Nest `@Header`);
 * errors `{"error","error_description"}`.
 */
async function v2Token(rt: Rt, ctx: RequestContext): Promise<Response> {
  // NestJS's own 404 for a method the controller has no handler for.
  if (ctx.method !== 'POST') throw new Answer(appJson({ statusCode: 404, message: `Cannot ${ctx.method} ${ctx.path}`, error: 'Not Found' }, 404))
  const headers = { 'cache-control': 'no-store', pragma: 'no-cache' }
  const fail = (status: number, error: string, description: string) =>
    new Answer(appJson({ error, error_description: description }, status, { ...headers, 'x-request-id': ctx.headers.get('x-request-id') ?? 'unknown-request-id' }))
  let body: Params
  try {
    body = await ctx.params(['form', 'json'])
  } catch {
    // Express's JSON parser refuses the body before the pipe; Nest answers its own 400 (chosen: the OAuth shape).
    throw fail(400, 'invalid_request', 'Body should be an object')
  }
  // A repeated form field is read as its last value.
  const flat = lastValues(body)
  if (typeof flat.client_id !== 'string' || !flat.client_id) throw fail(400, 'invalid_request', P.v2.clientIdRequired)
  const grant = flat.grant_type
  if (grant !== 'authorization_code' && grant !== 'refresh_token') throw fail(400, 'invalid_request', P.v2.grantTypeInvalid)
  // The DTO is picked by whether `client_secret` is present at all; class-validator refuses missing and unknown fields.
  const confidential = 'client_secret' in flat
  const required = grant === 'authorization_code' ? ['client_id', 'grant_type', 'code', 'redirect_uri', confidential ? 'client_secret' : 'code_verifier'] : ['client_id', 'grant_type', 'refresh_token', ...(confidential ? ['client_secret'] : [])]
  const problems: string[] = []
  for (const name of required) if (typeof flat[name] !== 'string') problems.push(`${name} property is wrong,${name} must be a string `)
  for (const name of Object.keys(flat)) if (!required.includes(name)) problems.push(`${name} property is wrong,property ${name} should not exist `)
  if (problems.length) throw fail(400, 'invalid_request', problems.join(', '))
  try {
    const issued =
      grant === 'authorization_code'
        ? // The confidential branch passes no verifier (index apps/api/v2/src/lib/services/oauth.service.ts).
          exchangeCode(rt, { clientId: flat.client_id, code: flat.code as string, secret: flat.client_secret, redirectUri: flat.redirect_uri as string, verifier: confidential ? undefined : flat.code_verifier })
        : refreshTokens(rt, { clientId: flat.client_id, refreshToken: flat.refresh_token as string, secret: confidential ? flat.client_secret : undefined })
    // OAuth2TokensDto's order; `scope` as the current doc shows it (the service computes it, cal.com/docs/api-reference/v2/oauth).
    return appJson({ access_token: issued.access, token_type: P.responseTokenType, refresh_token: issued.refresh, expires_in: P.accessLifetimeSeconds, scope: issued.accessEntry.scopes.join(' ') }, 200, headers)
  } catch (error) {
    if (error instanceof ServiceError) throw fail(error.status, error.error, error.reason)
    throw error
  }
}

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------

/**
 * `isAuthorized(token, scopes)` (68bd877c5:packages/features/auth/lib/oAuthAuthorization.ts): a
 * verified access JWT with every required scope; its `clientId` is not checked.
 */
function legacyAuthorized(rt: Rt, ctx: RequestContext, scope: string): TokenEntry | undefined {
  const token = ctx.headers.get('authorization')?.split(' ')[1] ?? ''
  const ok = verified(rt, token, 'access')
  if (!ok || !Array.isArray(ok.claims.scope) || !(ok.claims.scope as unknown[]).includes(scope)) return undefined
  authenticateBearer(rt, token)
  return ok.entry
}

/** `/api/auth/oauth/me` → **201** `{"username"}` (a team grant answers the team's name). */
function me(rt: Rt, ctx: RequestContext): Response {
  const e = era(rt)
  if (e.meMethods === 'get-post' && !['GET', 'POST', 'HEAD'].includes(ctx.method)) throw nextEmpty405()
  const entry = legacyAuthorized(rt, ctx, 'READ_PROFILE')
  const name = entry ? (entry.userId !== null ? rt.data.user(entry.userId)?.username : entry.teamId !== null ? rt.data.team(entry.teamId)?.name : undefined) : undefined
  if (name === undefined) throw messageError(e, 401, P.messages.unauthorized)
  return e.body === 'next-pages' ? pagesJson({ username: name }, 201) : appJson({ username: name }, 201)
}

/** `GET /api/integrations/zapier/listBookings` (pages router in every era): `?apiKey=` wins over the Bearer token. */
function listBookings(rt: Rt, ctx: RequestContext): Response {
  const e = era(rt)
  const apiKey = ctx.url.searchParams.get('apiKey')
  let subject: { userId: number | null; teamId: number | null }
  if (apiKey) {
    const user = rt.data.userByApiKey(apiKey)
    if (!user) throw new Answer(pagesJson({ message: P.messages.apiKeyInvalid, data: null }, 401))
    subject = { userId: user.id, teamId: null }
  } else {
    const entry = legacyAuthorized(rt, ctx, 'READ_BOOKING')
    if (!entry) throw new Answer(pagesJson({ message: P.messages.unauthorized, data: null }, 401))
    subject = entry
  }
  const found = rt.data.bookings(subject).slice(0, P.listBookingsLimit)
  if (found.length === 0 && e.listBookingsEmpty === 'not-found') {
    const who = subject.teamId !== null ? `team: ${rt.data.team(subject.teamId)?.name ?? ''}` : `user: ${rt.data.user(subject.userId)?.username ?? ''}`
    throw new Answer(pagesJson({ message: P.messages.noBookings(who) }, 404))
  }
  const bookings = found.map((b) => {
    const user = rt.data.user(b.userId)
    const team = rt.data.team(b.teamId)
    return {
      ...(e.listBookingsUid ? { uid: b.uid } : {}),
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
      ...(e.listBookingsUid ? { metadata: { videoCallUrl: b.videoCallUrl } } : {}),
      user: user ? { username: user.username, name: user.name, email: user.email, timeZone: user.timeZone, locale: user.locale } : null,
      eventType: { ...b.eventType, bookingFields: [], team: team ? { name: team.name } : null },
      attendees: b.attendees,
    }
  })
  return pagesJson(bookings, 201)
}

/** API v2's error envelope (index apps/api/v2/src/filters/http-exception.filter.ts@a5579781). */
function v2Error(rt: Rt, ctx: RequestContext, status: number, code: string, message: string): Answer {
  const error = status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : reasonPhrase(status)
  return new Answer(
    appJson({ status: 'error', timestamp: new Date(rt.clock.now()).toISOString(), path: `${ctx.path}${ctx.url.search}`, error: { code, message, details: { message, error, statusCode: status } } }, status),
  )
}

/**
 * `GET /v2/me` (index apps/api/v2/src/ee/me/me.controller.ts@5f5010ca; the OAuth permissions guard
 * oauth-permissions.guard.ts@44f78c7b): a cal.com OAuth access JWT; a token with new-style scopes
 * needs PROFILE_READ, a legacy one (no scopes, or only READ_*) is not checked.
 */
function v2Me(rt: Rt, ctx: RequestContext): Response {
  const header = ctx.headers.get('authorization')
  if (!header) throw v2Error(rt, ctx, 401, 'UnauthorizedException', P.v2.noAuth)
  const token = header.replace('Bearer ', '')
  const ok = verified(rt, token, 'access')
  if (!ok) throw v2Error(rt, ctx, 401, 'UnauthorizedException', P.v2.invalidAccessToken)
  const scopes = Array.isArray(ok.claims.scope) ? (ok.claims.scope as string[]) : []
  const newStyle = scopes.filter((s) => P.oauthScopes.includes(s))
  if (newStyle.length && !scopes.includes('PROFILE_READ')) {
    throw v2Error(rt, ctx, 403, 'ForbiddenException', `insufficient_scope: token does not have the required scopes. Required: PROFILE_READ. Token has: ${scopes.join(', ')}`)
  }
  authenticateBearer(rt, token)
  // A team token speaks for the team's owner (api-auth.strategy.ts@5b6d63e6).
  const userId = ok.entry.userId ?? (ok.entry.teamId !== null ? rt.data.teamOwner(ok.entry.teamId) : null)
  const user = rt.data.user(userId)
  if (!user) throw v2Error(rt, ctx, 401, 'UnauthorizedException', 'ApiAuthStrategy - third-party token - No user or team owner associated with the token.')
  // packages/platform/types/me.ts@a6002704 `userSchemaResponse`, in its key order.
  return appJson({
    status: 'success',
    data: { id: user.id, email: user.email, name: user.name, avatarUrl: null, bio: null, timeFormat: 12, defaultScheduleId: null, weekStart: 'Sunday', timeZone: user.timeZone, username: user.username, organizationId: null },
  })
}

// ---------------------------------------------------------------------------------------------
// The authorize page
// ---------------------------------------------------------------------------------------------

/** The page's text for a failure (it renders the error message client-side, HTTP 200). */
function pageFor(e: CalcomEra, failure: AuthorizeFailure): Response {
  if (failure.reason === 'csrf') return calcomErrorPage('Forbidden', 'This request did not come from the Cal.com authorize page.', 403)
  if (e.authorize.clientStatus) {
    // index 026e0001/027e9710 authorize-view.tsx: `<div>{error.message}</div>`; no redirect_uri leaves the page blank.
    if (failure.reason === 'missing_redirect_uri') return calcomBlankPage()
    const message =
      failure.reason === 'missing_client_id' || failure.reason === 'unknown_client'
        ? P.reasons.client_not_found
        : failure.reason === 'mismatching_redirect_uri' || failure.reason === 'invalid_redirect_uri'
          ? P.reasons.redirect_uri_mismatch
          : failure.reason === 'missing_scope'
            ? P.reasons.scope_required
            : (failure.description ?? reasonPhrase(400))
    return calcomErrorPage(message, message, 200)
  }
  // 68bd877c5:apps/web/pages/auth/oauth2/authorize.tsx#L77-L79: "Unauthorized" for an unknown client.
  if (failure.reason === 'missing_client_id' || failure.reason === 'unknown_client') return calcomErrorPage(P.messages.pageUnauthorized, P.messages.pageUnauthorized, 200)
  // An unknown scope fails the AccessScope enum when Allow is pressed (the page has no onError):
  // chosen to say so on a page rather than show a consent page whose Allow does nothing.
  if (failure.reason === 'invalid_scope') return calcomErrorPage('Nothing happens', `Allow cannot succeed: only ${P.legacyScopes.join(', ')} exist (cal.com's AccessScope enum).`, 200)
  return calcomErrorPage('Bad request', 'That account or team cannot be chosen by this user', 200)
}

/** cal.com's own scope rules (index 027e9710 `getClientForAuthorization`; the current doc's wording). */
function scopeCheck(client: Client, params: Params): AuthorizeFailure | undefined {
  const requested = typeof params.scope === 'string' ? params.scope.split(/[, ]+/).filter(Boolean) : []
  const registered = (client.scopes ?? []).filter((s) => P.oauthScopes.includes(s))
  const legacy = registered.length === 0
  if (!legacy && requested.length === 0) return { reason: 'missing_scope', error: 'invalid_scope', page: true }
  if (requested.some((s) => !P.oauthScopes.includes(s))) return { reason: 'invalid_scope', error: 'invalid_scope', description: P.reasons.unknown_scope }
  if (!legacy && requested.some((s) => !registered.includes(s))) return { reason: 'invalid_scope', error: 'invalid_request', description: P.reasons.scope_exceeds_client_registration }
  return undefined
}

function authorizeProfile(rt: Rt): AuthorizeProfile<CalcomData> {
  const e = era(rt)
  const a = e.authorize
  const service = a.clientStatus
  return {
    order: service ? ['client', 'redirect_uri', 'provider', 'pkce', 'scope'] : ['client', 'redirect_uri', 'scope'],
    // Errors are shown on the page; only the OAuthService era redirects some (scope, PKCE).
    onError: service ? 'redirect' : 'render',
    responseTypes: 'ignored',
    redirectUriFrom: a.redirectUri === 'registered' ? 'registered' : 'request',
    scopes: {
      known: service ? [...P.legacyScopes, ...P.oauthScopes] : P.legacyScopes,
      separator: a.scopeSeparator,
      unknown: 'page',
    },
    codeLifetimeSeconds: P.codeLifetimeSeconds,
    newCode: () => randomBase64url(P.codeBytes),
    ...(a.pkce ? { pkce: PKCE } : {}),
    check: service
      ? (params, client, userId) => {
          // `ensureClientAccessAllowed` for the signed-in (default) user, then the scopes.
          if (client.status === 'rejected') return { reason: 'provider', error: 'unauthorized_client', description: P.reasons.client_rejected, page: true }
          if ((client.status ?? 'approved') !== 'approved' && client.ownerUserId !== userId) return { reason: 'provider', error: 'unauthorized_client', description: P.reasons.client_not_approved, page: true }
          return scopeCheck(client, params)
        }
      : undefined,
    // 4e0798577:…/authorize-view.tsx#L50-L74: `error`, `error_description`, then `state` if truthy.
    errorParams: (failure, state) => ({ error: failure.error, error_description: failure.description, state: state || undefined }),
    denyRedirect:
      a.goBack === 'bare'
        ? (uri) => uri
        : // c95b0833c:…/authorize-view.tsx#L160-L166.
          (uri, state) => `${uri}${uri.includes('?') ? '&' : '?'}${new URLSearchParams({ error: 'access_denied', ...(state ? { state } : {}) })}`,
    codeRedirect:
      a.codeRedirect === 'interpolate'
        ? // 68bd877c5:…/authorize.tsx#L43: raw; an absent state is `searchParams.get("state")`, i.e. null.
          (uri, code, state) => `${uri}?code=${code}&state=${state ?? 'null'}`
        : // 61a932f8f:packages/features/oauth/services/OAuthService.ts#L157-L165 `buildRedirectUrl`.
          (uri, code, state) => {
            const url = new URL(uri)
            url.searchParams.set('code', code)
            if (state !== undefined) url.searchParams.set('state', state)
            return url.toString()
          },
    skipConsent: a.trusted ? (_rt, { client }) => client.trusted === true : undefined,
    users: (data) => data.users().map((u) => ({ id: u.id, label: `${u.name} (${u.username})` })),
    // The user, plus teams where the user is OWNER or ADMIN (68bd877c5:…/generateAuthCode.handler.ts#L37-L55);
    // from index 5b6d63e6 the selector shows only with `show_account_selector=true`.
    choices(data, userId, params) {
      const user = data.user(userId)
      if (!user) return []
      const personal = { value: `${userId}:personal`, label: `${user.name} (personal account)`, subject: { userId, teamId: null, accountId: null } }
      if (a.accountSelector === 'on-request' && params.show_account_selector !== 'true') return [personal]
      return [personal, ...data.adminTeams(userId).map((t) => ({ value: `${userId}:team:${t.id}`, label: `${t.name} (team, as ${user.name})`, subject: { userId: null, teamId: t.id, accountId: null } }))]
    },
    errorPage: (failure) => pageFor(e, failure),
    consentPage: (view) => calcomConsentPage(view),
  }
}

// ---------------------------------------------------------------------------------------------
// The provider
// ---------------------------------------------------------------------------------------------

/** `{"message"}`, and Next.js's own plain answers for bad JSON and oversized bodies. */
function renderError(error: ProviderError, _ctx?: RequestContext): Response {
  if (error instanceof Answer) return error.response
  if (error.code === 'not_found') return calcomErrorPage('404', 'This page could not be found.', 404)
  if (error.code === 'malformed_body') return textResponse(P.messages.invalidJson, { status: 400, headers: { 'content-type': 'text/plain' } })
  if (error.code === 'payload_too_large') return textResponse(P.messages.bodyTooLarge, { status: 413, headers: { 'content-type': 'text/plain' } })
  return pagesJson({ message: error.description ?? reasonPhrase(error.status) }, error.status)
}

export const calcom = defineProvider<CalcomData, CalcomOptions>({
  id: 'calcom',
  title: 'Cal.com',
  hosts: { app: P.host, api: P.apiHost },
  createData: createCalcomData,
  demoClients: () => [calcomDemoClient],
  tokenKeys: calcomTokenKeys,
  users: {
    schema: z
      .object({
        id: z.number().int().positive(),
        username: z.string().min(1).max(100),
        name: z.string().max(200),
        email: z.string().email(),
        timeZone: z.string().default('Europe/London'),
        locale: z.string().default('en'),
        /** A personal API key for listBookings (cal.com keys start with `cal_`). */
        apiKey: z.string().startsWith('cal_').optional(),
      })
      .strict(),
    add: (data, user) => {
      const u = user as Parameters<CalcomData['addUser']>[0] & { apiKey?: string }
      data.addUser({ ...u, apiKey: u.apiKey ?? `cal_live_${u.id.toString(16).padStart(32, '0')}` })
    },
  },
  defaultUserId: () => calcomDefaultUserId,
  optionsSchema: calcomOptionsSchema,
  endpoints: {
    authorize: P.paths.authorize,
    token: P.paths.token,
    refresh: P.paths.refresh,
    resource: P.paths.me,
    listBookings: P.paths.listBookings,
    v2Token: P.paths.v2Token,
    v2Me: P.paths.v2Me,
  },
  renderError,
  faultError: (_endpoint, status) => new ProviderError(status, 'fault', reasonPhrase(status)),
  routes: (rt) => {
    const e = era(rt)
    const authorize = authorizeProfile(rt)
    const service = e.errors === 'error'
    // An injected fault in the route's own shape: `{"message"}` before the OAuthService, `{"error"}` after.
    const routeError = (error: ProviderError, ctx: RequestContext) =>
      error.code === 'fault' && !(error instanceof Answer) && service ? appJson({ error: error.status >= 500 ? 'server_error' : 'invalid_request' }, error.status) : renderError(error, ctx)
    const routes: Route[] = [
      { methods: ['GET', 'POST'], path: P.paths.authorize, host: 'app', endpoint: 'authorize', handle: (ctx) => handleAuthorizationRequest(rt, authorize, ctx) },
      // Methods are checked by each route the way its framework does (a JSON 405, or Next.js's empty one).
      { methods: '*', path: P.paths.token, host: 'app', endpoint: 'token', renderError: routeError, handle: (ctx) => (service ? serviceToken(rt, ctx) : legacyToken(rt, ctx)) },
      { methods: '*', path: P.paths.refresh, host: 'app', endpoint: 'refresh', renderError: routeError, handle: (ctx) => (service ? serviceRefresh(rt, ctx) : legacyRefresh(rt, ctx)) },
      { methods: '*', path: P.paths.me, host: 'app', endpoint: 'api', handle: (ctx) => me(rt, ctx) },
      {
        methods: ['GET'],
        path: P.paths.listBookings,
        host: 'app',
        endpoint: 'api',
        wrongMethod: () => new Answer(pagesJson({ message: P.messages.listBookingsMethod }, 405)),
        handle: (ctx) => listBookings(rt, ctx),
      },
    ]
    if (e.apiV2) {
      routes.push(
        {
          methods: '*',
          path: P.paths.v2Token,
          host: 'api',
          endpoint: async (ctx) => ((await ctx.params(['form', 'json']).catch((): Params => ({}))).grant_type === 'refresh_token' ? 'refresh' : 'token'),
          renderError: (error, ctx) => (error.code === 'fault' && !(error instanceof Answer) ? appJson({ error: error.status >= 500 ? 'server_error' : 'invalid_request', error_description: reasonPhrase(error.status) }, error.status) : renderError(error, ctx)),
          handle: (ctx) => v2Token(rt, ctx),
        },
        { methods: ['GET'], path: P.paths.v2Me, host: 'api', endpoint: 'api', handle: (ctx) => v2Me(rt, ctx) },
      )
    }
    return routes
  },
})
