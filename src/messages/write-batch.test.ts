import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testStore, type TestStore } from '../../test/helpers/stores.js';
import { MessageStore } from './message-store.js';
import type { IncomingMessage } from './types.js';

function incoming(controlId: string, extra: Partial<IncomingMessage> = {}): IncomingMessage {
  return {
    channel: 'mllp',
    raw: Buffer.from(`MSH|^~\\&|EMR|CLINIC|||20260101||ADT^A08|${controlId}|P|2.5\rPID|1||X\r`),
    header: { sendingApplication: 'EMR', sendingFacility: 'CLINIC', controlId, messageType: 'ADT', event: 'A08', version: '2.5' },
    status: 'received',
    patientIds: ['WB-P1'],
    ack: Buffer.from(`ACK ${controlId}`),
    ackCode: 'AA',
    ...extra,
  };
}

/** One group commit holding every kind of row writeBatch handles (write-batch.ts). */
describe.each(DIALECTS)('message store batch write (%s)', (dialect) => {
  let store: TestStore;
  let messages: MessageStore;
  beforeAll(async () => {
    store = await testStore(dialect);
    messages = new MessageStore(store.db, store.dialect);
  }, 30_000);
  afterAll(() => store?.dispose());

  it('writes new, refused, resent and doubled messages of one batch, each with its patients, trace and ACK', async () => {
    const stored = await messages.receive(incoming('WB-OLD'));
    const before = messages.commitStats.batches;
    const rejected = incoming('WB-REJ', {
      status: 'rejected',
      statusReason: 'Required field missing',
      patientIds: [],
      ackCode: 'AE',
      error: '101: PID-3 is required',
      parsed: { outcome: 'rejected', ack: 'AE' },
      raw: Buffer.from("MSH|^~\\&|EMR|CLINIC|||20260101||ADT^A08|WB-REJ|P|2.5\rPID|1||\r"),
    });
    const twoPatients = incoming('WB-TWO', { patientIds: ['WB-P2', 'WB-P3', 'WB-P2', ''] });
    const [a, b, c, d, e] = await Promise.all([
      messages.receive(twoPatients),
      messages.receive(rejected),
      messages.receive(incoming('WB-OLD', { ack: Buffer.from('a new ACK') })),
      messages.receive(twoPatients),
      messages.receive(incoming('WB-LAST', { remoteAddress: '10.0.0.9', sizeBytes: 9000 })),
    ]);
    expect(messages.commitStats.batches).toBe(before + 1);

    // New rows get ids in batch order; the copy takes the first one's receipt.
    expect(a).toMatchObject({ duplicate: false, status: 'received' });
    expect(b).toMatchObject({ duplicate: false, status: 'rejected' });
    expect(b!.id).toBeGreaterThan(a!.id);
    expect(e!.id).toBeGreaterThan(b!.id);
    expect(d).toMatchObject({ id: a!.id, duplicate: true });
    expect(d!.ack!.toString()).toBe('ACK WB-TWO');
    // The resend of a stored message: its stored ACK and row, counted.
    expect(c).toMatchObject({ id: stored.id, duplicate: true, status: 'received' });
    expect(c!.ack!.toString()).toBe('ACK WB-OLD');

    const two = await messages.get(a!.id);
    expect(two).toMatchObject({ timesReceived: 2, patientIds: expect.arrayContaining(['WB-P2', 'WB-P3']), trace: [] });
    expect(two!.patientIds).toHaveLength(2);
    expect(two!.raw.equals(twoPatients.raw)).toBe(true);
    expect((await messages.get(stored.id))?.timesReceived).toBe(2);
    const refused = await messages.get(b!.id);
    expect(refused).toMatchObject({ status: 'rejected', statusReason: 'Required field missing', ackCode: 'AE', error: '101: PID-3 is required', patientIds: [] });
    expect(refused!.trace).toMatchObject([{ kind: 'parsed', detail: { outcome: 'rejected', ack: 'AE' } }]);
    expect(refused!.ack!.toString()).toBe('ACK WB-REJ');
    const last = await messages.get(e!.id);
    expect(last).toMatchObject({ remoteAddress: '10.0.0.9', sizeBytes: 9000, rawTruncated: true, patientIds: ['WB-P1'] });
    expect(last!.receivedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('keeps values that array literals would misread: quotes, backslashes, braces, commas, NULL, non-ASCII', async () => {
    const odd = 'NULL';
    const tricky = 'a"b\\c{d},e NULL é😀';
    const [x, y] = await Promise.all([
      messages.receive(incoming(odd, { patientIds: [odd, tricky], statusReason: tricky, remoteAddress: '"' })),
      messages.receive(incoming(tricky, { patientIds: [''], status: 'rejected', error: tricky, parsed: { text: tricky } })),
    ]);
    expect(await messages.get(x!.id)).toMatchObject({ controlId: 'NULL', patientIds: expect.arrayContaining([odd, tricky]), statusReason: tricky, remoteAddress: '"' });
    expect(await messages.get(y!.id)).toMatchObject({ controlId: tricky, patientIds: [], error: tricky, trace: [{ kind: 'parsed', detail: { text: tricky } }] });
  });

  it('stores a batch larger than one SQLite statement takes (600 messages at once)', async () => {
    const big = new MessageStore(store.db, store.dialect, { maxBatch: 1000 });
    const receipts = await Promise.all(Array.from({ length: 600 }, (_, i) => big.receive(incoming(`WB-BIG${i}`, { patientIds: [`WB-BIG-P${i % 3}`] }))));
    expect(big.commitStats.largestBatch).toBe(600);
    expect(new Set(receipts.map((r) => r.id)).size).toBe(600);
    expect(receipts.map((r) => r.id)).toEqual([...receipts.map((r) => r.id)].sort((x, y) => x - y));
    const page = await messages.list({ patientId: 'WB-BIG-P1', limit: 200 });
    expect(page.items).toHaveLength(200);
  }, 60_000);
});
