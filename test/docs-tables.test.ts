/** Every behaviour table in docs/providers/*.md, replayed against the fakes: the docs and the fakes agree. */
import { describe, expect, it } from 'vitest'
import { PROVIDER_IDS } from '../mocks/engine/controls.ts'
import { readDocsTables, runRow } from './docs-tables.ts'
import { placeholdersFor } from './placeholders.ts'

for (const provider of PROVIDER_IDS) {
  const file = `docs/providers/${provider}.md`
  const tables = readDocsTables(file)
  describe(file, () => {
    it('has behaviour tables, each row with its source', () => {
      expect(tables.length).toBeGreaterThan(0)
      for (const table of tables) for (const row of table.rows) expect(row.source, `line ${row.line}`).not.toBe('')
    })
    for (const table of tables) {
      describe(`${table.heading} ${JSON.stringify(table.options)}`, () => {
        for (const row of table.rows) it(`line ${row.line}: ${row.what}`, () => runRow(table, row, placeholdersFor(provider)))
      })
    }
  })
}
