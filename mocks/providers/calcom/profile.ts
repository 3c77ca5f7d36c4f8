/**
 * cal.com's OAuth provider as data: the facts every era shares, then the eras — one real span of
 * cal.com's `main` branch each, the first in full and every later one only what changed, each value
 * with the commit that changed it. Commits are calcom/cal.com `main` (upstream hashes, dated);
 * `index:` marks files known only from the source index (undated, newest known state).
 * Next.js's own answers are marked "Next.js" (vercel/next.js). The docs table of every era lives in
 * docs/providers/calcom.md, generated from this file and walked by test/calcom-docs.test.ts.
 */
import { z } from 'zod'

export const calcomProfile = {
  /** https://app.cal.com — the web app: authorize page and the `apps/web` API routes. */
  host: 'https://app.cal.com',
  /** https://api.cal.com — API v2 (NestJS): the current token endpoint and `/v2/me` (oauth-service era). */
  apiHost: 'https://api.cal.com',
  paths: {
    authorize: '/auth/oauth2/authorize',
    token: '/api/auth/oauth/token',
    refresh: '/api/auth/oauth/refreshToken',
    me: '/api/auth/oauth/me',
    listBookings: '/api/integrations/zapier/listBookings',
    /** index: apps/api/v2/src/modules/auth/oauth2/controllers/oauth2.controller.ts `@Post("/token")` under `/v2/auth/oauth2`. */
    v2Token: '/v2/auth/oauth2/token',
    /** index: apps/api/v2/src/ee/me/me.controller.ts@5f5010ca `@Controller({ path: "/v2/me" })`. */
    v2Me: '/v2/me',
  },
  /**
   * 68bd877c5:packages/trpc/server/routers/viewer/oAuth/generateAuthCode.handler.ts#L70-L78:
   * `randomBytes(40)` as base64 without `=`, `+`→`-`, `/`→`_`: 54 characters (every era).
   */
  codeBytes: 40,
  /** 68bd877c5:…/generateAuthCode.handler.ts#L63 `dayjs().add(10, "minutes")` (every era). */
  codeLifetimeSeconds: 10 * 60,
  /** 68bd877c5:apps/web/pages/api/auth/oauth/token.ts#L79-L85 `expiresIn: 1800` (every era). */
  accessLifetimeSeconds: 1800,
  /** 68bd877c5:apps/web/pages/api/auth/oauth/token.ts `expiresIn: 30 * 24 * 60 * 60` (every era). */
  refreshLifetimeSeconds: 30 * 24 * 3600,
  /** 68bd877c5:packages/prisma/schema.prisma#L935-L938 `enum AccessScope { READ_BOOKING READ_PROFILE }`. */
  legacyScopes: ['READ_BOOKING', 'READ_PROFILE'] as const,
  /**
   * index e29cf559/1fcab75b:packages/features/oauth/constants.ts `OAUTH_SCOPES` (the scopes that
   * arrived about 2026-02-05, migration 20260205131043_add_oauth_client_scopes); the legacy two are
   * not among them.
   */
  oauthScopes: [
    'EVENT_TYPE_READ', 'EVENT_TYPE_WRITE', 'BOOKING_READ', 'BOOKING_WRITE', 'SCHEDULE_READ', 'SCHEDULE_WRITE', 'APPS_READ', 'APPS_WRITE', 'PROFILE_READ', 'PROFILE_WRITE',
    'TEAM_EVENT_TYPE_READ', 'TEAM_EVENT_TYPE_WRITE', 'TEAM_BOOKING_READ', 'TEAM_BOOKING_WRITE', 'TEAM_SCHEDULE_READ', 'TEAM_SCHEDULE_WRITE', 'TEAM_PROFILE_READ', 'TEAM_PROFILE_WRITE', 'TEAM_MEMBERSHIP_READ', 'TEAM_MEMBERSHIP_WRITE',
    'ORG_EVENT_TYPE_READ', 'ORG_EVENT_TYPE_WRITE', 'ORG_BOOKING_READ', 'ORG_BOOKING_WRITE', 'ORG_SCHEDULE_READ', 'ORG_SCHEDULE_WRITE', 'ORG_PROFILE_READ', 'ORG_PROFILE_WRITE',
  ] as readonly string[],
  /** 68bd877c5:apps/web/pages/api/auth/oauth/token.ts#L79-L85: the JWT `token_type` claims. */
  tokenTypes: { access: 'Access Token', refresh: 'Refresh Token' },
  /** e24e1d876:apps/web/app/api/auth/oauth/token/route.ts#L82-L103 (and API v2): the response's `token_type`. */
  responseTokenType: 'bearer',
  /** 68bd877c5:packages/features/webhooks/lib/scheduleTrigger.ts#L165-L258 `take: 3`, `orderBy: { id: "desc" }`. */
  listBookingsLimit: 3,
  messages: {
    /** 68bd877c5:apps/web/pages/api/auth/oauth/token.ts#L16-L19. */
    invalidMethod: 'Invalid method',
    /** 68bd877c5:…/token.ts#L23-L26 (with underscore)… */
    tokenGrantInvalid: 'grant_type invalid',
    /** …68bd877c5:…/refreshToken.ts#L18-L21 (a space, no underscore). */
    refreshGrantInvalid: 'grant type invalid',
    /** 517d50932:apps/web/app/api/auth/oauth/refreshToken/route.ts (from the app-router era). */
    missingClient: 'Missing client id or secret',
    unauthorized: 'Unauthorized',
    /** 68bd877c5:packages/app-store/zapier/lib/validateAccountOrApiKey.ts#L7-L19. */
    apiKeyInvalid: 'API key not valid',
    /** 68bd877c5:packages/lib/server/defaultHandler.ts#L11-L15. */
    listBookingsMethod: 'Method Not Allowed (Allow: GET)',
    /** 68bd877c5:packages/app-store/zapier/api/subscriptions/listBookings.ts#L17-L33 (until eb580e91d). */
    noBookings: (who: string) => `There are no bookings to retrieve, please create a booking first. Requested: \`${who}\``,
    /** Next.js pages router (api-utils/node/parse-body.ts): bad JSON and the 1mb limit, plain text. */
    invalidJson: 'Invalid JSON',
    bodyTooLarge: 'Body exceeded 1mb limit',
    /** 68bd877c5:apps/web/pages/auth/oauth2/authorize.tsx#L77-L79 `t("unauthorized")`. */
    pageUnauthorized: 'Unauthorized',
  },
  /** index 027e9710:packages/features/oauth/services/OAuthService.ts `OAUTH_ERROR_REASONS` (the authorize page's words). */
  reasons: {
    client_not_found: 'OAuth client with ID not found',
    client_not_approved: 'OAuth client is not approved',
    client_rejected: 'OAuth client has been rejected',
    redirect_uri_mismatch: "redirect_uri does not match OAuth client's redirect URI",
    pkce_required: 'code_challenge required for public clients',
    invalid_code_challenge_method: 'code_challenge_method must be S256',
    scope_exceeds_client_registration: "Requested scope exceeds the client's registered scopes",
    scope_required: 'scope parameter is required for this OAuth client',
    unknown_scope: 'Requested scope is not a recognized scope',
  },
  /** API v2 (NestJS): index apps/api/v2 …/inputs/token.input.pipe.ts@d61c5fdf and packages/platform/constants/api.ts@87017a8e. */
  v2: {
    clientIdRequired: 'client_id is required',
    grantTypeInvalid: "grant_type must be 'authorization_code' or 'refresh_token'",
    invalidAccessToken: 'Invalid Access Token.',
    noAuth: "ApiAuthStrategy - No authentication method provided. Either pass an API key as 'Bearer' header or OAuth client credentials as 'x-cal-secret-key' and 'x-cal-client-id' headers",
  },
  /** What the consent page says each scope lets the app do (cal.com's wording). */
  scopeWords: {
    READ_BOOKING: 'Read your bookings',
    READ_PROFILE: 'See your personal info, including any personal info you’ve made publicly available',
    EVENT_TYPE_READ: 'View event types',
    EVENT_TYPE_WRITE: 'Create, edit, and delete event types',
    BOOKING_READ: 'View bookings',
    BOOKING_WRITE: 'Create, edit, and delete bookings',
    SCHEDULE_READ: 'View availability',
    SCHEDULE_WRITE: 'Create, edit, and delete availability',
    APPS_READ: 'View connected apps',
    APPS_WRITE: 'Connect and disconnect apps',
    PROFILE_READ: 'View personal info',
    PROFILE_WRITE: 'Edit personal info',
  } as Record<string, string>,
} as const

