import type { Patient } from '@medplum/fhirtypes';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IDENTIFIER_SYSTEMS } from '../../domain/identifiers.js';
import { DEFAULT_ONCALL_SANDBOX_API_KEY, oncallSandbox } from '../../sandboxes/oncall/plugin.js';
import { isPartnerError } from '../partner-error.js';
import { OncallClient, type OncallClientOptions } from './client.js';
import { oncallBaseUrl } from './config.js';
import { ensureContact, findAppointmentByEmrId, findContactByEmrId, scanContactsByEmrId } from './lookup.js';
import { appointmentPatchFor, appointmentToOncall, contactPatchFor, patientToContactCreate } from './mapping.js';

// The client against the OnCall sandbox emulator on a real HTTP server (port 0, prefix /oncall).

const HOLD_MS = 100;
let app: FastifyInstance;
let origin: string;
let base: string;
const clients: OncallClient[] = [];

/** Deterministic faults: mulberry32. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

beforeAll(async () => {
  app = Fastify();
  await app.register(oncallSandbox, { prefix: '/oncall', timeoutHoldMs: HOLD_MS, random: seeded(42) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  base = oncallBaseUrl({ baseUrl: `${origin}/oncall/` });
});
afterAll(async () => {
  await app.close();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await admin('reset/', {});
});

async function admin(path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${base}/_admin/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return res.json();
}

function makeClient(extra: Partial<OncallClientOptions> = {}): OncallClient {
  const c = new OncallClient({ baseUrl: base, apiKey: DEFAULT_ONCALL_SANDBOX_API_KEY, requestsPerSecond: 0, retryBaseMs: 20, ...extra });
  clients.push(c);
  return c;
}

const EMR_FIELD = '2'; // seeded division 2 has custom field 2 "EMR id" and 6 (checkbox)
const ctx = () => ({ division: `${base}/divisions/2/`, provider: `${base}/providers/1/`, emrIdFieldId: EMR_FIELD });

function patient(i: number): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: IDENTIFIER_SYSTEMS.emr, value: `EMR-${i}` }],
    name: [{ given: ['Test'], family: `Patient${i}` }],
    telecom: [{ system: 'email', value: `patient${i}@example.test` }],
    gender: i % 2 ? 'female' : 'male',
    birthDate: '1980-01-02',
  };
}

describe('OncallClient against the sandbox', () => {
  it('checks the key: one auth error for a wrong key, none for the right one', async () => {
    await makeClient().checkAuth();
    const err = await makeClient({ apiKey: 'wrong' })
      .checkAuth()
      .catch((e: unknown) => e);
    expect(isPartnerError(err) && err.kind).toBe('auth');
    expect((err as Error).message).toBe('OnCall Health rejected the API key (HTTP 401)');
  });

  it('lists the directory, creates, finds and patches a contact', async () => {
    const c = makeClient();
    expect((await c.listProviders()).length).toBeGreaterThan(0);
    expect((await c.listDivisions()).map((d) => d.url)).toContain(`${base}/divisions/2/`);

    const body = patientToContactCreate(patient(1), { ...ctx(), customFields: { '6': false } });
    const created = await c.createContact(body);
    expect(created.custom_field_values?.[EMR_FIELD]).toBe('EMR-1');
    expect(contactPatchFor(created, body)).toBeNull();

    const found = await findContactByEmrId(c, EMR_FIELD, 'EMR-1', { email: 'PATIENT1@example.test' });
    expect(found?.url).toBe(created.url);

    const wanted = patientToContactCreate(
      { ...patient(1), telecom: [{ system: 'email', value: 'new1@example.test' }] },
      { ...ctx(), customFields: { '6': true } },
    );
    const patch = contactPatchFor(created, wanted);
    expect(patch).toEqual({ email: 'new1@example.test', custom_field_values: { '6': true } });
    const patched = await c.patchContact(created.url, patch!);
    expect(patched.custom_field_values).toMatchObject({ [EMR_FIELD]: 'EMR-1', '6': true });
    expect(contactPatchFor(patched, wanted)).toBeNull();
    expect((await c.getContact(created.id!)).email).toBe('new1@example.test');
  });

  it('creates an appointment with EMR metadata and patches a participant', async () => {
    const c = makeClient();
    const body = appointmentToOncall(
      {
        resourceType: 'Appointment',
        identifier: [{ system: IDENTIFIER_SYSTEMS.emr, value: 'APT-1' }],
        status: 'booked',
        description: 'Follow-up',
        start: '2030-01-15T10:00:00-05:00',
        minutesDuration: 30,
        participant: [{ status: 'accepted' }],
      },
      [patient(1)],
      { division: `${base}/divisions/2/` },
    );
    const created = await c.createAppointment(body);
    expect(created.metadata).toEqual({ emr_id: 'APT-1' });
    const contact = await c.createContact(patientToContactCreate(patient(1), ctx()));
    const ofContact: string[] = [];
    for await (const a of c.appointments({ contact: contact.url })) ofContact.push(a.url);
    expect(ofContact).toEqual([created.url]);
    expect((await findAppointmentByEmrId(c, 'emr_id', 'APT-1'))?.url).toBe(created.url);
    const fetched = await c.getAppointment(created.url);
    expect(appointmentPatchFor(fetched, body)).toBeNull();

    const wanted = { ...body, participants: [{ ...body.participants[0]!, email: 'moved@example.test' }] };
    const changes = appointmentPatchFor(fetched, wanted)!;
    expect(changes.appointment).toBeNull();
    const [p] = changes.participants;
    const updated = await c.patchParticipant(p!.url, p!.patch);
    expect(updated.email).toBe('moved@example.test');
  });

  it('pages through more than 100 contacts', async () => {
    const c = makeClient({ concurrency: 8 });
    await Promise.all(Array.from({ length: 130 }, (_, i) => c.createContact(patientToContactCreate(patient(i), ctx()))));
    const ids = new Set<string>();
    for await (const [emrId] of scanContactsByEmrId(c, EMR_FIELD)) ids.add(emrId);
    expect(ids.size).toBe(130);
    const before = c.stats().requests;
    let n = 0;
    for await (const _ of c.contacts({ pageSize: 50 })) n++;
    expect(n).toBe(130);
    expect(c.stats().requests - before).toBe(3);
  });
});

describe('OncallClient under sandbox faults', () => {
  it('503s and rate limiting: every contact is created exactly once', async () => {
    await admin('faults/', { errorRate: 0.2, rateLimitPerSecond: 50 });
    // Enough retries that a run of injected faults on one request is practically impossible.
    // A fixed 8 in flight: the adaptive limit would back off the 503s and never meet the 429s.
    const c = makeClient({ concurrency: 8, maxRetries: 10, adaptiveConcurrency: false });
    const n = 40;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => ensureContact(c, patientToContactCreate(patient(i), ctx()), EMR_FIELD, { settleMs: 0 })),
    );
    expect(results.every((r) => r.created)).toBe(true);
    const stats = await admin('stats/');
    expect(stats.contacts).toBe(n);
    expect(stats.injectedErrors).toBeGreaterThan(0);
    expect(stats.throttled).toBeGreaterThan(0);
    expect(c.stats().throttled).toBe(stats.throttled);
    const ids = new Set<string>();
    await admin('faults/', { errorRate: 0, rateLimitPerSecond: null });
    for await (const [emrId] of scanContactsByEmrId(c, EMR_FIELD)) ids.add(emrId);
    expect(ids.size).toBe(n);
    if (process.env.ONCALL_FIGURES) console.log({ client: c.stats(), sandbox: stats });
  });

  it('a client paced below the partner limit is never throttled', async () => {
    await admin('faults/', { rateLimitPerSecond: 20 });
    const c = makeClient({ requestsPerSecond: 15 });
    const started = Date.now();
    await Promise.all(Array.from({ length: 15 }, () => c.listDivisions()));
    expect(Date.now() - started).toBeGreaterThanOrEqual(14 * (1000 / 15) - 20);
    expect(c.stats().throttled).toBe(0);
    expect((await admin('stats/')).throttled).toBe(0);
  });

  it('a timed-out create is ambiguous and findContactByEmrId resolves it', async () => {
    const c = makeClient();
    await admin('faults/', { timeoutRate: 1 });
    const body = patientToContactCreate(patient(7), ctx());
    const err = await c.createContact(body).catch((e: unknown) => e);
    expect(isPartnerError(err) && err.kind).toBe('ambiguous');
    expect(c.stats().requests).toBe(1);
    await admin('faults/', { timeoutRate: 0 });
    const found = await findContactByEmrId(c, EMR_FIELD, 'EMR-7', { email: body.email, name: body.name });
    expect(found?.custom_field_values?.[EMR_FIELD]).toBe('EMR-7');
    expect((await admin('stats/')).contacts).toBe(1);
  });

  it('timeouts on a third of requests: ensureContact still creates each contact once', async () => {
    await admin('faults/', { timeoutRate: 0.3 });
    // Enough retries that a run of injected faults on one request is practically impossible.
    const c = makeClient({ concurrency: 8, maxRetries: 10 });
    const n = 30;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => ensureContact(c, patientToContactCreate(patient(i), ctx()), EMR_FIELD, { settleMs: 0, maxAmbiguous: 10 })),
    );
    const ambiguous = results.reduce((s, r) => s + r.ambiguous, 0);
    expect(ambiguous).toBeGreaterThan(0);
    const stats = await admin('stats/');
    expect(stats.contacts).toBe(n);
    expect(stats.injectedTimeouts).toBeGreaterThan(0);
    if (process.env.ONCALL_FIGURES) console.log({ ambiguous, client: c.stats(), sandbox: stats });
  });
});
