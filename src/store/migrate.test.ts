import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, testStore, type TestStore } from '../../test/helpers/stores.js';
import { migrateToLatest } from './migrate.js';

describe.each(DIALECTS)('migrations on %s', (dialect) => {
  let store: TestStore | undefined;
  afterEach(async () => store?.dispose());

  it('creates every table and is idempotent when run again', async () => {
    store = await testStore(dialect);
    await migrateToLatest(store);
    await store.db.insertInto('settings').values({ key: 'k', value: 'v' }).execute();
    const row = await store.db.selectFrom('settings').selectAll().executeTakeFirstOrThrow();
    expect(row).toEqual({ key: 'k', value: 'v' });
    for (const t of ['import_runs', 'import_rows', 'xrefs', 'jobs', 'api_keys', 'sessions', 'mapping_templates'] as const) {
      const n = await store.db.selectFrom(t).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      expect(Number(n.n)).toBe(0);
    }
  });
});
