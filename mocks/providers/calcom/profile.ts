import { z } from 'zod'

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

/**
 * cal.com's "v2" provider (late 2025 and later; calcom.md, last section): only what differs from
 * the legacy profile above. What the doc does not say is marked "assumed" with the reason.
 */
export const calcomV2Profile = {
  /** RFC 6749 §5.1 `token_type`, lowercase as calcom.md writes it. */
  tokenType: 'bearer',
  /**
   * "PKCE S256: required for public clients, enforced for confidential ones that sent a challenge."
   * Only S256: `plain` (and a challenge without a method, which RFC 7636 §4.3 reads as `plain`)
   * is refused with `invalid_request` at authorize (assumed, RFC 7636 §4.4.1).
   */
  pkce: { methods: ['S256'], required: 'public-clients' },
  /**
   * The refresh grant is served at the token endpoint and at the legacy refresh path; the
   * refresh token is read from the body, else from `Authorization: Bearer` (calcom.md).
   */
  refreshTokenFrom: ['body', 'bearer'],
  /** "the previous ones of that client+user are revoked" (access tokens live on: assumed). */
  rotation: 'subject',
  /** v2 tokens carry a random `jti` (assumed): a rotated token must differ from the one it replaces, even within one second. */
  jtiBytes: 16,
  /** The four error codes calcom.md lists; client errors answer 401, the others 400. */
  errors: ['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client'],
} as const

export type CalcomV2Error = (typeof calcomV2Profile.errors)[number]

export const calcomOptionsSchema = z
  .object({
    /** The HS256 secret tokens are signed with (cal.com: CALENDSO_ENCRYPTION_KEY). */
    jwtSecret: z.string().min(1).default('oauth-fakes-calcom-secret'),
    /**
     * Which cal.com provider to fake: `legacy` (the public doc's, the default) or `v2`
     * (RFC 6749 errors and token body, PKCE S256, refresh token rotation).
     */
    profile: z.enum(['legacy', 'v2']).default('legacy'),
  })
  .strict()

export type CalcomOptions = z.infer<typeof calcomOptionsSchema>

export const calcomDefaultOptions: CalcomOptions = calcomOptionsSchema.parse({})
