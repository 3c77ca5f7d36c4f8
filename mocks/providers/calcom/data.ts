import { factory, nullable, primaryKey } from '@mswjs/data'
import {
  type CalcomBookingFixture,
  type CalcomRole,
  calcomBookings,
  calcomTeams,
  calcomUsers,
} from '../../../fixtures/calcom.ts'

/** cal.com's users, teams, memberships and bookings on @mswjs/data, seeded from `fixtures/calcom.ts`. */
export function createCalcomData() {
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
  for (const u of calcomUsers) db.user.create({ ...u })
  for (const t of calcomTeams) {
    db.team.create({ id: t.id, name: t.name, slug: t.slug })
    for (const m of t.members) db.membership.create({ id: `${t.id}:${m.userId}`, userId: m.userId, teamId: t.id, role: m.role })
  }
  for (const b of calcomBookings) db.booking.create({ id: b.id, userId: b.userId, teamId: b.teamId, json: JSON.stringify(b) })

  return {
    db,
    user: (id: number | null) => (id === null ? null : db.user.findFirst({ where: { id: { equals: id } } })),
    team: (id: number | null) => (id === null ? null : db.team.findFirst({ where: { id: { equals: id } } })),
    userByApiKey: (key: string) => db.user.findFirst({ where: { apiKey: { equals: key } } }),
    /** Teams where the user may grant access for the team (cal.com: OWNER or ADMIN). */
    adminTeams(userId: number) {
      return db.membership
        .findMany({ where: { userId: { equals: userId }, role: { in: ['OWNER', 'ADMIN'] satisfies CalcomRole[] } } })
        .map((m) => db.team.findFirst({ where: { id: { equals: m.teamId } } }))
        .filter((t) => t !== null)
    },
    /** Adds a user (a config file's users). */
    addUser(user: { id: number; username: string; name: string; email: string; timeZone: string; locale: string; apiKey: string }) {
      db.user.delete({ where: { id: { equals: user.id } } })
      db.user.create({ ...user })
    },
    /** The team's OWNER (API v2 acts for the owner of a team token). */
    teamOwner(teamId: number): number | null {
      return db.membership.findFirst({ where: { teamId: { equals: teamId }, role: { equals: 'OWNER' } } })?.userId ?? null
    },
    /** Bookings of a user, or of a team for a team grant, newest first. */
    bookings(subject: { userId: number | null; teamId: number | null }) {
      const where = subject.teamId !== null ? { teamId: { equals: subject.teamId } } : { userId: { equals: subject.userId ?? -1 } }
      return db.booking.findMany({ where, orderBy: { id: 'desc' } }).map((b) => JSON.parse(b.json) as CalcomBookingFixture)
    },
  }
}

export type CalcomData = ReturnType<typeof createCalcomData>
