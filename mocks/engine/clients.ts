import type { ProviderId } from './controls.ts'
import { mswData } from './msw-data.ts'

/** A registered OAuth client (an "application" at BookingSync, an "Embed app" at Zapier). */
export interface Client {
  provider: ProviderId
  clientId: string
  clientSecret: string
  /** Exact-match redirect URIs (RFC 6749 §3.1.2.3: simple string comparison). */
  redirectUris: string[]
  name: string
  /** Scopes the client may be granted; `null` means every scope the provider knows. */
  scopes: string[] | null
  /** Image URL (or data URL) shown on consent pages, when the provider shows one. */
  logo: string | null
  /**
   * A public client (RFC 6749 §2.1; RFC 7591 `token_endpoint_auth_method: "none"`): it has no
   * secret (`clientSecret` is `''`) and is identified by its `client_id` alone, at token
   * endpoints that accept that (`ClientAuthMethod` `'none'`). Absent: confidential.
   */
  public?: boolean
  /** cal.com (OAuthService era): the client's review state; absent is `approved` (the database default). */
  status?: 'approved' | 'pending' | 'rejected'
  /** cal.com: a trusted client skips the consent click. */
  trusted?: boolean
  /** cal.com: the user who registered the client, who may use it while it is pending. */
  ownerUserId?: number
}

function createClientDb() {
  const { factory, primaryKey, nullable } = mswData()
  return factory({
    client: {
      key: primaryKey(String),
      provider: String,
      clientId: String,
      clientSecret: String,
      redirectUris: () => [] as string[],
      name: String,
      scopes: nullable<string[]>(() => null),
      logo: nullable(String),
      public: Boolean,
    },
  })
}

type ClientDb = ReturnType<typeof createClientDb>

function insert(db: ClientDb, key: string, client: Client): void {
  db.client.delete({ where: { key: { equals: key } } })
  const { provider, clientId, clientSecret, redirectUris, name, scopes, logo } = client
  db.client.create({ key, provider, clientId, clientSecret, redirectUris, name, scopes, logo, public: client.public === true })
}

/**
 * The registered clients, on @mswjs/data as the design card asks, with a `Map` index beside it:
 * every token request authenticates a client, and `findFirst` scans every row. The @mswjs/data
 * records are built the first time `db` is read (./msw-data.ts: loading it is most of a cold
 * start), then kept in step with every registration.
 */
export class ClientRegistry {
  #db: ClientDb | undefined
  readonly #index = new Map<string, Client>()

  /**
   * The clients as @mswjs/data records. @internal: left out of the package's declarations, which
   * would otherwise bring @mswjs/data's own (they do not pass a consumer's strict lib check).
   */
  get db(): ClientDb {
    if (!this.#db) {
      const db = createClientDb()
      for (const [key, client] of this.#index) insert(db, key, client)
      this.#db = db
    }
    return this.#db
  }

  /** Registers or replaces a client. */
  register(client: Client): Client {
    const key = `${client.provider}:${client.clientId}`
    const stored = { ...client, redirectUris: [...client.redirectUris], scopes: client.scopes && [...client.scopes] }
    if (this.#db) insert(this.#db, key, stored)
    this.#index.set(key, stored)
    return stored
  }

  get size(): number {
    return this.#index.size
  }

  /** O(1) lookup on the token path. */
  get(provider: ProviderId, clientId: string): Client | undefined {
    return this.#index.get(`${provider}:${clientId}`)
  }

  list(provider?: ProviderId): Client[] {
    return [...this.#index.values()].filter((c) => !provider || c.provider === provider)
  }

  clear(): void {
    this.#db?.client.deleteMany({ where: { key: { contains: '' } } })
    this.#index.clear()
  }
}
