import { z } from 'zod'

/**
 * Zapier's OAuth provider (Workflow API / Embed), as data: hosts, paths, lifetimes, formats,
 * scopes and every error body the fake answers with. Source: ../shared/providers/zapier.md.
 * Zapier's authorization server is django-oauth-toolkit (oauthlib) behind Django, which is where
 * the token endpoint's RFC 6749 error bodies, descriptions and the trailing-slash redirect come from.
 */
export const zapierProfile = {
  /** Authorize (new URL) and the API live on `api`; the token endpoint and the older authorize URL on `auth`. */
  hosts: { api: 'https://api.zapier.com', auth: 'https://zapier.com' },
  paths: {
    authorize: '/v2/authorize',
    legacyAuthorize: '/oauth/authorize/',
    token: '/oauth/token/',
    profile: '/v1/profiles/me',
    zaps: '/v2/zaps',
    authentications: '/v2/authentications',
    appsV1: '/v1/apps',
    zapTemplates: '/v1/zap-templates',
    categories: '/v1/categories',
    appsV2: '/v2/apps',
    actions: '/v2/actions',
    promotion: '/v2/promotions/:id',
  },
  /** Paths that Django's `APPEND_SLASH` answers with a 301 to the same path plus `/`. */
  appendSlash: ['/oauth/token', '/oauth/authorize'] as readonly string[],
  /** "Valid for 2 minutes. Single use." */
  codeLifetimeSeconds: 2 * 60,
  /** Codes have the same alphabet and length as tokens (oauthlib's `generate_token`: 30 characters). */
  codeLength: 30,
  /** "tokens are 30-character alphanumerics" */
  tokenLength: 30,
  /** "Access tokens expire after 10 hours (`expires_in` 36000)." */
  accessLifetimeSeconds: 36000,
  /** "Refresh tokens have no expiry otherwise." */
  refreshLifetimeSeconds: null,
  tokenType: 'Bearer',
  /** The documented scopes, in the documented order; space separated (RFC 6749 §3.3). */
  scopes: [
    'profile',
    'zap',
    'zap:write',
    'zap:delete',
    'zap:all',
    'zap:account:all',
    'zap:runs',
    'action:run',
    'authentication',
    'authentication:write',
    'connection:read',
    'connection:write',
    'external',
    'mcp:run',
    'promotions:write',
  ] as readonly string[],
  scopeSeparator: / +/,
  /** Granted when the authorize request names no scope (django-oauth-toolkit's default scopes; our choice: `profile`). */
  defaultScopes: ['profile'] as readonly string[],
  /** Client credentials: any documented scope may be asked for; none asked → `promotions:write` (the app endpoints' scope). */
  clientCredentials: { defaults: ['promotions:write'] as readonly string[] },
  /** The only `response_mode`; another value → redirect with `invalid_request` and this description. */
  responseMode: 'query',
  messages: {
    unsupportedResponseMode: 'Unsupported response_mode.',
    /** oauthlib's descriptions (`InvalidRequestError`). */
    missing: (param: string) => (param === 'refresh_token' ? 'Missing refresh token parameter.' : `Missing ${param} parameter.`),
    duplicate: (param: string) => `Duplicate ${param} parameter.`,
    queryNotAllowed: 'URL query parameters are not allowed',
    malformedBody: 'Malformed request body.',
    bodyTooLarge: 'Request body exceeded the size limit.',
  },
  /** Scopes per API endpoint: a token with ANY of them passes. */
  apiScopes: {
    profile: ['profile'],
    zaps: ['zap', 'zap:all', 'zap:account:all'],
    authentications: ['connection:read', 'authentication'],
    appsAndActions: ['zap'],
    promotions: ['promotions:write'],
  },
  /** v2 list pagination. */
  pagination: { defaultLimit: 10, maxLimit: 100 },
  /** The API's `errors` envelope entries (JSON:API style). */
  apiErrors: {
    401: { code: 'not_authenticated', title: 'User Not Authenticated', detail: 'User must be authenticated to access this resource. No valid user access token was provided.' },
    403: { code: 'permission_denied', title: 'Permission Denied', detail: 'You do not have permission to perform this action.' },
    appTokenRequired: { code: 'permission_denied', title: 'Permission Denied', detail: 'This endpoint requires an app access token (client credentials) with the promotions:write scope.' },
    404: { code: 'not_found', title: 'Not Found', detail: 'Not found.' },
    405: { code: 'method_not_allowed', title: 'Method Not Allowed', detail: 'Method not allowed.' },
    413: { code: 'request_too_large', title: 'Request Entity Too Large', detail: 'Request body exceeded the size limit.' },
    server_error: { code: 'server_error', title: 'Server Error', detail: 'A server error occurred.' },
    temporarily_unavailable: { code: 'temporarily_unavailable', title: 'Service Unavailable', detail: 'The service is temporarily unavailable. Try again later.' },
  },
  /** What the consent page says each scope lets the app do. */
  scopeWords: {
    profile: 'View your Zapier profile (name, email address and time zone)',
    zap: 'View your Zaps',
    'zap:write': 'Create and edit Zaps on your behalf',
    'zap:delete': 'Delete your Zaps',
    'zap:all': 'View all of your Zaps, including those that do not use this app',
    'zap:account:all': 'View every Zap in your Zapier account',
    'zap:runs': 'View the run history of your Zaps',
    'action:run': 'Run actions on your behalf',
    authentication: 'View your app connections',
    'authentication:write': 'Create app connections on your behalf',
    'connection:read': 'View your app connections',
    'connection:write': 'Create and edit app connections on your behalf',
    external: 'Use Zapier on your behalf from outside Zapier',
    'mcp:run': 'Run Zapier MCP tools on your behalf',
    'promotions:write': 'Manage promotions for your account',
  } as Readonly<Record<string, string>>,
  /** Zapier's brand orange. */
  brandColor: '#FF4F00',
} as const

export const zapierOptionsSchema = z
  .object({
    /**
     * What the token path WITHOUT its trailing slash answers. `redirect` (default): Django's
     * `APPEND_SLASH` in production, a 301 to `/oauth/token/` (a client that follows it turns the POST
     * into a GET and gets 405). `not_found`: a plain 404.
     */
    noSlashToken: z.enum(['redirect', 'not_found']).default('redirect'),
  })
  .strict()

export type ZapierOptions = z.infer<typeof zapierOptionsSchema>
