import { z } from 'zod'

/**
 * BookingSync's OAuth provider (API v3) as data. BookingSync runs the Doorkeeper gem (Rails); every
 * value below names the line it comes from:
 * - `DK@v4.2.6:` = doorkeeper-gem/doorkeeper at tag v4.2.6 (commit 4967b04c, 2017-05-25),
 * - `DK@v.5.6.9:` = the same repo at tag `v.5.6.9` (commit 70e793bc, 2024-02-14),
 * - `docs:` = BookingSync/bookingsync-api-docs@8ea9ec8e (content/reference/*.md),
 * - `api-cassette:` = BookingSync/bookingsync-api@e933831f spec/fixtures/cassettes (a recorded 401; the
 *   API headers of 2016),
 * - `engine:` = BookingSync/bookingsync-engine@5d3cc0a3.
 * Where the sources are silent the value says "chosen" and why. The provider's own docs live in
 * docs/providers/bookingsync.md, generated tables included.
 */
export const bookingsyncProfile = {
  host: 'https://www.bookingsync.com',
  paths: {
    authorize: '/oauth/authorize',
    /** The out-of-band code page of Doorkeeper ≥ 4.3 (`?code=`; the 5.6.9 release)… */
    native: '/oauth/authorize/native',
    /** …and of older Doorkeeper (the 4.2.6 release). Only the release's own route answers. */
    nativeLegacy: '/oauth/authorize/:code',
    token: '/oauth/token',
    revoke: '/oauth/revoke',
    tokenInfo: '/oauth/token/info',
    accounts: '/api/v3/accounts',
    rentals: '/api/v3/rentals',
    bookings: '/api/v3/bookings',
  },
  /** RFC 6749's out-of-band redirect URI; Doorkeeper shows the code instead of redirecting. */
  oobRedirectUri: 'urn:ietf:wg:oauth:2.0:oob',
  /**
   * DK@v4.2.6:lib/doorkeeper/config.rb#L239 `authorization_code_expires_in` default 600 (same in 5.6.9).
   * Like every Doorkeeper lifetime it ends strictly after that many seconds: `expired?` is
   * `Time.now > created_at + expires_in` (DK@v4.2.6:lib/doorkeeper/models/concerns/expirable.rb#L8-L10,
   * DK@v.5.6.9 #L10-L12), so a code is still good at 600 s and dead a moment later.
   */
  codeLifetimeSeconds: 600,
  /**
   * DK@v4.2.6:lib/doorkeeper/config.rb#L237 `access_token_expires_in` default 7200; docs:
   * testing_authorization.md#L84 "Tokens (`access_token`) are only valid for 2 hours".
   */
  accessLifetimeSeconds: 7200,
  /** DK@v4.2.6:lib/doorkeeper/oauth/refresh_token_request.rb#L74-L76: only revocation ends a refresh token. */
  refreshLifetimeSeconds: null,
  /** 32 random bytes per token, code and client credential (see `doorkeeperReleases.*.tokens`). */
  tokenBytes: 32,
  /** docs: authorization.md "use a space separated list" (`%20` or `+` in URLs). */
  scopeSeparator: / +/,
  /** docs: authorization.md "By default, all requests include the `public` scope". */
  alwaysScopes: ['public'],
  /** docs: authorization.md "limited to using only the `public` scope" (client credentials). */
  clientCredentialsScopes: ['public'],
  scopes: [
    'public',
    'applications_read',
    'bookings_read',
    'bookings_write',
    'bookings_write_owned',
    'clients_read',
    'clients_write',
    'inbox_read',
    'inbox_write',
    'inquiries_read',
    'inquiries_write',
    'inquiries_write_owned',
    'payments_read',
    'payments_write',
    'payments_write_owned',
    'preferences_general_settings_read',
    'preferences_general_settings_write',
    'preferences_payments_read',
    'preferences_payments_write',
    'rates_read',
    'rates_write',
    'rentals_read',
    'rentals_write',
    'reviews_read',
    'reviews_write',
    'webhooks_read',
    'webhooks_write',
    'webhooks_write_owned',
  ] as const,
  /** DK@v4.2.6:config/locales/en.yml#L77-L103 `doorkeeper.errors.messages.*` (identical in v.5.6.9 unless noted per release). */
  descriptions: {
    invalid_client:
      'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
    invalid_redirect_uri: "The requested redirect uri is malformed or doesn't match client redirect URI.",
    invalid_grant:
      'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
    invalid_request: 'The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.',
    unsupported_grant_type: 'The authorization grant type is not supported by the authorization server.',
    invalid_scope: 'The requested scope is invalid, unknown, or malformed.',
    unsupported_response_type: 'The authorization server does not support this response type.',
    /** DK@v.5.6.9:config/locales/en.yml#L114 (5.x only). */
    unsupported_response_mode: 'The authorization server does not support this response mode.',
    access_denied: 'The resource owner or authorization server denied the request.',
    /** DK@v4.2.6:config/locales/en.yml `unauthorized_client` (the revoke controller's own words are in the 5.6.9 release). */
    unauthorized_client: 'The client is not authorized to perform this request using this method.',
    server_error: 'The authorization server encountered an unexpected condition which prevented it from fulfilling the request.',
    /** DK@v4.2.6:config/locales/en.yml#L83 (never emitted by Doorkeeper itself; injected faults use it). */
    temporarily_unavailable: 'The authorization server is currently unable to handle the request due to a temporary overloading or maintenance of the server.',
    insufficient_scope: 'The request requires higher privileges than provided by the access token.',
  },
  /**
   * DK@v4.2.6:config/locales/en.yml#L100-L103 `invalid_token.*`, checked revoked → expired → unknown
   * (lib/doorkeeper/oauth/invalid_token_response.rb#L6-L27). engine: lib/bookingsync/engine/api_client.rb#L7-L23
   * refreshes only when WWW-Authenticate includes "The access token expired".
   */
  invalidToken: {
    expired: 'The access token expired',
    revoked: 'The access token was revoked',
    invalid: 'The access token is invalid',
  },
  /** DK@v4.2.6:lib/doorkeeper/config.rb#L243 `realm` default; api-cassette shows `realm="Doorkeeper"`. */
  realm: 'Doorkeeper',
  /** DK@v4.2.6:config/locales/en.yml#L50-L61 (views' titles and buttons). */
  words: {
    errorTitle: 'An error has occurred',
    codeTitle: 'Authorization code',
    consentTitle: 'Authorization required',
    allow: 'Authorize',
    deny: 'Deny',
    account: 'Account',
    user: 'Signed in as',
    notFound: "The page you were looking for doesn't exist.",
  },
  contentTypes: {
    json: 'application/json; charset=utf-8',
    api: 'application/vnd.api+json; charset=utf-8',
  },
  api: {
    /** docs: index.md#L112 "Each application accessing the API has a limit of 1000 requests per hour." (per application). */
    rateLimit: 1000,
    rateLimitWindowSeconds: 3600,
    /** docs: index.md#L124 "`API v3 rate limit exceeded.` with `429 Too Many Requests`" (body shape silent: chosen plain text). */
    rateLimitExceeded: 'API v3 rate limit exceeded.',
    /** docs: X-Per-Page 100 (api-pagination). */
    perPage: 100,
    /**
     * api-cassette: .../creates_a_booking_yml.yml#L57-L59: the API's 401 body, with Content-Type
     * `application/json; charset=utf-8`, Doorkeeper's no-store/no-cache and WWW-Authenticate
     * (#L29-L43). It is the Doorkeeper wiki's `doorkeeper_unauthorized_render_options` example.
     */
    unauthorizedBody: { error: 'Not authorized' },
    /**
     * Doorkeeper's default access-token sources (DK@v4.2.6:lib/doorkeeper/config.rb#L284-L286,
     * same in v.5.6.9): the Bearer header, then `?access_token=`, then `?bearer_token=`.
     * BookingSync overriding them: silent.
     */
    tokenParams: ['access_token', 'bearer_token'],
  },
  /** What the consent page says each scope lets the app do. */
  scopeWords: {
    public: 'Read your public data (account name, rentals shown on your website)',
    applications_read: 'Read your applications',
    bookings_read: 'Read your bookings',
    bookings_write: 'Create, update and cancel your bookings',
    bookings_write_owned: 'Create, update and cancel the bookings this application created',
    clients_read: 'Read your clients',
    clients_write: 'Create and update your clients',
    inbox_read: 'Read your inbox',
    inbox_write: 'Write to your inbox',
    inquiries_read: 'Read your inquiries',
    inquiries_write: 'Create and update your inquiries',
    inquiries_write_owned: 'Create and update the inquiries this application created',
    payments_read: 'Read your payments',
    payments_write: 'Create and update your payments',
    payments_write_owned: 'Create and update the payments this application created',
    preferences_general_settings_read: 'Read your general settings',
    preferences_general_settings_write: 'Update your general settings',
    preferences_payments_read: 'Read your payment preferences',
    preferences_payments_write: 'Update your payment preferences',
    rates_read: 'Read your rates',
    rates_write: 'Update your rates',
    rentals_read: 'Read your rentals, including private information',
    rentals_write: 'Create and update your rentals',
    reviews_read: 'Read your reviews',
    reviews_write: 'Create and update your reviews',
    webhooks_read: 'Read your webhook subscriptions',
    webhooks_write: 'Create and update your webhook subscriptions',
    webhooks_write_owned: 'Create and update the webhook subscriptions this application created',
  } as Record<string, string>,
} as const

