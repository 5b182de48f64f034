import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';
import type { ThreadStatement } from './chunk-write.js';
import { nameStatement } from './dialects/statement-names.js';

/** A sentinel no real value starts with: it marks where a named parameter goes. */
const MARK = '\u0000rd-param:';

interface Entry {
  readonly sql: string;
  readonly order: readonly string[];
  /** For a statement of rows: each parameter's place in the rows, flattened (row × width + column). */
  slots?: Int32Array;
}

/** Compiled SQL per dialect (adapter class) and statement key. */
const cache = new WeakMap<object, Map<string, Entry>>();

type Runner = Kysely<never> | { getExecutor(): unknown; executeQuery<T>(q: CompiledQuery<T>): Promise<QueryResult<T>> };

function compiled(db: Runner, key: string, build: () => Compilable<unknown>): Entry {
  const adapter = (db.getExecutor() as { adapter: object }).adapter.constructor;
  let byKey = cache.get(adapter);
  if (!byKey) {
    byKey = new Map();
    cache.set(adapter, byKey);
  }
  let entry = byKey.get(key);
  if (!entry) {
    const query = build().compile();
    const order = query.parameters.map((v) => {
      if (typeof v !== 'string' || !v.startsWith(MARK)) throw new Error(`statement ${key}: every value must be a named parameter`);
      return v.slice(MARK.length);
    });
    entry = { sql: query.sql, order };
    nameStatement(query.sql);
    byKey.set(key, entry);
  }
  return entry;
}

/**
 * Runs a statement of the mail path from SQL compiled once. Building and compiling a
 * Kysely query costs more than executing a prepared statement, and these run several
 * times for every message. `build` is called once per dialect with `p(name)` in the
 * place of each value; later runs bind `values[name]` in the same places. The query stays
 * typed where it is written; only the values are looked up by name.
 */
export async function runCompiledOnce<R>(
  db: Runner,
  key: string,
  build: (p: (name: string) => never) => Compilable<R>,
  values: Readonly<Record<string, unknown>>,
): Promise<QueryResult<R>> {
  const entry = compiled(db, key, () => build((name) => `${MARK}${name}` as never));
  for (const name of entry.order) if (!(name in values)) throw new Error(`statement ${key}: no value for ${name}`);
  return db.executeQuery(
    CompiledQuery.raw(
      entry.sql,
      entry.order.map((n) => values[n]),
    ),
  ) as Promise<QueryResult<R>>;
}

/**
 * Most rows in one statement. Far below both databases' limits on parameters (SQLite
 * 32,766, PostgreSQL 65,535) at the widths of the mail path's tables.
 */
export const MAX_ROWS_PER_STATEMENT = 256;
/** Where the row counts a statement is compiled for stop being exact (see rowSlices). */
const EXACT_ROWS = 16;

/**
 * How `n` rows are cut into statements: a count up to 16 goes whole, a larger one in
 * powers of two (at most `max`). So a batch of any size takes a few statements, and each
 * statement has few shapes to compile and keep prepared (16 + a power of two per size).
 */
export function rowSlices(n: number, max = MAX_ROWS_PER_STATEMENT): number[] {
  const out: number[] = [];
  let left = n;
  while (left > 0) {
    let take = Math.min(left, max);
    if (take > EXACT_ROWS) take = 2 ** Math.floor(Math.log2(take));
    out.push(take);
    left -= take;
  }
  return out;
}

/**
 * Runs a statement over many rows (a multi-row INSERT, an UPDATE from a VALUES list) in
 * a few statements instead of one per row, each compiled once per row count (see
 * `rowSlices`). `build(p, n)` writes the statement for `n` rows with `p(row, column)` in
 * the place of each value; `rows[i][column]` is bound there. Resolves with the rows the
 * statements return (RETURNING), in the order of the statements.
 */
export async function runCompiledRows<R>(
  db: Runner,
  key: string,
  rows: readonly (readonly unknown[])[],
  build: (p: (row: number, column: number) => never, n: number) => Compilable<R>,
  maxRows = MAX_ROWS_PER_STATEMENT,
): Promise<R[]> {
  if (rows.length === 0) return [];
  const width = rows[0]!.length;
  const out: R[] = [];
  let at = 0;
  for (const n of rowSlices(rows.length, maxRows)) {
    const entry = compiled(db, `${key}/${n}`, () => build((row, column) => `${MARK}${row}:${column}` as never, n));
    entry.slots ??= Int32Array.from(entry.order, (name) => {
      const [row, column] = name.split(':').map(Number) as [number, number];
      return row * width + column;
    });
    const parameters = new Array<unknown>(entry.slots.length);
    for (let i = 0; i < parameters.length; i++) {
      const slot = entry.slots[i]!;
      parameters[i] = rows[at + Math.floor(slot / width)]![slot % width];
    }
    const r = (await db.executeQuery(CompiledQuery.raw(entry.sql, parameters))) as QueryResult<R>;
    for (const row of r.rows) out.push(row);
    at += n;
  }
  return out;
}

/** 0, 1, …, n − 1: the rows of a statement being built. */
export function rowIndexes(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/**
 * The statements `fn` would run against `db`, compiled and in order, without running them:
 * for a batch that runs elsewhere (the store's thread, see store-writer.ts). Every statement
 * `fn` runs resolves at once with no rows, so `fn` must not depend on what its statements
 * return; query builders work as on `db`.
 */
export async function recordStatements(db: Kysely<never>, fn: (recorder: Kysely<never>) => Promise<unknown>): Promise<ThreadStatement[]> {
  const statements: ThreadStatement[] = [];
  const recorder = new Proxy(db, {
    get(target, key) {
      if (key === 'executeQuery') {
        return (q: CompiledQuery) => {
          statements.push({ sql: q.sql, params: q.parameters });
          return Promise.resolve({ rows: [] });
        };
      }
      // Kysely's classes keep private fields: their methods must run on the real object.
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  await fn(recorder);
  return statements;
}
