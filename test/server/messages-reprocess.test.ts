import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { adtMessage } from '../../src/channels/mllp-listener/test-helpers/hl7-samples.js';
import { MessageStore } from '../../src/messages/message-store.js';
import type { MessageStatus } from '../../src/messages/types.js';
import { json, startSignedInServer, type SignedInServer } from '../helpers/signed-in-server.js';
import { until } from '../helpers/until.js';

/** The engine with its processor off (EHR_BRIDGE_SYNC=off): what is requeued stays waiting, so a test reads exactly what reprocessing did. */
async function withoutProcessor(prefix: string): Promise<SignedInServer> {
  const before = process.env.EHR_BRIDGE_SYNC;
  process.env.EHR_BRIDGE_SYNC = 'off';
  try {
    return await startSignedInServer(prefix);
  } finally {
    if (before === undefined) delete process.env.EHR_BRIDGE_SYNC;
    else process.env.EHR_BRIDGE_SYNC = before;
  }
}

/** The trace event reprocessing wrote (the processor may add its own after it). */
const reprocessEvent = (m: { trace: { kind: string; detail: { action?: string } }[] }) => m.trace.filter((t) => t.kind === 'decision' && t.detail.action === 'reprocess requested').at(-1);

/**
 * POST /api/messages/:id/reprocess and POST /api/messages/reprocess (issue 8, "Seeing it
 * work"): failed messages go back to waiting one by one or in bulk, the processor is woken, the
 * trace says who asked; bad requests are 400 with field errors, an unknown id 404, no
 * credentials 401. The selection rules themselves are tested on both databases in
 * src/messages/requeue.test.ts.
 *
 * Messages are stored as `ignored` then moved to their status: the processor only takes
 * `received` messages, so a running one never races the setup. The selection tests run with the
 * processor off; the last one, with it on, sees a requeued message processed again.
 */
