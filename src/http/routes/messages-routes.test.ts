import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase, DIALECTS } from '../../../test/helpers/stores.js';
import { MllpListener } from '../../channels/mllp-listener/listener.js';
import { adtMessage } from '../../channels/mllp-listener/test-helpers/hl7-samples.js';
import { MessageStore } from '../../messages/message-store.js';
import { mllpListenerSettings } from '../../messages/settings.js';
import { MllpConnection } from '../../mllp/client.js';
import { startServer, type RunningServer } from '../../server/start.js';

/**
 * GET /api/messages and /api/messages/:id (issue 8, "seeing it work"), on SQLite and
 * PostgreSQL, with messages received over a real MLLP connection: newest first, filters by
 * status, type, patient, control id and time, keyset pages, no bodies in the list, one message
 * with its raw text, ACK and trace; an API key works, no credentials do not.
 */
describe.each(DIALECTS)('messages API (%s)', (dialect) => {
  const password = 'correct horse battery';
  let dir: string;
  let drop: (() => Promise<void>) | undefined;
  let server: RunningServer;
  let listener: MllpListener;
  let cookie: string;

  const call = async (path: string, headers: Record<string, string> = { cookie }) => {
    const res = await fetch(`${server.url}${path}`, { headers });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ehrb-messages-'));
    let databaseUrl = join(dir, 'db.sqlite');
    if (dialect === 'postgres') ({ url: databaseUrl, drop } = await createPgDatabase());
    // Sync off: this test lists messages as stored; a running processor would move them on.
    server = await startServer({ port: 0, host: '127.0.0.1', databaseUrl, logLevel: 'silent', admin: { password }, ehr: { sandboxMllpPort: 0 } }, { ...process.env, EHR_BRIDGE_SYNC: 'off' });
    const res = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'admin', password }) });
    cookie = res.headers.get('set-cookie')!.split(';')[0]!;

    listener = new MllpListener(mllpListenerSettings({}, { port: 0 }), { messages: new MessageStore(server.ctx.store.db, server.ctx.store.dialect) });
    const { port } = await listener.start();
    const c = new MllpConnection({ host: '127.0.0.1', port, connectTimeoutMs: 5000, ackTimeoutMs: 10_000 });
    // 12 messages, one after the other: 8 updates of two patients, 2 discharges (ignored), 1 not HL7, 1 without PID-3.
    for (let i = 0; i < 8; i++) await c.send(adtMessage({ controlId: `UPD${i}`, patientId: i % 2 ? 'MRN-ODD' : 'MRN-EVEN' }));
    await c.send(adtMessage({ controlId: 'DIS1', patientId: 'MRN-ODD', event: 'A03' }));
    await c.send(adtMessage({ controlId: 'DIS2', patientId: 'MRN-OTHER', event: 'A03' }));
    await c.send(Buffer.from('this is not HL7 at all'));
    await c.send(Buffer.from(adtMessage({ controlId: 'NOPID' }).toString().replace(/PID\|1\|\|[^|]*\|/, 'PID|1|||')));
    c.close();
  }, 60_000);
  afterAll(async () => {
    await listener?.close();
    await server?.close();
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists every message newest first, without message bodies', async () => {
    const r = await call('/api/messages');
    expect(r.status).toBe(200);
    expect(r.body.items).toHaveLength(12);
    expect(r.body.next).toBeNull();
    expect(r.body.items[0]).toMatchObject({ controlId: 'NOPID', status: 'rejected', ackCode: 'AE' });
    expect(r.body.items.at(-1)).toMatchObject({ controlId: 'UPD0', status: 'received', messageType: 'ADT', event: 'A08', patientIds: ['MRN-EVEN'] });
    const ids = r.body.items.map((m: { id: number }) => m.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    for (const m of r.body.items) {
      expect(m).not.toHaveProperty('raw');
      expect(m).not.toHaveProperty('ack');
      expect(JSON.stringify(m)).not.toMatch(/Doe|Jane|Main St/);
    }
  });

  it('filters by status, type (with or without the event), patient, control id and time', async () => {
    const ctrl = async (q: string) => (await call(`/api/messages?${q}`)).body.items.map((m: { controlId: string }) => m.controlId);
    expect(await ctrl('status=ignored')).toEqual(['DIS2', 'DIS1']);
    expect(await ctrl('status=rejected')).toEqual(['NOPID', '']);
    expect(await ctrl('type=ADT%5EA03')).toEqual(['DIS2', 'DIS1']);
    expect(await ctrl('type=ADT_A03')).toEqual(['DIS2', 'DIS1']);
    expect(await ctrl('type=adt')).toHaveLength(11);
    expect(await ctrl('patient=MRN-ODD')).toEqual(['DIS1', 'UPD7', 'UPD5', 'UPD3', 'UPD1']);
    expect(await ctrl('patient=MRN-ODD&status=received&type=ADT%5EA08')).toEqual(['UPD7', 'UPD5', 'UPD3', 'UPD1']);
    expect(await ctrl('patient=nobody')).toEqual([]);
    expect(await ctrl('controlId=UPD3')).toEqual(['UPD3']);
    expect(await ctrl('since=2999-01-01T00:00:00Z')).toEqual([]);
    expect(await ctrl('before=2000-01-01')).toEqual([]);
    expect(await ctrl(`before=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).toHaveLength(12);
  });

  it('pages by cursor: every message once, in order, to the last page', async () => {
    const seen: number[] = [];
    let next: string | null = null;
    let pages = 0;
    do {
      const r: { status: number; body: any } = await call(`/api/messages?limit=5${next ? `&before=${encodeURIComponent(next)}` : ''}`);
      expect(r.status).toBe(200);
      seen.push(...r.body.items.map((m: { id: number }) => m.id));
      next = r.body.next;
      pages++;
    } while (next);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(12);
    expect(new Set(seen).size).toBe(12);
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
    // Pages of a filtered list follow the same filter.
    const first = (await call('/api/messages?patient=MRN-EVEN&limit=3')).body;
    const second = (await call(`/api/messages?patient=MRN-EVEN&limit=3&before=${encodeURIComponent(first.next)}`)).body;
    expect([...first.items, ...second.items].map((m: { controlId: string }) => m.controlId)).toEqual(['UPD6', 'UPD4', 'UPD2', 'UPD0']);
    expect(second.next).toBeNull();
  });

  it('shows one message with its raw text, the ACK sent and its trace', async () => {
    const list = (await call('/api/messages?controlId=NOPID')).body.items;
    const r = await call(`/api/messages/${list[0].id}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ controlId: 'NOPID', status: 'rejected', rawCharset: 'UTF-8', rawTruncated: false });
    expect(r.body.raw).toMatch(/^MSH\|\^~\\&\|EMR\|CLINIC\|/);
    expect(r.body.ack).toMatch(/MSA\|AE\|NOPID/);
    expect(r.body.trace).toMatchObject([{ kind: 'parsed', detail: { outcome: 'rejected', ack: 'AE' } }]);
    expect(r.body.error).toMatch(/PID/);
  });

  it('refuses bad filters with a clear 400, an unknown message with 404', async () => {
    const bad = async (q: string, field: string) => {
      const r = await call(`/api/messages?${q}`);
      expect(r.status).toBe(400);
      expect(Object.keys(r.body.fieldErrors ?? {})).toContain(field);
    };
    await bad('status=done', 'status');
    await bad('type=ADT%5EA08%5EX', 'type');
    await bad('before=yesterday', 'before');
    await bad('since=soon', 'since');
    await bad('limit=5000', 'limit');
    expect((await call('/api/messages/999999')).status).toBe(404);
    expect((await call('/api/messages/abc')).status).toBe(400);
  });

  it('answers an API key, and nothing without credentials', async () => {
    const created = await fetch(`${server.url}/api/api-keys`, { method: 'POST', headers: { cookie, origin: server.url, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'sync console' }) });
    const { key } = (await created.json()) as { key: string };
    expect((await call('/api/messages?limit=1', { authorization: `Bearer ${key}` })).status).toBe(200);
    const anonymous = await call('/api/messages', {});
    expect(anonymous.status).toBe(401);
    expect(JSON.stringify(anonymous.body)).not.toMatch(/UPD|MRN/);
    expect((await call('/api/messages/1', {})).status).toBe(401);
  });
});
