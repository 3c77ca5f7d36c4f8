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
export type { ConsentMode, ControlEndpoint, FaultSpec, ProviderId, RecordedRequest } from './engine/controls.ts'
export type { Client } from './engine/clients.ts'
