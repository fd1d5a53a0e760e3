import pg from 'pg';

/**
 * Keys of the PostgreSQL advisory locks the engine takes. Advisory locks are per database, so
 * these only need to differ from each other (and from kysely's own migration lock key).
 */
export const ADVISORY_LOCKS = {
  /** The engine's schema migrations. */
  migrations: 0x65687262_0001n,
  /** graphile-worker's schema (installed by the queue at start). */
  queueSchema: 0x65687262_0002n,
} as const;

/**
 * Runs `work` while this process holds a session advisory lock, on a connection of its own so
 * `work` can use any pool. Processes started at the same moment on a new database take turns:
 * the second one waits, then finds the work done. Ending the session releases the lock, also
 * when the process dies while holding it.
 */
export async function withPgAdvisoryLock<T>(connectionString: string, key: bigint, work: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString });
  // A connection dropped while we wait surfaces as a rejected query below, not as an
  // unhandled 'error' event that would crash the process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1::bigint)', [key.toString()]);
    return await work();
  } finally {
    await client.end().catch(() => undefined);
  }
}
