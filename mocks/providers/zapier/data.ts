import {
  type ZapierActionFixture,
  type ZapierAppFixture,
  type ZapierAuthenticationFixture,
  type ZapierCategoryFixture,
  type ZapierUserFixture,
  type ZapierZapFixture,
  type ZapierZapTemplateFixture,
  zapierActions,
  zapierApps,
  zapierAuthentications,
  zapierCategories,
  zapierPromotionEnrollments,
  zapierUsers,
  zapierZapTemplates,
  zapierZaps,
} from '../../../fixtures/zapier.ts'
import { mswData } from '../../engine/msw-data.ts'
import { Table, lazyView, orderBy, seedModels } from '../../engine/records.ts'

/** A user as the fixture declares one. */
export type UserRow = ZapierUserFixture
/** The full fixture as JSON: each reader gets its own copy. */
type JsonRow<K extends string | number, Extra = object> = { id: K; json: string } & Extra

type Rows = {
  user: Table<UserRow>
  zap: Table<JsonRow<string, { userId: number; updatedAt: string }>>
  authentication: Table<JsonRow<string, { userId: number; app: string }>>
  app: Table<JsonRow<string, { title: string }>>
  zapTemplate: Table<JsonRow<number>>
  category: Table<JsonRow<number>>
  action: Table<JsonRow<string, { app: string }>>
  promotion: Table<{ id: string; userId: number; promotion: string }>
}

const userRow = (u: Omit<UserRow, 'full_name'> & { full_name?: string }): UserRow => ({
  id: u.id,
  first_name: u.first_name,
  last_name: u.last_name,
  full_name: u.full_name ?? `${u.first_name} ${u.last_name}`,
  email: u.email,
  email_confirmed: u.email_confirmed,
  timezone: u.timezone,
})

/** The same records as @mswjs/data models (`ZapierData.db`). */
function createZapierDb(rows: Rows) {
  const { factory, primaryKey } = mswData()
  const db = factory({
    user: {
      id: primaryKey(Number),
      first_name: String,
      last_name: String,
      full_name: String,
      email: String,
      email_confirmed: Boolean,
      timezone: String,
    },
    zap: { id: primaryKey(String), userId: Number, updatedAt: String, json: String },
    authentication: { id: primaryKey(String), userId: Number, app: String, json: String },
    app: { id: primaryKey(String), title: String, json: String },
    zapTemplate: { id: primaryKey(Number), json: String },
    category: { id: primaryKey(Number), json: String },
    action: { id: primaryKey(String), app: String, json: String },
    promotion: { id: primaryKey(String), userId: Number, promotion: String },
  })
  seedModels(db, rows)
  return db
}

/**
 * Zapier's users, Zaps, authentications, apps, templates, categories, actions and promotion
 * enrollments, seeded from `fixtures/zapier.ts`: plain tables (../../engine/records.ts) with flat
 * columns for what is filtered on and the full fixture as a JSON string, and the same records on
 * @mswjs/data as `db`, built when first read.
 */
export function createZapierData() {
  const rows: Rows = {
    user: new Table(zapierUsers.map(userRow)),
    zap: new Table(zapierZaps.map((z) => ({ id: z.id, userId: z.userId, updatedAt: z.updated_at, json: JSON.stringify(z) }))),
    authentication: new Table(zapierAuthentications.map((a) => ({ id: a.id, userId: a.userId, app: a.app, json: JSON.stringify(a) }))),
    app: new Table(zapierApps.map((a) => ({ id: a.id, title: a.title, json: JSON.stringify(a) }))),
    zapTemplate: new Table(zapierZapTemplates.map((t) => ({ id: t.id, json: JSON.stringify(t) }))),
    category: new Table(zapierCategories.map((c) => ({ id: c.id, json: JSON.stringify(c) }))),
    action: new Table(zapierActions.map((a) => ({ id: a.id, app: a.app, json: JSON.stringify(a) }))),
    promotion: new Table(zapierPromotionEnrollments.map((p) => ({ id: p.id, userId: p.userId, promotion: p.promotion }))),
  }
  const db = lazyView(() => createZapierDb(rows))

  const parse = <T>(found: ReadonlyArray<{ json: string }>): T[] => found.map((r) => JSON.parse(r.json) as T)
  return {
    /** Adds a user (a config file's users). */
    addUser(user: { id: number; first_name: string; last_name: string; email: string; email_confirmed: boolean; timezone: string }) {
      const row = userRow({ ...user, full_name: undefined })
      rows.user.put(row)
      db.ifBuilt((view) => {
        view.user.delete({ where: { id: { equals: row.id } } })
        view.user.create({ ...row })
      })
    },
    /** The data as @mswjs/data models (built on first read, then kept in step). */
    get db() {
      return db.get()
    },
    user: (id: number | null) => (id === null ? null : (rows.user.get(id) ?? null)),
    users: (): UserRow[] => rows.user.all(),
    /** A user's Zaps, or every Zap of the account (`zap:account:all`), newest update first. */
    zaps(userId: number | null, wholeAccount: boolean): ZapierZapFixture[] {
      const found = wholeAccount ? rows.zap.all() : rows.zap.where((z) => z.userId === (userId ?? -1))
      return parse<ZapierZapFixture>(orderBy(found, 'updatedAt', 'desc'))
    },
    authentications(userId: number | null, app: string | null): ZapierAuthenticationFixture[] {
      return parse<ZapierAuthenticationFixture>(rows.authentication.where((a) => a.userId === (userId ?? -1) && (app === null || a.app === app)))
    },
    apps: (): ZapierAppFixture[] => parse<ZapierAppFixture>(orderBy(rows.app.all(), 'title', 'asc')),
    app: (id: string): ZapierAppFixture | undefined => {
      const row = rows.app.get(id)
      return row ? (JSON.parse(row.json) as ZapierAppFixture) : undefined
    },
    zapTemplates: (): ZapierZapTemplateFixture[] => parse<ZapierZapTemplateFixture>(orderBy(rows.zapTemplate.all(), 'id', 'asc')),
    categories: (): ZapierCategoryFixture[] => parse<ZapierCategoryFixture>(orderBy(rows.category.all(), 'id', 'asc')),
    actions(app: string | null): ZapierActionFixture[] {
      return parse<ZapierActionFixture>(app !== null ? rows.action.where((a) => a.app === app) : rows.action.all())
    },
    /** Ends a promotion enrollment; `false` when there is none with that id. */
    deletePromotion(id: string): boolean {
      const removed = rows.promotion.delete(id) !== undefined
      if (removed) db.ifBuilt((view) => view.promotion.delete({ where: { id: { equals: id } } }))
      return removed
    },
  }
}

export type ZapierData = ReturnType<typeof createZapierData>
