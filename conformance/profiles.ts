/**
 * What the suite expects of a client, per provider: data taken from ../shared/providers/*.md.
 * Endpoint PATHS come from the running fake (`fakes.definition(p).endpoints`), so the suite
 * follows the fakes; lifetimes come from the provider profiles (one source for the numbers);
 * client-auth methods and the refresh style are the documented words the checks judge against.
 */
import type { ProviderId } from '../mocks/engine/controls.ts'
import { bookingsyncProfile } from '../mocks/providers/bookingsync/profile.ts'
import { calcomProfile } from '../mocks/providers/calcom/profile.ts'
import { zapierProfile } from '../mocks/providers/zapier/profile.ts'

export type ClientAuthMethod = 'body' | 'basic'
export type EndpointKey = 'authorize' | 'token' | 'refresh' | 'resource'

export interface ConformanceProfile {
  provider: ProviderId
  title: string
  /** What the client is told to request (OAUTH_SCOPE), in the provider's own separator. */
  scope: string
  scopeSeparator: RegExp
  /** RFC 6749 §4.1.1 `response_type=code` is read (cal.com's legacy page ignores it). */
  requiresResponseType: boolean
  codeLifetimeSeconds: number
  accessLifetimeSeconds: number
  /** Client authentication the token endpoint accepts. */
  clientAuth: readonly ClientAuthMethod[]
  /** cal.com: refresh token in `Authorization: Bearer` at its own endpoint; others: RFC 6749 §6 grant. */
  refreshStyle: 'calcom-bearer' | 'refresh-token-grant'
  rotatesRefreshTokens: boolean
  /** Out-of-band redirect support (BookingSync): the code is shown on a provider page. */
  oob: { redirectUri: string; codePattern: RegExp } | null
  /** For multi-host providers: the host key (of `fakes.bases(p)`) each endpoint lives on. */
  hostOf: Partial<Record<EndpointKey, string>>
}

export const OOB_REDIRECT_URI = 'urn:ietf:wg:oauth:2.0:oob'

export const PROFILES: Record<ProviderId, ConformanceProfile> = {
  // calcom.md: code 10 min, access JWT 1800 s, no expires_in, no rotation, body client auth.
  calcom: {
    provider: 'calcom',
    title: 'Cal.com',
    scope: 'READ_BOOKING,READ_PROFILE',
    scopeSeparator: /[, ]+/,
    requiresResponseType: false,
    codeLifetimeSeconds: calcomProfile.codeLifetimeSeconds,
    accessLifetimeSeconds: calcomProfile.accessLifetimeSeconds,
    clientAuth: ['body'],
    refreshStyle: 'calcom-bearer',
    rotatesRefreshTokens: false,
    oob: null,
    hostOf: {},
  },
  // bookingsync.md: Doorkeeper; code 600 s, access 7200 s, rotation, Basic or params, oob page.
  bookingsync: {
    provider: 'bookingsync',
    title: 'BookingSync',
    scope: 'public rentals_read',
    scopeSeparator: /[ +]+/,
    requiresResponseType: true,
    codeLifetimeSeconds: bookingsyncProfile.codeLifetimeSeconds,
    accessLifetimeSeconds: bookingsyncProfile.accessLifetimeSeconds,
    clientAuth: ['basic', 'body'],
    refreshStyle: 'refresh-token-grant',
    rotatesRefreshTokens: true,
    oob: { redirectUri: OOB_REDIRECT_URI, codePattern: /<code[^>]*id="authorization_code"[^>]*>([^<]+)<\/code>/ },
    hostOf: {},
  },
  // zapier.md: code 2 min, access 10 h, rotation, Basic (documented) or body; two hosts.
  zapier: {
    provider: 'zapier',
    title: 'Zapier',
    scope: 'profile',
    scopeSeparator: / +/,
    requiresResponseType: true,
    codeLifetimeSeconds: zapierProfile.codeLifetimeSeconds,
    accessLifetimeSeconds: zapierProfile.accessLifetimeSeconds,
    clientAuth: ['basic', 'body'],
    refreshStyle: 'refresh-token-grant',
    rotatesRefreshTokens: true,
    oob: null,
    hostOf: { authorize: 'api', resource: 'api', token: 'auth', refresh: 'auth' },
  },
}
