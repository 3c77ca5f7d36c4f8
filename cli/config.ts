/**
 * `oauth-fakes.config.json`: what `oauth-fakes serve` takes from a file (docs/server.md). Validated
 * with zod; a bad file is refused at start with the file, the path of the field and what was
 * expected. The same schema, as JSON Schema, ships in the package (`oauth-fakes/schema.json`) for
 * editors (`"$schema": "./node_modules/oauth-fakes/dist/oauth-fakes.schema.json"`).
 */
import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { type BuiltinProviderId, PROVIDER_IDS } from '../mocks/engine/controls.ts'
import { PROVIDERS } from '../mocks/providers/index.ts'
import { customProviderSchema } from '../mocks/providers/custom.ts'
import type { ProviderDefinition } from '../mocks/engine/provider.ts'
import { clientSpecSchema } from '../mocks/engine/client-spec.ts'

const definition = (id: BuiltinProviderId) => PROVIDERS[id] as unknown as ProviderDefinition

/** A client as the control API's `POST /__admin/clients` takes it, without `provider` (the section names it). */
const client = clientSpecSchema

/** One provider's section: its options (era, rotation, …), clients, users, default user. */
function providerSection(id: BuiltinProviderId) {
  const def = definition(id)
  const options = def.optionsSchema as unknown as z.ZodObject
  return options
    .extend({
      clients: z.array(client).max(1000).optional(),
      users: z.array(def.users?.schema ?? z.never()).max(1000).optional(),
      defaultUserId: z.number().int().optional(),
    })
    .partial()
    .strict()
}

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    port: z.number().int().min(0).max(65535).optional(),
    host: z.string().min(1).optional(),
    /** Every absolute URL the fakes build starts with it (`--public-url`). */
    publicUrl: z.string().url().optional(),
    /** Lets non-loopback peers use the control API (`Authorization: Bearer …`); `OAUTH_FAKES_ADMIN_TOKEN` wins. */
    adminToken: z.string().min(16, 'must be at least 16 characters').optional(),
    allowedHosts: z.array(z.string()).optional(),
    /** Keep clients, users, grants, tokens and the clock in this file across restarts (`--state`). */
    state: z.string().min(1).optional(),
    quiet: z.boolean().optional(),
    tenants: z.object({ max: z.number().int().min(1).max(100_000).optional(), idleSeconds: z.number().int().min(1).optional() }).strict().optional(),
    providers: z.object(Object.fromEntries(PROVIDER_IDS.map((id) => [id, providerSection(id).optional()]))).strict().optional(),
    /** User-defined providers (docs/providers/custom.md): each served under `/<id>` beside the built-in ones. */
    customProviders: z.array(customProviderSchema).max(50).optional(),
  })
  .strict()

export type Config = z.infer<typeof configSchema>

/** A config file that cannot be used: one line naming the file, the field and what was expected. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}

export function parseConfig(text: string, file: string): Config {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    throw new ConfigError(`${file}: not JSON (${(error as Error).message})`)
  }
  const parsed = configSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new ConfigError(`${file}: ${issue.path.length ? issue.path.join('.') : '(top level)'}: ${issue.message}`)
  }
  return parsed.data
}

export function loadConfig(file: string): Config {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new ConfigError(`${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
  }
  return parseConfig(text, file)
}

/** The fakes' `options` and `fixtures` from a config's provider sections. */
export function providerSettings(config: Config): { options: Record<string, Record<string, unknown>>; fixtures: Record<string, { clients?: unknown[]; users?: unknown[]; defaultUserId?: number }> } {
  const options: Record<string, Record<string, unknown>> = {}
  const fixtures: Record<string, { clients?: unknown[]; users?: unknown[]; defaultUserId?: number }> = {}
  for (const [id, section] of Object.entries(config.providers ?? {})) {
    if (!section) continue
    const { clients, users, defaultUserId, ...rest } = section as Record<string, unknown> & { clients?: unknown[]; users?: unknown[]; defaultUserId?: number }
    options[id] = rest
    fixtures[id] = { ...(clients ? { clients } : {}), ...(users ? { users } : {}), ...(defaultUserId !== undefined ? { defaultUserId } : {}) }
  }
  return { options, fixtures }
}

/** The JSON Schema of the config file (`npm run build` writes it to dist/oauth-fakes.schema.json). */
export function configJsonSchema(): Record<string, unknown> {
  return { ...(z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>), title: 'oauth-fakes.config.json' }
}
