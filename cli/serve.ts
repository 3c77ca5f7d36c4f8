/**
 * `oauth-fakes serve` (and `npm start`): the standalone server (docs/server.md). Settings come
 * from, in order of precedence: flags, the environment (PORT, HOST, OAUTH_FAKES_ADMIN_TOKEN), the
 * config file (`--config FILE`, else `oauth-fakes.config.json` in the working directory when there
 * is one), the defaults. The server runs in this process: SIGINT/SIGTERM stop it and exit 0.
 */
import { existsSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { OptionsError } from '../mocks/fakes.ts'
import { describeProvider, startServer } from '../mocks/server.ts'
import { type Config, ConfigError, loadConfig, providerSettings } from './config.ts'
import { StateError, openState } from '../mocks/state.ts'

export const SERVE_USAGE = `usage: oauth-fakes serve [--port N] [--host H] [--config FILE] [--public-url URL] [--state FILE] [--quiet]

  --port N          listen on this port (default 4010; 0 picks a free one; also PORT)
  --host H          listen on this address (default 127.0.0.1; also HOST)
  --config FILE     clients, users and provider options (default: ./oauth-fakes.config.json if present)
  --public-url URL  the URL clients reach the server at: every absolute URL the fakes build uses it
  --state FILE      keep clients, users, grants, tokens and the clock in FILE across restarts
  --quiet           no line per request
  -h, --help        this help

The control API answers this machine only; set OAUTH_FAKES_ADMIN_TOKEN (or "adminToken" in the
config file) to let other peers in with Authorization: Bearer <token>.`

/** Writes a line; the CLI's output. */
export interface Io {
  out(line: string): void
  err(line: string): void
}

const defaultIo: Io = { out: (l) => console.log(l), err: (l) => console.error(l) }

/** Starts the server and resolves once it listens, with a `stop()`; or resolves with an exit code (help, a usage error). */
export async function serve(argv: readonly string[], io: Io = defaultIo, env: NodeJS.ProcessEnv = process.env): Promise<number | { stop(): Promise<void> }> {
  let values
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        config: { type: 'string' },
        'public-url': { type: 'string' },
        state: { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
      strict: true,
    }).values
  } catch (error) {
    io.err(`oauth-fakes serve: ${(error as Error).message.split('\n')[0]} (see --help)`)
    return 2
  }
  if (values.help) {
    io.out(SERVE_USAGE)
    return 0
  }
  let config: Config = {}
  const configFile = values.config ?? (existsSync('oauth-fakes.config.json') ? 'oauth-fakes.config.json' : undefined)
  try {
    if (configFile) config = loadConfig(configFile)
  } catch (error) {
    io.err(`oauth-fakes serve: ${(error as Error).message}`)
    return 2
  }
  const portText = values.port ?? env.PORT
  const port = portText !== undefined ? Number(portText) : (config.port ?? 4010)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.err(`oauth-fakes serve: invalid port "${portText}" (0-65535)`)
    return 2
  }
  const host = values.host ?? env.HOST ?? config.host ?? '127.0.0.1'
  const publicUrl = values['public-url'] ?? config.publicUrl
  if (publicUrl !== undefined && !/^https?:\/\//.test(publicUrl)) {
    io.err(`oauth-fakes serve: invalid --public-url "${publicUrl}" (an http(s) URL)`)
    return 2
  }
  const quiet = values.quiet ?? config.quiet ?? false
  const { options, fixtures } = providerSettings(config)
  const stateFile = values.state ?? config.state
  let state
  try {
    state = stateFile ? openState(stateFile) : undefined
  } catch (error) {
    if (error instanceof StateError) {
      io.err(`oauth-fakes serve: ${error.message}`)
      return 2
    }
    throw error
  }
  let server
  try {
    server = await startServer({
      port,
      host,
      ...(publicUrl ? { publicUrl } : {}),
      ...(env.OAUTH_FAKES_ADMIN_TOKEN || config.adminToken ? { adminToken: env.OAUTH_FAKES_ADMIN_TOKEN || config.adminToken } : {}),
      ...(config.allowedHosts ? { allowedHosts: config.allowedHosts } : {}),
      ...(config.tenants ? { tenants: { ...(config.tenants.max ? { maxTenants: config.tenants.max } : {}), ...(config.tenants.idleSeconds ? { idleSeconds: config.tenants.idleSeconds } : {}) } } : {}),
      options: options as never,
      fixtures: fixtures as never,
      ...(config.customProviders ? { customProviders: config.customProviders } : {}),
      ...(state ? { state } : {}),
      onRequest: quiet ? undefined : (line) => io.out(line),
      warn: (line) => io.err(line),
    })
  } catch (error) {
    if (error instanceof OptionsError) io.err(`oauth-fakes serve: ${configFile ? `${configFile}: ` : ''}${error.message.replace(/^options\./, 'providers.').replace(/^fixtures\./, 'providers.')}`)
    else if (error instanceof StateError) io.err(`oauth-fakes serve: ${error.message}`)
    else io.err(`oauth-fakes serve: cannot listen on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`)
    return 2
  }
  for (const p of server.fakes.providers) {
    const d = describeProvider(server.fakes, p)
    io.out(`${d.name.padEnd(12)} ${d.baseUrl}  client_id=${d.demoClient.clientId} client_secret=${d.demoClient.clientSecret} redirect_uri=${d.demoClient.redirectUris.join(',')}`)
  }
  io.out(`Control API  ${server.url}/__admin   (Ctrl-C to stop)`)
  return { stop: () => server.close() }
}
