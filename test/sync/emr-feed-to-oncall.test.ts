import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/start.js';
import type { OncallClient } from '../../src/partners/oncall/client.js';
import { checkOncall, generateFeed, sendFeed } from '../../src/sandboxes/emr-feed/index.js';
import { MllpConnection } from '../../src/mllp/client.js';
import { MessageStore } from '../../src/messages/message-store.js';
import { DIALECTS } from '../helpers/stores.js';
import { startSyncServer, type SyncServer } from '../helpers/sync-server.js';
import { until } from '../helpers/until.js';

/**
 * Issue 8, "Done when": a feed from the EMR simulator and the shared HL7 samples end in OnCall
 * exactly as predicted, on SQLite and PostgreSQL.
 */
const SAMPLES = '../shared/data/hl7v2';

for (const dialect of DIALECTS) {
  describe(`EMR feed and shared samples to OnCall (${dialect})`, { timeout: 300_000 }, () => {
    let h: SyncServer;
    let server: RunningServer;
    let client: OncallClient;

    beforeAll(async () => {
      h = await startSyncServer(dialect, { mllp: { port: 0 } });
      ({ server, client } = h);
    });
    afterAll(async () => {
      await h?.close();
    });

    const settled = () =>
      until(
        async () => {
          const s = await server.ctx.sync().status();
          return s.processing.waiting === 0 ? s : undefined;
        },
        120_000,
      );

    it('a 400-message simulated feed ends as the simulator predicted, with no failed message', async () => {
      const feed = generateFeed({ count: 400, patients: 50, seed: `e2e-${dialect}`, now: new Date() });
      const summary = await sendFeed(feed.messages, { host: '127.0.0.1', port: server.sync.mllp!.port()! });
      expect(summary).toMatchObject({ total: 400, aa: 400, ae: 0, ar: 0 });
      const status = await settled();
      expect(status.processing.failed).toBe(0);
      expect(await checkOncall(feed.expectation, client)).toEqual([]);
    });

    it('the shared HL7 samples are acknowledged AA and applied (SIU, ADT, merge), none failed', async () => {
      const files = readdirSync(SAMPLES).filter((f) => /^(ADT|SIU)-/.test(f)).sort();
      expect(files.length).toBeGreaterThanOrEqual(9);
      const conn = new MllpConnection({ host: '127.0.0.1', port: server.sync.mllp!.port()!, connectTimeoutMs: 5000, ackTimeoutMs: 10_000 });
      try {
        for (const f of files) {
          const ack = (await conn.send(readFileSync(join(SAMPLES, f)))).toString('utf8');
          expect(ack, f).toMatch(/MSA\|AA\|/);
        }
      } finally {
        conn.close();
      }
      await settled();
      const store = new MessageStore(server.ctx.store.db, server.ctx.store.dialect);
      for (const status of ['failed', 'rejected'] as const) {
        const bad = await store.list({ status });
        expect(bad.items.map((m) => `${status} ${m.messageType}^${m.event}: ${m.error}`)).toEqual([]);
      }
      // Each sample patient (PID-3 of type MR) has its contact.
      const ids = new Set<string>();
      for await (const c of client.contacts()) {
        const v = c.custom_field_values?.['1'];
        if (typeof v === 'string') ids.add(v);
      }
      expect(ids.has('PATID1234')).toBe(true);
    });
  });
}
