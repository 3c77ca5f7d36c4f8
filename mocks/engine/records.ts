/**
 * Provider data (users, accounts, bookings…) as plain records: one `Table` per model, so that the
 * request path reads a `Map` and a cold start loads no data library. Each provider also declares
 * its data as @mswjs/data models; that database is built from the tables the first time it is
 * read (`lazyView`), then kept in step with every change. Loading @mswjs/data costs about a
 * second (it brings msw, graphql and date-fns along: ./msw-data.ts), and its `findFirst` compiles
 * its query and scans every row on each call.
 */

/**
 * One model's records by primary key, in insertion order: the order @mswjs/data's `getAll` and
 * `findMany` return (a replaced record moves to the end, as a delete and a create do there).
 */
export class Table<R extends { id: string | number }> {
  readonly #rows = new Map<R['id'], R>()

  constructor(rows: Iterable<R> = []) {
    for (const row of rows) this.put(row)
  }

  get size(): number {
    return this.#rows.size
  }

  /** Adds a record, or replaces the one with its id. */
  put(row: R): void {
    this.#rows.delete(row.id)
    this.#rows.set(row.id, row)
  }

  get(id: R['id']): R | undefined {
    return this.#rows.get(id)
  }

  /** Removes a record; returns it, or `undefined` when there was none. */
  delete(id: R['id']): R | undefined {
    const row = this.#rows.get(id)
    this.#rows.delete(id)
    return row
  }

  /** Every record, oldest first (a new array). */
  all(): R[] {
    return [...this.#rows.values()]
  }

  /** The records that pass `keep`, oldest first. */
  where(keep: (row: R) => boolean): R[] {
    const out: R[] = []
    for (const row of this.#rows.values()) if (keep(row)) out.push(row)
    return out
  }
}

/** A value built on first use (`get`); `ifBuilt` applies a change to it only once it exists. */
export function lazyView<V>(build: () => V): { get(): V; ifBuilt(change: (view: V) => void): void } {
  let view: V | undefined
  let built = false
  return {
    get() {
      if (!built) {
        view = build()
        built = true
      }
      return view as V
    },
    ifBuilt(change) {
      if (built) change(view as V)
    },
  }
}

/** Sorts by one key as @mswjs/data's `orderBy` does (`>`/`<`, stable), into a new array. */
export function orderBy<R, K extends keyof R>(rows: readonly R[], key: K, direction: 'asc' | 'desc'): R[] {
  const sign = direction === 'asc' ? 1 : -1
  return [...rows].sort((a, b) => (a[key] > b[key] ? sign : a[key] < b[key] ? -sign : 0))
}

/**
 * Copies every table into the @mswjs/data model of the same name: what each provider's data view
 * does when it is first built.
 */
export function seedModels<T extends { [K in keyof T]: Table<{ id: string | number }> }>(
  db: { [K in keyof T]: { create(record: ReturnType<T[K]['all']>[number]): unknown } },
  tables: T,
): void {
  for (const name of Object.keys(tables) as Array<keyof T>) for (const row of tables[name].all()) db[name].create({ ...row })
}
