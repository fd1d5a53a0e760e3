import net from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAck } from '../../hl7/ack.js';
import { sampleInput } from '../../hl7/test-helpers/sample-input.js';
import { sendMllp } from '../../mllp/client.js';
import { MllpDeframer, frame } from '../../mllp/framer.js';
import { renderForEhr } from '../../partners/ehr/formats/index.js';
import { ehrSandbox, getEhrSandboxInfo, type EhrSandboxOptions } from './index.js';

/**
 * Issue 6, items 6 and 7: what the EHR receiver stores can be hostile (a document declared
 * text/html) or huge (30 MB garbage frames). It serves stored bytes as inert attachments, keeps
 * a bounded number of bytes, refuses oversize frames without buffering them, and lists in pages.
 */
const PREFIX = '/sandbox/ehr';
let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(opts: EhrSandboxOptions = {}): Promise<FastifyInstance> {
  app = Fastify();
  await app.register(ehrSandbox, { prefix: PREFIX, mllpPort: 0, ...opts });
  await app.ready();
  return app;
}

const mllp = (a: FastifyInstance) => ({ host: '127.0.0.1', port: getEhrSandboxInfo(a).mllpPort, connectTimeoutMs: 1000, ackTimeoutMs: 10_000 });

/** An ORU^R01 whose ED OBX declares `type/subtype` and carries `data`. */
function oruWith(type: string, subtype: string, data: Buffer, controlId: string): Buffer {
  const text = renderForEhr('hl7-oru', sampleInput({ controlId })).main.bytes.toString('utf8');
  const replaced = text.replace(/\^AP\^PDF\^Base64\^[A-Za-z0-9+/=]+/, `^${type}^${subtype}^Base64^${data.toString('base64')}`);
  expect(replaced).not.toBe(text);
  return Buffer.from(replaced, 'utf8');
}

/** Writes raw bytes as one MLLP frame on a fresh socket; resolves with the answer (if any) and whether the server closed. */
function rawFrame(port: number, payload: Buffer): Promise<{ ack: string | null; closed: boolean }> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const d = new MllpDeframer();
    let ack: string | null = null;
    sock.on('data', (c: Buffer) => {
      for (const f of d.feed(c)) ack ??= f.toString('utf8');
    });
    sock.on('error', () => undefined); // a reset while we still write is the server closing on us
    sock.on('close', () => resolve({ ack, closed: true }));
    sock.on('connect', () => {
      sock.write(frame(payload));
    });
    setTimeout(() => {
      sock.destroy();
      resolve({ ack, closed: false });
    }, 15_000).unref();
  });
}

/** Garbage that decodes to two-byte characters (invalid UTF-8), without MLLP framing bytes. */
function garbage(size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i += 4096) b.fill(i % 8192 === 0 ? 0xc3 : 0x41 + ((i / 4096) % 26), i, Math.min(size, i + 4096));
  return b;
}

