/**
 * LiveConfig on both dialects: a version saved by this process is in force on the next
 * question; one written by another process (here: a row written past saveConfigVersion)
 * within CONFIG_VERSION_FRESH_MS; sessions asking within that time share one read.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, openTestStore, type TestStore } from '../../../test/support/relaydesk.js';
import { silentLogger } from '../../base/log.js';
import { saveConfigVersion } from '../../store/index.js';
import { CONFIG_VERSION_FRESH_MS, LiveConfig } from './live-config.js';

const yaml = (domain: string) => `domains: [${domain}]\n`;

describe.each(DIALECTS)('LiveConfig on %s', (dialect) => {
  let t: TestStore | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  it('takes up a version saved here on the next question, and one saved elsewhere within the freshness time', async () => {
    t = await openTestStore(dialect);
    const db = t.store.db;
    await saveConfigVersion(db, { basedOn: 0, yaml: yaml('one.example'), appliedBy: 'test', summary: '1', now: Date.now() });
    const live = await LiveConfig.open(db, silentLogger);
    expect(live.cached.version).toBe(1);

    await saveConfigVersion(db, { basedOn: 1, yaml: yaml('two.example'), appliedBy: 'test', summary: '2', now: Date.now() });
    expect((await live.current()).config.domains).toEqual(['two.example']);

    // Another process writes the row itself; this one learns of it by asking the store.
    await db
      .insertInto('config_versions')
      .values({ version: 3, yaml: yaml('three.example'), applied_at: Date.now(), applied_by: 'elsewhere', summary: '3' })
      .execute();
    const askedAt = performance.now();
    const seen = await live.current();
    if (performance.now() - askedAt < CONFIG_VERSION_FRESH_MS) expect(seen.version).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, CONFIG_VERSION_FRESH_MS + 20));
    expect((await live.current()).config.domains).toEqual(['three.example']);
  });

  it('answers sessions asking at once with one state, and asks the store again once that time is past', async () => {
    t = await openTestStore(dialect);
    await saveConfigVersion(t.store.db, { basedOn: 0, yaml: yaml('one.example'), appliedBy: 'test', summary: '1', now: Date.now() });
    const live = await LiveConfig.open(t.store.db, silentLogger);
    const states = await Promise.all(Array.from({ length: 20 }, () => live.current()));
    expect(new Set(states).size).toBe(1);

    await t.store.close();
    await new Promise((resolve) => setTimeout(resolve, CONFIG_VERSION_FRESH_MS + 20));
    await expect(live.current()).rejects.toThrow();
    await expect(live.current()).rejects.toThrow();
  });
});
