/** The provider registry: one line per built-in provider. */
import type { BuiltinProviderId } from '../engine/controls.ts'
import { bookingsync } from './bookingsync/index.ts'
import type { BookingsyncOptions } from './bookingsync/profile.ts'
import { calcom } from './calcom/index.ts'
import type { CalcomOptions } from './calcom/profile.ts'
import { oauth2 } from './oauth2/index.ts'
import type { Oauth2Options } from './oauth2/profile.ts'
import { zapier } from './zapier/index.ts'
import type { ZapierOptions } from './zapier/profile.ts'

export const PROVIDERS: Record<BuiltinProviderId, object> = { calcom, bookingsync, zapier, oauth2 }

/** Every built-in provider's options (its profile switches), as `createFakes({ options })` takes them. */
export interface ProviderOptions {
  calcom: CalcomOptions
  bookingsync: BookingsyncOptions
  zapier: ZapierOptions
  oauth2: Oauth2Options
}

/** The options of a provider: a built-in one's, or (a user-defined provider is the generic one) the generic provider's. */
export type OptionsOf<P extends string> = P extends keyof ProviderOptions ? ProviderOptions[P] : Oauth2Options