/** Everything an era decides. */
export interface CalcomEra {
  id: string
  /** From when to when it ran on app.cal.com, and the commit(s) it is pinned to. */
  span: string
  commits: string
  summary: string
  /**
   * How the token and refresh routes read their body. `next-pages`: Next.js's pages-router parser
   * (JSON or form by Content-Type; bad JSON → 400 "Invalid JSON"; a repeated form key → an array).
   * `url-form`: `parseUrlFormData`, `new URLSearchParams(await req.text())` whatever the
   * Content-Type, the last of a repeated key (e3e624464:apps/web/app/api/parseRequestData.ts#L8-L18).
   */
  body: 'next-pages' | 'url-form'
  /** A method the route does not serve: 405 `{"message":"Invalid method"}` (pages) or Next.js's empty 405 (app router). */
  wrongMethod: 'message' | 'next-empty'
  /** Errors of the `apps/web` token routes: `{"message"}` or `{"error"}` (4e0798577, the OAuthService era). */
  errors: 'message' | 'error'
  /** The refresh route first checks `client_id` and `client_secret` (517d50932). */
  refreshMissingClient: boolean
  /** A refreshed access token keeps the grant's `teamId` (710a1a7d3:…/refreshToken.ts#L56-L62). */
  refreshKeepsTeam: boolean
  /** The refresh answers a new refresh token: `none`, `new` without revoking the old (02b57eb82), or `rotate` revoking every earlier one of the user (index 027e9710). */
  refreshRotation: 'none' | 'new' | 'rotate'
  /** The token answer adds `token_type` and `expires_in` with no-store/no-cache headers (e24e1d876). */
  tokenRfcFields: boolean
  /** The refresh answer has them too (4e0798577). */
  refreshRfcFields: boolean
  /** Where the refresh route reads the refresh token: the Authorization header only, or the body first (4e0798577). */
  refreshTokenFrom: readonly ('body' | 'bearer')[]
  /** An empty listBookings: 404 with a message, or 201 `[]` (eb580e91d). */
  listBookingsEmpty: 'not-found' | 'empty'
  /** listBookings items carry `uid` and `metadata` (db19bb3d5, b01ceb427). */
  listBookingsUid: boolean
  /** `me` answers any method (pages) or GET/POST (app router: others → Next.js's empty 405). */
  meMethods: 'any' | 'get-post'
  authorize: {
    /** The page reads `redirect_uri` (index 026e0001, S5) or always uses the registered one. */
    redirectUri: 'registered' | 'request'
    /** After Allow: `${redirectUri}?code=${code}&state=${state}` raw (68bd877c5:…/authorize.tsx#L43) or URL-encoded (61a932f8f OAuthService `buildRedirectUrl`). */
    codeRedirect: 'interpolate' | 'search-params'
    /** Go back: the bare redirect URI (68bd877c5:…/authorize.tsx#L155-L157) or `?error=access_denied[&state]` (c95b0833c). */
    goBack: 'bare' | 'access_denied'
    /** `scope.split(",")` (68bd877c5:…/authorize.tsx#L28) or `/[, ]+/` (index e29cf559 `parseScopeParam`). */
    scopeSeparator: RegExp
    /** The AccessScope enum (legacy two) or the client-registered new scopes (index 027e9710). */
    scopes: 'legacy' | 'registered'
    /** Client status pending/approved/rejected and the owner's exception (index 04986a16, 027e9710). */
    clientStatus: boolean
    /** Trusted clients skip the consent click (5fe3714ed). */
    trusted: boolean
    /** PKCE S256, required for public clients (4e0798577). */
    pkce: boolean
    /** The account/team selector: always, or only with `show_account_selector=true` (index 5b6d63e6). */
    accountSelector: 'always' | 'on-request'
  }
  /** API v2's `POST /v2/auth/oauth2/token` and `GET /v2/me` on api.cal.com (the current doc). */
  apiV2: boolean
  /** Public (PKCE) clients exist (4e0798577 `OAuthClientType`). */
  publicClients: boolean
}

