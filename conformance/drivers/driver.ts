/**
 * How the scenarios talk to the client under test: an external process over HTTP
 * (./process-client.ts) or a TypeScript object in this process (./object-client.ts).
 */
import type { ProviderId } from '../../mocks/engine/controls.ts'

/** What the client answered to one of its routes. */
export interface ClientAnswer {
  status: number
  location: string | null
  body: string
}

/** The docs/client-contract.md §5 routes, as calls. */
export interface ClientDriver {
  /** `GET /login` */
  login(): Promise<ClientAnswer>
  /** `GET /callback?…`: `url` is the full redirect the provider sent the browser to. */
  callback(url: string): Promise<ClientAnswer>
  /** `POST /oob` with form field `code`. */
  oob(code: string): Promise<ClientAnswer>
  /** `GET /resource` */
  resource(): Promise<ClientAnswer>
  close(): Promise<void>
}

/** The client's configuration: the client docs/client-contract.md §5 environment, as an object. */
export interface ClientConfig {
  provider: ProviderId
  baseUrl: string
  authorizeUrl: string
  tokenUrl: string
  refreshUrl: string
  resourceUrl: string
  clientId: string
  clientSecret: string
  redirectUri: string
  scope: string
  /** The issuer (RFC 8414), when the provider serves metadata: `OAUTH_ISSUER`. */
  issuer?: string
  /** `S256` when the suite expects PKCE: `OAUTH_PKCE`. */
  pkce?: 'S256'
  /**
   * The client's clock: how far the suite has moved the fakes' clock (seconds ahead of real time),
   * and, for a process client, the environment that moves its clock too (./client-clock.ts).
   */
  clock?: { offsetSeconds(): number; env?: Record<string, string> }
}

export function configToEnv(config: ClientConfig, port: number): Record<string, string> {
  return {
    PORT: String(port),
    OAUTH_PROVIDER: config.provider,
    OAUTH_BASE_URL: config.baseUrl,
    OAUTH_AUTHORIZE_URL: config.authorizeUrl,
    OAUTH_TOKEN_URL: config.tokenUrl,
    OAUTH_REFRESH_URL: config.refreshUrl,
    OAUTH_RESOURCE_URL: config.resourceUrl,
    OAUTH_CLIENT_ID: config.clientId,
    OAUTH_CLIENT_SECRET: config.clientSecret,
    OAUTH_REDIRECT_URI: config.redirectUri,
    OAUTH_SCOPE: config.scope,
    ...(config.issuer !== undefined ? { OAUTH_ISSUER: config.issuer } : {}),
    ...(config.pkce !== undefined ? { OAUTH_PKCE: config.pkce } : {}),
    ...config.clock?.env,
  }
}

/** The client command could not be brought up (docs/client-contract.md §5: exit 2). */
export class ClientStartError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message)
    this.name = 'ClientStartError'
  }
}

/** The client did not answer one of its routes in time (it hangs or loops). */
export class ClientNoAnswerError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ClientNoAnswerError'
  }
}
