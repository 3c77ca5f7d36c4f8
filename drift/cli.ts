/**
 * `oauth-fakes drift --provider <calcom|bookingsync|zapier> --base URL --client-id ID --client-secret SECRET …`
 * (docs/drift.md). Exit status: 0 no drift, 1 drift, 2 usage error or the real server cannot be
 * reached. Nothing it prints carries the client secret or a token (masked: `sk…(32 chars)`).
 */
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { DRIFT_PROVIDERS, type DriftProvider } from './probes.ts'
import { CALCOM_ERAS } from '../mocks/providers/calcom/profile.ts'
import { maskText } from './compare.ts'
import { renderJson, renderTable } from './report.ts'
import { DEFAULT_DELAY_MS, DEFAULT_TIMEOUT_MS, DriftNetworkError, DriftUsageError, type Fetch, definitionOf, runDrift } from './run.ts'

/** Every host key any provider has (`--base-<key>`): cal.com `api`, Zapier `auth`, … */
const HOST_KEYS = [...new Set(DRIFT_PROVIDERS.flatMap((p) => Object.keys(definitionOf(p).hosts)))]

/** Where the secrets may come from instead of the command line (a process list shows arguments). */
export const SECRET_ENV = { clientSecret: 'OAUTH_FAKES_CLIENT_SECRET', token: 'OAUTH_FAKES_TOKEN' } as const

const hostLines = DRIFT_PROVIDERS.map((p) => {
  const [main, ...others] = Object.entries(definitionOf(p).hosts)
  return `                        ${p.padEnd(12)} --base ${main![1]}${others.map(([k, v]) => `  --base-${k} ${v}`).join('')}`
}).join('\n')

export const USAGE = `usage: oauth-fakes drift --provider <calcom|bookingsync|zapier> --base URL
  --client-id ID --client-secret SECRET [--redirect-uri URI] [--token TOKEN]
  [--base-<host> URL]... [--era ERA] [--option key=value]... [--timeout SECONDS] [--json]
  (from a clone: npm run drift -- …)

Sends the same requests, none needing a user at a keyboard, to the real server and to the fake
(in-process, with the same client registered), and prints where the answers differ: status, body
shape, error words, the headers that matter, redirects. docs/drift.md explains every probe.

  --provider            which provider (and fake) to compare
  --base                the real server's base URL for the provider's main host
  --base-<host>         the base of another host of the provider; the real ones by default, but
                        required when --base is not the real main host. Hosts:
${hostLines}
  --client-id           a client (OAuth app) registered at the real server
  --client-secret       its secret (or set ${SECRET_ENV.clientSecret})
  --redirect-uri        one redirect URI the client registered; without it the probes that
                        send one are skipped
  --token               a valid access token for the client (or set ${SECRET_ENV.token});
                        without it the probes of the API with a real token are skipped
  --era                 cal.com: the fake's era (${CALCOM_ERAS.join(', ')}); default oauth-service
  --option key=value    a fake option (repeatable): bookingsync doorkeeper=5.6.9,
                        zapier noSlashToken=redirect, … (docs/providers/*.md)
  --timeout             seconds per request to the real server (default ${DEFAULT_TIMEOUT_MS / 1000})
  --json                the full result as JSON instead of the table

Requests to the real server are sequential, ${DEFAULT_DELAY_MS} ms apart, with a User-Agent naming this tool.
Exit status: 0 no drift, 1 drift, 2 usage error or the real server cannot be reached.
Secrets are never printed: a client secret or token in any answer shows as "ab…(32 chars)".`