/** The pages-router era as it began: the base every later era changes. */
const pagesRouter: CalcomEra = {
  id: 'pages-router',
  span: '2023-09-28 → 2024-01-11',
  commits: '68bd877c5 (feat: OAuth provider for Zapier, #11465)',
  summary: 'Next.js pages-router API routes; JSON or form bodies; {"message"} errors; refresh token in the Authorization header; a refreshed team token loses its teamId.',
  body: 'next-pages',
  wrongMethod: 'message',
  errors: 'message',
  refreshMissingClient: false,
  refreshKeepsTeam: false,
  refreshRotation: 'none',
  tokenRfcFields: false,
  refreshRfcFields: false,
  refreshTokenFrom: ['bearer'],
  listBookingsEmpty: 'not-found',
  listBookingsUid: false,
  meMethods: 'any',
  authorize: {
    redirectUri: 'registered',
    codeRedirect: 'interpolate',
    goBack: 'bare',
    scopeSeparator: /,/,
    scopes: 'legacy',
    clientStatus: false,
    trusted: false,
    pkce: false,
    accountSelector: 'always',
  },
  apiV2: false,
  publicClients: false,
}

const pagesRouter2024: CalcomEra = {
  ...pagesRouter,
  id: 'pages-router-2024',
  span: '2024-03-22 → 2025-03-10',
  commits: '710a1a7d3 (teamId kept on refresh), eb580e91d (listBookings 201 [])',
  summary: 'As pages-router, but a refreshed team token keeps its teamId and an empty listBookings is 201 [].',
  refreshKeepsTeam: true,
  listBookingsEmpty: 'empty',
}

