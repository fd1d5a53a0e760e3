import type { Appointment, Bundle, CapabilityStatement, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from './test-host.js';

/** Conditional create, If-None-Exist (https://hl7.org/fhir/R4/http.html#ccreate): what the sync back relies on. */

const SYSTEM = 'urn:ehr-bridge:oncall-url';
const URL_A = 'https://api.oncallhealth.test/contacts/101/';

async function send<T = unknown>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/fhir+json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

const condition = (value: string, system = SYSTEM): Record<string, string> => ({
  'if-none-exist': new URLSearchParams({ identifier: `${system}|${value}` }).toString(),
});

const patient = (family: string, value?: string): Patient => ({
  resourceType: 'Patient',
  name: [{ family, given: ['Ada'] }],
  ...(value ? { identifier: [{ system: SYSTEM, value }] } : {}),
});

describe('FHIR EMR sandbox: conditional create (If-None-Exist)', () => {
  let host: TestHost;
  let base: string;
  beforeAll(async () => {
    host = await startTestHost({ seed: false });
    base = host.baseUrl;
  });
  afterAll(() => host.close());
  beforeEach(async () => {
    await fetch(`${base}/_admin/reset`, { method: 'POST' });
  });

  const count = async (type: string, query = ''): Promise<number> => (await send<Bundle>('GET', `${base}/${type}?_summary=count${query}`)).body.total ?? -1;

  it('creates on no match (201), answers 200 with the existing resource on one match, and writes no new version', async () => {
    const first = await send<Patient>('POST', `${base}/Patient`, patient('Lovelace', URL_A), condition(URL_A));
    expect(first.status).toBe(201);
    const id = first.body.id;
    const again = await send<Patient>('POST', `${base}/Patient`, patient('Lovelace-Changed', URL_A), condition(URL_A));
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(id);
    expect(again.body.name?.[0]?.family).toBe('Lovelace'); // the POST was ignored
    expect(again.body.meta?.versionId).toBe('1');
    expect(again.headers.get('location')).toBe(`${base}/Patient/${id}/_history/1`);
    expect(await count('Patient')).toBe(1);
    const history = await send<Bundle>('GET', `${base}/Patient/${id}/_history`);
    expect(history.body.total).toBe(1);
    // Prefer: return=minimal gives the same answer without a body.
    const minimal = await send('POST', `${base}/Patient`, patient('X', URL_A), { ...condition(URL_A), prefer: 'return=minimal' });
    expect(minimal.status).toBe(200);
    expect(minimal.body).toBeUndefined();
    expect(minimal.headers.get('location')).toContain(`/Patient/${id}/`);
  });

  it('answers 412 multiple-matches when the condition finds two resources, and creates nothing', async () => {
    await send('POST', `${base}/Patient`, patient('Twin', URL_A));
    await send('POST', `${base}/Patient`, patient('Twin', URL_A));
    const res = await send<OperationOutcome>('POST', `${base}/Patient`, patient('Third', URL_A), condition(URL_A));
    expect(res.status).toBe(412);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue?.[0]?.code).toBe('multiple-matches');
    expect(JSON.stringify(res.body)).not.toContain('Third');
    expect(await count('Patient')).toBe(2);
  });

  it('matches escaped token values and Appointment identifiers alike', async () => {
    // `,` and `|` in a value are escaped with `\` (https://hl7.org/fhir/R4/search.html#escaping).
    const odd = 'a,b|c';
    const header = { 'if-none-exist': new URLSearchParams({ identifier: `${SYSTEM}|a\\,b\\|c` }).toString() };
    expect((await send('POST', `${base}/Patient`, patient('Odd', odd), header)).status).toBe(201);
    expect((await send('POST', `${base}/Patient`, patient('Odd', odd), header)).status).toBe(200);
    expect(await count('Patient')).toBe(1);

    const p = await send<Patient>('POST', `${base}/Patient`, patient('Booker'));
    const appt: Appointment = {
      resourceType: 'Appointment',
      status: 'booked',
      start: '2026-07-01T09:00:00Z',
      end: '2026-07-01T09:30:00Z',
      identifier: [{ system: SYSTEM, value: 'https://api.oncallhealth.test/appointments/7/' }],
      participant: [{ actor: { reference: `Patient/${p.body.id}` }, status: 'accepted' }],
    };
    const h = condition('https://api.oncallhealth.test/appointments/7/');
    const a1 = await send<Appointment>('POST', `${base}/Appointment`, appt, h);
    const a2 = await send<Appointment>('POST', `${base}/Appointment`, appt, h);
    expect([a1.status, a2.status]).toEqual([201, 200]);
    expect(a2.body.id).toBe(a1.body.id);
    expect(await count('Appointment')).toBe(1);
  });

  it('refuses a condition it cannot apply exactly (400) and writes nothing', async () => {
    const bad = [
      { 'if-none-exist': '' },
      { 'if-none-exist': 'nonsense=1' },
      { 'if-none-exist': 'identifier=x&_count=1' },
      { 'if-none-exist': 'family:sounds-like=x' },
      { 'if-none-exist': 'Patient?identifier=x' }, // R4: parameters only, no type
    ];
    for (const headers of bad) {
      const res = await send<OperationOutcome>('POST', `${base}/Patient`, patient('Refused', URL_A), headers);
      expect(res.status, JSON.stringify(headers)).toBe(400);
      expect(res.body.issue?.[0]?.diagnostics).toMatch(/If-None-Exist/);
    }
    expect(await count('Patient')).toBe(0);
  });

  it('validates the resource before the condition: 422 and 400 keep their meaning', async () => {
    const future = await send<OperationOutcome>('POST', `${base}/Patient`, { ...patient('Later', URL_A), birthDate: '2999-01-01' }, condition(URL_A));
    expect(future.status).toBe(422);
    expect(future.body.issue?.[0]?.expression).toEqual(['Patient.birthDate']);
    const wrong = await send('POST', `${base}/Patient`, { ...patient('Wrong', URL_A), gender: 'x' }, condition(URL_A));
    expect(wrong.status).toBe(400);
    expect(await count('Patient')).toBe(0);
  });

  it('refuses appointments that break the R4 invariants app-1 to app-4 (422, path named, nothing stored)', async () => {
    const ok: Appointment = {
      resourceType: 'Appointment',
      status: 'booked',
      start: '2026-07-01T09:00:00Z',
      end: '2026-07-01T09:30:00Z',
      participant: [{ actor: { reference: 'Patient/p1' }, status: 'accepted' }],
    };
    const cases: [Appointment, string, string][] = [
      [{ ...ok, participant: [{ status: 'accepted' }] }, 'invariant', 'Appointment.participant[0]'],
      [{ ...ok, status: 'cancelled', end: undefined }, 'invariant', 'Appointment.end'],
      [{ ...ok, start: undefined, end: undefined }, 'business-rule', 'Appointment.start'],
      [{ ...ok, cancelationReason: { text: 'Patient request' } }, 'invariant', 'Appointment.cancelationReason'],
    ];
    for (const [body, code, path] of cases) {
      const res = await send<OperationOutcome>('POST', `${base}/Appointment`, body);
      expect(res.status, path).toBe(422);
      expect(res.body.issue?.[0]).toMatchObject({ code, expression: [path] });
      expect(JSON.stringify(res.body)).not.toContain('Patient request');
    }
    expect(await count('Appointment')).toBe(0);
    // The allowed shapes: a participant with a type only; cancelled without times, with its reason.
    expect((await send('POST', `${base}/Appointment`, { ...ok, participant: [{ type: [{ text: 'room' }], status: 'accepted' }] })).status).toBe(201);
    expect((await send('POST', `${base}/Appointment`, { ...ok, status: 'cancelled', start: undefined, end: undefined, cancelationReason: { text: 'x' } })).status).toBe(201);
  });

  it('advertises conditionalCreate on the writable types', async () => {
    const { body } = await send<CapabilityStatement>('GET', `${base}/metadata`);
    const flags = Object.fromEntries((body.rest?.[0]?.resource ?? []).map((r) => [r.type, r.conditionalCreate]));
    expect(flags).toMatchObject({ Patient: true, Appointment: true, Encounter: false, Practitioner: false });
  });
});
