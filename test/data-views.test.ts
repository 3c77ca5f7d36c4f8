/**
 * Each provider's data as @mswjs/data models (`data.db`): built from the plain tables the first
 * time it is read, every model seeded, and kept in step with the changes made after that.
 */
import { describe, expect, it } from 'vitest'
import { bookingsyncAccounts, bookingsyncRentals, bookingsyncUsers } from '../fixtures/bookingsync.ts'
import { calcomBookings, calcomTeams, calcomUsers } from '../fixtures/calcom.ts'
import { zapierApps, zapierPromotionEnrollments, zapierUsers, zapierZaps } from '../fixtures/zapier.ts'
import { createBookingsyncData } from '../mocks/providers/bookingsync/data.ts'
import { createCalcomData } from '../mocks/providers/calcom/data.ts'
import { createZapierData } from '../mocks/providers/zapier/data.ts'

const ids = (rows: Array<{ id: unknown }>) => rows.map((r) => r.id)

describe('@mswjs/data views of the provider data', () => {
  it('cal.com: every model seeded from its table, and a user added later appears', () => {
    const data = createCalcomData()
    expect(ids(data.db.user.getAll())).toEqual(ids(calcomUsers))
    expect(ids(data.db.team.getAll())).toEqual(ids(calcomTeams))
    expect(data.db.membership.count()).toBe(calcomTeams.reduce((n, t) => n + t.members.length, 0))
    expect(ids(data.db.booking.getAll())).toEqual(ids(calcomBookings))
    data.addUser({ id: 4242, username: 'late', name: 'Late User', email: 'late@example.com', timeZone: 'UTC', locale: 'en', apiKey: 'cal_late' })
    expect(data.db.user.findFirst({ where: { id: { equals: 4242 } } })?.username).toBe('late')
  })

  it('BookingSync: every model seeded from its table', () => {
    const data = createBookingsyncData()
    expect(ids(data.db.user.getAll())).toEqual(ids(bookingsyncUsers))
    expect(ids(data.db.account.getAll())).toEqual(ids(bookingsyncAccounts))
    expect(ids(data.db.rental.getAll())).toEqual(ids(bookingsyncRentals))
    expect(data.db.membership.count()).toBe(bookingsyncUsers.reduce((n, u) => n + u.accountIds.length, 0))
  })

  it('Zapier: every model seeded from its table, and an ended promotion leaves it', () => {
    const data = createZapierData()
    expect(ids(data.db.user.getAll())).toEqual(ids(zapierUsers))
    expect(ids(data.db.zap.getAll())).toEqual(ids(zapierZaps))
    expect(ids(data.db.app.getAll())).toEqual(ids(zapierApps))
    expect(ids(data.db.promotion.getAll())).toEqual(ids(zapierPromotionEnrollments))
    expect(data.deletePromotion(zapierPromotionEnrollments[0]!.id)).toBe(true)
    expect(ids(data.db.promotion.getAll())).toEqual(ids(zapierPromotionEnrollments.slice(1)))
  })
})
