import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestStore, type TestStore } from '../../test/support/relaydesk.js';
import { runCompiledOnce } from './compiled-once.js';

describe.each(DIALECTS)('runCompiledOnce on %s', (dialect) => {
  let ts: TestStore;
  beforeAll(async () => {
    ts = await openTestStore(dialect);
  });
  afterAll(async () => {
    await ts?.cleanup();
  });

  it('binds values by name in the places the builder gave them, every time', async () => {
    const db = ts.store.db;
    const put = (name: string, value: string) =>
      runCompiledOnce(db, 'test-secret', (p) => db.insertInto('secrets').values({ value: p('value'), name: p('name') }), { name, value });
    await put('a', '1');
    await put('b', '2');
    const rows = await db.selectFrom('secrets').select(['name', 'value']).where('name', 'in', ['a', 'b']).orderBy('name').execute();
    expect(rows).toEqual([
      { name: 'a', value: '1' },
      { name: 'b', value: '2' },
    ]);
  });

  it('refuses a run that lacks a value', async () => {
    const db = ts.store.db;
    await expect(
      runCompiledOnce(db, 'test-secret', (p) => db.insertInto('secrets').values({ value: p('value'), name: p('name') }), { name: 'c' }),
    ).rejects.toThrow(/no value for value/);
  });
});
