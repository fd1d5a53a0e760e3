import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { DIALECTS, testStore, type TestStore } from '../../test/helpers/stores.js';
import { createQueue } from './create-queue.js';
import type { JobQueue } from './queue.js';
import { workersStatus } from './worker-status.js';
import { until } from '../../test/helpers/until.js';

describe.each(DIALECTS)('worker status on %s', (dialect) => {
  let store: TestStore | undefined;
  let queue: JobQueue | undefined;
  afterEach(async () => {
    await queue?.stop();
    await store?.dispose();
    queue = store = undefined;
  });

  it('lists this process as alive with the job and the chunk lease it holds, never a payload', async () => {
    store = await testStore(dialect);
    queue = createQueue(store, createLogger({ level: 'silent' }), { deadAfterMs: 10_000 });
    await queue.init();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let running = false;
    await queue.start(
      {
        'import.chunk': async () => {
          running = true;
          await held;
        },
      },
      { pollIntervalMs: 50 },
    );
    await queue.add({ name: 'import.chunk', payload: { runId: 'r1', chunk: 0, name: 'Marcell Kautzer' } });
    await until(async () => running);
    await store.db.insertInto('leases').values({ name: 'import:r1:0', holder: 'x', host: hostname(), pid: process.pid, expires_at: '2999-01-01T00:00:00.000Z' }).execute();

    const status = await workersStatus(store, queue);
    expect(status).toMatchObject({ queue: dialect, deadAfterSeconds: dialect === 'postgres' ? 10 : 30 });
    expect(status.workers).toHaveLength(1);
    expect(status.workers[0]).toMatchObject({ host: hostname(), pid: process.pid, alive: true, leases: [{ name: 'import:r1:0' }] });
    expect(status.workers[0]!.jobs).toEqual([expect.objectContaining({ task: 'import.chunk' })]);
    expect(JSON.stringify(status)).not.toMatch(/Marcell|Kautzer/);

    release();
    await until(async () => (await workersStatus(store!, queue!)).workers.every((w) => w.jobs.length === 0));
    await queue.stop();
    queue = undefined;
    expect((await workersStatus(store, createQueue(store, createLogger({ level: 'silent' })))).workers).toEqual([]);
  });
});