export type BookingsyncScope = (typeof bookingsyncProfile.scopes)[number]

/**
 * What the Doorkeeper release decides, for the one BookingSync's public evidence fits (4.2.6: the
 * token endpoint's lowercase `bearer` and 401 for every error, docs: authorization.md#L121, need
 * ≤ 4.4.0; `created_at` needs ≥ 2.1.0; it is the newest release before BookingSync last edited its
 * OAuth docs, 2017-12-28) and a newer one (5.6.9, the version BookingSync's own helios-auth gem pins:
 * BookingSync/helios-auth@0b4eed72:helios-auth.gemspec#L26). The newer release is only what differs.
 */
export interface DoorkeeperRelease {
  release: string
  tokenType: string
  noCache: Readonly<Record<string, string>>
  errorStatus(code: string): number
  missingParameter: null | ((name: string) => string)
  refreshNeedsClient: boolean
  tokens: 'hex' | 'urlsafe_base64'
  authorizeOrder: readonly ('response_type' | 'client' | 'scope' | 'redirect_uri')[]
  authorizeErrorStatus(code: string): number
  nativePath: '/oauth/authorize/:code' | '/oauth/authorize/native'
  oobDenyStatus: number
  oobAnyClient: boolean
  invalidRedirectUri: string
  tokenInfoKeys: { scope: string; expiresIn: string }
  tokenInfoError: 'invalid_request' | 'invalid_token'
  revokeRefusal: 'silent' | 'forbidden'
  /** Where revoke reads `token`: the body only (`request.POST`) or Rails `params`; whether `token_type_hint=refresh_token` narrows the lookup. */
  revokeToken: { from: 'body' | 'params'; hint: boolean }
  autoApproveConfidentialOnly: boolean
  /** Which earlier token lets consent be skipped: the owner's newest non-revoked one, if its scopes match, or any non-revoked one with the same scopes. */
  matchingToken: 'newest' | 'any'
  /** Client credentials count as given when both id and secret are (`uid-and-secret`), or the id alone (`uid`, public apps may omit the secret). */
  credentials: 'uid-and-secret' | 'uid'
  /** The code exchange's `redirect_uri`: equal to the grant's (`exact`) or matching it as the authorize request's does (`uri-checker`). */
  tokenRedirectUri: 'exact' | 'uri-checker'
  /** `response_mode` per response type (`null`: the parameter is not read). */
  responseModes: null | { code: readonly string[]; token: readonly string[] }
}

