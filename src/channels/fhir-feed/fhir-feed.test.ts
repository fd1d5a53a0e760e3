import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Appointment, Bundle, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase, DIALECTS } from '../../../test/helpers/stores.js';
import { MessageStore } from '../../messages/message-store.js';
import type { MessageSummary } from '../../messages/types.js';
import { startServer, type RunningServer } from '../../server/start.js';
import { FhirFeedChannel } from './channel.js';
import { createFhirFeedChannel } from './index.js';
import { fhirMessageToEvents } from './to-events.js';

/**
 * The FHIR change feed against a real engine with its real sandbox FHIR EMR (same port), on
 * SQLite and PostgreSQL: the EMR's writes arrive as stored messages through rest-hook
 * Subscriptions and the poll, each version once.
 */

async function until<T>(what: string, f: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const patient = (family: string): Patient => ({ resourceType: 'Patient', name: [{ family, given: ['Feed'] }], gender: 'female', birthDate: '1980-02-03' });
const appointment = (patientId: string): Appointment => ({
  resourceType: 'Appointment',
  status: 'booked',
  start: '2026-09-01T09:00:00Z',
  end: '2026-09-01T09:30:00Z',
  participant: [{ actor: { reference: `Patient/${patientId}` }, status: 'accepted' }],
});

describe.each(DIALECTS)('FHIR change feed (%s)', (dialect) => {
  let server: RunningServer;
  let dir: string;
  let dropPg: (() => Promise<void>) | undefined;
  let emr: string;
  let messages: MessageStore;

  const write = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${emr}/${path}`, { method, headers: body ? { 'content-type': 'application/fhir+json' } : {}, body: body ? JSON.stringify(body) : undefined });
    expect(res.status, `${method} ${path}`).toBeLessThan(300);
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const stored = async (controlId: string): Promise<MessageSummary[]> => (await messages.list({ channel: 'fhir', controlId })).items;
  const allFhir = async (): Promise<number> => (await messages.list({ channel: 'fhir', limit: 200 })).items.length;

  const startEngine = async (): Promise<void> => {
    dir = mkdtempSync(join(tmpdir(), 'fhir-feed-'));
    let databaseUrl = join(dir, 'db.sqlite');
    if (dialect === 'postgres') {
      const pg = await createPgDatabase();
      databaseUrl = pg.url;
      dropPg = pg.drop;
    }
    server = await startServer({ port: 0, host: '127.0.0.1', databaseUrl, logLevel: 'silent', ehr: { sandboxMllpPort: 0 } });
    emr = `${server.url}/sandbox/fhir-emr`;
    messages = new MessageStore(server.ctx.store.db, server.ctx.store.dialect);
  };

  /** The engine's feed: the one the server registered, else one made here (long interval: the test polls). */
  const feedChannel = async (): Promise<FhirFeedChannel> => {
    const sync = server.ctx.sync();
    let ch = sync.channel('fhir');
    if (!ch) {
      ch = createFhirFeedChannel(server.ctx, { intervalSeconds: 3600 }) ?? undefined;
      if (!ch) throw new Error('the feed is off');
      sync.addChannel(ch);
      await ch.start();
    }
    if (!(ch instanceof FhirFeedChannel)) throw new Error('not the FHIR feed');
    return ch;
  };

  beforeAll(async () => {
    await startEngine();
  }, 60_000);
  afterAll(async () => {
    await server?.ctx.sync().channel('fhir')?.stop();
    await server?.close();
    await dropPg?.();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('stores each create, update and delete once, through the Subscription and the poll, and a second poll stores nothing', async () => {
    const feed = await feedChannel();
    const subs = await (await fetch(`${emr}/Subscription`)).json() as Bundle;
    expect(subs.entry?.map((e) => (e.resource as { criteria?: string }).criteria).sort()).toEqual(['Appointment', 'Patient']);

    const p = await write<Patient>('POST', 'Patient', patient('Feedcreate'));
    // The notification stores it (no poll yet).
    await until('the created patient', async () => (await stored(`Patient/${p.id}/_history/1`)).length === 1);
    const [first] = await stored(`Patient/${p.id}/_history/1`);
    expect(first).toMatchObject({ messageType: 'Patient', event: 'create', version: 'R4', sendingApplication: 'FHIR', sendingFacility: new URL(server.url).host, patientIds: [p.id] });

    await write('PUT', `Patient/${p.id}`, { ...p, gender: 'male' });
    await until('the update', async () => (await stored(`Patient/${p.id}/_history/2`)).length === 1);
    const a = await write<Appointment>('POST', 'Appointment', appointment(p.id!));
    await until('the appointment', async () => (await stored(`Appointment/${a.id}/_history/1`)).length === 1);
    await write('DELETE', `Appointment/${a.id}`);
    await until('the delete', async () => (await stored(`Appointment/${a.id}/_history/2`)).length === 1);

    // The poll reads the same versions again (overlap): nothing is stored twice.
    const before = await allFhir();
    const dupBefore = feed.status().duplicates;
    await feed.pollNow();
    await feed.pollNow();
    expect(await allFhir()).toBe(before);
    expect(feed.status().duplicates).toBeGreaterThan(dupBefore);
    expect(feed.status().lastError).toBeNull();
    expect(before).toBe(4);

    // What the processor will read: the Appointment Bundle carries its Patient; the delete its last content.
    const [appt] = await stored(`Appointment/${a.id}/_history/1`);
    const detail = await messages.get(appt!.id);
    const events = fhirMessageToEvents(detail!.raw, detail!.event);
    expect(events).toMatchObject([{ type: 'appointment-upsert', emrAppointmentId: a.id, emrPatientIds: [p.id], change: 'new', patients: [{ id: p.id, gender: 'male' }] }]);
    const [del] = await stored(`Appointment/${a.id}/_history/2`);
    expect(del).toMatchObject({ event: 'delete', patientIds: [p.id] });
    const delDetail = await messages.get(del!.id);
    expect(fhirMessageToEvents(delDetail!.raw, 'delete')).toMatchObject([{ change: 'delete', emrAppointmentId: a.id }]);
  }, 60_000);

  it('polls what no notification brought: writes made while the Subscriptions were gone', async () => {
    const feed = await feedChannel();
    const subs = (await (await fetch(`${emr}/Subscription`)).json()) as Bundle;
    for (const e of subs.entry ?? []) await write('DELETE', `Subscription/${e.resource!.id}`);
    const p = await write<Patient>('POST', 'Patient', patient('Feedpolled'));
    await new Promise((r) => setTimeout(r, 300));
    expect(await stored(`Patient/${p.id}/_history/1`)).toHaveLength(0);
    await feed.pollNow();
    expect(await stored(`Patient/${p.id}/_history/1`)).toHaveLength(1);
    await write('PUT', `Patient/${p.id}`, { ...p, gender: 'other' });
    await feed.pollNow();
    expect(await stored(`Patient/${p.id}/_history/2`)).toHaveLength(1);
    const n = await allFhir();
    await feed.pollNow();
    expect(await allFhir()).toBe(n);
    // The cursor is kept in the database, at the latest version read.
    const row = await server.ctx.store.db.selectFrom('settings').select('value').where('key', '=', 'fhir_feed.cursor.Patient').executeTakeFirstOrThrow();
    const latest = (await write<Patient>('GET', `Patient/${p.id}`)).meta!.lastUpdated!;
    expect(row.value).toBe(new Date(latest).toISOString());
  }, 60_000);

  it('the hook refuses a bad token (401) and an oversize body (413), stores nothing, and never follows a URL outside the server', async () => {
    await feedChannel();
    const token = (await server.ctx.store.db.selectFrom('settings').select('value').where('key', '=', 'fhir_feed.hook_token').executeTakeFirstOrThrow()).value;
    const hook = (t: string) => `${server.url}/hooks/fhir/${t}`;
    const n = await allFhir();
    const p = await write<Patient>('GET', `Patient/${(await write<Patient>('POST', 'Patient', patient('Feedhook'))).id}`);
    // The Subscriptions were deleted above: this patient is not stored yet.
    const body = JSON.stringify(p);
    for (const bad of ['nope', `${token}x`, token.slice(0, -1)]) {
      const res = await fetch(hook(bad), { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body });
      expect(res.status).toBe(401);
    }
    const big = await fetch(hook(token), { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: `{"resourceType":"Patient","x":"${'a'.repeat(1024 * 1024)}"}` });
    expect(big.status).toBe(413);
    expect(await allFhir()).toBe(n);

    // A Bundle naming a resource on another server: no call there, nothing stored.
    let calls = 0;
    const elsewhere: Server = createServer((_req, res) => {
      calls++;
      res.writeHead(200, { 'content-type': 'application/fhir+json' }).end(body);
    });
    await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', () => r()));
    const port = (elsewhere.address() as { port: number }).port;
    const foreign = { resourceType: 'Bundle', type: 'history', entry: [{ fullUrl: `http://127.0.0.1:${port}/fhir/Patient/${p.id}`, request: { method: 'PUT', url: `Patient/${p.id}` } }] };
    const res = await fetch(hook(token), { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(foreign) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ stored: 0, skipped: 1 });
    expect(calls).toBe(0);
    await new Promise<void>((r) => elsewhere.close(() => r()));
    expect(await allFhir()).toBe(n);

    // Id-only (Backport shape) under the server: read from the server and stored, once.
    const idOnly = { resourceType: 'Bundle', type: 'history', entry: [{ fullUrl: `${emr}/Patient/${p.id}`, request: { method: 'POST', url: 'Patient' }, response: { status: '201 Created', etag: 'W/"1"' } }] };
    for (let i = 0; i < 2; i++) {
      const ok = await fetch(hook(token), { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(idOnly) });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject(i === 0 ? { stored: 1 } : { stored: 0, duplicates: 1 });
    }
    expect(await stored(`Patient/${p.id}/_history/1`)).toHaveLength(1);
    // Full resource: a duplicate of what the id-only one stored.
    const full = await fetch(hook(token), { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body });
    expect(await full.json()).toMatchObject({ stored: 0, duplicates: 1 });
    expect(await allFhir()).toBe(n + 1);

    // An empty notification (R4's "ping") makes the feed poll before it answers.
    const pinged = await write<Patient>('POST', 'Patient', patient('Feedping'));
    for (const headers of [{}, { 'content-type': 'application/fhir+json' }] as Record<string, string>[]) {
      const ping = await fetch(hook(token), { method: 'POST', headers });
      expect(ping.status).toBe(200);
    }
    expect(await stored(`Patient/${pinged.id}/_history/1`)).toHaveLength(1);
  }, 60_000);
});