const appRouter: CalcomEra = {
  ...pagesRouter2024,
  id: 'app-router',
  span: '2025-03-11 → 2025-11-03',
  commits: '87bc8d649 (routes wrapped in defaultResponderForAppDir), e3e624464 (parseUrlFormData), 517d50932 ("Missing client id or secret")',
  summary: 'App-router routes: form bodies only (a JSON body is one unknown key), Next.js empty 405s, "Missing client id or secret" on refresh; answers otherwise as the pages router.',
  body: 'url-form',
  wrongMethod: 'next-empty',
  refreshMissingClient: true,
  meMethods: 'get-post',
}

const appRouterLate: CalcomEra = {
  ...appRouter,
  id: 'app-router-2025-11',
  span: '2025-11-10 → 2025-11-26',
  commits: '02b57eb82 (refresh answers a refresh token), e24e1d876 (token_type, expires_in, cache headers), b01ceb427 + db19bb3d5 (listBookings metadata, uid)',
  summary: 'As app-router, but the token answer carries token_type "bearer", expires_in 1800 and no-store headers, and the refresh answers a new refresh token without revoking the old one.',
  refreshRotation: 'new',
  tokenRfcFields: true,
  listBookingsUid: true,
}

const oauthService: CalcomEra = {
  ...appRouterLate,
  id: 'oauth-service',
  span: '2026-02 → today (app.cal.com)',
  commits: '4e0798577 (PKCE, {"error"}), 5fe3714ed (trusted), 73b276015, 61a932f8f (OAuthService); index 027e9710 (statuses, scopes, rotation), index apps/api/v2 oauth2 controller (POST /v2/auth/oauth2/token), the current doc cal.com/docs/api-reference/v2/oauth',
  summary: 'OAuthService: RFC-style {"error"} bodies, PKCE S256, approved/pending/rejected and trusted clients, the new scope set, refresh tokens rotated with every earlier one revoked, and API v2 POST /v2/auth/oauth2/token (JSON or form) with GET /v2/me.',
  errors: 'error',
  refreshRotation: 'rotate',
  refreshRfcFields: true,
  refreshTokenFrom: ['body', 'bearer'],
  authorize: {
    redirectUri: 'request',
    codeRedirect: 'search-params',
    goBack: 'access_denied',
    scopeSeparator: /[, ]+/,
    scopes: 'registered',
    clientStatus: true,
    trusted: true,
    pkce: true,
    accountSelector: 'on-request',
  },
  apiV2: true,
  publicClients: true,
}

export const CALCOM_ERAS = ['pages-router', 'pages-router-2024', 'app-router', 'app-router-2025-11', 'oauth-service'] as const
export type CalcomEraId = (typeof CALCOM_ERAS)[number]

export const calcomEras: Readonly<Record<CalcomEraId, CalcomEra>> = {
  'pages-router': pagesRouter,
  'pages-router-2024': pagesRouter2024,
  'app-router': appRouter,
  'app-router-2025-11': appRouterLate,
  'oauth-service': oauthService,
}

export const calcomOptionsSchema = z
  .object({
    /** Which span of cal.com's history to fake (default: what app.cal.com runs today). */
    era: z.enum(CALCOM_ERAS).default('oauth-service'),
    /** The HS256 secret tokens are signed with (cal.com: CALENDSO_ENCRYPTION_KEY). */
    jwtSecret: z.string().min(1).default('oauth-fakes-calcom-secret'),
  })
  .strict()

export type CalcomOptions = z.infer<typeof calcomOptionsSchema>

export const calcomDefaultOptions: CalcomOptions = calcomOptionsSchema.parse({})