const doorkeeper426: DoorkeeperRelease = {
  /** Tag and commit. */
  release: 'v4.2.6 (4967b04c)',
  /** DK@v4.2.6:lib/doorkeeper/models/access_token_mixin.rb#L182-L184. */
  tokenType: 'bearer',
  /** DK@v4.2.6:lib/doorkeeper/oauth/token_response.rb#L25-L29 (errors: error_response.rb#L44-L49). */
  noCache: { 'cache-control': 'no-store', pragma: 'no-cache' },
  /** DK@v4.2.6:lib/doorkeeper/oauth/error_response.rb#L27-L29: every token error is 401. */
  errorStatus: () => 401,
  /** DK@v4.2.6:lib/doorkeeper/request.rb#L18-L28: a missing grant_type is `invalid_request` with the generic words. */
  missingParameter: null,
  /** DK@v4.2.6:lib/doorkeeper/oauth/refresh_token_request.rb#L78-L84: client credentials optional on refresh. */
  refreshNeedsClient: false,
  /** DK@v4.2.6:lib/doorkeeper/oauth/helpers/unique_token.rb#L5-L9 `SecureRandom.hex(32)`: 64 hex characters. */
  tokens: 'hex',
  /** DK@v4.2.6:lib/doorkeeper/oauth/pre_authorization.rb#L6-L9 (scopes before redirect_uri). */
  authorizeOrder: ['response_type', 'client', 'scope', 'redirect_uri'],
  /** DK@v4.2.6:app/controllers/doorkeeper/authorizations_controller.rb#L5-L16: `render :error` with no status, i.e. 200. */
  authorizeErrorStatus: () => 200,
  /** DK@v4.2.6:lib/doorkeeper/rails/routes.rb#L52 `get '/:code' => :show`. */
  nativePath: '/oauth/authorize/:code',
  /** DK@v4.2.6:authorizations_controller.rb#L35-L41 `render json: auth.body, status: auth.status` (401). */
  oobDenyStatus: 401,
  /** DK@v4.2.6:pre_authorization.rb#L59-L63: the native URI is accepted for any client. */
  oobAnyClient: true,
  /** DK@v4.2.6:config/locales/en.yml#L78. */
  invalidRedirectUri: 'The redirect uri included is not valid.',
  /** DK@v4.2.6:lib/doorkeeper/models/access_token_mixin.rb#L194-L202 `as_json`. */
  tokenInfoKeys: { scope: 'scopes', expiresIn: 'expires_in_seconds' },
  /** DK@v4.2.6:app/controllers/doorkeeper/token_info_controller.rb#L3-L11: `ErrorResponse.new(name: :invalid_request)`, 401. */
  tokenInfoError: 'invalid_request',
  /** DK@v4.2.6:app/controllers/doorkeeper/tokens_controller.rb#L13-L27: always 200 `{}`; revokes only for the token's own client. */
  revokeRefusal: 'silent',
  /** DK@v4.2.6:app/controllers/doorkeeper/tokens_controller.rb#L68-L71 `request.POST['token']`; `token_type_hint` ignored (#L17-L19). */
  revokeToken: { from: 'body', hint: false },
  /** DK@v4.2.6:app/controllers/doorkeeper/authorizations_controller.rb#L7 `skip_authorization? || matching_token?`, for every application. */
  autoApproveConfidentialOnly: false,
  /**
   * DK@v4.2.6:lib/doorkeeper/models/access_token_mixin.rb#L91-L123, #L170-L175: the owner's newest
   * non-revoked token (expired or not), whose scopes equal the request's (the application's, when it
   * has its own scopes: `ScopeChecker.match?`, lib/doorkeeper/oauth/helpers/scope_checker.rb#L14-L22).
   */
  matchingToken: 'newest',
  /** DK@v4.2.6:lib/doorkeeper/oauth/client/credentials.rb#L26-L28 `uid.blank? || secret.blank?`. */
  credentials: 'uid-and-secret',
  /** DK@v4.2.6:lib/doorkeeper/oauth/authorization_code_request.rb#L46-L48 `grant.redirect_uri == redirect_uri`. */
  tokenRedirectUri: 'exact',
  /** 4.2.6 has no `response_mode`. */
  responseModes: null,
}

