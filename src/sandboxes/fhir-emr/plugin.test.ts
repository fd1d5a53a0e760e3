import type { Bundle, CapabilityStatement, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FHIR_EMR_SYSTEMS } from './identifier-systems.js';
import { startTestHost, type TestHost } from './test-host.js';

const FIRST_ID = '6310efc1-0a81-76ce-bcdc-8f2995ff9fee'; // Marcell728 VonRueden376, CSV row 1
const SECOND_ID = '7c1df48e-f12f-13f2-920d-40f47ea824c6'; // Damien170 Schinner682, CSV row 2

async function getJson<T = Bundle>(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

const total = async (url: string): Promise<number> => {
  const { status, body } = await getJson(url);
  expect(status).toBe(200);
  return body.total ?? -1;
};

const nextLink = (b: Bundle): string | undefined => b.link?.find((l) => l.relation === 'next')?.url;

describe('FHIR EMR sandbox: read and search', () => {
  let host: TestHost;
  let base: string;
  beforeAll(async () => {
    const t0 = performance.now();
    host = await startTestHost({ anchorDate: '2026-06-01' });
    console.log(`fhir-emr sandbox register + listen: ${(performance.now() - t0).toFixed(0)} ms`);
    base = host.baseUrl;
  });
  afterAll(() => host.close());

  it('serves the seeded counts and reads a patient as FHIR JSON', async () => {
    expect(await total(`${base}/Patient?_summary=count`)).toBe(543);
    expect(await total(`${base}/Practitioner?_summary=count`)).toBe(1436);
    const res = await fetch(`${base}/Patient/${FIRST_ID}`);
    expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(res.headers.get('etag')).toBe('W/"1"');
    const p = (await res.json()) as Patient;
    expect(p).toMatchObject({ resourceType: 'Patient', id: FIRST_ID, name: [{ family: 'VonRueden376', given: ['Marcell728'] }] });
  });

  it('answers a missing resource, an unknown type and an unknown path with a 404 OperationOutcome', async () => {
    for (const path of ['/Patient/does-not-exist', '/Observation/1', '/Observation', '/no/such/path/here']) {
      const { status, body, headers } = await getJson<OperationOutcome>(`${base}${path}`);
      expect(status, path).toBe(404);
      expect(headers.get('content-type')).toMatch(/fhir\+json/);
      expect(body.resourceType).toBe('OperationOutcome');
      expect(body.issue?.[0]?.severity).toBe('error');
    }
    // The host's own routes are untouched by the sandbox's handlers.
    expect(await (await fetch(`${host.origin}/host-route`)).json()).toEqual({ host: true });
  });

  it('filters patients by name, case- and accent-insensitively, with modifiers', async () => {
    const { body } = await getJson(`${base}/Patient?family=vonrueden`);
    expect(body.entry?.map((e) => e.resource?.id)).toContain(FIRST_ID);
    expect(body.entry?.every((e) => (e.resource as Patient).name?.some((n) => n.family?.toLowerCase().startsWith('vonrueden')))).toBe(true);
    expect(await total(`${base}/Patient?family:exact=VonRueden376&given=marcell`)).toBe(1);
    expect(await total(`${base}/Patient?family:exact=vonrueden376`)).toBe(0);
    expect(await total(`${base}/Patient?name=MARCELL728`)).toBe(1);
    expect(await total(`${base}/Patient?name:contains=rueden376`)).toBeGreaterThanOrEqual(1);
    // OR inside one parameter, AND across repeats.
    const either = await total(`${base}/Patient?family=VonRueden376,Schinner682`);
    expect(either).toBeGreaterThanOrEqual(2);
    expect(await total(`${base}/Patient?family=VonRueden376&family=Schinner682`)).toBe(0);
  });

  it('filters by identifier, gender, birthdate, phone, email and deceased-ness consistently', async () => {
    expect(await total(`${base}/Patient?identifier=${encodeURIComponent(`${FHIR_EMR_SYSTEMS.mrn}|MRN000001`)}`)).toBe(1);
    expect(await total(`${base}/Patient?identifier=MRN000001`)).toBe(1);
    expect(await total(`${base}/Patient?identifier=${encodeURIComponent('urn:other|MRN000001')}`)).toBe(0);
    expect(await total(`${base}/Patient?gender=male`)).toBe(277);
    expect(await total(`${base}/Patient?gender=female`)).toBe(266);
    expect(await total(`${base}/Patient?birthdate=2006-09-06`)).toBeGreaterThanOrEqual(1);
    const before = await total(`${base}/Patient?birthdate=lt1980-01-01`);
    const after = await total(`${base}/Patient?birthdate=ge1980-01-01`);
    expect(before + after).toBe(543);
    expect(await total(`${base}/Patient?birthdate=ge1980&birthdate=lt1990`)).toBe(
      await total(`${base}/Patient?birthdate=ge1980-01-01&birthdate=le1989-12-31`),
    );

    const withPhone = await getJson<Patient>(`${base}/Patient/${SECOND_ID}`);
    const phone = withPhone.body.telecom?.find((t) => t.system === 'phone')?.value ?? '';
    expect(phone).toMatch(/^\+44 7700 900\d{3}$/);
    const national = `0${phone.replace(/\D/g, '').slice(2)}`;
    const byPhone = await getJson(`${base}/Patient?phone=${encodeURIComponent(national)}`);
    expect(byPhone.body.entry?.map((e) => e.resource?.id)).toEqual([SECOND_ID]);
    const emails = await getJson(`${base}/Patient?email:missing=false&_count=1`);
    const email = (emails.body.entry?.[0]?.resource as Patient).telecom?.find((t) => t.system === 'email')?.value ?? '';
    expect(await total(`${base}/Patient?email=${encodeURIComponent(email.toUpperCase())}`)).toBe(1);
    expect(await total(`${base}/Patient?phone:missing=true`)).toBeGreaterThan(0);
  });

  it('filters encounters and appointments by patient, practitioner, status, class, identifier and date', async () => {
    const enc = await getJson(`${base}/Encounter?patient=Patient/${FIRST_ID}`);
    expect(enc.body.total).toBeGreaterThanOrEqual(1);
    expect(enc.body.entry?.every((e) => (e.resource as { subject?: { reference?: string } }).subject?.reference === `Patient/${FIRST_ID}`)).toBe(true);
    expect(await total(`${base}/Encounter?subject=${FIRST_ID}`)).toBe(enc.body.total);
    expect(await total(`${base}/Encounter?identifier=V0000001`)).toBe(1);
    const all = await total(`${base}/Encounter`);
    const classes = await Promise.all(['AMB', 'VR', 'EMER', 'IMP'].map((c) => total(`${base}/Encounter?class=${c}`)));
    expect(classes.reduce((a, b) => a + b, 0)).toBe(all);
    expect((await total(`${base}/Encounter?status=finished`)) + (await total(`${base}/Encounter?status=cancelled`))).toBe(all);
    expect((await total(`${base}/Encounter?date=lt2024-01-01`)) + (await total(`${base}/Encounter?date=ge2024-01-01`))).toBeGreaterThanOrEqual(all);

    const appts = await getJson(`${base}/Appointment?status=booked&date=ge2026-06-01&_count=1000`);
    expect(appts.body.total).toBe(await total(`${base}/Appointment?status=booked`));
    const a = appts.body.entry?.[0]?.resource as { participant: { actor?: { reference?: string } }[] };
    const practitioner = a.participant.find((p) => p.actor?.reference?.startsWith('Practitioner/'))?.actor?.reference ?? '';
    const byPractitioner = await total(`${base}/Appointment?practitioner=${practitioner}`);
    expect(byPractitioner).toBeGreaterThanOrEqual(1);
    expect(await total(`${base}/Appointment?actor=${practitioner}`)).toBe(byPractitioner);
    expect(await total(`${base}/Appointment?patient=${practitioner}`)).toBe(0);
    expect(await total(`${base}/Appointment?identifier=APT0000001`)).toBe(1);
    expect(await total(`${base}/Practitioner?name=rosette746`)).toBe(1);
  });

  it('ignores unknown parameters by default and rejects them under Prefer: handling=strict', async () => {
    const lenient = await getJson(`${base}/Patient?family=vonrueden&nonsense=1`);
    expect(lenient.status).toBe(200);
    const self = lenient.body.link?.find((l) => l.relation === 'self')?.url ?? '';
    expect(self).toContain('family=vonrueden');
    expect(self).not.toContain('nonsense');
    const strict = await getJson<OperationOutcome>(`${base}/Patient?family=vonrueden&nonsense=1`, { prefer: 'handling=strict' });
    expect(strict.status).toBe(400);
    expect(strict.body.issue?.[0]?.code).toBe('not-supported');
    expect((await getJson(`${base}/Patient?birthdate=yesterday`)).status).toBe(400);
    expect((await getJson(`${base}/Patient?family:sounds-like=x`)).status).toBe(400);
    expect((await getJson(`${base}/Patient?_count=-1`)).status).toBe(400);
  });

  it('pages with absolute next/previous links and the same total on every page', async () => {
    let url: string | undefined = `${base}/Patient?_count=100`;
    const ids = new Set<string>();
    let pages = 0;
    while (url) {
      expect(url.startsWith(`${base}/Patient?`)).toBe(true);
      const { body } = await getJson(url);
      pages++;
      expect(body.total).toBe(543);
      if (pages > 1) expect(body.link?.some((l) => l.relation === 'previous')).toBe(true);
      for (const e of body.entry ?? []) {
        expect(e.fullUrl).toBe(`${base}/Patient/${e.resource?.id}`);
        ids.add(e.resource?.id ?? '');
      }
      url = nextLink(body);
    }
    expect(pages).toBe(6);
    expect(ids.size).toBe(543);
    const max = await getJson(`${base}/Patient?_count=5000`);
    expect(max.body.entry?.length).toBe(543);
    expect(max.body.link?.find((l) => l.relation === 'self')?.url).toContain('_count=1000');
  });

  it('answers POST _search (form-encoded) like the GET search', async () => {
    const res = await fetch(`${base}/Patient/_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'family=VonRueden376&given=marcell&_count=10',
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Bundle;
    expect(body.entry?.map((e) => e.resource?.id)).toEqual([FIRST_ID]);
    const json = await fetch(`${base}/Patient/_search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(415);
  });

  it('publishes a CapabilityStatement that lists what is implemented', async () => {
    const { body } = await getJson<CapabilityStatement>(`${base}/metadata`);
    expect(body).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1', kind: 'instance' });
    expect(body.implementation?.url).toBe(base);
    const rest = body.rest?.[0];
    expect(rest?.resource?.map((r) => r.type).sort()).toEqual(['Appointment', 'Encounter', 'Patient', 'Practitioner', 'Subscription']);
    const patient = rest?.resource?.find((r) => r.type === 'Patient');
    expect(patient?.interaction?.map((i) => i.code).sort()).toEqual(['create', 'delete', 'history-instance', 'read', 'search-type', 'update', 'vread']);
    expect(patient?.searchParam?.map((p) => p.name)).toEqual(
      expect.arrayContaining(['_id', 'identifier', 'family', 'given', 'name', 'birthdate', 'gender', 'phone', 'email', '_lastUpdated']),
    );
    const encounter = rest?.resource?.find((r) => r.type === 'Encounter');
    expect(encounter?.interaction?.map((i) => i.code).sort()).toEqual(['history-instance', 'read', 'search-type', 'vread']);
    expect(rest?.operation).toEqual([{ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export' }]);
  });

  it('counts requests in /_admin/stats', async () => {
    const { body } = await getJson<{ requests: { total: number; byInteraction: Record<string, number> }; resources: Record<string, number> }>(
      `${base}/_admin/stats`,
    );
    expect(body.resources.Patient).toBe(543);
    expect(body.requests.total).toBeGreaterThan(10);
    expect(body.requests.byInteraction['search-type']).toBeGreaterThan(5);
    expect(body.requests.byInteraction.read).toBeGreaterThan(0);
  });
});

describe('FHIR EMR sandbox: writes, snapshots, auth, prefixes', () => {
  let host: TestHost;
  let base: string;
  beforeAll(async () => {
    host = await startTestHost({ prefix: '/fhir-emr' });
    base = host.baseUrl;
  });
  afterAll(() => host.close());
  beforeEach(async () => {
    await fetch(`${base}/_admin/reset`, { method: 'POST' });
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const put = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'PUT', headers: { 'content-type': 'application/fhir+json', ...headers }, body: JSON.stringify(body) });

  it('creates and updates a Patient with versioning, and finds it accent-insensitively', async () => {
    const created = await post('/Patient', { resourceType: 'Patient', id: 'ignored', name: [{ family: 'Dupré', given: ['Hélène'] }], gender: 'female' });
    expect(created.status).toBe(201);
    const p = (await created.json()) as Patient;
    expect(p.id).not.toBe('ignored');
    expect(p.meta?.versionId).toBe('1');
    expect(created.headers.get('location')).toBe(`${base}/Patient/${p.id}/_history/1`);
    expect(await total(`${base}/Patient?name=helene&family=DUPRE`)).toBe(1);
    expect(await total(`${base}/Patient?_summary=count`)).toBe(544);

    const stamp = new Date(Date.now() - 1).toISOString();
    const updated = await put(`/Patient/${p.id}`, { ...p, birthDate: '1980-02-03' }, { 'if-match': 'W/"1"' });
    expect(updated.status).toBe(200);
    const u = (await updated.json()) as Patient;
    expect(u.meta?.versionId).toBe('2');
    expect(Date.parse(u.meta?.lastUpdated ?? '')).toBeGreaterThan(Date.parse(p.meta?.lastUpdated ?? ''));
    expect(await total(`${base}/Patient?_lastUpdated=gt${encodeURIComponent(stamp)}`)).toBe(1);
    const stale = await put(`/Patient/${p.id}`, { ...p }, { 'if-match': 'W/"1"' });
    expect(stale.status).toBe(412);
    const asCreate = await put('/Patient/client-chosen-id', { resourceType: 'Patient', id: 'client-chosen-id', identifier: [{ value: 'X1' }] });
    expect(asCreate.status).toBe(201);
  });

  it('refuses bad Patient input with 400/405/415/422 OperationOutcomes that do not echo the data', async () => {
    const badGender = await post('/Patient', { resourceType: 'Patient', name: [{ family: 'Secretname' }], gender: 'M' });
    expect(badGender.status).toBe(400);
    const oo = (await badGender.json()) as OperationOutcome;
    expect(oo.issue?.[0]?.expression).toEqual(['Patient.gender']);
    expect(JSON.stringify(oo)).not.toContain('Secretname');
    expect((await post('/Patient', '{"resourceType": "Patient", Secretname')).status).toBe(400);
    expect((await post('/Patient', { resourceType: 'Encounter' })).status).toBe(400);
    expect((await post('/Patient', { resourceType: 'Patient', gender: 'male' })).status).toBe(422);
    expect((await post('/Patient', { resourceType: 'Patient', name: [{ family: 'X' }], birthDate: '3000-01-01' })).status).toBe(422);
    expect((await post('/Patient', 'a=b', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await put(`/Patient/${FIRST_ID}`, { resourceType: 'Patient', id: 'other', name: [{ family: 'X' }] })).status).toBe(400);
    expect((await post('/Encounter', { resourceType: 'Encounter' })).status).toBe(405);
    expect(await total(`${base}/Patient?_summary=count`)).toBe(543);
  });

  it('keeps paging stable while data changes, and expires unknown paging tokens with 410', async () => {
    const first = await getJson(`${base}/Patient?_count=300`);
    await post('/Patient', { resourceType: 'Patient', name: [{ family: 'Newcomer' }] });
    const second = await getJson(nextLink(first.body) ?? '');
    expect(second.body.total).toBe(543);
    expect((first.body.entry?.length ?? 0) + (second.body.entry?.length ?? 0)).toBe(543);
    expect(await total(`${base}/Patient?_summary=count`)).toBe(544);
    const gone = await getJson<OperationOutcome>(`${base}/Patient?_getpages=00000000-0000-0000-0000-000000000000&_getpagesoffset=0`);
    expect(gone.status).toBe(410);
  });

  it('resets to the seed', async () => {
    await post('/Patient', { resourceType: 'Patient', name: [{ family: 'Temp' }] });
    expect(await total(`${base}/Patient?_summary=count`)).toBe(544);
    const res = await fetch(`${base}/_admin/reset`, { method: 'POST' });
    expect(((await res.json()) as { resources: Record<string, number> }).resources.Patient).toBe(543);
    expect(await total(`${base}/Patient?_summary=count`)).toBe(543);
  });
});

describe('FHIR EMR sandbox: bearer token and several mounts in one host', () => {
  it('requires the token everywhere except /metadata, and builds links from each prefix', async () => {
    const host = await startTestHost({
      prefix: '/a/fhir-emr',
      bearerToken: 'secret-token',
      bulkExport: false,
      setup: async (app) => {
        const { fhirEmrSandbox } = await import('./plugin.js');
        await app.register(fhirEmrSandbox, { prefix: '/b/fhir-emr', seed: false });
      },
    });
    try {
      const meta = await getJson<CapabilityStatement>(`${host.baseUrl}/metadata`);
      expect(meta.status).toBe(200);
      expect(meta.body.rest?.[0]?.operation).toBeUndefined();
      const denied = await getJson<OperationOutcome>(`${host.baseUrl}/Patient?_count=1`);
      expect(denied.status).toBe(401);
      expect(denied.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await getJson(`${host.baseUrl}/Patient?_count=1`, { authorization: 'Bearer wrong' })).status).toBe(401);
      const ok = await getJson(`${host.baseUrl}/Patient?_count=1`, { authorization: 'Bearer secret-token' });
      expect(ok.status).toBe(200);
      expect(nextLink(ok.body)?.startsWith(`${host.origin}/a/fhir-emr/Patient?`)).toBe(true);
      expect((await getJson(`${host.baseUrl}/$export`, { authorization: 'Bearer secret-token', prefer: 'respond-async' })).status).toBe(404);

      const other = await getJson(`${host.origin}/b/fhir-emr/Patient`);
      expect(other.status).toBe(200);
      expect(other.body.total).toBe(0);
      expect(other.body.link?.[0]?.url).toBe(`${host.origin}/b/fhir-emr/Patient?_count=50`);
    } finally {
      await host.close();
    }
  });
});
