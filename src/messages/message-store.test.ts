import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testStore, type TestStore } from '../../test/helpers/stores.js';
import { MessageStore } from './message-store.js';
import { purgeMessages } from './retention.js';
import { messageRetention, mllpListenerSettings, MessageSettingsError } from './settings.js';
import type { ArrivalStatus, IncomingMessage } from './types.js';

function incoming(controlId: string, status: ArrivalStatus = 'received', patientIds: string[] = ['P1'], body = 'body'): IncomingMessage {
  return {
    channel: 'mllp',
    raw: Buffer.from(`MSH|^~\\&|EMR|CLINIC|||20260101||ADT^A08|${controlId}|P|2.5\r${body}\r`),
    header: { sendingApplication: 'EMR', sendingFacility: 'CLINIC', controlId, messageType: 'ADT', event: 'A08', version: '2.5' },
    status,
    patientIds,
    ack: Buffer.from(`ACK for ${controlId}`),
    ackCode: 'AA',
    ...(status === 'received' ? {} : { parsed: { outcome: status } }),
  };
}

describe.each(DIALECTS)('message store (%s)', (dialect) => {
  let store: TestStore;
  let messages: MessageStore;
  beforeAll(async () => {
    store = await testStore(dialect);
    messages = new MessageStore(store.db, store.dialect);
  }, 30_000);
  afterAll(() => store?.dispose());

  it('commits concurrent messages together, each with its own id; one sender\'s messages keep their order', async () => {
    const receipts = await Promise.all(Array.from({ length: 50 }, (_, i) => messages.receive(incoming(`GC${i}`, 'received', [`GCP${i % 5}`]))));
    const ids = receipts.map((r) => r.id);
    expect(new Set(ids).size).toBe(50);
    expect(receipts.every((r) => !r.duplicate && r.status === 'received')).toBe(true);
    expect(messages.commitStats.batches).toBeLessThan(50);
    const page = await messages.list({ patientId: 'GCP3', limit: 100 });
    expect(page.items.map((m) => m.controlId).sort()).toEqual(['GC13', 'GC18', 'GC23', 'GC28', 'GC3', 'GC33', 'GC38', 'GC43', 'GC48', 'GC8']);
    // A sender waits for each ACK (MLLP original mode): its messages get increasing ids.
    const inOrder: number[] = [];
    for (let i = 0; i < 10; i++) inOrder.push((await messages.receive(incoming(`SEQ${i}`))).id);
    expect(inOrder).toEqual([...inOrder].sort((a, b) => a - b));
  });

  it('treats copies in one batch and against the table as one message with one ACK', async () => {
    const first = incoming('DUP1');
    const [a, b] = await Promise.all([messages.receive(first), messages.receive({ ...first, ack: Buffer.from('another ACK') })]);
    expect(a!.duplicate).toBe(false);
    expect(b).toMatchObject({ id: a!.id, duplicate: true });
    expect(b!.ack!.toString()).toBe('ACK for DUP1');
    const again = await messages.receive({ ...first, ack: Buffer.from('yet another') });
    expect(again).toMatchObject({ id: a!.id, duplicate: true });
    expect(again.ack!.toString()).toBe('ACK for DUP1');
    expect((await messages.get(a!.id))?.timesReceived).toBe(3);
    // Another sender using the same control id is another message.
    const other = await messages.receive({ ...first, header: { ...first.header!, sendingApplication: 'OTHER' } });
    expect(other.duplicate).toBe(false);
  });

  it('fails the whole batch when the write fails, and stores nothing of it', async () => {
    const bad = { ...incoming('BAD1'), status: null as unknown as ArrivalStatus };
    const good = incoming('BAD2');
    const results = await Promise.allSettled([messages.receive(incoming('BAD0')), messages.receive(bad), messages.receive(good)]);
    expect(results[1]!.status).toBe('rejected');
    const stored = (await messages.list({ limit: 200 })).items.map((m) => m.controlId);
    expect(stored).not.toContain('BAD1');
    // A later message is stored as usual.
    expect((await messages.receive(incoming('BAD3'))).duplicate).toBe(false);
  });

  it('records trace events and status changes for processing', async () => {
    const r = await messages.receive(incoming('TRACE1'));
    await messages.addTrace(r.id, 'decision', { skipped: 'nothing OnCall holds changed' });
    await messages.addTrace(r.id, 'call', { method: 'PATCH', status: 200 });
    await messages.setStatus(r.id, 'processed', { countAttempt: true });
    const m = await messages.get(r.id);
    expect(m).toMatchObject({ status: 'processed', attempts: 1 });
    expect(m?.processedAt).toMatch(/^\d{4}-/);
    expect(m?.trace.map((t) => t.kind)).toEqual(['decision', 'call']);
    expect(m?.trace[1]?.detail).toEqual({ method: 'PATCH', status: 200 });
  });

  it('purges processed and ignored messages after their days, failed and rejected ones later, never unprocessed ones', async () => {
    const old = '2020-01-01T00:00:00.000Z';
    const mk = async (id: string, status: 'received' | 'processed' | 'failed' | 'ignored' | 'rejected', receivedAt: string) => {
      const r = await messages.receive(incoming(id, status === 'received' || status === 'processed' || status === 'failed' ? 'received' : status));
      if (status === 'processed' || status === 'failed') await messages.setStatus(r.id, status);
      await messages.addTrace(r.id, 'decision', {});
      await store.db.updateTable('messages').set({ received_at: receivedAt }).where('id', '=', r.id).execute();
      return r.id;
    };
    const now = new Date('2020-03-01T00:00:00.000Z'); // 60 days after `old`
    const ids = {
      processedOld: await mk('R-P-OLD', 'processed', old),
      ignoredOld: await mk('R-I-OLD', 'ignored', old),
      failedOld: await mk('R-F-OLD', 'failed', old),
      rejectedOld: await mk('R-R-OLD', 'rejected', old),
      receivedOld: await mk('R-W-OLD', 'received', old),
      processedNew: await mk('R-P-NEW', 'processed', '2020-02-25T00:00:00.000Z'),
    };
    const r = await purgeMessages(store.db, { processedDays: 30, failedDays: 90 }, now);
    expect(r.messages).toBe(2);
    const left = await store.db.selectFrom('messages').select('control_id').where('control_id', 'like', 'R-%').execute();
    expect(left.map((x) => x.control_id).sort()).toEqual(['R-F-OLD', 'R-P-NEW', 'R-R-OLD', 'R-W-OLD']);
    // Their patients and trace went with them.
    for (const id of [ids.processedOld, ids.ignoredOld]) {
      expect(await store.db.selectFrom('message_patients').select('patient_id').where('message_id', '=', id).execute()).toEqual([]);
      expect(await store.db.selectFrom('message_events').select('id').where('message_id', '=', id).execute()).toEqual([]);
    }
    // 100 days on, failed and rejected go too; the one never processed stays.
    expect((await purgeMessages(store.db, { processedDays: 30, failedDays: 90 }, new Date('2020-04-15T00:00:00.000Z'))).messages).toBe(3);
    expect((await store.db.selectFrom('messages').select('control_id').where('control_id', 'like', 'R-%').execute()).map((x) => x.control_id)).toEqual(['R-W-OLD']);
    expect((await purgeMessages(store.db, { processedDays: 30, failedDays: 90 }, new Date('2020-04-15T00:00:00.000Z'))).messages).toBe(0);
  });
});

