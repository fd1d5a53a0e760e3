import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Store } from './db.js';
import { ADVISORY_LOCKS, withPgAdvisoryLock } from './pg-advisory-lock.js';
import { withSqliteWriteLock } from './sqlite-write-lock.js';
import * as m0001 from './migrations/0001-initial.js';
import * as m0002 from './migrations/0002-leases.js';
import * as m0003 from './migrations/0003-documents.js';
import * as m0004 from './migrations/0004-login-security.js';
import * as m0007 from './migrations/0007-retention.js';
import * as m0008 from './migrations/0008-run-progress.js';
import * as m0009 from './migrations/0009-messages.js';
import * as m0010 from './migrations/0010-sync.js';
import * as m0011 from './migrations/0011-sync-back.js';

/**
 * Migrations are bundled in code (not read from a folder at run time) so they work the same
 * under tsx, in tests and in any packaging. Add new ones at the end; never edit a shipped one.
 */
const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-leases': m0002,
  '0003-documents': m0003,
  '0004-login-security': m0004,
  '0007-retention': m0007,
  '0008-run-progress': m0008,
  '0009-messages': m0009,
  '0010-sync': m0010,
  '0011-sync-back': m0011,
};

class StaticProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return MIGRATIONS;
  }
}

/**
 * Brings the schema up to date. Safe when several processes start at the same moment on a new
 * database (an orchestrator starting replicas): on PostgreSQL they take turns under an
 * advisory lock (kysely's own lock covers the migrations but not the creation of its tables);
 * on a SQLite file the whole migration is one `BEGIN IMMEDIATE` transaction.
 */
export async function migrateToLatest(store: Store): Promise<void> {
  if (store.dialect === 'postgres') return migratePostgres(store);
  // An in-memory database belongs to one connection: nobody else can race it.
  if (store.url === ':memory:') return migrate(store.db);
  return withSqliteWriteLock(store.url, (db) => migrate(db));
}

/**
 * PostgreSQL at start can fail for reasons that pass (a connection reset while replicas start
 * together, a database still coming up): a few attempts under the lock, a second apart, before
 * the start fails with the database's own words. A migration runs in its own transaction, so a
 * failed attempt leaves nothing half-applied.
 */
async function migratePostgres(store: Store, attempts = 3): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await withPgAdvisoryLock(store.url, ADVISORY_LOCKS.migrations, () => migrate(store.db));
    } catch (e) {
      if (attempt >= attempts) throw e;
      await new Promise((r) => setTimeout(r, 1000 * attempt));
    }
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function migrate(db: Kysely<any>): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: new StaticProvider(),
    migrationTableName: 'ehr_bridge_migrations',
    migrationLockTableName: 'ehr_bridge_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    // The database's own words (no patient data in DDL) so an operator can act on them.
    const why = error instanceof Error ? `: ${error.message}` : '';
    throw new Error(`database migration failed${failed ? ` at ${failed.migrationName}` : ''}${why}`, { cause: error });
  }
}
