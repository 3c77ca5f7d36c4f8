/** The Zapier fake (being built: issue Zapier). */
import { ProviderError } from '../../engine/errors.ts'
import { json } from '../../engine/http.ts'
import { defineProvider } from '../../engine/provider.ts'
import { type ZapierOptions, zapierDefaultOptions } from './profile.ts'

export const zapier = defineProvider<null, ZapierOptions>({
  id: 'zapier',
  title: 'Zapier',
  hosts: { www: 'https://zapier.invalid' },
  createData: () => null,
  demoClients: () => [],
  defaultUserId: () => 0,
  defaultOptions: zapierDefaultOptions,
  endpoints: {},
  renderError: (error) => json({ error: error.code }, error.status),
  faultError: (_endpoint, status) => new ProviderError(status, 'fault'),
  routes: () => [],
})
