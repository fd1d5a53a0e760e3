import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
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

export interface StoreOptions {
  poolSize?: number;
  /**
   * SQLite: how long a statement waits for a lock held by another process (a CLI import on the
   * same file, a backup) before failing with SQLITE_BUSY. Default 5000 ms.
   */
  busyTimeoutMs?: number;
}

/** Default wait for another process's lock on a SQLite file. */
export const DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 5000;

/**
 * Opens the database named by one URL: a `postgres://` URL selects PostgreSQL, anything else
 * is a SQLite file path (`:memory:` for throwaway tests).
 */
export function openStore(url: string, opts: StoreOptions = {}): Store {
  if (isPostgresUrl(url)) {
    const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 10 });
    // An idle client that loses its connection must not crash the process.
    pool.on('error', () => undefined);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', url, close: () => db.destroy() };
  }
  if (url !== ':memory:') createPrivateFile(url);
  // better-sqlite3's `timeout` is SQLite's busy_timeout (no pragma needed on top).
  const sqlite = new SQLite(url, { timeout: opts.busyTimeoutMs ?? DEFAULT_SQLITE_BUSY_TIMEOUT_MS });
  // WAL lets readers (the UI polling progress) run while the import writes; NORMAL sync in WAL
  // mode survives a process crash (kill -9), which is the durability the queue needs.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  if (url !== ':memory:') tightenSidecars(url);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(sqlite) }) });
  return { db, dialect: 'sqlite', url, close: () => db.destroy() };
}

/**
 * The database holds patient data: its folder is created 0700 and the file 0600 before SQLite
 * opens it (SQLite would create it 0644, readable by every local account). SQLite gives the
 * -wal and -shm files the main file's mode, so creating the file first covers them too; a
 * file created by an older version is tightened here. An existing folder is left as it is
 * (it may be a shared mount chosen by the operator).
 */
function createPrivateFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  else chmodQuietly(path);
}

function tightenSidecars(path: string): void {
  for (const f of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(f)) chmodQuietly(f);
}

/** Not the owner (a read-only deployment, a mounted volume): SQLite still works, keep going. */
function chmodQuietly(path: string): void {
  try {
    chmodSync(path, 0o600);
  } catch {
    // ignore
  }
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
      // kysely opens every transaction with a plain (deferred) BEGIN: the write lock is then
      // taken at the first write, and when another process wrote in between SQLite answers
      // SQLITE_BUSY at once, without waiting for the busy timeout ("database is locked" with a
      // CLI import on the same file). BEGIN IMMEDIATE takes the lock up front, where the busy
      // timeout applies. Every transaction here writes, so nothing is lost by taking it early.
      if (query === 'begin') query = 'begin immediate';
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
