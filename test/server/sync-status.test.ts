import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adtMessage } from '../../src/channels/mllp-listener/test-helpers/hl7-samples.js';
import { MessageStore } from '../../src/messages/message-store.js';
import { MllpConnection } from '../../src/mllp/client.js';
import { mllpTestChannel } from '../helpers/mllp-test-channel.js';
import { startSignedInServer, type SignedInServer } from '../helpers/signed-in-server.js';
import { until } from '../helpers/until.js';

/**
 * GET /api/sync/status (issue 8, "Seeing it work"): refused without credentials; signed in, it
 * lists the channels with their counters (a real MLLP listener fed over a socket) and the
 * processing backlog counted from the message store.
 */
describe('GET /api/sync/status', () => {
  let s: SignedInServer;
  let channel: { port: number; close(): Promise<void> };

  beforeAll(async () => {
    s = await startSignedInServer('ehrb-sync-status-');
    channel = await mllpTestChannel(s.server.ctx);
  }, 60_000);
  afterAll(async () => {
    await channel?.close();
    await s?.close();
  });

  it('answers 401 without a session or key', async () => {
    const r = await s.call('/api/sync/status', {}, false);
    expect(r.status).toBe(401);
  });

  it('shows the channel with its counters and the messages waiting and failed', async () => {
    const before = await s.call('/api/sync/status');
    expect(before.status).toBe(200);
    const waiting0 = before.body.processing.waiting as number;
    const failed0 = before.body.processing.failed as number;

    const c = new MllpConnection({ host: '127.0.0.1', port: channel.port, connectTimeoutMs: 5000, ackTimeoutMs: 10_000 });
    try {
      await c.send(adtMessage({ controlId: 'SYNC-ST-1', patientId: 'MRN-ST-1' }));
      await c.send(adtMessage({ controlId: 'SYNC-ST-2', patientId: 'MRN-ST-2' }));
      await c.send(adtMessage({ controlId: 'SYNC-ST-2', patientId: 'MRN-ST-2' })); // a resend
      await c.send(Buffer.from('this is not HL7'));
    } finally {
      c.close();
    }
    // One of the two stored messages failed in processing.
    const store = new MessageStore(s.server.ctx.store.db, s.server.ctx.store.dialect);
    const { items } = await store.list({ controlId: 'SYNC-ST-1' });
    const id = items[0]!.id;
    // A processor in this engine may be applying it: let it finish, so its outcome does not overwrite ours.
    if (before.body.processing.running) await until(async () => (await store.get(id))!.status !== 'received', 30_000, 'the processor to let go of the message');
    await store.setStatus(id, 'failed', { error: 'OnCall answered 500', countAttempt: true });

    const r = await s.call('/api/sync/status');
    expect(r.status).toBe(200);
    const mllp = (r.body.channels as any[]).find((ch) => ch.name === 'mllp');
    expect(mllp).toMatchObject({ kind: expect.any(String), state: 'running', detail: `port ${channel.port}`, received: 2, duplicates: 1, rejected: 1, errors: 0, lastError: null });
    expect(Date.parse(mllp.lastMessageAt)).toBeGreaterThan(Date.now() - 60_000);
    // Without a processor in this process, what is not failed waits (a processor may have taken some).
    expect(r.body.processing.failed).toBe(failed0 + 1);
    expect(r.body.processing.waiting).toBeLessThanOrEqual(waiting0 + 1);
    expect(typeof r.body.processing.running).toBe('boolean');
    expect(r.body.processing.processedLastHour).toBeGreaterThanOrEqual(0);
    if (!r.body.processing.running) {
      expect(r.body.processing.waiting).toBe(waiting0 + 1);
      expect(Date.parse(r.body.processing.oldestWaitingAt)).toBeGreaterThan(Date.now() - 60_000);
    }
    expect(r.body.target).toEqual({ name: 'OnCall Health', baseUrl: expect.stringMatching(/\/sandbox\/oncall$/) });
  });

  it('is in the API documentation under its tag', async () => {
    const r = await s.call('/docs/json');
    expect(r.status).toBe(200);
    expect(r.body.paths['/api/sync/status'].get.tags).toEqual(['sync']);
  });
});
