import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, testStore, type TestStore } from '../../../test/helpers/stores.js';
import { fakePeople, importHarness, stageContacts, waitForRun, type ImportHarness } from '../../../test/helpers/import-harness.js';
import { createLogger } from '../../logging/logger.js';
import { createQueue } from '../../queue/create-queue.js';
import type { JobQueue } from '../../queue/queue.js';
import { ImportService } from './import-service.js';
import { createImportTarget } from './targets/create-target.js';

/**
 * A run paused before its preparation ran (the job found it paused and did nothing) still looks
 * for the records already on the platform when it is resumed: from a database that has never
 * seen them, the patients already in OnCall are recognised, not created a second time, and the
 * run says it is preparing, then sending.
 */
describe.each(DIALECTS)('resume before the preparation ran (%s)', (dialect) => {
  let h: ImportHarness | undefined;
  let store: TestStore | undefined;
  let queue: JobQueue | undefined;
  afterEach(async () => {
    await queue?.stop();
    await store?.dispose();
    await h?.close();
    h = store = queue = undefined;
  });

  it('prepares on resume, so nothing already in OnCall is created again', async () => {
    h = await importHarness(dialect);
    const people = fakePeople(12, 300);
    expect((await waitForRun(h.service, await (async () => {
      const id = await stageContacts(h!, people);
      await h!.service.start(id);
      return id;
    })())).counts.created).toBe(12);

    // Another engine, on a database of its own, its worker not started yet.
    const logger = createLogger({ level: 'silent' });
    store = await testStore(dialect);
    queue = createQueue(store, logger);
    await queue.init();
    const service = new ImportService({
      db: store.db,
      queue,
      logger,
      ambiguityDelayMs: 50,
      targetFor: (run) => createImportTarget(run, { oncall: () => h!.client, oncallBaseUrl: () => h!.sandboxUrl, emrIdField: '1', emrIdMetadataKey: 'emr_id' }),
    });
    const id = await stageContacts({ service, sandboxUrl: h.sandboxUrl }, people);
    await service.start(id);
    await service.pause(id);
    expect(await service.summary(id)).toMatchObject({ status: 'paused', phase: 'preparing' });
    await queue.start(service.jobHandlers(), { concurrency: 2, pollIntervalMs: 50 });
    // The preparation job runs, finds the run paused and leaves it as it is.
    await expect.poll(() => queue!.pendingCount(), { timeout: 10_000, interval: 50 }).toBe(0);
    expect(await service.summary(id)).toMatchObject({ status: 'paused', phase: 'preparing', counts: { pending: 12 } });

    await service.resume(id);
    const end = await waitForRun(service, id);
    expect(end).toMatchObject({ status: 'completed', phase: 'sending', counts: { created: 0, skipped: 12 } });
    expect(await h.countContacts()).toBe(12);
  });
});
