import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { OncallClient } from '../../partners/oncall/client.js';
import { DEFAULT_ONCALL_SANDBOX_API_KEY } from '../../sandboxes/oncall/plugin.js';
import { startSandbox, type RunningSandbox } from '../../sandboxes/oncall/test-harness.js';
import { DIALECTS, testStore } from '../../../test/helpers/stores.js';
import { until } from '../../../test/helpers/until.js';
import { createOncallScanner, OncallScanChannel, ScanStore } from './index.js';

/** The scan channel: its schedule (contacts then appointments), its status line, and stop() mid-scan. */
let sandbox: RunningSandbox;
let client: OncallClient;
beforeAll(async () => {
  sandbox = await startSandbox();
  client = new OncallClient({ baseUrl: sandbox.base, apiKey: DEFAULT_ONCALL_SANDBOX_API_KEY, maxRetries: 0 });
});
afterAll(async () => {
  await client.close();
  await sandbox.close();
});

describe.each(DIALECTS)('OnCall scan channel on %s', (dialect) => {
  it('scans contacts then appointments on its schedule, says so in its status, and stop() leaves a resumable run', async () => {
    await sandbox.admin('POST', 'reset/');
    await sandbox.admin('POST', 'seed/', { contacts: 1204 });
    const store = await testStore(dialect);
    try {
      let wakes = 0;
      const channel = new OncallScanChannel({
        scanner: createOncallScanner({ db: store.db, dialect: store.dialect, client: () => client, wake: () => wakes++ }),
        store: new ScanStore(store.db),
        settings: { everyMs: 15 * 60_000, firstRunDelayMs: 0 },
        logger: pino({ level: 'silent' }),
      });
      expect(channel.status()).toMatchObject({ name: 'oncall-scan', kind: 'OnCall Health scans', state: 'stopped' });
      await channel.start();
      const runs = await until(async () => {
        const r = await new ScanStore(store.db).recent();
        return r.length === 2 && r.every((x) => x.status === 'done') ? r : undefined;
      });
      expect(runs.map((r) => [r.kind, r.trigger, r.seen])).toEqual([
        ['appointments', 'schedule', 0],
        ['contacts', 'schedule', 1204],
      ]);
      const st = channel.status();
      expect(st).toMatchObject({ state: 'running', received: 1204, errors: 0, lastError: null });
      expect(st.detail).toMatch(/^contacts and appointments every 15 min, last scan \d\d:\d\d \(0 changed of 0 appointments\)$/);
      expect(wakes).toBe(13);

      // A slow OnCall: stop() during a manual scan waits for the page in hand, then the run is interrupted.
      await sandbox.call('PATCH', '/contacts/1/', { notes: 'changed' });
      await sandbox.admin('POST', 'faults/', { latencyMs: 60 });
      const scan = channel.scan('contacts');
      await until(async () => (await new ScanStore(store.db).recent({ kind: 'contacts', limit: 1 }))[0]?.nextPage! >= 2);
      await channel.stop();
      const stopped = await scan;
      expect(stopped.run.status).toBe('interrupted');
      expect(stopped.run.error).toBe('stopped: the engine is shutting down');
      expect(channel.status().state).toBe('stopped');
      await sandbox.admin('POST', 'faults/', { latencyMs: 0 });
      const resumed = await createOncallScanner({ db: store.db, dialect: store.dialect, client: () => client, wake: () => undefined }).scan('contacts', 'manual');
      expect(resumed.run).toMatchObject({ id: stopped.run.id, status: 'done', seen: 1204, changed: 1 });
    } finally {
      await store.dispose();
    }
  });
});
