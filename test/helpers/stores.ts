import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';

/**
 * Every storage test runs against both dialects: `describe.each(DIALECTS)` and `testStore()`.
 * PostgreSQL tests get a fresh database each (created from the server's trust-auth `postgres`
 * account), so tests never see each other's rows and can run in parallel.
 */
export const DIALECTS = ['sqlite', 'postgres'] as const;
export type TestDialect = (typeof DIALECTS)[number];

export const PG_ADMIN_URL = process.env.EHR_BRIDGE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function createPgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `ehrb_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  return {
    url,
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface TestStore extends Store {
  dispose(): Promise<void>;
}

export async function testStore(dialect: TestDialect, opts: { file?: string } = {}): Promise<TestStore> {
  if (dialect === 'sqlite') {
    const store = openStore(opts.file ?? ':memory:');
    await migrateToLatest(store);
    return { ...store, dispose: () => store.close() };
  }
  const { url, drop } = await createPgDatabase();
  const store = openStore(url, { poolSize: 5 });
  await migrateToLatest(store);
  return {
    ...store,
    dispose: async () => {
      await store.close();
      await drop();
    },
  };
}
