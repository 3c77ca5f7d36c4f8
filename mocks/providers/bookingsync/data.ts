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
import { mswData } from '../../engine/msw-data.ts'
import { Table, lazyView, orderBy, seedModels } from '../../engine/records.ts'

export interface UserRow {
  id: number
  name: string
  email: string
}
/** Nested values are kept as their API rendering in JSON: each reader gets its own copy. */
export interface AccountRow {
  id: number
  json: string
}
export interface MembershipRow {
  id: string
  userId: number
  accountId: number
}
export interface InstallationRow {
  id: string
  clientId: string
  accountId: number
}
export interface RentalRow {
  id: number
  accountId: number
  json: string
}
export interface BookingRow {
  id: number
  accountId: number
  rentalId: number
  json: string
}

type Rows = { user: Table<UserRow>; account: Table<AccountRow>; membership: Table<MembershipRow>; installation: Table<InstallationRow>; rental: Table<RentalRow>; booking: Table<BookingRow> }

/** The same records as @mswjs/data models (`BookingsyncData.db`). */
function createBookingsyncDb(rows: Rows) {
  const { factory, primaryKey } = mswData()
  const db = factory({
    user: { id: primaryKey(Number), name: String, email: String },
    account: { id: primaryKey(Number), json: String },
    membership: { id: primaryKey(String), userId: Number, accountId: Number },
    installation: { id: primaryKey(String), clientId: String, accountId: Number },
    rental: { id: primaryKey(Number), accountId: Number, json: String },
    booking: { id: primaryKey(Number), accountId: Number, rentalId: Number, json: String },
  })
  seedModels(db, rows)
  return db
}

/**
 * BookingSync's users, accounts, memberships, installations, rentals and bookings, seeded from
 * `fixtures/bookingsync.ts`: plain tables (../../engine/records.ts), records stored flat with the
 * API rendering of nested values kept as JSON strings, and the same records on @mswjs/data as
 * `db`, built when first read.
 */
export function createBookingsyncData() {
  const rows: Rows = {
    user: new Table(bookingsyncUsers.map((u) => ({ id: u.id, name: u.name, email: u.email }))),
    account: new Table(bookingsyncAccounts.map((a) => ({ id: a.id, json: JSON.stringify(a) }))),
    membership: new Table(bookingsyncUsers.flatMap((u) => u.accountIds.map((accountId) => ({ id: `${u.id}:${accountId}`, userId: u.id, accountId })))),
    installation: new Table(Object.entries(bookingsyncInstallations).flatMap(([clientId, accountIds]) => accountIds.map((accountId) => ({ id: `${clientId}:${accountId}`, clientId, accountId })))),
    rental: new Table(bookingsyncRentals.map((r) => ({ id: r.id, accountId: r.accountId, json: JSON.stringify(r) }))),
    booking: new Table(bookingsyncBookings.map((b) => ({ id: b.id, accountId: b.accountId, rentalId: b.rentalId, json: JSON.stringify(b) }))),
  }
  const db = lazyView(() => createBookingsyncDb(rows))

  const account = (id: number) => {
    const row = rows.account.get(id)
    return row ? (JSON.parse(row.json) as BookingsyncAccountFixture) : null
  }

  return {
    /** The data as @mswjs/data models (built on first read, then kept in step). */
    get db() {
      return db.get()
    },
    /** API v3 request counts per `clientId|accountId|hour` (reset with the data). */
    rateCounts: new Map<string, number>(),
    users: (): UserRow[] => rows.user.all(),
    user: (id: number) => rows.user.get(id) ?? null,
    account,
    /** Adds a user and the accounts they may authorize for (a config file's users). */
    addUser(user: { id: number; name: string; email: string; accounts: Array<{ id: number; business_name: string; email: string }> }) {
      const userRow = { id: user.id, name: user.name, email: user.email }
      const accounts: AccountRow[] = []
      const memberships: MembershipRow[] = []
      rows.user.put(userRow)
      for (const a of user.accounts) {
        if (!rows.account.get(a.id)) {
          const stamp = '2025-01-01T00:00:00Z'
          const fixture: BookingsyncAccountFixture = { id: a.id, business_name: a.business_name, email: a.email, status: 'active', country_code: 'FR', default_locale: 'en', selected_locales: ['en'], website: null, created_at: stamp, updated_at: stamp }
          const row = { id: a.id, json: JSON.stringify(fixture) }
          rows.account.put(row)
          accounts.push(row)
        }
        const membership = { id: `${user.id}:${a.id}`, userId: user.id, accountId: a.id }
        rows.membership.put(membership)
        memberships.push(membership)
      }
      db.ifBuilt((view) => {
        view.user.delete({ where: { id: { equals: userRow.id } } })
        view.user.create({ ...userRow })
        for (const row of accounts) view.account.create({ ...row })
        for (const row of memberships) {
          view.membership.delete({ where: { id: { equals: row.id } } })
          view.membership.create({ ...row })
        }
      })
    },
    /** The accounts a user may authorize an application for, in fixture order. */
    accountsOf(userId: number): BookingsyncAccountFixture[] {
      return rows.membership
        .where((m) => m.userId === userId)
        .map((m) => account(m.accountId))
        .filter((a) => a !== null)
    },
    /** Accounts where the application is installed from the fixtures. */
    installedAccountIds(clientId: string): number[] {
      return rows.installation.where((i) => i.clientId === clientId).map((i) => i.accountId)
    },
    rentals(accountIds: readonly number[]): BookingsyncRentalFixture[] {
      return orderBy(rows.rental.where((r) => accountIds.includes(r.accountId)), 'id', 'asc').map((r) => JSON.parse(r.json) as BookingsyncRentalFixture)
    },
    bookings(accountIds: readonly number[]): BookingsyncBookingFixture[] {
      return orderBy(rows.booking.where((b) => accountIds.includes(b.accountId)), 'id', 'asc').map((b) => JSON.parse(b.json) as BookingsyncBookingFixture)
    },
  }
}

export type BookingsyncData = ReturnType<typeof createBookingsyncData>
