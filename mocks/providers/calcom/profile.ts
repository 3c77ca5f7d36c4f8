/**
 * cal.com's "legacy" OAuth provider, as data: every lifetime, format, path and message the fake
 * answers with. Source: ../shared/providers/calcom.md (cal.com's public doc and source).
 */
export const calcomProfile = {
  host: 'https://app.cal.com',
  paths: {
    authorize: '/auth/oauth2/authorize',
    token: '/api/auth/oauth/token',
    refresh: '/api/auth/oauth/refreshToken',
    me: '/api/auth/oauth/me',
    listBookings: '/api/integrations/zapier/listBookings',
  },
  /** "40 random bytes, base64url without padding: 54 characters." */
  codeBytes: 40,
  /** "Lives 10 minutes." */
  codeLifetimeSeconds: 10 * 60,
  /** Access JWT `exp` = `iat` + 1800. */
  accessLifetimeSeconds: 1800,
  /** Refresh JWT: 30 days. No rotation. */
  refreshLifetimeSeconds: 30 * 24 * 3600,
  scopes: ['READ_BOOKING', 'READ_PROFILE'] as const,
  /** The legacy code splits on `,`, newer code on `/[, ]+/`: both are accepted. */
  scopeSeparator: /[, ]+/,
  tokenTypes: { access: 'Access Token', refresh: 'Refresh Token' },
  /** listBookings answers at most this many bookings, newest first. */
  listBookingsLimit: 3,
  messages: {
    invalidMethod: 'Invalid method',
    /** The token endpoint's wording (with underscore)… */
    tokenGrantInvalid: 'grant_type invalid',
    /** …and the refresh endpoint's (without). */
    refreshGrantInvalid: 'grant type invalid',
    missingClient: 'Missing client id or secret',
    unauthorized: 'Unauthorized',
    apiKeyInvalid: 'API key not valid',
    listBookingsMethod: 'Method Not Allowed (Allow: GET)',
    /** Next.js's own answers before a handler runs. */
    invalidJson: 'Invalid JSON',
    bodyTooLarge: 'Body exceeded 1mb limit',
  },
  /** What the consent page says each scope lets the app do (cal.com's wording). */
  scopeWords: {
    READ_BOOKING: 'Read your bookings',
    READ_PROFILE: 'See your personal info, including any personal info you’ve made publicly available',
  } as Record<string, string>,
} as const

export interface CalcomOptions {
  /** The HS256 secret tokens are signed with (cal.com: CALENDSO_ENCRYPTION_KEY). */
  jwtSecret: string
}

export const calcomDefaultOptions: CalcomOptions = {
  jwtSecret: 'oauth-fakes-calcom-secret',
}
