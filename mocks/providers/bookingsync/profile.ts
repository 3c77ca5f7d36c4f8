import { z } from 'zod'

/**
 * BookingSync's OAuth provider (API v3, built on the Doorkeeper gem), as data: every path,
 * lifetime, format, scope and message the fake answers with.
 * Source: ../shared/providers/bookingsync.md (BookingSync's developer docs, their client repos'
 * recorded exchanges, and Doorkeeper's locale file `config/locales/en.yml`).
 */
export const bookingsyncProfile = {
  host: 'https://www.bookingsync.com',
  paths: {
    authorize: '/oauth/authorize',
    /** Doorkeeper ≥ 4.3 shows an out-of-band code here… */
    native: '/oauth/authorize/native',
    /** …older Doorkeeper at `/oauth/authorize/<code>`; both answer. */
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
  /** Doorkeeper's default `authorization_code_expires_in`. */
  codeLifetimeSeconds: 600,
  /** Doorkeeper's default `access_token_expires_in` (2 hours). */
  accessLifetimeSeconds: 7200,
  /** Refresh tokens never expire by themselves: they die on rotation or uninstall. */
  refreshLifetimeSeconds: null,
  /** `SecureRandom.hex(32)`: 64 lowercase hex characters (codes use the same generator). */
  tokenBytes: 32,
  tokenType: 'bearer',
  /** RFC 6749 §3.3: space separated (`%20` or `+` in URLs, both decode to a space). */
  scopeSeparator: / +/,
  /** Granted whether requested or not. */
  alwaysScopes: ['public'],
  /** The only scope a client-credentials token may carry. */
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
  /** Doorkeeper's `doorkeeper.errors.messages.*` (en.yml). */
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
    access_denied: 'The resource owner or authorization server denied the request.',
    unauthorized_client: 'You are not authorized to revoke this token',
    server_error: 'The authorization server encountered an unexpected condition which prevented it from fulfilling the request.',
    temporarily_unavailable:
      'The authorization server is temporarily unable to handle the request due to a temporary overloading or maintenance of the authorization server.',
    insufficient_scope: 'The request requires higher privileges than provided by the access token.',
  },
  /** Doorkeeper's `doorkeeper.errors.messages.invalid_token.*`: real clients refresh only on "expired". */
  invalidToken: {
    expired: 'The access token expired',
    revoked: 'The access token was revoked',
    invalid: 'The access token is invalid',
  },
  realm: 'Doorkeeper',
  /** Doorkeeper's views: `authorizations.error.title`, `authorizations.show.title`. */
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
    rateLimit: 1000,
    rateLimitWindowSeconds: 3600,
    rateLimitExceeded: 'API v3 rate limit exceeded.',
    perPage: 100,
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

export const bookingsyncOptionsSchema = z
  .object({
    /**
     * Status of token-endpoint errors. `bookingsync` (default): 401 for every error, as
     * BookingSync's docs show. `doorkeeper-400`: newer Doorkeeper's 400, except `invalid_client` 401.
     */
    errorStatus: z.enum(['bookingsync', 'doorkeeper-400']).default('bookingsync'),
    /**
     * Refresh-token rotation. `immediate` (default): the old pair is revoked at once.
     * `on-use`: Doorkeeper's `refresh_token_revoked_on_use`, the old pair lives until the new
     * access token is first used.
     */
    rotation: z.enum(['immediate', 'on-use']).default('immediate'),
    /** API v3 requests per hour per account and application (`X-RateLimit-Limit`). */
    rateLimit: z.number().int().min(1).max(1_000_000_000).default(bookingsyncProfile.api.rateLimit),
  })
  .strict()

export type BookingsyncOptions = z.infer<typeof bookingsyncOptionsSchema>

export const bookingsyncDefaultOptions: BookingsyncOptions = bookingsyncOptionsSchema.parse({})
