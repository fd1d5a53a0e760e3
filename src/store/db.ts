import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase, type Transaction } from 'kysely';
import pg from 'pg';
import { isPostgresUrl } from '../config/config.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
export type DbOrTrx = Kysely<Database> | Transaction<Database>;
export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  db: Db;
  dialect: Dialect;
  url: string;
  close(): Promise<void>;
}

/**
 * Opens the database named by one URL: a `postgres://` URL selects PostgreSQL, anything else
 * is a SQLite file path (`:memory:` for throwaway tests).
 */
export function openStore(url: string, opts: { poolSize?: number } = {}): Store {
  if (isPostgresUrl(url)) {
    const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 10 });
    // An idle client that loses its connection must not crash the process.
    pool.on('error', () => undefined);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', url, close: () => db.destroy() };
  }
  if (url !== ':memory:') mkdirSync(dirname(url), { recursive: true });
  const sqlite = new SQLite(url);
  // WAL lets readers (the UI polling progress) run while the import writes; NORMAL sync in WAL
  // mode survives a process crash (kill -9), which is the durability the queue needs.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(sqlite) }) });
  return { db, dialect: 'sqlite', url, close: () => db.destroy() };
}

/**
 * kysely's SQLite driver prepares every query anew; better-sqlite3 keeps no statement cache.
 * The import's hot path runs the same few statements thousands of times, so prepared
 * statements are reused by SQL text (bounded: the set of shapes is small).
 */
function cachingStatements(sqlite: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(query: string) {
      let st = cache.get(query);
      if (!st) {
        if (cache.size >= 1000) cache.clear();
        st = sqlite.prepare(query);
        cache.set(query, st);
      }
      return st as unknown as ReturnType<SqliteDatabase['prepare']>;
    },
  };
}

export function nowIso(): string {
  return new Date().toISOString();
}
