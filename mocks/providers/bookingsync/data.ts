import { factory, primaryKey } from '@mswjs/data'
import {
  type BookingsyncAccountFixture,
  type BookingsyncBookingFixture,
  type BookingsyncRentalFixture,
  bookingsyncAccounts,
  bookingsyncBookings,
  bookingsyncInstallations,
  bookingsyncRentals,
  bookingsyncUsers,
} from '../../../fixtures/bookingsync.ts'

/**
 * BookingSync's users, accounts, memberships, installations, rentals and bookings on
 * @mswjs/data, seeded from `fixtures/bookingsync.ts`. Records are stored flat, with the API
 * rendering of nested values kept as JSON strings.
 */
export function createBookingsyncData() {
  const db = factory({
    user: { id: primaryKey(Number), name: String, email: String },
    account: { id: primaryKey(Number), json: String },
    membership: { id: primaryKey(String), userId: Number, accountId: Number },
    installation: { id: primaryKey(String), clientId: String, accountId: Number },
    rental: { id: primaryKey(Number), accountId: Number, json: String },
    booking: { id: primaryKey(Number), accountId: Number, rentalId: Number, json: String },
  })
  for (const u of bookingsyncUsers) {
    db.user.create({ id: u.id, name: u.name, email: u.email })
    for (const accountId of u.accountIds) db.membership.create({ id: `${u.id}:${accountId}`, userId: u.id, accountId })
  }
  for (const a of bookingsyncAccounts) db.account.create({ id: a.id, json: JSON.stringify(a) })
  for (const [clientId, accountIds] of Object.entries(bookingsyncInstallations)) {
    for (const accountId of accountIds) db.installation.create({ id: `${clientId}:${accountId}`, clientId, accountId })
  }
  for (const r of bookingsyncRentals) db.rental.create({ id: r.id, accountId: r.accountId, json: JSON.stringify(r) })
  for (const b of bookingsyncBookings) db.booking.create({ id: b.id, accountId: b.accountId, rentalId: b.rentalId, json: JSON.stringify(b) })

  const account = (id: number) => {
    const row = db.account.findFirst({ where: { id: { equals: id } } })
    return row ? (JSON.parse(row.json) as BookingsyncAccountFixture) : null
  }

  return {
    db,
    /** API v3 request counts per `clientId|accountId|hour` (reset with the data). */
    rateCounts: new Map<string, number>(),
    users: () => db.user.getAll(),
    user: (id: number) => db.user.findFirst({ where: { id: { equals: id } } }),
    account,
    /** Adds a user and the accounts they may authorize for (a config file's users). */
    addUser(user: { id: number; name: string; email: string; accounts: Array<{ id: number; business_name: string; email: string }> }) {
      db.user.delete({ where: { id: { equals: user.id } } })
      db.user.create({ id: user.id, name: user.name, email: user.email })
      for (const a of user.accounts) {
        if (!account(a.id)) {
          const stamp = '2025-01-01T00:00:00Z'
          const fixture: BookingsyncAccountFixture = { id: a.id, business_name: a.business_name, email: a.email, status: 'active', country_code: 'FR', default_locale: 'en', selected_locales: ['en'], website: null, created_at: stamp, updated_at: stamp }
          db.account.create({ id: a.id, json: JSON.stringify(fixture) })
        }
        db.membership.delete({ where: { id: { equals: `${user.id}:${a.id}` } } })
        db.membership.create({ id: `${user.id}:${a.id}`, userId: user.id, accountId: a.id })
      }
    },
    /** The accounts a user may authorize an application for, in fixture order. */
    accountsOf(userId: number): BookingsyncAccountFixture[] {
      return db.membership
        .findMany({ where: { userId: { equals: userId } } })
        .map((m) => account(m.accountId))
        .filter((a) => a !== null)
    },
    /** Accounts where the application is installed from the fixtures. */
    installedAccountIds(clientId: string): number[] {
      return db.installation.findMany({ where: { clientId: { equals: clientId } } }).map((i) => i.accountId)
    },
    rentals(accountIds: readonly number[]): BookingsyncRentalFixture[] {
      return db.rental.findMany({ where: { accountId: { in: [...accountIds] } }, orderBy: { id: 'asc' } }).map((r) => JSON.parse(r.json) as BookingsyncRentalFixture)
    },
    bookings(accountIds: readonly number[]): BookingsyncBookingFixture[] {
      return db.booking.findMany({ where: { accountId: { in: [...accountIds] } }, orderBy: { id: 'asc' } }).map((b) => JSON.parse(b.json) as BookingsyncBookingFixture)
    },
  }
}

export type BookingsyncData = ReturnType<typeof createBookingsyncData>
