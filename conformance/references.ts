/**
 * Every specification reference a conformance check cites, in one registry (the MCP conformance
 * suite's layout): checks name a key, reporters print the title and link. Provider docs are this
 * package's behaviour tables (`docs/providers/<id>.md`, shipped with it), cited by topic.
 */
export interface SpecReference {
  /** Short citation as printed: "RFC 6749 §10.12", "calcom.md — Refresh". */
  id: string
  url: string
}

const rfc = (rfcNumber: number, section: string, anchor: string): SpecReference => ({
  id: `RFC ${rfcNumber} §${section}`,
  url: `https://www.rfc-editor.org/rfc/rfc${rfcNumber}#section-${anchor}`,
})
const doc = (provider: string, section: string): SpecReference => ({
  id: `${provider}.md — ${section}`,
  url: `docs/providers/${provider}.md`,
})

export const REFERENCES = {
  'rfc6749-2.3.1': rfc(6749, '2.3.1', '2.3.1'),
  'rfc6749-3.3': rfc(6749, '3.3', '3.3'),
  'rfc6749-4.1.1': rfc(6749, '4.1.1', '4.1.1'),
  'rfc6749-4.1.2': rfc(6749, '4.1.2', '4.1.2'),
  'rfc6749-4.1.2.1': rfc(6749, '4.1.2.1', '4.1.2.1'),
  'rfc6749-4.1.3': rfc(6749, '4.1.3', '4.1.3'),
  'rfc6749-5.2': rfc(6749, '5.2', '5.2'),
  'rfc6749-6': rfc(6749, '6', '6'),
  'rfc6749-10.3': rfc(6749, '10.3', '10.3'),
  'rfc6749-10.4': rfc(6749, '10.4', '10.4'),
  'rfc6749-10.5': rfc(6749, '10.5', '10.5'),
  'rfc6749-10.10': rfc(6749, '10.10', '10.10'),
  'rfc6749-10.12': rfc(6749, '10.12', '10.12'),
  'rfc6750-2.1': rfc(6750, '2.1', '2.1'),
  'rfc6750-5.3': rfc(6750, '5.3', '5.3'),
  'rfc7636-4.2': rfc(7636, '4.2', '4.2'),
  'rfc7636-4.5': rfc(7636, '4.5', '4.5'),
  'rfc8414-3': rfc(8414, '3', '3'),
  'rfc8414-3.3': rfc(8414, '3.3', '3.3'),
  'rfc9207-2.4': rfc(9207, '2.4', '2.4'),
  'rfc9700-2.1.1': rfc(9700, '2.1.1', '2.1.1'),
  'rfc9700-4.4.2': rfc(9700, '4.4.2', '4.4.2'),
  'rfc8252-7.1': { id: 'RFC 8252 §7.1 (oob: manual copy of the code)', url: 'https://www.rfc-editor.org/rfc/rfc8252#section-7.1' },
  'contract-5': { id: 'client docs/client-contract.md §5 (client routes)', url: 'docs/client-contract.md#5-client-routes' },
  'calcom-authorize': doc('calcom', 'Authorize page'),
  'calcom-code': doc('calcom', 'Authorization code'),
  'calcom-token': doc('calcom', 'Token'),
  'calcom-refresh': doc('calcom', 'Refresh'),
  'calcom-api': doc('calcom', 'Test endpoint'),
  'bookingsync-authorize': doc('bookingsync', 'Authorize'),
  'bookingsync-oob': doc('bookingsync', 'Out-of-band redirect'),
  'bookingsync-code': doc('bookingsync', 'Authorization code'),
  'bookingsync-token': doc('bookingsync', 'Token'),
  'bookingsync-refresh': doc('bookingsync', 'Refresh'),
  'bookingsync-api': doc('bookingsync', 'API'),
  'zapier-authorize': doc('zapier', 'Authorize'),
  'zapier-code': doc('zapier', 'Authorization code'),
  'zapier-token': doc('zapier', 'Token'),
  'zapier-refresh': doc('zapier', 'Refresh'),
  'zapier-api': doc('zapier', 'API answers'),
} as const satisfies Record<string, SpecReference>

export type ReferenceKey = keyof typeof REFERENCES
