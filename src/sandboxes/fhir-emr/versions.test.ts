import type { Appointment, Bundle, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from './test-host.js';

/** Versions, _history, delete, _lastUpdated with _sort: what a change feed reads (issue 8, source 2). */

const JSON_HEADERS = { 'content-type': 'application/fhir+json' };

async function send<T = unknown>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(url, { method, headers: { ...(body === undefined ? {} : JSON_HEADERS), ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

const patient = (family: string): Patient => ({ resourceType: 'Patient', name: [{ family, given: ['Test'] }] });
const appointment = (patientId: string): Appointment => ({
  resourceType: 'Appointment',
  status: 'booked',
  start: '2026-07-01T09:00:00Z',
  end: '2026-07-01T09:30:00Z',
  participant: [{ actor: { reference: `Patient/${patientId}` }, status: 'accepted' }],
});

describe('FHIR EMR sandbox: versions, history, delete', () => {
  let host: TestHost;
  let base: string;
  beforeAll(async () => {
    host = await startTestHost({ seed: false });
    base = host.baseUrl;
  });
  afterAll(() => host.close());

  it('versions every write, serves _history and vread, and answers 410 after a delete', async () => {
    const created = await send<Patient>('POST', `${base}/Patient`, patient('Versioned'));
    expect(created.status).toBe(201);
    const id = created.body.id!;
    expect(created.body.meta).toMatchObject({ versionId: '1' });
    expect(created.body.meta?.lastUpdated).toMatch(/^\d{4}-\d{2}-\d{2}T/);

    const stale = await send('PUT', `${base}/Patient/${id}`, { ...created.body, gender: 'female' }, { 'if-match': 'W/"7"' });
    expect(stale.status).toBe(412);
    const updated = await send<Patient>('PUT', `${base}/Patient/${id}`, { ...created.body, gender: 'female' }, { 'if-match': 'W/"1"' });
    expect(updated.status).toBe(200);
    expect(updated.body.meta?.versionId).toBe('2');
    expect(updated.body.meta!.lastUpdated! > created.body.meta!.lastUpdated!).toBe(true);

    const v1 = await send<Patient>('GET', `${base}/Patient/${id}/_history/1`);
    expect(v1.status).toBe(200);
    expect(v1.body.gender).toBeUndefined();
    expect(v1.headers.get('etag')).toBe('W/"1"');

    expect((await send('DELETE', `${base}/Patient/${id}`, undefined, { 'if-match': 'W/"1"' })).status).toBe(412);
    const del = await send('DELETE', `${base}/Patient/${id}`);
    expect(del.status).toBe(204);
    expect(del.headers.get('etag')).toBe('W/"3"');
    expect((await send('DELETE', `${base}/Patient/${id}`)).status).toBe(204); // idempotent
    const gone = await send<{ issue: { code: string }[] }>('GET', `${base}/Patient/${id}`);
    expect(gone.status).toBe(410);
    expect(gone.body.issue[0]?.code).toBe('deleted');
    expect((await send('GET', `${base}/Patient/${id}/_history/3`)).status).toBe(410);
    expect((await send<Bundle>('GET', `${base}/Patient?_id=${id}`)).body.total).toBe(0);

    const history = await send<Bundle>('GET', `${base}/Patient/${id}/_history`);
    expect(history.status).toBe(200);
    expect(history.body.type).toBe('history');
    // Newest first (https://hl7.org/fhir/R4/http.html#history).
    expect(history.body.entry?.map((e) => [e.request?.method, e.response?.etag, e.resource ? 'content' : 'none'])).toEqual([
      ['DELETE', 'W/"3"', 'none'],
      ['PUT', 'W/"2"', 'content'],
      ['POST', 'W/"1"', 'content'],
    ]);

    // An update after a delete brings the id back with the next version.
    const back = await send<Patient>('PUT', `${base}/Patient/${id}`, { ...patient('Back'), id });
    expect(back.status).toBe(201);
    expect(back.body.meta?.versionId).toBe('4');
    expect((await send('GET', `${base}/Patient/no-such-id/_history`)).status).toBe(404);
  });

  it('creates, updates and deletes appointments, validated', async () => {
    const p = await send<Patient>('POST', `${base}/Patient`, patient('WithAppointment'));
    const bad = await send('POST', `${base}/Appointment`, { resourceType: 'Appointment', status: 'booked', participant: [] });
    expect(bad.status).toBe(400);
    const noStart = await send('POST', `${base}/Appointment`, { ...appointment(p.body.id!), start: undefined });
    expect(noStart.status).toBe(422);
    const a = await send<Appointment>('POST', `${base}/Appointment`, appointment(p.body.id!));
    expect(a.status).toBe(201);
    const cancelled = await send<Appointment>('PUT', `${base}/Appointment/${a.body.id}`, { ...a.body, status: 'cancelled' });
    expect(cancelled.body.meta?.versionId).toBe('2');
    expect((await send('DELETE', `${base}/Appointment/${a.body.id}`)).status).toBe(204);
    expect((await send('GET', `${base}/Appointment/${a.body.id}`)).status).toBe(410);
    // Still read-only: the other types.
    expect((await send('DELETE', `${base}/Encounter/x`)).status).toBe(405);
  });

  it('searches _lastUpdated with prefixes, sorted by _sort=_lastUpdated, following next links', async () => {
    const since = new Date().toISOString();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await send<Patient>('POST', `${base}/Patient`, patient(`Sorted${i}`))).body.id!);
    // Touch the first one again: it moves to the end of the ascending order.
    const first = await send<Patient>('GET', `${base}/Patient/${ids[0]}`);
    await send('PUT', `${base}/Patient/${ids[0]}`, { ...first.body, gender: 'male' });

    const seen: string[] = [];
    let url: string | undefined = `${base}/Patient?_lastUpdated=ge${encodeURIComponent(since)}&_sort=_lastUpdated&_count=2`;
    while (url) {
      const page: { body: Bundle } = await send<Bundle>('GET', url);
      seen.push(...(page.body.entry ?? []).map((e) => e.resource!.id!));
      url = page.body.link?.find((l) => l.relation === 'next')?.url;
    }
    expect(seen).toEqual([...ids.slice(1), ids[0]]);

    const desc = await send<Bundle>('GET', `${base}/Patient?_lastUpdated=ge${encodeURIComponent(since)}&_sort=-_lastUpdated`);
    expect(desc.body.entry?.map((e) => e.resource!.id)).toEqual([ids[0], ...ids.slice(1).reverse()]);
    const stamps = desc.body.entry!.map((e) => e.resource!.meta!.lastUpdated!);
    const later = await send<Bundle>('GET', `${base}/Patient?_lastUpdated=gt${encodeURIComponent(stamps[1]!)}`);
    expect(later.body.entry?.map((e) => e.resource!.id)).toEqual([ids[0]]);
    const earlier = await send<Bundle>('GET', `${base}/Patient?_lastUpdated=le${encodeURIComponent(stamps[4]!)}&_lastUpdated=ge${encodeURIComponent(since)}`);
    expect(earlier.body.total).toBe(1);
    expect(desc.body.link?.[0]?.url).toContain('_sort=-_lastUpdated');
  });
});
