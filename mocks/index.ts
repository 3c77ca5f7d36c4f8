/**
 * oauth-fakes: faithful fakes of the cal.com, BookingSync and Zapier OAuth servers.
 *
 * @example
 * const fakes = createFakes()
 * const server = setupServer(...createHandlers(fakes))   // msw/node
 */
export { createFakes } from './fakes.ts'
export type { ClientSpec, Fakes, FakesOptions } from './fakes.ts'
export { createHandlers } from './adapters/msw.ts'
export { createFetch } from './fetch.ts'
export type { CreateFetchOptions } from './fetch.ts'
export { createAdminApp } from './admin.ts'
export { startServer } from './server.ts'
export type { RunningServer, ServerOptions } from './server.ts'
export { createClock } from './engine/clock.ts'
export type { Clock } from './engine/clock.ts'
export type { BuiltinProviderId, ConsentMode, ControlEndpoint, FaultSpec, ProviderId, RecordedRequest } from './engine/controls.ts'
export { PROVIDER_IDS } from './engine/controls.ts'
// User-defined providers (docs/providers/custom.md): the declaration, its validation, the profile it becomes.
export { CustomProviderError, customProfile, customProviderSchema, defineCustomProvider } from './providers/custom.ts'
export type { CustomProviderSpec } from './providers/custom.ts'
export { createOauth2Provider } from './providers/oauth2/index.ts'
export { oauth2Profile } from './providers/oauth2/profile.ts'
export type { EndpointPath, Oauth2Options, Oauth2Profile, Oauth2User, PkceRequirement, RefreshRotation, TokenFormatSpec } from './providers/oauth2/profile.ts'
export type { OptionsOf, ProviderOptions } from './providers/index.ts'
export type { Client } from './engine/clients.ts'
