/**
 * User-defined providers (docs/providers/custom.md): a provider declared as data — in
 * `createFakes({ customProviders })` or a config file's `customProviders` — IS the generic OAuth 2.0
 * provider (./oauth2) with the declared values over its profile. Enough to fake a GitHub- or
 * Google-style server without touching the engine: hosts and paths, lifetimes, token formats,
 * client authentication, PKCE, scopes, rotation, error shape, `iss`, the resource, users, clients.
 *
 * Validated with zod (`customProviderSchema`); `parseCustomProviders` names the failing field as
 * `customProviders.<n>.<field>`.
 */
import { createHash } from 'node:crypto'
import { z } from 'zod'
import type { Client } from '../engine/clients.ts'
import { CUSTOM_PROVIDER_ID, PROVIDER_IDS } from '../engine/controls.ts'
import type { ProviderDefinition } from '../engine/provider.ts'
import { createOauth2Provider, tokenBits } from './oauth2/index.ts'
import { type EndpointPath, type Oauth2Options, type Oauth2Profile, type Oauth2User, oauth2Profile } from './oauth2/profile.ts'
import type { Oauth2Data } from './oauth2/data.ts'
import { clientFromSpec, clientSpecSchema } from '../engine/client-spec.ts'

/** A registered client, as the control API and the config file take one (without `provider`). */
export { clientSpecSchema }

const HOST_KEY = /^[a-z][a-z0-9_-]{0,31}$/
/** A path below a base: `/segment/…`, no query, fragment, `:` (route parameters) or space. */
const path = z.string().regex(/^\/[A-Za-z0-9\-._~!$&'()*+,;=@/%]*$/, 'must be a path starting with / (no query, fragment, ":" or spaces)').max(200)
/** `"/path"` on the first host, or `{ "path": "/path", "host": "<host key>" }`. */
const endpoint = z.union([path, z.object({ path, host: z.string().regex(HOST_KEY) }).strict()])

/** A token or code format; `length` counts the characters of the random part (after `prefix`). */
const formatShape = {
  format: z.enum(['base64url', 'hex', 'alphanumeric']).optional(),
  length: z.number().int().min(1).max(512).optional(),
  prefix: z.string().regex(/^[\x21-\x7e]{0,40}$/, 'must be at most 40 printable ASCII characters').optional(),
}
const lifetime = z.number().int().min(1).max(10 * 365 * 24 * 3600)
const scopeName = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,100}$/, 'must be made of RFC 6749 §3.3 scope-token characters')
const user = z.object({ id: z.number().int().positive() }).catchall(z.unknown())