describe('messages reprocess API', () => {
  let s: SignedInServer;
  let store: MessageStore;
  let wake: ReturnType<typeof vi.spyOn>;
  let seq = 0;

  async function stored(status: MessageStatus, o: { event?: string; patient?: string; channel?: string } = {}): Promise<number> {
    const controlId = `RP${seq++}`;
    const r = await store.receive({
      channel: o.channel ?? 'mllp',
      raw: adtMessage({ controlId, event: o.event ?? 'A08', patientId: o.patient ?? 'MRN-1' }),
      header: { sendingApplication: 'EMR', sendingFacility: 'CLINIC', controlId, messageType: 'ADT', event: o.event ?? 'A08', version: '2.5.1' },
      status: 'ignored',
      patientIds: [o.patient ?? 'MRN-1'],
      ack: null,
      ackCode: 'AA',
    });
    if (status !== 'ignored') await store.setStatus(r.id, status, { error: status === 'failed' ? 'OnCall answered 503' : null });
    return r.id;
  }

  const get = async (id: number) => (await s.call(`/api/messages/${id}`)).body;

  beforeAll(async () => {
    s = await withoutProcessor('ehrb-reprocess-');
    store = new MessageStore(s.server.ctx.store.db, s.server.ctx.store.dialect);
    // Watches the real wake (it still runs): reprocessing must tell the processor at once.
    wake = vi.spyOn(s.server.ctx.sync(), 'wake');
  }, 60_000);
  afterAll(() => s?.close());

  it('reprocesses one message: back to waiting, error cleared, the trace says who asked, the processor woken', async () => {
    const id = await stored('failed');
    wake.mockClear();
    const r = await s.call(`/api/messages/${id}/reprocess`, { method: 'POST' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ requeued: 1, ids: [id], left: 0 });
    expect(wake).toHaveBeenCalledTimes(1);
    const m = await get(id);
    expect(m).toMatchObject({ status: 'received', error: null });
    expect(m.trace).toContainEqual(expect.objectContaining({ kind: 'decision', detail: { action: 'reprocess requested', by: 'admin', from: 'failed' } }));
  });

  it('answers 404 for an unknown message and 400 for an id that is not one', async () => {
    const r = await s.call('/api/messages/987654321/reprocess', { method: 'POST' });
    expect(r.status).toBe(404);
    expect(r.body.error).toMatch(/no such message/);
    expect((await s.call('/api/messages/abc/reprocess', { method: 'POST' })).status).toBe(400);
  });

  it('reprocesses in bulk by criteria and by ids; every criterion must hold', async () => {
    const a08 = await stored('failed', { patient: 'MRN-BULK' });
    const a31 = await stored('failed', { event: 'A31', patient: 'MRN-BULK' });
    const other = await stored('failed', { patient: 'MRN-ELSE' });
    const rejected = await stored('rejected', { patient: 'MRN-BULK' });
    wake.mockClear();

    const byType = await s.call('/api/messages/reprocess', json({ status: 'failed', type: 'ADT^A31', patient: 'MRN-BULK' }));
    expect(byType.status).toBe(200);
    expect(byType.body).toEqual({ requeued: 1, ids: [a31], left: 0 });
    expect(wake).toHaveBeenCalledTimes(1);

    const byPatient = await s.call('/api/messages/reprocess', json({ patient: 'MRN-BULK', since: '2000-01-01' }));
    expect(byPatient.body).toEqual({ requeued: 2, ids: [a08, rejected], left: 0 });
    expect(reprocessEvent(await get(rejected))!.detail).toMatchObject({ from: 'rejected' });

    const byIds = await s.call('/api/messages/reprocess', json({ ids: [other, a08, 987654321] }));
    // a08 is waiting already: left alone; the unknown id matches nothing.
    expect(byIds.body).toEqual({ requeued: 1, ids: [other], left: 0 });

    wake.mockClear();
    const nothing = await s.call('/api/messages/reprocess', json({ status: 'failed', before: '2000-01-01T00:00:00Z' }));
    expect(nothing.body).toEqual({ requeued: 0, ids: [], left: 0 });
    expect(wake).not.toHaveBeenCalled();
  });

  it('refuses a request that selects nothing in particular, or badly, with field errors', async () => {
    const failed = await stored('failed');
    const bad = async (body: unknown, field: string) => {
      const r = await s.call('/api/messages/reprocess', json(body));
      expect(r.status).toBe(400);
      expect(Object.keys(r.body.fieldErrors ?? {})).toContain(field);
      return r.body;
    };
    expect((await bad({}, 'ids')).error).toMatch(/say which messages/);
    await bad({ stauts: 'failed' }, '(body)');
    await bad({ status: 'received' }, 'status');
    await bad({ status: 'done' }, 'status');
    await bad({ type: 'ADT^A08^X' }, 'type');
    await bad({ since: 'yesterday' }, 'since');
    await bad({ ids: [] }, 'ids');
    await bad({ ids: Array.from({ length: 1001 }, (_, i) => i + 1) }, 'ids');
    await bad({ ids: ['1'] }, 'ids.0');
    // None of these requeued anything.
    expect((await get(failed)).status).toBe('failed');
  });

  it('takes an API key (named in the trace), and nothing without credentials', async () => {
    const id = await stored('failed');
    const anonymous = await s.call(`/api/messages/${id}/reprocess`, { method: 'POST' }, false);
    expect(anonymous.status).toBe(401);
    expect((await s.call('/api/messages/reprocess', json({ status: 'failed' }), false)).status).toBe(401);
    expect((await get(id)).status).toBe('failed');

    const { key } = (await s.call('/api/api-keys', json({ name: 'night shift' }))).body as { key: string };
    const r = await s.call(`/api/messages/${id}/reprocess`, { method: 'POST', headers: { authorization: `Bearer ${key}` } }, false);
    expect(r.status).toBe(200);
    expect(reprocessEvent(await get(id))!.detail).toEqual({ action: 'reprocess requested', by: 'API key night shift', from: 'failed' });
  });
});

describe('messages reprocess API, with the engine processing', () => {
  let s: SignedInServer;
  afterAll(() => s?.close());

  it('a failed message reprocessed is processed again by the running engine, at once', async () => {
    s = await startSignedInServer('ehrb-reprocess-live-');
    const store = new MessageStore(s.server.ctx.store.db, s.server.ctx.store.dialect);
    // As the processor leaves a message OnCall refused: stored, then failed with its error.
    const r = await store.receive({
      channel: 'mllp',
      raw: adtMessage({ controlId: 'LIVE1', patientId: 'MRN-LIVE' }),
      header: { sendingApplication: 'EMR', sendingFacility: 'CLINIC', controlId: 'LIVE1', messageType: 'ADT', event: 'A08', version: '2.5.1' },
      status: 'ignored',
      patientIds: ['MRN-LIVE'],
      ack: null,
      ackCode: 'AA',
    });
    await store.setStatus(r.id, 'failed', { error: 'OnCall answered 503', countAttempt: true });

    const started = Date.now();
    const answer = await s.call(`/api/messages/${r.id}/reprocess`, { method: 'POST' });
    expect(answer.body).toEqual({ requeued: 1, ids: [r.id], left: 0 });
    const done = await until(async () => {
      const m = (await s.call(`/api/messages/${r.id}`)).body;
      return m.status !== 'received' && m;
    }, 30_000, 'the message processed again');
    expect(done).toMatchObject({ status: 'processed', error: null, attempts: 2 });
    // Woken, not found at a later poll: well within a second on an idle engine (a loaded test machine gets slack).
    expect(Date.now() - started).toBeLessThan(10_000);
    const kinds = done.trace.map((t: { kind: string }) => t.kind);
    expect(kinds.indexOf('decision')).toBeLessThan(kinds.lastIndexOf('call'));
  }, 60_000);
});
