/** The provider registry: one line per provider. */
import type { ProviderId } from '../engine/controls.ts'
import { bookingsync } from './bookingsync/index.ts'
import type { BookingsyncOptions } from './bookingsync/profile.ts'
import { calcom } from './calcom/index.ts'
import type { CalcomOptions } from './calcom/profile.ts'
import { zapier } from './zapier/index.ts'
import type { ZapierOptions } from './zapier/profile.ts'

export const PROVIDERS: Record<ProviderId, object> = { calcom, bookingsync, zapier }

/** Every provider's options (its profile switches), as `createFakes({ options })` takes them. */
export interface ProviderOptions {
  calcom: CalcomOptions
  bookingsync: BookingsyncOptions
  zapier: ZapierOptions
}