describe('EHR sandbox: stored documents are served inert', () => {
  it('serves a document declared text/html as an octet-stream attachment, nosniff', async () => {
    const a = await start();
    const html = Buffer.from('<html><script>fetch("/api/api-keys",{method:"POST"})</script></html>');
    const ack = parseAck(await sendMllp(mllp(a), oruWith('text', 'html', html, 'TX-XSS')));
    expect(ack.ackCode).toBe('AA');
    const [item] = getEhrSandboxInfo(a).store.list();
    expect(item?.document?.contentType).toBe('text/html'); // declared, as received

    const doc = await a.inject({ method: 'GET', url: `${PREFIX}/_admin/received/${item!.id}/document` });
    expect(doc.statusCode).toBe(200);
    expect(doc.headers['content-type']).toBe('application/octet-stream');
    expect(doc.headers['content-disposition']).toBe(`attachment; filename="document-${item!.id}.bin"`);
    expect(doc.headers['x-content-type-options']).toBe('nosniff');
    expect(doc.headers['content-security-policy']).toContain("default-src 'none'");
    expect(doc.rawPayload.equals(html)).toBe(true);

    // The message text is a download too, never rendered.
    const raw = await a.inject({ method: 'GET', url: `${PREFIX}/_admin/received/${item!.id}/raw` });
    expect(raw.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(raw.headers['content-disposition']).toMatch(/^attachment; /);
    expect(raw.headers['x-content-type-options']).toBe('nosniff');
  });

  it('keeps an allowed declared type (PNG), still as an attachment; unknown ids answer 404', async () => {
    const a = await start();
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    await sendMllp(mllp(a), oruWith('IM', 'PNG', png, 'TX-PNG'));
    const [item] = getEhrSandboxInfo(a).store.list();
    const doc = await a.inject({ method: 'GET', url: `${PREFIX}/_admin/received/${item!.id}/document` });
    expect(doc.headers['content-type']).toBe('image/png');
    expect(doc.headers['content-disposition']).toBe(`attachment; filename="document-${item!.id}.png"`);
    expect((await a.inject({ method: 'GET', url: `${PREFIX}/_admin/received/nope/document` })).statusCode).toBe(404);
    expect((await a.inject({ method: 'GET', url: `${PREFIX}/_admin/received/nope/raw` })).statusCode).toBe(404);
  });
});

describe('EHR sandbox: bounded memory', () => {
  it('caps the bytes it keeps, evicting the oldest, and pages the listing newest first', async () => {
    const a = await start({ maxStoredBytes: 1024 * 1024 });
    const store = getEhrSandboxInfo(a).store;
    const doc = Buffer.alloc(200 * 1024, 7);
    for (let i = 1; i <= 6; i++) {
      expect(parseAck(await sendMllp(mllp(a), oruWith('AP', 'PDF', doc, `TX-CAP-${i}`))).ackCode).toBe('AA');
    }
    // Each message is ~270 KB of text + 200 KB of document: two fit in 1 MiB.
    expect(store.storedBytes).toBeLessThanOrEqual(1024 * 1024);
    expect(store.list().map((i) => i.controlId)).toEqual(['TX-CAP-5', 'TX-CAP-6']);

    const first = await a.inject({ method: 'GET', url: `${PREFIX}/_admin/received?limit=1` });
    const p1 = first.json() as { items: { controlId: string; raw?: string; rawChars: number }[]; nextBefore: number | null; total: number; storedBytes: number };
    expect(p1.items.map((i) => i.controlId)).toEqual(['TX-CAP-6']);
    expect(p1.items[0]!.raw).toBeUndefined();
    expect(p1.items[0]!.rawChars).toBeGreaterThan(200_000);
    expect(first.body.length).toBeLessThan(8 * 1024); // a summary, not the document
    expect(p1).toMatchObject({ total: 2 });
    const second = (await a.inject({ method: 'GET', url: `${PREFIX}/_admin/received?limit=1&before=${p1.nextBefore}` })).json() as typeof p1;
    expect(second.items.map((i) => i.controlId)).toEqual(['TX-CAP-5']);
    expect(second.nextBefore).toBeNull();
    expect((await a.inject({ method: 'GET', url: `${PREFIX}/_admin/received?limit=100000` })).statusCode).toBe(400);
    expect((await a.inject({ method: 'GET', url: `${PREFIX}/_admin/received?before=abc` })).statusCode).toBe(400);
  });

  it('keeps only the verdict of a message larger than the whole limit', async () => {
    const a = await start({ maxStoredBytes: 64 * 1024 });
    expect(parseAck(await sendMllp(mllp(a), oruWith('AP', 'PDF', Buffer.alloc(100 * 1024, 1), 'TX-BIG'))).ackCode).toBe('AA');
    const [item] = getEhrSandboxInfo(a).store.list();
    expect(item).toMatchObject({ controlId: 'TX-BIG', accepted: true, raw: '' });
    expect(item!.notKept).toMatch(/over the receiver's limit/);
    expect(getEhrSandboxInfo(a).store.storedBytes).toBe(0);
    expect((await a.inject({ method: 'GET', url: `${PREFIX}/_admin/received/${item!.id}/document` })).statusCode).toBe(404);
  });

  it('answers AR to an oversize frame and closes the connection, storing none of it', async () => {
    const a = await start({ maxFrameBytes: 1024 * 1024 });
    const res = await rawFrame(getEhrSandboxInfo(a).mllpPort, garbage(3 * 1024 * 1024));
    expect(res.closed).toBe(true);
    expect(res.ack).toContain('MSA|AR|');
    expect(res.ack).toContain('frame over 1048576 bytes refused');
    const items = getEhrSandboxInfo(a).store.list();
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ transport: 'mllp', ack: 'AR', accepted: false, raw: '', rawElided: '' });
    expect(getEhrSandboxInfo(a).store.storedBytes).toBe(0);
    // The listener carries on for the next sender.
    expect(parseAck(await sendMllp(mllp(a), oruWith('AP', 'PDF', Buffer.alloc(10, 1), 'TX-AFTER'))).ackCode).toBe('AA');
  });

  it('eight 30 MB garbage frames: rss stays bounded, the listing stays small and fast', async () => {
    const a = await start(); // the defaults: 32 MiB frames, 64 MiB kept
    const port = getEhrSandboxInfo(a).mllpPort;
    const junk = garbage(30 * 1024 * 1024);
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    for (let i = 0; i < 8; i++) {
      const conn = { host: '127.0.0.1', port, connectTimeoutMs: 2000, ackTimeoutMs: 30_000 };
      expect(parseAck(await sendMllp(conn, junk)).ackCode).toBe('AR');
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    const store = getEhrSandboxInfo(a).store;
    // The newest that fit in 64 MiB stay (two of ~30 M characters); the older ones were evicted.
    expect(store.storedBytes).toBeLessThanOrEqual(64 * 1024 * 1024);
    expect(store.list().map((i) => i.seq)).toEqual([7, 8]);

    const t0 = performance.now();
    const list = await a.inject({ method: 'GET', url: `${PREFIX}/_admin/received` });
    const took = performance.now() - t0;
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(list.statusCode).toBe(200);
    expect(list.body.length).toBeLessThan(128 * 1024);
    expect(took).toBeLessThan(1000);
    // Before the caps the same run held 240 MB of frames plus the listing's copies (4 GB).
    expect(peak - rssBefore).toBeLessThan(700 * 1024 * 1024);
  }, 120_000);
});
