// `npm run build`, after tsc: the config file's JSON Schema for editors, from the same zod schema
// the server validates with (dist/oauth-fakes.schema.json, exported as `oauth-fakes/schema.json`).
import { writeFileSync } from 'node:fs'
import { configJsonSchema } from '../dist/cli/config.js'

writeFileSync(new URL('../dist/oauth-fakes.schema.json', import.meta.url), `${JSON.stringify(configJsonSchema(), null, 2)}\n`)
