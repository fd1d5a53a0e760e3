import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { createQueue } from '../../src/queue/create-queue.js';
import type { JobQueue } from '../../src/queue/queue.js';
import { openStore, type Store } from '../../src/store/db.js';
import { createPgDatabase } from '../helpers/stores.js';
import { until } from '../helpers/until.js';

/** Every connection to the database except the one asking is closed by the server. */
async function dropAllConnections(url: string): Promise<number> {
  const admin = openStore(url, { poolSize: 1 });
  try {
    const r = await sql<{ pid: number }>`
      select pg_terminate_backend(pid) as pid from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid()`.execute(admin.db);
    return r.rows.length;
  } finally {
    await admin.close();
  }
}

describe('PostgreSQL queue and its database connections', () => {
  let store: Store | undefined;
  let queue: JobQueue | undefined;
  let drop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await queue?.stop();
    await store?.close();
    await drop?.();
    queue = store = drop = undefined;
  });

  it('starts without graphile-worker warning about missing pool error handlers', async () => {
    const warn = vi.spyOn(console, 'warn');
    const db = await createPgDatabase();
    drop = db.drop;
    store = openStore(db.url, { poolSize: 2 });
    queue = createQueue(store, createLogger({ level: 'silent' }));
    await queue.init();
    await queue.start({ noop: async () => undefined }, { pollIntervalMs: 100 });
    const warnings = warn.mock.calls.map((c) => String(c[0]));
    expect(warnings.filter((w) => /error handlers/i.test(w))).toEqual([]);
  });

  it('survives the server closing every connection: nothing unhandled, jobs still run, logs carry no payload', async () => {
    const db = await createPgDatabase();
    drop = db.drop;
    let logged = '';
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        logged += chunk.toString();
        done();
      },
    });
    store = openStore(db.url, { poolSize: 2 });
    const { migrateToLatest } = await import('../../src/store/migrate.js');
    await migrateToLatest(store);
    queue = createQueue(store, createLogger({ level: 'debug', destination }), { deadAfterMs: 2000 });
    await queue.init();
    const seen: string[] = [];
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    process.on('uncaughtException', onUnhandled);
    try {
      await queue.start({ remember: async (p) => void seen.push(String(p.name)) }, { pollIntervalMs: 100 });
      await queue.add({ name: 'remember', payload: { name: 'Marcell Kautzer' } });
      await until(async () => seen.length === 1, 15_000, 'the first job');

      expect(await dropAllConnections(db.url)).toBeGreaterThan(0);
      // The next job is added and run over new connections.
      await until(
        async () => {
          await queue!.add({ name: 'remember', payload: { name: 'Ellis Quigley' } }, undefined);
          return true;
        },
        15_000,
        'adding a job again',
      );
      await until(async () => seen.includes('Ellis Quigley'), 30_000, 'a job after the connections dropped');
      // The heartbeat still beats after the drop.
      await until(async () => Boolean(await store!.db.selectFrom('queue_workers').select('worker_id').executeTakeFirst()), 10_000, 'a heartbeat');
    } finally {
      process.off('unhandledRejection', onUnhandled);
      process.off('uncaughtException', onUnhandled);
    }
    expect(unhandled).toEqual([]);
    expect(logged).not.toMatch(/Marcell|Kautzer|Ellis|Quigley/);
  }, 90_000);
});