export const doorkeeperReleases: Record<'4.2.6' | '5.6.9', DoorkeeperRelease> = {
  '4.2.6': doorkeeper426,
  '5.6.9': {
    ...doorkeeper426,
    release: 'v.5.6.9 (70e793bc)',
    /** DK@v.5.6.9:lib/doorkeeper/models/access_token_mixin.rb#L285-L287 (changed in 4.4.1/5.0.0, #1127). */
    tokenType: 'Bearer',
    /** DK@v.5.6.9:lib/doorkeeper/oauth/token_response.rb#L27-L32 (5.6.6, #1644: no Pragma). */
    noCache: { 'cache-control': 'no-store, no-cache' },
    /** DK@v.5.6.9:lib/doorkeeper/oauth/error_response.rb#L50-L56 (5.1.0.rc2, #1202). */
    errorStatus: (code) => (code === 'invalid_client' || code === 'unauthorized_client' ? 401 : 400),
    /** DK@v.5.6.9:config/locales/en.yml#L95-L98 + lib/doorkeeper/oauth/invalid_request_response.rb#L29-L36. */
    missingParameter: (name) => `Missing required parameter: ${name}.`,
    /** DK@v.5.6.9:lib/doorkeeper/oauth/refresh_token_request.rb#L106-L110. */
    refreshNeedsClient: true,
    /** DK@v.5.6.9:lib/doorkeeper/config.rb#L348 `urlsafe_base64` (5.1.0.rc2, #1200): 43 characters. */
    tokens: 'urlsafe_base64',
    /** DK@v.5.6.9:lib/doorkeeper/oauth/pre_authorization.rb#L8-L17. */
    authorizeOrder: ['client', 'redirect_uri', 'response_type', 'scope'],
    /** DK@v.5.6.9:app/controllers/doorkeeper/authorizations_controller.rb#L43-L53 (5.6.7, #1676). */
    authorizeErrorStatus: (code) => (code === 'invalid_client' || code === 'unauthorized_client' ? 401 : 400),
    /** DK@v.5.6.9:lib/doorkeeper/config.rb#L574-L577 (4.3.0 moved it). */
    nativePath: '/oauth/authorize/native',
    /** DK@v.5.6.9:lib/doorkeeper/oauth/error_response.rb (deny of a native URI: 400). */
    oobDenyStatus: 400,
    /** DK@v.5.6.9:lib/doorkeeper/oauth/helpers/uri_checker.rb#L47-L49: the native URI must be registered. */
    oobAnyClient: false,
    /** DK@v.5.6.9:config/locales/en.yml (4.3.0 reworded it). */
    invalidRedirectUri: "The requested redirect uri is malformed or doesn't match client redirect URI.",
    /** DK@v.5.6.9:lib/doorkeeper/models/access_token_mixin.rb#L297-L309 (5.0.0.rc2, #1114). */
    tokenInfoKeys: { scope: 'scope', expiresIn: 'expires_in' },
    /** DK@v.5.6.9:app/controllers/doorkeeper/token_info_controller.rb#L5-L13 `InvalidTokenResponse`. */
    tokenInfoError: 'invalid_token',
    /** DK@v.5.6.9:app/controllers/doorkeeper/tokens_controller.rb#L5-L31: 403 `unauthorized_client`. */
    revokeRefusal: 'forbidden',
    /** DK@v.5.6.9:app/controllers/doorkeeper/tokens_controller.rb#L119-L127: `params["token"]`; the hint `refresh_token` looks up refresh tokens only. */
    revokeToken: { from: 'params', hint: true },
    /** DK@v.5.6.9:app/controllers/doorkeeper/authorizations_controller.rb#L34 `matching_token? && pre_auth.client.application.confidential?`. */
    autoApproveConfidentialOnly: true,
    /** DK@v.5.6.9:lib/doorkeeper/models/access_token_mixin.rb#L90-L161: any non-revoked token of the owner with the same scopes, expired or not. */
    matchingToken: 'any',
    /** DK@v.5.6.9:lib/doorkeeper/oauth/client/credentials.rb#L28-L30 (`blank?` is the uid's); models/application_mixin.rb#L26-L33. */
    credentials: 'uid',
    /** DK@v.5.6.9:lib/doorkeeper/oauth/authorization_code_request.rb#L79-L84 `URIChecker.valid_for_authorization?(redirect_uri, grant.redirect_uri)`. */
    tokenRedirectUri: 'uri-checker',
    /** DK@v.5.6.9:lib/doorkeeper/grant_flow.rb#L11-L25: code `query fragment form_post`, implicit `fragment form_post` (the first is the default). */
    responseModes: { code: ['query', 'fragment', 'form_post'], token: ['fragment', 'form_post'] },
  },
}

