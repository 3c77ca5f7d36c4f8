/** The BookingSync fake (being built: issue BookingSync). */
import { ProviderError } from '../../engine/errors.ts'
import { json } from '../../engine/http.ts'
import { defineProvider } from '../../engine/provider.ts'
import { type BookingsyncOptions, bookingsyncDefaultOptions } from './profile.ts'

export const bookingsync = defineProvider<null, BookingsyncOptions>({
  id: 'bookingsync',
  title: 'BookingSync',
  hosts: { www: 'https://bookingsync.invalid' },
  createData: () => null,
  demoClients: () => [],
  defaultUserId: () => 0,
  defaultOptions: bookingsyncDefaultOptions,
  endpoints: {},
  renderError: (error) => json({ error: error.code }, error.status),
  faultError: (_endpoint, status) => new ProviderError(status, 'fault'),
  routes: () => [],
})
