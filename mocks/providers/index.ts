/** The provider registry: one line per provider. */
import { calcom } from './calcom/index.ts'
import type { CalcomOptions } from './calcom/profile.ts'

import type { ProviderId } from '../engine/controls.ts'

export const PROVIDERS: Partial<Record<ProviderId, object>> = { calcom }

export interface ProviderOptions {
  calcom: CalcomOptions
  bookingsync: object
  zapier: object
}
