import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { DIALECTS, testStore, type TestStore } from '../../test/helpers/stores.js';
import { createQueue } from './create-queue.js';
import type { JobQueue } from './queue.js';
import { until } from '../../test/helpers/until.js';

const logger = createLogger({ level: 'silent' });

describe.each(DIALECTS)('job queue on %s', (dialect) => {
  let store: TestStore | undefined;
  let queue: JobQueue | undefined;
  afterEach(async () => {
    await queue?.stop();
    await store?.dispose();
    queue = store = undefined;
  });

  async function setup() {
    store = await testStore(dialect);
    queue = createQueue(store, logger);
    await queue.init();
    return { store, queue };
  }

  it('runs each added job once, and a job key keeps a single pending job', async () => {
    const { queue } = await setup();
    const seen: number[] = [];
    await queue.add({ name: 'count', payload: { n: 1 }, jobKey: 'k1' });
    await queue.add({ name: 'count', payload: { n: 1 }, jobKey: 'k1' });
    await queue.add({ name: 'count', payload: { n: 2 } });
    await queue.start({ count: async (p) => void seen.push(Number(p.n)) }, { pollIntervalMs: 50 });
    await until(async () => (await queue.pendingCount()) === 0);
    expect(seen.sort()).toEqual([1, 2]);
  });

  it('does not run a job whose enqueueing transaction rolled back', async () => {
    const { store, queue } = await setup();
    const seen: string[] = [];
    await store.db
      .transaction()
      .execute(async (trx) => {
        await queue.add({ name: 'x', payload: { v: 'rolled-back' } }, trx);
        throw new Error('abort');
      })
      .catch(() => undefined);
    await store.db.transaction().execute(async (trx) => queue.add({ name: 'x', payload: { v: 'committed' } }, trx));
    await queue.start({ x: async (p) => void seen.push(String(p.v)) }, { pollIntervalMs: 50 });
    await until(async () => (await queue.pendingCount()) === 0);
    expect(seen).toEqual(['committed']);
  });

  it('retries a failing job and keeps one that exhausted its attempts out of the way', async () => {
    const { queue } = await setup();
    let calls = 0;
    await queue.add({ name: 'flaky', payload: {}, maxAttempts: 2 });
    await queue.start(
      {
        flaky: async () => {
          calls++;
          throw new Error('always fails');
        },
      },
      { pollIntervalMs: 50 },
    );
    await until(async () => calls >= 2, 20_000);
    await until(async () => (await queue.pendingCount()) === 0);
    await new Promise((r) => setTimeout(r, 300));
    expect(calls).toBe(2);
  });
});

describe('PostgreSQL queue shared by two worker processes', () => {
  let store: TestStore | undefined;
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    children.length = 0;
    await store?.dispose();
  });

  it('processes every job exactly once, spread over both processes', async () => {
    store = await testStore('postgres');
    const queue = createQueue(store, logger);
    await queue.init();
    await sql`create table processed (n int not null, pid int not null)`.execute(store.db);
    for (let i = 0; i < 2; i++) {
      const child = spawn(process.execPath, ['bin/run-ts.js', 'test/fixtures/queue-worker.ts', store.url], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(child);
      await once(child.stdout!, 'data');
    }
    for (let n = 0; n < 200; n++) await queue.add({ name: 'record', payload: { n } });
    await until(async () => (await queue.pendingCount()) === 0, 30_000);
    const rows = await sql<{ n: number; pid: number }>`select n, pid from processed`.execute(store.db);
    const ns = rows.rows.map((r) => r.n).sort((a, b) => a - b);
    expect(ns).toEqual([...Array(200).keys()]);
    expect(new Set(rows.rows.map((r) => r.pid)).size).toBe(2);
    for (const c of children) {
      c.kill('SIGTERM');
      await once(c, 'exit');
    }
  });
});
