import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testStore, type TestStore } from '../../../test/helpers/stores.js';
import { MessageStore } from '../../messages/message-store.js';
import { mllpListenerSettings, type MllpListenerSettings } from '../../messages/settings.js';
import { MllpConnection } from '../../mllp/client.js';
import { MllpDeframer, frame } from '../../mllp/framer.js';
import { startChunkingProxy } from '../../mllp/test-helpers/chunking-proxy.js';
import { MllpListener, MllpPortInUseError } from './listener.js';
import { ackMessage, adtMessage, msa } from './test-helpers/hl7-samples.js';

/**
 * The inbound MLLP listener over real TCP sockets, on SQLite and PostgreSQL (issue 8, source 1
 * and "bad input and faults"): the message is stored before its ACK leaves, a resend gets the
 * same ACK and no second row, refused input is kept for inspection, and framing faults and idle
 * connections cannot exhaust the engine.
 */
describe.each(DIALECTS)('MLLP listener (%s)', (dialect) => {
  let store: TestStore;
  let messages: MessageStore;
  const listeners: MllpListener[] = [];
  const clients: MllpConnection[] = [];

  beforeAll(async () => {
    store = await testStore(dialect);
    messages = new MessageStore(store.db, store.dialect);
  }, 30_000);
  afterAll(async () => {
    await store?.dispose();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await Promise.all(listeners.splice(0).map((l) => l.close()));
  });

  async function listen(overrides: Partial<MllpListenerSettings> = {}): Promise<{ listener: MllpListener; port: number }> {
    const listener = new MllpListener(mllpListenerSettings({}, { port: 0, host: '127.0.0.1', ...overrides }), { messages });
    listeners.push(listener);
    const { port } = await listener.start();
    return { listener, port };
  }
  function connect(port: number): MllpConnection {
    const c = new MllpConnection({ host: '127.0.0.1', port, connectTimeoutMs: 5000, ackTimeoutMs: 10_000 });
    clients.push(c);
    return c;
  }
  const rowsFor = (controlId: string) =>
    store.db.selectFrom('messages').selectAll().where('control_id', '=', controlId).orderBy('id').execute();
  const uniq = (tag: string) => `${tag}${Math.random().toString(36).slice(2, 10)}`.slice(0, 20);

  it('stores the message before the ACK arrives, with its identifiers, patients and trace', async () => {
    const { port } = await listen();
    const id = uniq('STORE');
    const ack = await connect(port).send(adtMessage({ controlId: id, patientId: 'MRN-STORE-1' }));
    // The ACK is only written once the transaction committed: the row is there now.
    const rows = await rowsFor(id);
    expect(msa(ack)).toMatchObject({ code: 'AA', controlId: id });
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row).toMatchObject({ channel: 'mllp', status: 'received', message_type: 'ADT', event: 'A08', version: '2.5.1', sending_application: 'EMR', sending_facility: 'CLINIC', ack_code: 'AA', times_received: 1 });
    expect(Buffer.from(row.raw).equals(adtMessage({ controlId: id, patientId: 'MRN-STORE-1' }))).toBe(true);
    expect(Buffer.from(row.ack!).equals(ack)).toBe(true);
    expect(row.received_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const detail = await messages.get(Number(row.id));
    expect(detail?.patientIds).toEqual(['MRN-STORE-1']);
    // What it becomes is recorded when it is processed; nothing to say yet.
    expect(detail?.trace).toEqual([]);
  });

  it('answers a resend after a lost ACK with the identical ACK, and keeps one row', async () => {
    const { port } = await listen();
    const id = uniq('RESEND');
    const msg = adtMessage({ controlId: id, patientId: 'MRN-RESEND' });
    const first = await connect(port).send(msg);
    // The sender never saw that ACK: it reconnects and sends the same bytes again.
    const second = await connect(port).send(msg);
    expect(second.equals(first)).toBe(true);
    const rows = await rowsFor(id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.times_received).toBe(2);
    const patients = await store.db.selectFrom('message_patients').selectAll().where('message_id', '=', rows[0]!.id).execute();
    expect(patients).toHaveLength(1);
  });

  it('keeps two copies sent at the same moment on two connections as one message', async () => {
    const { port } = await listen();
    const id = uniq('TWIN');
    const msg = adtMessage({ controlId: id });
    const acks = await Promise.all([connect(port).send(msg), connect(port).send(msg), connect(port).send(msg)]);
    expect(acks.every((a) => a.equals(acks[0]!))).toBe(true);
    const rows = await rowsFor(id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.times_received).toBe(3);
  });

  it('records the same control id with different content as two messages (feeds that reuse ids)', async () => {
    const { port } = await listen();
    const id = uniq('REUSE');
    const c = connect(port);
    const a = await c.send(adtMessage({ controlId: id, family: 'Doe' }));
    const b = await c.send(adtMessage({ controlId: id, family: 'Roe' }));
    expect([msa(a).code, msa(b).code]).toEqual(['AA', 'AA']);
    const rows = await rowsFor(id);
    expect(rows).toHaveLength(2);
    expect(rows[0]!.content_hash).not.toBe(rows[1]!.content_hash);
  });

  it('answers bytes that are not HL7 with AR and keeps them, as rejected, for inspection', async () => {
    const { port } = await listen();
    const garbage = Buffer.from(`hello, this is not HL7 ${uniq('G')}\r\n`);
    const ack = await connect(port).send(garbage);
    expect(msa(ack).code).toBe('AR');
    expect(msa(ack).err.length).toBeGreaterThan(0);
    const row = await store.db.selectFrom('messages').selectAll().where('raw', '=', garbage).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'rejected', ack_code: 'AR', control_id: '', message_type: '' });
    expect(row.error).toMatch(/not an HL7 v2 message/);
    const trace = await messages.trace(Number(row.id));
    expect(trace).toMatchObject([{ kind: 'parsed', detail: { outcome: 'rejected', ack: 'AR', errors: [{ code: '100' }] } }]);
  });

  it('answers AE with an ERR segment for an ADT without PID-3, and keeps the message as rejected', async () => {
    const { port } = await listen();
    const id = uniq('NOPID');
    const bad = Buffer.from(adtMessage({ controlId: id }).toString('utf8').replace(/PID\|1\|\|[^|]*\|/, 'PID|1|||'));
    const ack = await connect(port).send(bad);
    expect(msa(ack)).toMatchObject({ code: 'AE', controlId: id });
    expect(msa(ack).err.join('')).toContain('PID');
    const [row] = await rowsFor(id);
    expect(row).toMatchObject({ status: 'rejected', ack_code: 'AE' });
    // Error text names the field, never its value (patient data).
    expect(row!.error).not.toMatch(/Doe|Jane/);
  });

  it('answers AE for content it cannot use (a date of birth that is no date), never AA first and a failure later', async () => {
    const { port } = await listen();
    const id = uniq('BADDATE');
    const bad = Buffer.from(adtMessage({ controlId: id }).toString('utf8').replace('||19800101|', '||19801345|'));
    const ack = await connect(port).send(bad);
    expect(msa(ack)).toMatchObject({ code: 'AE', controlId: id });
    expect(msa(ack).err.join('')).toContain('PID^1^7');
    const [row] = await rowsFor(id);
    expect(row).toMatchObject({ status: 'rejected', ack_code: 'AE' });
  });

  it('stores an A03 as ignored and answers AA; stores an inbound ACK and answers nothing', async () => {
    const { port } = await listen();
    const a03 = uniq('A03');
    const ackId = uniq('ACKIN');
    const next = uniq('AFTER');
    const c = connect(port);
    expect(msa(await c.send(adtMessage({ controlId: a03, event: 'A03' }))).code).toBe('AA');
    // Never an ACK to an ACK: the next frame back on this connection answers the message after it.
    const raw = await rawExchange(port, [ackMessage(ackId, 'SOMETHING'), adtMessage({ controlId: next })], 1);
    expect(raw.map((r) => msa(r).controlId)).toEqual([next]);
    expect((await rowsFor(a03))[0]).toMatchObject({ status: 'ignored', ack_code: 'AA' });
    expect((await rowsFor(ackId))[0]).toMatchObject({ status: 'ignored', status_reason: 'ack', ack: null, ack_code: null });
  });

  it('reads two frames from one TCP chunk, and one frame split over many chunks', async () => {
    const { port } = await listen();
    const one = uniq('ONE');
    const two = uniq('TWO');
    const acks = await rawExchange(port, [adtMessage({ controlId: one }), adtMessage({ controlId: two })], 2);
    expect(acks.map((a) => msa(a).controlId)).toEqual([one, two]);

    const proxy = await startChunkingProxy({ targetPort: port, upstream: ['byte-by-byte', 'split-fs-cr'] });
    try {
      const slow = uniq('SLOW');
      const ack = await connect(proxy.port).send(adtMessage({ controlId: slow }));
      expect(msa(ack)).toMatchObject({ code: 'AA', controlId: slow });
      expect(await rowsFor(slow)).toHaveLength(1);
    } finally {
      await proxy.close();
    }
    expect(await rowsFor(one)).toHaveLength(1);
    expect(await rowsFor(two)).toHaveLength(1);
  });

  it('stores nothing from a frame cut in the middle by a closed socket', async () => {
    const { port } = await listen();
    const cut = uniq('CUT');
    const framed = frame(adtMessage({ controlId: cut }));
    await new Promise<void>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => s.end(framed.subarray(0, Math.floor(framed.length / 2))));
      s.on('close', () => resolve());
      s.on('error', reject);
    });
    // A message sent afterwards is answered: anything of the cut frame would have been handled before it.
    const after = uniq('AFTERCUT');
    expect(msa(await connect(port).send(adtMessage({ controlId: after }))).code).toBe('AA');
    expect(await rowsFor(cut)).toHaveLength(0);
  });

  it('answers a 40 MB frame over the cap with AR after reading at most the cap, and keeps only its start', async () => {
    const { listener, port } = await listen({ maxFrameBytes: 1024 * 1024 });
    const id = uniq('HUGE');
    const head = adtMessage({ controlId: id });
    const total = 40 * 1024 * 1024;
    const result = await new Promise<{ ack: Buffer | undefined; written: number }>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      const deframer = new MllpDeframer();
      let ack: Buffer | undefined;
      let written = 0;
      const chunk = Buffer.alloc(64 * 1024, 'A'.charCodeAt(0));
      s.on('data', (d) => (ack ??= deframer.feed(d)[0]));
      s.on('error', () => undefined);
      s.on('close', () => resolve({ ack, written }));
      s.on('connect', () => {
        s.write(Buffer.concat([Buffer.from([0x0b]), head, Buffer.from('OBX|1|ED|PDF^Report||')]));
        // Streamed from one small buffer: the sender holds 64 KB, never 40 MB.
        const pump = (): void => {
          while (written < total && !s.destroyed) {
            written += chunk.length;
            if (!s.write(chunk)) return void s.once('drain', pump);
          }
          if (!s.destroyed) s.end(Buffer.from([0x1c, 0x0d]));
        };
        pump();
      });
    });
    expect(result.ack && msa(result.ack)).toMatchObject({ code: 'AR', controlId: id });
    // The listener closed the connection long before the 40 MB were through: it never held them.
    expect(result.written).toBeLessThan(total);
    const [row] = await rowsFor(id);
    expect(row).toMatchObject({ status: 'rejected', ack_code: 'AR', raw_truncated: 1 });
    expect(row!.raw.length).toBeLessThanOrEqual(4096);
    expect(row!.size_bytes).toBeGreaterThan(1024 * 1024);
    expect(listener.stats().oversize).toBe(1);
    // The listener is fine afterwards.
    expect(msa(await connect(port).send(adtMessage({ controlId: uniq('OK') }))).code).toBe('AA');
  });

  it('bounds 500 idle connections: extra ones are closed at once, idle ones after the idle timeout', async () => {
    const { listener, port } = await listen({ maxConnections: 50, idleTimeoutSeconds: 1 });
    const sockets: net.Socket[] = [];
    let closed = 0;
    await Promise.all(
      Array.from({ length: 500 }, () =>
        new Promise<void>((resolve) => {
          const s = net.connect(port, '127.0.0.1', () => resolve());
          s.on('error', () => resolve());
          s.on('close', () => closed++);
          sockets.push(s);
        }),
      ),
    );
    let most = 0;
    await expect
      .poll(() => {
        most = Math.max(most, listener.stats().openConnections);
        return closed;
      }, { timeout: 15_000, interval: 20 })
      .toBe(500);
    expect(most).toBeLessThanOrEqual(50);
    // Senders get through again once the idle ones are gone.
    expect(msa(await connect(port).send(adtMessage({ controlId: uniq('AFTERIDLE') }))).code).toBe('AA');
    for (const s of sockets) s.destroy();
  });

  it('serves MLLP over TLS with a certificate and key from files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ehrb-mllp-tls-'));
    try {
      const [certFile, keyFile] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
      const { port } = await listen({ tls: { certFile, keyFile } });
      const id = uniq('TLS');
      const secure = new MllpConnection({ host: '127.0.0.1', port, connectTimeoutMs: 5000, ackTimeoutMs: 10_000, tls: { ca: readFileSync(certFile) } });
      clients.push(secure);
      expect(msa(await secure.send(adtMessage({ controlId: id }))).code).toBe('AA');
      expect(await rowsFor(id)).toHaveLength(1);
      // Plain TCP to a TLS listener gets no ACK and stores nothing.
      const plain = uniq('PLAIN');
      await expect(new MllpConnection({ host: '127.0.0.1', port, connectTimeoutMs: 2000, ackTimeoutMs: 2000 }).send(adtMessage({ controlId: plain }))).rejects.toThrow();
      expect(await rowsFor(plain)).toHaveLength(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says clearly when its port is already taken', async () => {
    const { port } = await listen();
    const second = new MllpListener(mllpListenerSettings({}, { port, host: '127.0.0.1' }), { messages });
    await expect(second.start()).rejects.toThrow(MllpPortInUseError);
    await expect(second.start()).rejects.toThrow(/--mllp-port|EHR_BRIDGE_MLLP_PORT/);
  });
});

/** Sends frames in ONE write and collects `expected` answer frames (then closes). */
async function rawExchange(port: number, messages: Buffer[], expected: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const deframer = new MllpDeframer();
    const got: Buffer[] = [];
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`got ${got.length} of ${expected} answers`));
    }, 10_000);
    s.on('connect', () => s.write(Buffer.concat(messages.map((m) => frame(m)))));
    s.on('data', (d) => {
      got.push(...deframer.feed(d));
      if (got.length >= expected) {
        clearTimeout(timer);
        s.destroy();
        resolve(got);
      }
    });
    s.on('error', reject);
  });
}
