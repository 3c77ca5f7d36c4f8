/**
 * `npm start` / `npx oauth-fakes serve`: the standalone server on 127.0.0.1:4010
 * (`--port N` / PORT, `--host H` / HOST).
 */
import { parseArgs } from 'node:util'
import { describeProvider, startServer } from '../mocks/server.ts'

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== 'serve'),
  options: { port: { type: 'string' }, host: { type: 'string' } },
  allowPositionals: false,
})
const port = Number(values.port ?? process.env.PORT ?? 4010)
const host = values.host ?? process.env.HOST ?? '127.0.0.1'
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`oauth-fakes: invalid port "${values.port ?? process.env.PORT}"`)
  process.exit(2)
}

const server = await startServer({ port, host }).catch((error: unknown) => {
  console.error(`oauth-fakes: cannot listen on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(2)
})
const origin = server.url
for (const p of server.fakes.providers) {
  const d = describeProvider(server.fakes, p)
  console.log(`${d.name.padEnd(12)} ${d.baseUrl}  client_id=${d.demoClient.clientId} client_secret=${d.demoClient.clientSecret} redirect_uri=${d.demoClient.redirectUris.join(',')}`)
}
console.log(`Control API  ${origin}/__admin   (Ctrl-C to stop)`)

let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return
    stopping = true
    void server.close().then(() => process.exit(0))
    setTimeout(() => process.exit(0), 2000).unref()
  })
}