/** DK@v.5.6.9:config/locales/en.yml#L125-L126: the revoke controller's refusal. */
export const REVOKE_REFUSED = 'You are not authorized to revoke this token'

export const bookingsyncOptionsSchema = z
  .object({
    /**
     * Which Doorkeeper release BookingSync is: `4.2.6` (default, what BookingSync's docs and
     * recordings show) or `5.6.9` (every endpoint as that release answers: `Bearer`, 400s,
     * base64 tokens, the `/native` code page, token info's new keys, 403 on revoke).
     */
    doorkeeper: z.enum(['4.2.6', '5.6.9']).default('4.2.6'),
    /**
     * Refresh-token rotation. `immediate` (default): the old pair is revoked at once
     * (DK@v4.2.6:refresh_token_request.rb#L30-L38). `on-use`: Doorkeeper's
     * `refresh_token_revoked_on_use`, the old pair lives until the new access token is first used
     * (a `previous_refresh_token` column; whether BookingSync has it is silent).
     */
    rotation: z.enum(['immediate', 'on-use']).default('immediate'),
    /** API v3 requests per hour per application (`X-RateLimit-Limit`). */
    rateLimit: z.number().int().min(1).max(1_000_000_000).default(bookingsyncProfile.api.rateLimit),
  })
  .strict()

export type BookingsyncOptions = z.infer<typeof bookingsyncOptionsSchema>

export const bookingsyncDefaultOptions: BookingsyncOptions = bookingsyncOptionsSchema.parse({})
