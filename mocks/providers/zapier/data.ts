import { factory, primaryKey } from '@mswjs/data'
import {
  type ZapierActionFixture,
  type ZapierAppFixture,
  type ZapierAuthenticationFixture,
  type ZapierCategoryFixture,
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

/**
 * Zapier's users, Zaps, authentications, apps, templates, categories, actions and promotion
 * enrollments on @mswjs/data, seeded from `fixtures/zapier.ts`. Flat columns for what is
 * filtered on; the full fixture as a JSON string (@mswjs/data stores flat values).
 */
export function createZapierData() {
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
  for (const u of zapierUsers) db.user.create({ ...u })
  for (const z of zapierZaps) db.zap.create({ id: z.id, userId: z.userId, updatedAt: z.updated_at, json: JSON.stringify(z) })
  for (const a of zapierAuthentications) db.authentication.create({ id: a.id, userId: a.userId, app: a.app, json: JSON.stringify(a) })
  for (const a of zapierApps) db.app.create({ id: a.id, title: a.title, json: JSON.stringify(a) })
  for (const t of zapierZapTemplates) db.zapTemplate.create({ id: t.id, json: JSON.stringify(t) })
  for (const c of zapierCategories) db.category.create({ id: c.id, json: JSON.stringify(c) })
  for (const a of zapierActions) db.action.create({ id: a.id, app: a.app, json: JSON.stringify(a) })
  for (const p of zapierPromotionEnrollments) db.promotion.create({ ...p })

  const parse = <T>(rows: Array<{ json: string }>): T[] => rows.map((r) => JSON.parse(r.json) as T)
  return {
    /** Adds a user (a config file's users). */
    addUser(user: { id: number; first_name: string; last_name: string; email: string; email_confirmed: boolean; timezone: string }) {
      db.user.delete({ where: { id: { equals: user.id } } })
      db.user.create({ ...user, full_name: `${user.first_name} ${user.last_name}` })
    },
    db,
    user: (id: number | null) => (id === null ? null : db.user.findFirst({ where: { id: { equals: id } } })),
    users: () => db.user.getAll(),
    /** A user's Zaps, or every Zap of the account (`zap:account:all`), newest update first. */
    zaps(userId: number | null, wholeAccount: boolean): ZapierZapFixture[] {
      const rows = wholeAccount ? db.zap.findMany({ orderBy: { updatedAt: 'desc' } }) : db.zap.findMany({ where: { userId: { equals: userId ?? -1 } }, orderBy: { updatedAt: 'desc' } })
      return parse<ZapierZapFixture>(rows)
    },
    authentications(userId: number | null, app: string | null): ZapierAuthenticationFixture[] {
      const rows = db.authentication.findMany({ where: { userId: { equals: userId ?? -1 }, ...(app !== null ? { app: { equals: app } } : {}) } })
      return parse<ZapierAuthenticationFixture>(rows)
    },
    apps: (): ZapierAppFixture[] => parse<ZapierAppFixture>(db.app.findMany({ orderBy: { title: 'asc' } })),
    app: (id: string): ZapierAppFixture | undefined => parse<ZapierAppFixture>(db.app.findMany({ where: { id: { equals: id } } }))[0],
    zapTemplates: (): ZapierZapTemplateFixture[] => parse<ZapierZapTemplateFixture>(db.zapTemplate.findMany({ orderBy: { id: 'asc' } })),
    categories: (): ZapierCategoryFixture[] => parse<ZapierCategoryFixture>(db.category.findMany({ orderBy: { id: 'asc' } })),
    actions(app: string | null): ZapierActionFixture[] {
      const rows = app !== null ? db.action.findMany({ where: { app: { equals: app } } }) : db.action.getAll()
      return parse<ZapierActionFixture>(rows)
    },
    /** Ends a promotion enrollment; `false` when there is none with that id. */
    deletePromotion(id: string): boolean {
      return db.promotion.delete({ where: { id: { equals: id } } }) !== null
    },
  }
}

export type ZapierData = ReturnType<typeof createZapierData>
