import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPgDatabase, DIALECTS } from '../../../test/helpers/stores.js';
import { loadConfig } from '../../config/config.js';
import { openStore, type Store } from '../../store/db.js';
import { migrateToLatest } from '../../store/migrate.js';
import { checkAdminPassword, ensureAdminAccount } from './admin-account.js';

/**
 * The admin account at start (issue 6, item 13): a password is generated (and shown) only on
 * the first start; later starts and an environment password never hand out a value to print;
 * two processes starting at once on an empty database agree on one password.
 */
describe.each(DIALECTS)('admin account (%s)', (dialect) => {
  const dir = mkdtempSync(join(tmpdir(), 'ehrb-admin-'));
  const cleanups: (() => Promise<void>)[] = [];
  const originalCwd = process.cwd();
  afterAll(async () => {
    process.chdir(originalCwd);
    for (const c of cleanups) await c();
    rmSync(dir, { recursive: true, force: true });
  });
  /** Two independent handles on one fresh database, as two processes would have. */
  async function twoProcesses(): Promise<{ a: Store; b: Store; databaseUrl: string }> {
    const own = mkdtempSync(join(dir, 'p-'));
    let databaseUrl = join(own, 'db.sqlite');
    if (dialect === 'postgres') {
      // With PostgreSQL the password file goes to ./data: run from a directory of our own.
      process.chdir(own);
      const pg = await createPgDatabase();
      databaseUrl = pg.url;
      cleanups.push(pg.drop);
    }
    const a = openStore(databaseUrl);
    await migrateToLatest(a);
    const b = openStore(databaseUrl);
    cleanups.unshift(async () => {
      await a.close();
      await b.close();
    });
    return { a, b, databaseUrl };
  }
  const configFor = (databaseUrl: string, env: Record<string, string> = {}) => loadConfig(env, { databaseUrl });

  it('generates the password on the first start only; later starts do not know it', async () => {
    const { a, databaseUrl } = await twoProcesses();
    const config = configFor(databaseUrl);
    const first = await ensureAdminAccount(a.db, config);
    expect(first).toMatchObject({ user: 'admin', source: 'generated' });
    expect(first.password).toMatch(/^\S{12,}$/);
    expect(readFileSync(first.passwordFile!, 'utf8').trim()).toBe(first.password);
    expect(statSync(first.passwordFile!).mode & 0o777).toBe(0o600);
    const second = await ensureAdminAccount(a.db, config);
    expect(second).toEqual({ user: 'admin', source: 'stored', password: undefined, passwordFile: first.passwordFile });
    expect(await checkAdminPassword(a.db, config, 'admin', first.password!)).toBe(true);
  });

  it('two processes starting at once agree on one password: the loser reads the winner\'s row', async () => {
    const { a, b, databaseUrl } = await twoProcesses();
    const config = configFor(databaseUrl);
    const results = await Promise.all([ensureAdminAccount(a.db, config), ensureAdminAccount(b.db, config)]);
    const generated = results.filter((r) => r.source === 'generated');
    expect(generated).toHaveLength(1);
    expect(results.filter((r) => r.source === 'stored')).toHaveLength(1);
    expect(results.find((r) => r.source === 'stored')!.password).toBeUndefined();
    expect(await checkAdminPassword(b.db, config, 'admin', generated[0]!.password!)).toBe(true);
    expect(await checkAdminPassword(a.db, config, 'admin', generated[0]!.password!)).toBe(true);
    const rows = await a.db.selectFrom('settings').selectAll().where('key', '=', 'admin_password_hash').execute();
    expect(rows).toHaveLength(1);
  });

  it('takes the password from EHR_BRIDGE_ADMIN_PASSWORD, and re-hashes it only when it changed', async () => {
    const { a, databaseUrl } = await twoProcesses();
    const env = configFor(databaseUrl, { EHR_BRIDGE_ADMIN_PASSWORD: 'from the environment 1' });
    const r = await ensureAdminAccount(a.db, env);
    expect(r).toMatchObject({ source: 'environment', passwordFile: undefined });
    const hash = await a.db.selectFrom('settings').select('value').where('key', '=', 'admin_password_hash').executeTakeFirstOrThrow();
    await ensureAdminAccount(a.db, env);
    const same = await a.db.selectFrom('settings').select('value').where('key', '=', 'admin_password_hash').executeTakeFirstOrThrow();
    expect(same.value).toBe(hash.value); // unchanged: sessions opened under it live on
    await ensureAdminAccount(a.db, configFor(databaseUrl, { EHR_BRIDGE_ADMIN_PASSWORD: 'another one 22' }));
    expect(await checkAdminPassword(a.db, env, 'admin', 'another one 22')).toBe(true);
    expect(await checkAdminPassword(a.db, env, 'admin', 'from the environment 1')).toBe(false);
    expect(existsSync(dialect === 'sqlite' ? join(dirname(databaseUrl), 'admin-password.txt') : 'data/admin-password.txt')).toBe(false);
  });
});
