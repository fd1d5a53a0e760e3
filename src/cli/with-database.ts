import { loadConfig } from '../config/config.js';
import { openStore, type Db } from '../store/db.js';
import { migrateToLatest } from '../store/migrate.js';

/** For short CLI commands: opens the configured database (migrated), runs `fn`, closes it. */
export async function withDatabase<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const store = openStore(config.databaseUrl, { busyTimeoutMs: config.sqliteBusyTimeoutMs });
  try {
    await migrateToLatest(store);
    return await fn(store.db);
  } finally {
    await store.close();
  }
}
