import {
  type CalcomBookingFixture,
  type CalcomRole,
  type CalcomUserFixture,
  calcomBookings,
  calcomTeams,
  calcomUsers,
} from '../../../fixtures/calcom.ts'
import { mswData } from '../../engine/msw-data.ts'
import { Table, lazyView, orderBy, seedModels } from '../../engine/records.ts'

/** A user as the fixture declares one. */
export type UserRow = CalcomUserFixture
export interface TeamRow {
  id: number
  name: string
  slug: string
}
export interface MembershipRow {
  id: string
  userId: number
  teamId: number
  role: string
}
export interface BookingRow {
  id: number
  userId: number | null
  teamId: number | null
  /** The booking as cal.com's API renders it (JSON: each reader gets its own copy). */
  json: string
}

const userRow = (u: UserRow): UserRow => ({ id: u.id, username: u.username, name: u.name, email: u.email, timeZone: u.timeZone, locale: u.locale, apiKey: u.apiKey })
const GRANTING_ROLES: readonly string[] = ['OWNER', 'ADMIN'] satisfies CalcomRole[]

/** The same records as @mswjs/data models (`CalcomData.db`). */
function createCalcomDb(rows: { user: Table<UserRow>; team: Table<TeamRow>; membership: Table<MembershipRow>; booking: Table<BookingRow> }) {
  const { factory, nullable, primaryKey } = mswData()
  const db = factory({
    user: {
      id: primaryKey(Number),
      username: String,
      name: String,
      email: String,
      timeZone: String,
      locale: String,
      apiKey: String,
    },
    team: { id: primaryKey(Number), name: String, slug: String },
    membership: { id: primaryKey(String), userId: Number, teamId: Number, role: String },
    booking: {
      id: primaryKey(Number),
      userId: nullable(Number),
      teamId: nullable(Number),
      /** The booking as cal.com's API renders it (JSON: @mswjs/data stores flat values). */
      json: String,
    },
  })
  seedModels(db, rows)
  return db
}

/**
 * cal.com's users, teams, memberships and bookings, seeded from `fixtures/calcom.ts`: plain tables
 * (../../engine/records.ts), and the same records on @mswjs/data as `db`, built when first read.
 */
export function createCalcomData() {
  const rows = {
    user: new Table<UserRow>(calcomUsers.map(userRow)),
    team: new Table<TeamRow>(calcomTeams.map((t) => ({ id: t.id, name: t.name, slug: t.slug }))),
    membership: new Table<MembershipRow>(calcomTeams.flatMap((t) => t.members.map((m) => ({ id: `${t.id}:${m.userId}`, userId: m.userId, teamId: t.id, role: m.role })))),
    booking: new Table<BookingRow>(calcomBookings.map((b) => ({ id: b.id, userId: b.userId, teamId: b.teamId, json: JSON.stringify(b) }))),
  }
  const db = lazyView(() => createCalcomDb(rows))

  return {
    /** The data as @mswjs/data models (built on first read, then kept in step). */
    get db() {
      return db.get()
    },
    /** Every user, in the order they were added. */
    users: (): UserRow[] => rows.user.all(),
    user: (id: number | null) => (id === null ? null : (rows.user.get(id) ?? null)),
    team: (id: number | null) => (id === null ? null : (rows.team.get(id) ?? null)),
    userByApiKey: (key: string) => rows.user.where((u) => u.apiKey === key)[0] ?? null,
    /** Teams where the user may grant access for the team (cal.com: OWNER or ADMIN). */
    adminTeams(userId: number): TeamRow[] {
      return rows.membership
        .where((m) => m.userId === userId && GRANTING_ROLES.includes(m.role))
        .map((m) => rows.team.get(m.teamId))
        .filter((t) => t !== undefined)
    },
    /** Adds a user (a config file's users). */
    addUser(user: UserRow) {
      const row = userRow(user)
      rows.user.put(row)
      db.ifBuilt((view) => {
        view.user.delete({ where: { id: { equals: row.id } } })
        view.user.create({ ...row })
      })
    },
    /** The team's OWNER (API v2 acts for the owner of a team token). */
    teamOwner(teamId: number): number | null {
      return rows.membership.where((m) => m.teamId === teamId && m.role === 'OWNER')[0]?.userId ?? null
    },
    /** Bookings of a user, or of a team for a team grant, newest first. */
    bookings(subject: { userId: number | null; teamId: number | null }) {
      const found = subject.teamId !== null ? rows.booking.where((b) => b.teamId === subject.teamId) : rows.booking.where((b) => b.userId === (subject.userId ?? -1))
      return orderBy(found, 'id', 'desc').map((b) => JSON.parse(b.json) as CalcomBookingFixture)
    },
  }
}

export type CalcomData = ReturnType<typeof createCalcomData>
