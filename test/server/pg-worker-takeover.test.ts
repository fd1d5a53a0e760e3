import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { createQueue } from '../../src/queue/create-queue.js';
import { testStore, type TestStore } from '../helpers/stores.js';
import { until } from '../helpers/until.js';

const DEAD_AFTER_MS = 3000;

/**
 * graphile-worker alone keeps the jobs of a worker killed with SIGKILL locked for 4 hours. With
 * the pool heartbeat, the other process takes them over within the configured dead-after time.
 */
describe('PostgreSQL queue: a worker process killed with SIGKILL', () => {
  let store: TestStore | undefined;
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    children.length = 0;
    await store?.dispose();
    store = undefined;
  });

  it('beats for each process, and its held jobs run once on the live worker within the dead-after time', async () => {
    store = await testStore('postgres');
    const db = store.db;
    const queue = createQueue(store, createLogger({ level: 'silent' }));
    await queue.init();
    await sql`create table processed (n int not null, pid int not null)`.execute(db);
    await sql`create table started (n int not null, pid int not null)`.execute(db);

    const workers: ChildProcess[] = [];
    for (let i = 0; i < 2; i++) {
      const child = spawn(process.execPath, ['bin/run-ts.js', 'test/fixtures/queue-worker.ts', store.url], {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, QUEUE_DEAD_AFTER_MS: String(DEAD_AFTER_MS) },
      });
      children.push(child);
      workers.push(child);
      await once(child.stdout!, 'data');
    }
    const [victim, survivor] = workers as [ChildProcess, ChildProcess];

    // Each process has a heartbeat row from the moment it serves (the old code wrote none).
    const beating = await db.selectFrom('queue_workers').select(['worker_id', 'pid']).execute();
    expect(new Set(beating.map((w) => w.pid))).toEqual(new Set([victim.pid, survivor.pid]));

    const JOBS = 8;
    for (let n = 0; n < JOBS; n++) await queue.add({ name: 'record', payload: { n, holdMs: 2500 } });
    await until(
      async () => Number((await sql<{ c: string }>`select count(*)::text as c from started where pid = ${victim.pid}`.execute(db)).rows[0]!.c) >= 1,
      20_000,
      'the victim to hold a job',
    );
    const victimPools = beating.filter((w) => w.pid === victim.pid).map((w) => w.worker_id);
    victim.kill('SIGKILL');
    const killedAt = Date.now();
    const held = (await sql<{ n: number }>`select n from started where pid = ${victim.pid} and n not in (select n from processed)`.execute(db)).rows.map((r) => r.n);
    expect(held.length).toBeGreaterThan(0);
    // Released: no job is locked by the dead process's pool any more.
    await until(
      async () => !(await sql`select 1 from graphile_worker.jobs where locked_by = any(${victimPools}::text[])`.execute(db)).rows.length,
      DEAD_AFTER_MS + 10_000,
      'the jobs of the dead pool to be released',
    );
    const releasedAfter = Date.now() - killedAt;
    console.log(`jobs of the killed worker released ${(releasedAfter / 1000).toFixed(1)} s after the kill (dead after ${DEAD_AFTER_MS / 1000} s)`);
    // Within the dead-after time, plus one beat and a margin for a busy machine.
    expect(releasedAfter).toBeLessThan(DEAD_AFTER_MS + 2500);

    await until(async () => (await queue.pendingCount()) === 0, 60_000, 'every job to finish');
    const done = await sql<{ n: number; pid: number }>`select n, pid from processed order by n`.execute(db);
    // Every job ran to the end exactly once; the victim's held jobs on the survivor.
    expect(done.rows.map((r) => r.n)).toEqual([...Array(JOBS).keys()]);
    for (const n of held) expect(done.rows.find((r) => r.n === n)?.pid).toBe(survivor.pid);

    // The dead process's heartbeat row is cleared; the live one keeps beating.
    await until(async () => !(await db.selectFrom('queue_workers').select('pid').where('pid', '=', victim.pid!).executeTakeFirst()), 10_000, 'the dead row to go');
    expect(await db.selectFrom('queue_workers').select('pid').where('pid', '=', survivor.pid!).executeTakeFirst()).toBeDefined();

    survivor.kill('SIGTERM');
    await once(survivor, 'exit');
    await queue.stop();
  }, 120_000);
});
