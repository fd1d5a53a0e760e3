import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createPgDatabase, DIALECTS, testStore, type TestStore } from '../../test/helpers/stores.js';
import { openStore } from './db.js';
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

/** Runs the migration in `n` separate processes started together; resolves with their outputs. */
async function migrateInProcesses(url: string, n: number): Promise<{ code: number | null; out: string }[]> {
  // Loading the TypeScript sources takes seconds on a busy machine: all start migrating at this time.
  const startAt = Date.now() + 6000;
  return Promise.all(
    Array.from({ length: n }, async () => {
      const child = spawn(process.execPath, ['bin/run-ts.js', 'test/fixtures/migrate-once.ts', url, String(startAt)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const [code] = (await once(child, 'exit')) as [number | null];
      return { code, out };
    }),
  );
}

describe.each(DIALECTS)('migrations started at the same moment on a new %s database', (dialect) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('let every process come up, and apply each migration once', async () => {
    let url: string;
    if (dialect === 'postgres') {
      const created = await createPgDatabase();
      cleanups.push(created.drop);
      url = created.url;
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'ehrb-migrate-'));
      cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
      url = join(dir, 'db.sqlite');
    }
    const results = await migrateInProcesses(url, 3);
    for (const r of results) expect(r, r.out).toMatchObject({ code: 0, out: expect.stringContaining('migrated') });
    const store = openStore(url, { poolSize: 1 });
    cleanups.unshift(() => store.close());
    const applied = await sql<{ name: string }>`select name from ehr_bridge_migrations`.execute(store.db);
    const names = applied.rows.map((r) => r.name);
    expect(names.length).toBeGreaterThanOrEqual(3);
    expect(new Set(names).size).toBe(names.length);
    // Each table exists once and is usable.
    await store.db.insertInto('settings').values({ key: 'k', value: 'v' }).execute();
  }, 60_000);
});
