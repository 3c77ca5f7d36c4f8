/**
 * A client as the control API (`POST /__admin/clients`), the config file and a user-defined
 * provider's declaration take it: one schema, so the three refuse the same things with the same
 * words.
 */
import { z } from 'zod'
import type { Client } from './clients.ts'
import type { ProviderId } from './controls.ts'

export const clientIdSchema = z.string().regex(/^[\x21-\x7e]{1,200}$/, 'must be 1-200 printable ASCII characters')

/** A redirect URI a client may register. */
export const redirectUriSchema = z
  .string()
  .max(2000)
  .refine((v) => URL.canParse(v), 'must be an absolute URI')
  // RFC 6749 §3.1.2: "The endpoint URI MUST NOT include a fragment component."
  .refine((v) => !v.includes('#'), 'must not include a fragment')
  // Nothing a browser would run instead of navigate to.
  .refine((v) => !/^\s*(javascript|data|vbscript|blob):/i.test(v), 'must not be a javascript:, data:, vbscript: or blob: URI')

/** The fields of a client, without `provider` (the config file's section or the declaration names it). */
export const clientFields = {
  clientId: clientIdSchema,
  // Required unless `public` (clientSecretRule, once the rest is valid).
  clientSecret: z.string().min(1).max(500).optional(),
  redirectUris: z.array(redirectUriSchema).min(1).max(50),
  name: z.string().max(200).optional(),
  scopes: z.array(z.string().max(100)).max(100).nullable().optional(),
  logo: z.string().max(100_000).nullable().optional(),
  // RFC 6749 §2.1: a public client has no secret (cal.com then requires PKCE).
  public: z.boolean().optional(),
  // cal.com (oauth-service era): review state, trust, owner.
  status: z.enum(['approved', 'pending', 'rejected']).optional(),
  trusted: z.boolean().optional(),
  ownerUserId: z.number().int().optional(),
}

/** A confidential client has a secret; a public one has none. */
export function clientSecretRule(c: { public?: boolean | undefined; clientSecret?: string | undefined }, ctx: z.RefinementCtx): void {
  if (c.public === true && c.clientSecret !== undefined) ctx.addIssue({ code: 'custom', path: ['clientSecret'], message: 'must be absent for a public client' })
  if (c.public !== true && c.clientSecret === undefined) ctx.addIssue({ code: 'custom', path: ['clientSecret'], message: 'required unless public is true' })
}

/** A client without `provider`, unknown keys refused (the config file, a provider declaration). */
export const clientSpecSchema = z.object(clientFields).strict().superRefine(clientSecretRule)

/** What a registration carries: a client without `provider`, secret optional (public clients). */
export type ClientFields = Omit<Client, 'provider' | 'clientSecret' | 'name' | 'scopes' | 'logo'> & {
  clientSecret?: string | undefined
  name?: string | undefined
  scopes?: string[] | null | undefined
  logo?: string | null | undefined
}

/** The registry's record of a client: defaults filled in (the name is the id), absent flags left out. */
export function clientFromSpec(provider: ProviderId, spec: ClientFields): Client {
  return {
    provider,
    clientId: spec.clientId,
    clientSecret: spec.clientSecret ?? '',
    redirectUris: spec.redirectUris,
    name: spec.name ?? spec.clientId,
    scopes: spec.scopes ?? null,
    logo: spec.logo ?? null,
    ...(spec.public === true ? { public: true } : {}),
    ...(spec.status !== undefined ? { status: spec.status } : {}),
    ...(spec.trusted !== undefined ? { trusted: spec.trusted } : {}),
    ...(spec.ownerUserId !== undefined ? { ownerUserId: spec.ownerUserId } : {}),
  }
}
