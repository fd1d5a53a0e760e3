import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';

/**
 * Runs `work` inside one `BEGIN IMMEDIATE` transaction on a connection of its own to the SQLite
 * file: SQLite's write lock makes two processes started at the same moment take turns, and the
 * whole of `work` (DDL included: SQLite's DDL is transactional) is committed or not at all.
 * A second process waits up to `waitMs` for the first to finish.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function withSqliteWriteLock<T>(file: string, work: (db: Kysely<any>) => Promise<T>, waitMs = 60_000): Promise<T> {
  const raw = new SQLite(file, { timeout: waitMs });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: raw }) });
  try {
    raw.exec('BEGIN IMMEDIATE');
    try {
      const result = await work(db);
      raw.exec('COMMIT');
      return result;
    } catch (e) {
      if (raw.inTransaction) raw.exec('ROLLBACK');
      throw e;
    }
  } finally {
    await db.destroy();
  }
}