export const customProviderSchema = z
  .object({
    /** The provider's id: its standalone prefix (`/<id>`), `OAUTH_PROVIDER`, the control API's `provider`. */
    id: z
      .string()
      .regex(CUSTOM_PROVIDER_ID, 'must be 1-32 characters of a-z 0-9 - starting with a letter, and not "t"')
      .refine((id) => !(PROVIDER_IDS as readonly string[]).includes(id), 'is a built-in provider'),
    title: z.string().min(1).max(100),
    /** Host key → real base URL (`{"web":"https://github.com","api":"https://api.github.com"}`); default `{"main":"https://<id>.example"}`. */
    hosts: z
      .record(
        z.string().regex(HOST_KEY, 'host keys are 1-32 characters of a-z 0-9 _ -'),
        z.string().refine((v) => /^https?:\/\/[^/?#]+(\/[^?#]*)?$/.test(v) && URL.canParse(v), 'must be an http(s) URL without query or fragment'),
      )
      .optional(),
    /** Endpoint paths; `null` removes an endpoint. Default: the generic provider's. */
    paths: z
      .object({ authorize: endpoint, token: endpoint, revocation: endpoint.nullable(), introspection: endpoint.nullable(), metadata: endpoint.nullable(), resource: endpoint.nullable() })
      .partial()
      .strict()
      .optional(),
    codeLifetimeSeconds: lifetime.optional(),
    code: z.object(formatShape).strict().optional(),
    accessToken: z
      .object({ ...formatShape, lifetimeSeconds: lifetime.optional(), type: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/).optional() })
      .strict()
      .optional(),
    /** `false`: no refresh tokens; `lifetimeSeconds: null`: they never expire by themselves. */
    refreshToken: z
      .union([z.literal(false), z.object({ ...formatShape, lifetimeSeconds: lifetime.nullable().optional() }).strict()])
      .optional(),
    clientAuth: z.array(z.enum(['basic', 'body', 'none'])).min(1).optional(),
    grantTypes: z.array(z.enum(['authorization_code', 'refresh_token', 'client_credentials'])).min(1).optional(),
    pkce: z
      .object({ methods: z.array(z.enum(['S256', 'plain'])).min(1).optional(), required: z.enum(['always', 'public-clients', 'never']).optional() })
      .strict()
      .optional(),
    scopes: z
      .object({
        known: z.array(scopeName).min(1).max(200).optional(),
        separator: z.enum([' ', ',']).optional(),
        responseSeparator: z.enum([' ', ',']).optional(),
        defaults: z.array(scopeName).optional(),
        words: z.record(z.string(), z.string().max(200)).optional(),
      })
      .strict()
      .optional(),
    refreshRotation: z.enum(['none', 'rotate', 'reuse-detection']).optional(),
    errorShape: z.enum(['rfc6749', 'github']).optional(),
    errorCodes: z.record(z.string(), z.string().regex(/^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,100}$/)).optional(),
    tokenResponse: z.enum(['json', 'accept-negotiated']).optional(),
    issParameter: z.boolean().optional(),
    /** Parameters taken as given when absent: `{"responseType":"code","grantType":"authorization_code"}` (GitHub). */
    implied: z.object({ responseType: z.literal('code').nullable().optional(), grantType: z.literal('authorization_code').nullable().optional() }).strict().optional(),
    resource: z
      .object({ requiredScopes: z.array(scopeName).optional(), body: z.enum(['claims', 'record']).optional() })
      .strict()
      .optional(),
    users: z.array(user).min(1).max(1000).optional(),
    defaultUserId: z.number().int().positive().optional(),
    clients: z.array(clientSpecSchema).min(1).max(1000).optional(),
    brandColor: z.string().regex(/^#[0-9a-fA-F]{6}$/).optional(),
  })
  .strict()

/** A user-defined provider as declared (every field but `id` and `title` optional). */
export type CustomProviderSpec = z.input<typeof customProviderSchema>

/** A custom provider's profile: the generic one's values under the declared ones. */
export function customProfile(spec: z.output<typeof customProviderSchema>): Oauth2Profile {
  const base = oauth2Profile
  const hosts = spec.hosts && Object.keys(spec.hosts).length ? spec.hosts : { main: `https://${spec.id}.example` }
  const toPath = (e: string | EndpointPath): EndpointPath => (typeof e === 'string' ? { path: e } : e)
  const pick = <K extends keyof Oauth2Profile['paths']>(k: K): Oauth2Profile['paths'][K] => {
    const given = spec.paths?.[k]
    if (given === undefined) return base.paths[k]
    return (given === null ? null : toPath(given)) as Oauth2Profile['paths'][K]
  }
  const fmt = <T extends { format?: 'base64url' | 'hex' | 'alphanumeric'; length?: number; prefix?: string }>(given: T | undefined, fallback: Oauth2Profile['code']) => ({
    format: given?.format ?? fallback.format,
    length: given?.length ?? fallback.length,
    prefix: given?.prefix ?? fallback.prefix,
  })
  const users: Oauth2User[] = spec.users ? spec.users.map((u) => ({ ...u }) as Oauth2User) : [...base.users]
  const scopes = spec.scopes?.known ?? base.scopes.known
  const clients: Client[] = (spec.clients ?? [defaultClient(spec.id)]).map((c) => clientFromSpec(spec.id, c))
  return {
    id: spec.id,
    title: spec.title,
    hosts,
    paths: { authorize: pick('authorize')!, token: pick('token')!, revocation: pick('revocation'), introspection: pick('introspection'), metadata: pick('metadata'), resource: pick('resource') },
    codeLifetimeSeconds: spec.codeLifetimeSeconds ?? base.codeLifetimeSeconds,
    code: fmt(spec.code, base.code),
    accessToken: { ...fmt(spec.accessToken, base.accessToken), lifetimeSeconds: spec.accessToken?.lifetimeSeconds ?? base.accessToken.lifetimeSeconds, type: spec.accessToken?.type ?? base.accessToken.type },
    refreshToken:
      spec.refreshToken === false
        ? null
        : { ...fmt(spec.refreshToken, base.refreshToken!), lifetimeSeconds: spec.refreshToken?.lifetimeSeconds === undefined ? base.refreshToken!.lifetimeSeconds : spec.refreshToken.lifetimeSeconds },
    clientAuth: spec.clientAuth ?? base.clientAuth,
    grantTypes: spec.grantTypes ?? base.grantTypes,
    pkce: { methods: spec.pkce?.methods ?? base.pkce.methods, required: spec.pkce?.required ?? base.pkce.required },
    scopes: {
      known: scopes,
      separator: spec.scopes?.separator ?? base.scopes.separator,
      responseSeparator: spec.scopes?.responseSeparator ?? spec.scopes?.separator ?? base.scopes.responseSeparator,
      defaults: spec.scopes?.defaults ?? (spec.scopes?.known ? [] : base.scopes.defaults),
      words: spec.scopes?.words ?? (spec.scopes?.known ? {} : base.scopes.words),
    },
    refreshRotation: spec.refreshRotation ?? base.refreshRotation,
    errorShape: spec.errorShape ?? base.errorShape,
    errorCodes: spec.errorCodes ?? base.errorCodes,
    tokenResponse: spec.tokenResponse ?? base.tokenResponse,
    issParameter: spec.issParameter ?? base.issParameter,
    implied: { responseType: spec.implied?.responseType ?? base.implied.responseType, grantType: spec.implied?.grantType ?? base.implied.grantType },
    resource: {
      requiredScopes: spec.resource?.requiredScopes ?? (spec.scopes?.known ? [] : base.resource.requiredScopes),
      body: spec.resource?.body ?? (spec.users ? 'record' : base.resource.body),
    },
    users,
    defaultUserId: spec.defaultUserId ?? users[0]!.id,
    clients,
    brandColor: spec.brandColor ?? '#374151',
  }
}

/** A custom provider's demo client when it declares none: derived from its id, the same on every start. */
function defaultClient(id: string): z.output<typeof clientSpecSchema> {
  const secret = createHash('sha256').update(`oauth-fakes:${id}:demo-secret`).digest('hex')
  return { clientId: `${id}-demo-client`, clientSecret: secret, redirectUris: ['http://127.0.0.1:3000/callback'], name: 'Demo App' }
}

/** What a declared profile must hold together, as `[path, message]` (the schema checks each field alone). */
function consistency(p: Oauth2Profile): Array<[string, string]> {
  const problems: Array<[string, string]> = []
  const hostKeys = Object.keys(p.hosts)
  const seen = new Map<string, string>()
  for (const [name, e] of Object.entries(p.paths)) {
    if (!e) continue
    if (e.host !== undefined && !hostKeys.includes(e.host)) problems.push([`paths.${name}.host`, `"${e.host}" is not one of hosts (${hostKeys.join(', ')})`])
    // Standalone, every host lives under /<id>: two endpoints may not share a path.
    const other = seen.get(e.path)
    if (other) problems.push([`paths.${name}`, `"${e.path}" is also paths.${other}`])
    seen.set(e.path, name)
  }
  // RFC 6749 §10.10: the probability of guessing a code or token MUST be ≤ 2^-128.
  const formats: Array<[string, Oauth2Profile['code'] | null]> = [['code', p.code], ['accessToken', p.accessToken], ['refreshToken', p.refreshToken]]
  for (const [name, f] of formats) {
    if (f && tokenBits(f) < 128) problems.push([`${name}.length`, `the random part carries ${Math.floor(tokenBits(f))} bits; at least 128 (RFC 6749 §10.10): hex ≥ 32, base64url ≥ 22, alphanumeric ≥ 22 characters`])
  }
  const known = (list: readonly string[], where: string) => {
    for (const s of list) if (!p.scopes.known.includes(s)) problems.push([where, `"${s}" is not in scopes.known`])
  }
  known(p.scopes.defaults, 'scopes.defaults')
  known(p.resource.requiredScopes, 'resource.requiredScopes')
  if (!p.users.some((u) => u.id === p.defaultUserId)) problems.push(['defaultUserId', `no user has id ${p.defaultUserId}`])
  if (new Set(p.users.map((u) => u.id)).size !== p.users.length) problems.push(['users', 'two users share an id'])
  if (!p.grantTypes.includes('authorization_code')) problems.push(['grantTypes', 'must include authorization_code'])
  if (p.clients.some((c) => c.public === true) && !p.clientAuth.includes('none')) problems.push(['clients', 'a public client needs "none" in clientAuth'])
  return problems
}

/** The profiles of declared providers (what the conformance suite judges them by); throws like `defineCustomProvider`. */
export function customProfiles(specs: readonly CustomProviderSpec[]): Oauth2Profile[] {
  defineCustomProviders(specs)
  return specs.map((s) => customProfile(customProviderSchema.parse(s)))
}

/** A provider definition from a declared spec; throws `CustomProviderError` naming `customProviders.<n>.<field>`. */
export function defineCustomProvider(spec: CustomProviderSpec, index = 0): ProviderDefinition<Oauth2Data, Oauth2Options> {
  const parsed = customProviderSchema.safeParse(spec)
  const where = (path: readonly PropertyKey[]) => `customProviders.${index}${path.length ? `.${path.map(String).join('.')}` : ''}`
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new CustomProviderError(`${where(issue.path)}: ${issue.message}`)
  }
  const profile = customProfile(parsed.data)
  const problem = consistency(profile)[0]
  if (problem) throw new CustomProviderError(`${where(problem[0].split('.'))}: ${problem[1]}`)
  return createOauth2Provider(profile)
}

/** Every declared provider; ids must differ from each other (the schema keeps them off the built-in ones). */
export function defineCustomProviders(specs: readonly CustomProviderSpec[]): Array<ProviderDefinition<Oauth2Data, Oauth2Options>> {
  const defs = specs.map((s, i) => defineCustomProvider(s, i))
  const ids = new Set<string>()
  defs.forEach((d, i) => {
    if (ids.has(d.id)) throw new CustomProviderError(`customProviders.${i}.id: "${d.id}" is declared twice`)
    ids.add(d.id)
  })
  return defs
}

/** A declared provider that cannot be used. */
export class CustomProviderError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CustomProviderError'
  }
}
