import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';

/** A sentinel no real value starts with: it marks where a named parameter goes. */
const MARK = '\u0000rd-param:';

interface Entry {
  readonly sql: string;
  readonly order: readonly string[];
}

/** Compiled SQL per dialect (adapter class) and statement key. */
const cache = new WeakMap<object, Map<string, Entry>>();

/**
 * Runs a statement of the mail path from SQL compiled once. Building and compiling a
 * Kysely query costs more than executing a prepared statement, and these run several
 * times for every message. `build` is called once per dialect with `p(name)` in the
 * place of each value; later runs bind `values[name]` in the same places. The query stays
 * typed where it is written; only the values are looked up by name.
 */
export async function runCompiledOnce<R>(
  db: Kysely<never> | { getExecutor(): unknown; executeQuery<T>(q: CompiledQuery<T>): Promise<QueryResult<T>> },
  key: string,
  build: (p: (name: string) => never) => Compilable<R>,
  values: Readonly<Record<string, unknown>>,
): Promise<QueryResult<R>> {
  const adapter = (db.getExecutor() as { adapter: object }).adapter.constructor;
  let byKey = cache.get(adapter);
  if (!byKey) {
    byKey = new Map();
    cache.set(adapter, byKey);
  }
  let entry = byKey.get(key);
  if (!entry) {
    const compiled = build((name) => `${MARK}${name}` as never).compile();
    const order = compiled.parameters.map((v) => {
      if (typeof v !== 'string' || !v.startsWith(MARK)) throw new Error(`statement ${key}: every value must be a named parameter`);
      return v.slice(MARK.length);
    });
    entry = { sql: compiled.sql, order };
    byKey.set(key, entry);
  }
  for (const name of entry.order) if (!(name in values)) throw new Error(`statement ${key}: no value for ${name}`);
  return db.executeQuery(
    CompiledQuery.raw(
      entry.sql,
      entry.order.map((n) => values[n]),
    ),
  ) as Promise<QueryResult<R>>;
}