export interface DriftCliDeps {
  /** How the real server is reached (default `fetch`). */
  fetchReal?: Fetch
  /** The pause between real requests (default a timer; tests pass a no-op). */
  sleep?: (ms: number) => Promise<void>
  /** Where the report goes (default `console.log`). */
  out?: (text: string) => void
  /** Where errors go (default `console.error`). */
  err?: (text: string) => void
  /** Where `OAUTH_FAKES_CLIENT_SECRET` and `OAUTH_FAKES_TOKEN` are read (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>
}

const required = (name: string, hint = '') => z.string({ error: (issue) => (issue.input === undefined ? `is required${hint}` : `${name} must be a string`) }).min(1, 'must not be empty')

const argsSchema = z.object({
  provider: z.enum(DRIFT_PROVIDERS, { error: (issue) => (issue.input === undefined ? 'is required' : `"${String(issue.input)}" is not a provider (${DRIFT_PROVIDERS.join(', ')})`) }),
  base: required('base'),
  'client-id': required('client-id'),
  'client-secret': required('client-secret', ` (or set ${SECRET_ENV.clientSecret})`),
  'redirect-uri': z.string().min(1, 'must not be empty').optional(),
  token: z.string().min(1, 'must not be empty').optional(),
  era: z.enum(CALCOM_ERAS, { error: (issue) => `"${String(issue.input)}" is not a cal.com era (${CALCOM_ERAS.join(', ')})` }).optional(),
  option: z.array(z.string().regex(/^[A-Za-z][\w-]*=/, 'must be key=value')).default([]),
  timeout: z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'must be a number of seconds')
    .transform(Number)
    .refine((s) => s > 0 && s <= 300, 'must be between 0 and 300 seconds')
    .optional(),
  json: z.boolean().default(false),
})

class UsageError extends Error {}

/** A fake option's value: as given when the provider takes that, else as a number or boolean when that fits. */
function optionValue(provider: DriftProvider, key: string, raw: string): unknown {
  const schema = definitionOf(provider).optionsSchema
  if (schema.safeParse({ [key]: raw }).success) return raw
  const coerced = raw === 'true' ? true : raw === 'false' ? false : /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw
  return coerced
}

/** The values after `--client-secret` and `--token` (and the env's), to mask even in a usage error. */
function secretsOf(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): string[] {
  const out: string[] = []
  argv.forEach((a, i) => {
    for (const flag of ['--client-secret', '--token']) {
      if (a === flag && argv[i + 1] !== undefined) out.push(argv[i + 1]!)
      if (a.startsWith(`${flag}=`)) out.push(a.slice(flag.length + 1))
    }
  })
  for (const name of Object.values(SECRET_ENV)) if (env[name]) out.push(env[name])
  return out
}

export async function main(argv: string[], deps: DriftCliDeps = {}): Promise<number> {
  const env = deps.env ?? process.env
  const secrets = secretsOf(argv, env)
  const out = (text: string) => (deps.out ?? console.log)(maskText(text, secrets))
  const err = (text: string) => (deps.err ?? console.error)(maskText(text, secrets))
  const usage = (message: string) => {
    err(`oauth-fakes drift: ${message} (see --help)`)
    return 2
  }
  let values
  try {
    values = parseArgs({
      args: argv,
      options: {
        provider: { type: 'string' },
        base: { type: 'string' },
        ...Object.fromEntries(HOST_KEYS.map((k) => [`base-${k}`, { type: 'string' as const }])),
        'client-id': { type: 'string' },
        'client-secret': { type: 'string' },
        'redirect-uri': { type: 'string' },
        token: { type: 'string' },
        era: { type: 'string' },
        option: { type: 'string', multiple: true },
        timeout: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
    }).values
  } catch (error) {
    return usage((error as Error).message.split('\n')[0]!)
  }
  if (values.help) {
    out(USAGE)
    return 0
  }
  try {
    const parsed = argsSchema.safeParse({
      ...values,
      // An empty variable is an unset one (GitHub Actions gives a missing secret as '').
      'client-secret': values['client-secret'] ?? (env[SECRET_ENV.clientSecret] || undefined),
      token: values.token ?? (env[SECRET_ENV.token] || undefined),
    })
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      throw new UsageError(`--${String(issue.path[0] ?? '')}: ${issue.message}`)
    }
    const args = parsed.data
    const provider = args.provider
    const fakeOptions: Record<string, unknown> = {}
    for (const entry of args.option) {
      const at = entry.indexOf('=')
      const key = entry.slice(0, at)
      if (key in fakeOptions) throw new UsageError(`--option ${key}: given twice`)
      fakeOptions[key] = optionValue(provider, key, entry.slice(at + 1))
    }
    if (args.era !== undefined) {
      if (provider !== 'calcom') throw new UsageError('--era is for cal.com; other providers take --option')
      if ('era' in fakeOptions) throw new UsageError('--era and --option era=…: give the era once')
      fakeOptions.era = args.era
    }
    const bases: Record<string, string> = {}
    for (const key of HOST_KEYS) {
      const value = (values as Record<string, unknown>)[`base-${key}`]
      if (typeof value === 'string') bases[key] = value
    }
    const result = await runDrift({
      provider,
      base: args.base,
      bases,
      credentials: {
        clientId: args['client-id'],
        clientSecret: args['client-secret'],
        ...(args['redirect-uri'] !== undefined ? { redirectUri: args['redirect-uri'] } : {}),
        ...(args.token !== undefined ? { token: args.token } : {}),
      },
      fakeOptions,
      ...(deps.fetchReal ? { fetchReal: deps.fetchReal } : {}),
      ...(deps.sleep ? { sleep: deps.sleep } : {}),
      ...(args.timeout !== undefined ? { timeoutMs: args.timeout * 1000 } : {}),
    })
    out(args.json ? renderJson(result) : renderTable(result))
    return result.ok ? 0 : 1
  } catch (error) {
    if (error instanceof UsageError || error instanceof DriftUsageError) return usage(error.message)
    if (error instanceof DriftNetworkError) {
      err(`oauth-fakes drift: ${error.message} (not drift: check --base and the network)`)
      return 2
    }
    throw error
  }
}