describe('message settings', () => {
  it('reads the listener and retention settings from the environment, with defaults', () => {
    expect(mllpListenerSettings({})).toMatchObject({ port: 2576, host: '127.0.0.1', maxFrameBytes: 1048576, maxConnections: 200, charset: 'UTF-8', emrIdType: 'MR' });
    expect(mllpListenerSettings({ EHR_BRIDGE_MLLP_PORT: '0', EHR_BRIDGE_MLLP_CHARSET: 'iso-8859-1', EHR_BRIDGE_MLLP_EMR_ID_TYPE: 'PI' })).toMatchObject({ port: 0, charset: 'ISO-8859-1', emrIdType: 'PI' });
    expect(mllpListenerSettings({ EHR_BRIDGE_MLLP_PORT: '7000' }, { port: 0 }).port).toBe(0);
    expect(messageRetention({})).toEqual({ processedDays: 30, failedDays: 90 });
  });

  it('names the variable that is wrong', () => {
    expect(() => mllpListenerSettings({ EHR_BRIDGE_MLLP_PORT: '70000' })).toThrow(/EHR_BRIDGE_MLLP_PORT/);
    expect(() => mllpListenerSettings({ EHR_BRIDGE_MLLP_CHARSET: 'EBCDIC' })).toThrow(/EHR_BRIDGE_MLLP_CHARSET/);
    expect(() => mllpListenerSettings({ EHR_BRIDGE_MLLP_TLS_CERT: '/x.pem' })).toThrow(MessageSettingsError);
    expect(() => messageRetention({ EHR_BRIDGE_MESSAGES_RETENTION_DAYS: '0' })).toThrow(/EHR_BRIDGE_MESSAGES_RETENTION_DAYS/);
  });
});
