import { z } from 'zod'

/**
 * Zapier's OAuth provider (Workflow API / Embed) as data. Zapier's authorization server is
 * django-oauth-toolkit on oauthlib behind Django REST framework: its documented URLs, lifetimes,
 * headers, key order and token alphabet are those libraries' defaults. Every value names its line:
 * - `oauthlib@v3.3.1:` = oauthlib/oauthlib at tag v3.3.1 (a2779c65),
 * - `DOT@3.0.1:` = jazzband/django-oauth-toolkit at tag 3.0.1 (1d19e54c),
 * - `DRF@3.18.0:` = encode/django-rest-framework at tag 3.18.0 (11875a38),
 * - `zapier-docs:` = docs.zapier.com pages (URL given) and zapier/visual-builder@7945c8c
 *   docs/_embed/solutions/partner-api.md (the 2024 Partner API guide).
 * "chosen" marks what the sources leave open, with why. Docs: docs/providers/zapier.md.
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
  /** Without the trailing slash (see the `noSlashToken` option for the token path; DOT@3.0.1:oauth2_provider/urls.py#L9-L14 has only slash paths). */
  appendSlash: ['/oauth/token', '/oauth/authorize'] as readonly string[],
  /**
   * zapier-docs: partner-api.md#L320 "authorization codes are only valid for 2 minutes" (DOT's
   * default is 60 s, DOT@3.0.1:oauth2_provider/settings.py `AUTHORIZATION_CODE_EXPIRE_SECONDS`).
   */
  codeLifetimeSeconds: 2 * 60,
  /** oauthlib@v3.3.1:oauthlib/common.py#L188-L197 `generate_token()`: 30 of [A-Za-z0-9], codes and tokens alike. */
  codeLength: 30,
  tokenLength: 30,
  /** DOT@3.0.1:oauth2_provider/settings.py#L53 `ACCESS_TOKEN_EXPIRE_SECONDS: 36000`; zapier-docs: partner-api.md#L375. */
  accessLifetimeSeconds: 36000,
  /** DOT@3.0.1:settings.py `REFRESH_TOKEN_EXPIRE_SECONDS: None`; zapier-docs: "Refresh tokens don't have an expiration date". */
  refreshLifetimeSeconds: null,
  /** oauthlib@v3.3.1:oauthlib/oauth2/rfc6749/tokens.py#L312. */
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
    'promotions:read',
    'promotions:write',
  ] as readonly string[],
  scopeSeparator: / +/,
  /**
   * Granted when no scope is asked for: DOT@3.0.1:settings.py `DEFAULT_SCOPES: ["__all__"]`, i.e.
   * every configured scope (#L224-L235), used by oauthlib when `scope` is absent
   * (oauthlib@v3.3.1:grant_types/base.py#L169-L171). Zapier's own setting is silent: chosen DOT's
   * default, over the documented scopes.
   */
  defaultScopes: 'all' as const,
  /** oauthlib's descriptions (oauthlib@v3.3.1:oauthlib/oauth2/rfc6749/errors.py, grant_types/*.py). */
  messages: {
    missingCode: 'Missing code parameter.',
    missingRefreshToken: 'Missing refresh token parameter.',
    missingRedirectUri: 'Missing redirect URI.',
    mismatchingRedirectUri: 'Mismatching redirect URI.',
    invalidRedirectUri: 'Invalid redirect URI.',
    missingClientId: 'Missing client_id parameter.',
    invalidClientId: 'Invalid client_id parameter value.',
    missingResponseType: 'Missing response_type parameter.',
    duplicate: (param: string) => `Duplicate ${param} parameter.`,
    codeChallengeRequired: 'Code challenge required.',
    codeVerifierRequired: 'Code verifier required.',
    transformNotSupported: 'Transform algorithm not supported.',
    /** oauthlib@v3.3.1:endpoints/base.py#L82-L89 (no trailing period). */
    queryNotAllowed: 'URL query parameters are not allowed',
    /** oauthlib@v3.3.1:grant_types/resource_owner_password_credentials.py#L164-L167. */
    missingPasswordParam: (param: string) => `Request is missing ${param} parameter.`,
    /** oauthlib@v3.3.1:grant_types/resource_owner_password_credentials.py#L179-L182. */
    invalidCredentials: 'Invalid credentials given.',
  },
  /** Scopes per API endpoint: a token with ANY of them passes. */
  apiScopes: {
    profile: ['profile'],
    zaps: ['zap', 'zap:all', 'zap:account:all'],
    authentications: ['connection:read', 'authentication'],
    appsAndActions: ['zap'],
    promotions: ['promotions:write'],
  },
  /**
   * Pagination defaults. zapier-docs: v2 `limit` "If this value is not set, it defaults to 10"
   * (get-zaps, get-authentications); /v1/apps `per_page` "(defaults to 100, max of 100)" and
   * /v1/zap-templates `limit` "(defaults to 5, max of 100)" (zapier/visual-builder@53b2ba2
   * docs/_embed/partner_api.md#L150-L151, #L272-L273; the current OpenAPI keeps `limit` default 5).
   */
  pagination: { v2Limit: 10, appsPerPage: 100, templatesLimit: 5, max: 100 },
  /**
   * The API's error objects. zapier-docs (the Partner API OpenAPI, e.g. create-account): an integer
   * `status`, `source`, and `meta.full_details`, with code/title/detail from the Django REST
   * framework exception (`parse_error`/`ParseError`/"Malformed request."). The other statuses follow
   * DRF@3.18.0:rest_framework/exceptions.py (#L170-L197). The 401 is inferred by that mapping (the
   * docs only show placeholders for it).
   */
  apiErrors: {
    400: { code: 'parse_error', title: 'ParseError', detail: 'Malformed request.' },
    401: { code: 'not_authenticated', title: 'NotAuthenticated', detail: 'Authentication credentials were not provided.' },
    403: { code: 'permission_denied', title: 'PermissionDenied', detail: 'You do not have permission to perform this action.' },
    404: { code: 'not_found', title: 'NotFound', detail: 'Not found.' },
    405: { code: 'method_not_allowed', title: 'MethodNotAllowed', detail: 'Method "{method}" not allowed.' },
    500: { code: 'error', title: 'APIException', detail: 'A server error occurred.' },
    503: { code: 'service_unavailable', title: 'ServiceUnavailable', detail: 'Service temporarily unavailable, try again later.' },
  } as Record<number, { code: string; title: string; detail: string }>,
  /**
   * The Promotions API's own error objects (string `status`), zapier-docs:
   * https://docs.zapier.com/powered-by-zapier/api-reference/promotions (delete-enrollment).
   */
  promotionErrors: {
    401: { code: 'not_authenticated', title: 'User Not Authenticated', detail: 'User must be authenticated to access this resource. No valid user access token was provided.' },
    403: { code: 'permission_denied', title: 'Permission Denied', detail: 'You do not have permission to perform this action.' },
    404: { code: 'not_found', title: 'Not Found', detail: 'Not found.' },
  } as Record<number, { code: string; title: string; detail: string }>,
  /**
   * DOT@3.0.1:oauth2_provider/contrib/rest_framework/authentication.py#L9-L55: the 401 challenge
   * (`realm="api"`, pairs joined by "," without a space) and oauth2_validators.py#L220-L250's words.
   * Zapier's actual header is silent: DRF needs one to answer 401 at all (else it answers 403).
   */
  challenge: {
    realm: 'api',
    invalid: 'The access token is invalid.',
    expired: 'The access token has expired.',
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
    'promotions:read': 'View promotions for your account',
    'promotions:write': 'Manage promotions for your account',
  } as Readonly<Record<string, string>>,
  /** Zapier's brand orange. */
  brandColor: '#FF4F00',
} as const

export const zapierOptionsSchema = z
  .object({
    /**
     * What `POST /oauth/token` WITHOUT the trailing slash does. `serve` (default): the token
     * endpoint, as Zapier's white-label guide calls it (zapier-docs:
     * https://docs.zapier.com/white-label/token-exchange, "POST https://zapier.com/oauth/token").
     * `redirect`: Django's `APPEND_SLASH`, a 301 to `/oauth/token/` (a client that follows it turns
     * the POST into a GET and gets 405). `not_found`: a plain 404.
     */
    noSlashToken: z.enum(['serve', 'redirect', 'not_found']).default('serve'),
  })
  .strict()

export type ZapierOptions = z.infer<typeof zapierOptionsSchema>
