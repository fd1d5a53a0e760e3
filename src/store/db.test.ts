import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SQLITE_BUSY_TIMEOUT_MS, openStore } from './db.js';

// SQLite only: the busy timeout is how long a statement waits for another process's lock.
describe('SQLite store', () => {
  it('waits the busy timeout it is given for another process lock, and 5 s by default', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ehr-db-'));
    try {
      for (const [opts, want] of [[{ busyTimeoutMs: 1234 }, 1234], [{}, DEFAULT_SQLITE_BUSY_TIMEOUT_MS]] as const) {
        const store = openStore(join(dir, `t${want}.db`), opts);
        const r = await sql<{ timeout: number }>`pragma busy_timeout`.execute(store.db);
        await store.close();
        expect(Object.values(r.rows[0]!)[0]).toBe(want);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
