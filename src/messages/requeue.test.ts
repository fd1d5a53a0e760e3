import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testStore, type TestStore } from '../../test/helpers/stores.js';
import { MessageStore } from './message-store.js';
import { countRequeuable, MAX_REQUEUE, requeueMessages } from './requeue.js';
import type { IncomingMessage, MessageStatus } from './types.js';

let seq = 0;
function incoming(o: { controlId: string; type?: string; event?: string; channel?: string; patientIds?: string[] }): IncomingMessage {
  const type = o.type ?? 'ADT';
  const event = o.event ?? 'A08';
  return {
    channel: o.channel ?? 'mllp',
    raw: Buffer.from(`MSH|^~\\&|EMR|CLINIC|||20260101||${type}^${event}|${o.controlId}|P|2.5\rEVN|${seq++}\r`),
    header: { sendingApplication: 'EMR', sendingFacility: 'CLINIC', controlId: o.controlId, messageType: type, event, version: '2.5' },
    status: 'received',
    patientIds: o.patientIds ?? ['P1'],
    ack: null,
    ackCode: 'AA',
  };
}

/**
 * Reprocessing (issue 8, "Seeing it work") on both databases: which messages go back to
 * waiting, what their trace says, the 10,000 bound, and two requests at once.
 */
describe.each(DIALECTS)('requeueMessages (%s)', (dialect) => {
  let store: TestStore;
  let messages: MessageStore;
  beforeAll(async () => {
    store = await testStore(dialect);
    messages = new MessageStore(store.db, store.dialect);
  }, 30_000);
  afterAll(() => store?.dispose());

  /** A message received, then moved to `status` as processing (or arrival) would. */
  async function stored(controlId: string, status: MessageStatus, extra: Partial<Parameters<typeof incoming>[0]> = {}): Promise<number> {
    const r = await messages.receive(incoming({ controlId, ...extra }));
    if (status !== 'received') await messages.setStatus(r.id, status, { error: status === 'failed' ? 'OnCall answered 500' : null, countAttempt: true });
    return r.id;
  }

  it('sets the given messages back to waiting with their error cleared, and says who asked in their trace', async () => {
    const failed = await stored('ID-F', 'failed');
    const processed = await stored('ID-P', 'processed');
    const waiting = await stored('ID-W', 'received');
    const r = await requeueMessages(store.db, { ids: [failed, processed, waiting, 987_654_321] }, 'admin');
    expect(r).toEqual({ requeued: 2, ids: [failed, processed], left: 0 });

    const f = await messages.get(failed);
    expect(f).toMatchObject({ status: 'received', error: null, processedAt: null, attempts: 1 });
    expect(f!.trace.at(-1)).toMatchObject({ kind: 'decision', detail: { action: 'reprocess requested', by: 'admin', from: 'failed' } });
    expect((await messages.get(processed))!.trace.at(-1)!.detail).toEqual({ action: 'reprocess requested', by: 'admin', from: 'processed' });
    // The one already waiting is left alone: no second trace event.
    expect((await messages.get(waiting))!.trace).toEqual([]);
    // Asking again changes nothing: they are all waiting now.
    expect(await requeueMessages(store.db, { ids: [failed, processed] }, 'admin')).toEqual({ requeued: 0, ids: [], left: 0 });
    expect((await messages.get(failed))!.trace.filter((t) => t.kind === 'decision')).toHaveLength(1);
  });

  it('selects by status, type and event, channel, patient and time; every criterion must hold', async () => {
    const a = await stored('F-A08-P7', 'failed', { patientIds: ['P7'] });
    const b = await stored('F-A04-P7', 'failed', { event: 'A04', patientIds: ['P7'] });
    const c = await stored('F-S12-P8', 'failed', { type: 'SIU', event: 'S12', patientIds: ['P8', 'P7'] });
    const d = await stored('F-FHIR', 'failed', { channel: 'fhir', type: 'Patient', event: 'update', patientIds: ['P9'] });
    const e = await stored('I-A08-P7', 'ignored', { patientIds: ['P7'] });
    const mine = new Set([a, b, c, d, e]);
    // Only this test's messages (the file's other tests left some failed and waiting).
    const run = async (filter: Parameters<typeof requeueMessages>[1]['filter']) => {
      const r = await requeueMessages(store.db, { ids: [...mine], filter }, 'ops');
      for (const id of r.ids) mine.delete(id);
      return r.ids;
    };
    expect(await countRequeuable(store.db, { ids: [...mine], filter: { patientId: 'P7' } })).toBe(4);
    expect(await run({ status: 'failed', messageType: 'ADT', event: 'A08' })).toEqual([a]);
    expect(await run({ status: 'failed', patientId: 'P7' })).toEqual([b, c]);
    expect(await run({ channel: 'fhir', since: '2999-01-01T00:00:00.000Z' })).toEqual([]);
    expect(await run({ channel: 'fhir', before: '2000-01-01T00:00:00.000Z' })).toEqual([]);
    expect(await run({ channel: 'fhir', before: '2999-01-01T00:00:00.000Z', since: '2000-01-01T00:00:00.000Z' })).toEqual([d]);
    expect(await run({ status: 'received' })).toEqual([]);
    expect(await run({ status: 'ignored' })).toEqual([e]);
    expect(mine.size).toBe(0);
  });

  it(`requeues at most ${MAX_REQUEUE.toLocaleString('en')} per call, oldest first, and says how many are left`, async () => {
    // Whatever earlier tests left failed is set aside, so the count below is this test's.
    await store.db.updateTable('messages').set({ status: 'processed' }).where('status', '=', 'failed').execute();
    const n = MAX_REQUEUE + 25;
    const receipts = await Promise.all(Array.from({ length: n }, (_, i) => messages.receive(incoming({ controlId: `BULK${i}`, type: 'SIU', event: 'S14', patientIds: [`B${i % 100}`] }))));
    const ids = receipts.map((r) => r.id).sort((x, y) => x - y);
    await store.db.updateTable('messages').set({ status: 'failed', error: 'timeout' }).where('control_id', 'like', 'BULK%').execute();

    expect(await countRequeuable(store.db, { filter: { status: 'failed', messageType: 'SIU' } })).toBe(n);
    const first = await requeueMessages(store.db, { filter: { status: 'failed', messageType: 'SIU' } }, 'ops');
    expect(first.requeued).toBe(MAX_REQUEUE);
    expect(first.ids).toEqual(ids.slice(0, MAX_REQUEUE));
    expect(first.left).toBe(25);
    const events = await store.db.selectFrom('message_events').select((eb) => eb.fn.countAll<string | number>().as('n')).where('message_id', 'in', ids.slice(0, 3)).where('kind', '=', 'decision').executeTakeFirstOrThrow();
    expect(Number(events.n)).toBe(3);

    const second = await requeueMessages(store.db, { filter: { status: 'failed', messageType: 'SIU' } }, 'ops');
    expect(second).toEqual({ requeued: 25, ids: ids.slice(MAX_REQUEUE), left: 0 });
    const stillFailed = await store.db.selectFrom('messages').select((eb) => eb.fn.countAll<string | number>().as('n')).where('status', '=', 'failed').executeTakeFirstOrThrow();
    expect(Number(stillFailed.n)).toBe(0);
    await expect(requeueMessages(store.db, { ids: Array.from({ length: MAX_REQUEUE + 1 }, (_, i) => i + 1) }, 'ops')).rejects.toThrow(RangeError);
  }, 180_000);

  it('two requests at once requeue each message once', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 40; i++) ids.push(await stored(`TWICE${i}`, 'failed', { event: 'A31' }));
    const [x, y] = await Promise.all([
      requeueMessages(store.db, { filter: { status: 'failed', event: 'A31' } }, 'first'),
      requeueMessages(store.db, { filter: { status: 'failed', event: 'A31' } }, 'second'),
    ]);
    expect(x.requeued + y.requeued).toBe(40);
    expect([...x.ids, ...y.ids].sort((p, q) => p - q)).toEqual(ids);
    const traces = await store.db.selectFrom('message_events').select('message_id').where('message_id', 'in', ids).where('kind', '=', 'decision').execute();
    expect(traces).toHaveLength(40);
  }, 60_000);
});
