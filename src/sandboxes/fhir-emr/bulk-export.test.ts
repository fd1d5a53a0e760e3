import type { OperationOutcome, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from './test-host.js';

interface Manifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  output: { type: string; url: string; count: number }[];
  error: unknown[];
}

const ASYNC = { prefer: 'respond-async', accept: 'application/fhir+json' };

describe('FHIR EMR sandbox: Bulk Data $export', () => {
  let host: TestHost;
  let base: string;
  beforeAll(async () => {
    // Long enough that the first status poll still finds the export running on a loaded
    // machine (400 ms was once over before the poll arrived in CI).
    host = await startTestHost({ exportDelayMs: 1500, exportFileMaxResources: 500 });
    base = host.baseUrl;
  });
  afterAll(() => host.close());

  async function kickOff(path: string, headers: Record<string, string> = ASYNC): Promise<string> {
    const res = await fetch(`${base}${path}`, { headers });
    expect(res.status).toBe(202);
    const location = res.headers.get('content-location') ?? '';
    expect(location.startsWith(`${base}/`)).toBe(true);
    return location;
  }

  async function waitForManifest(statusUrl: string): Promise<Manifest> {
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
      const res = await fetch(statusUrl);
      if (res.status === 200) {
        expect(res.headers.get('content-type')).toMatch(/^application\/json/);
        return (await res.json()) as Manifest;
      }
      expect(res.status).toBe(202);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('export never completed');
  }

  async function lines(url: string): Promise<unknown[]> {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+ndjson/);
    return (await res.text())
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as unknown);
  }

  it('runs kick-off, progress polling and NDJSON download end to end', async () => {
    const statusUrl = await kickOff('/$export?_type=Patient,Encounter');
    const running = await fetch(statusUrl);
    expect(running.status).toBe(202);
    expect(running.headers.get('x-progress')).toMatch(/^running/);
    expect(Number(running.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    const manifest = await waitForManifest(statusUrl);
    expect(manifest.request).toBe(`${base}/$export?_type=Patient,Encounter`);
    expect(manifest.requiresAccessToken).toBe(false);
    expect(manifest.error).toEqual([]);
    expect(new Set(manifest.output.map((o) => o.type))).toEqual(new Set(['Patient', 'Encounter']));
    // 500 resources per file: 543 patients make two files.
    const patientFiles = manifest.output.filter((o) => o.type === 'Patient');
    expect(patientFiles.map((f) => f.count)).toEqual([500, 43]);

    const patients = (await Promise.all(patientFiles.map((f) => lines(f.url)))).flat() as Patient[];
    expect(patients).toHaveLength(543);
    expect(new Set(patients.map((p) => p.id)).size).toBe(543);
    expect(patients.every((p) => p.resourceType === 'Patient')).toBe(true);
    const encounters = (await Promise.all(manifest.output.filter((o) => o.type === 'Encounter').map((f) => lines(f.url)))).flat();
    const encounterTotal = ((await (await fetch(`${base}/Encounter?_summary=count`)).json()) as { total: number }).total;
    expect(encounters).toHaveLength(encounterTotal);

    const del = await fetch(statusUrl, { method: 'DELETE' });
    expect(del.status).toBe(202);
    expect((await fetch(statusUrl)).status).toBe(404);
    expect((await fetch(patientFiles[0]?.url ?? '')).status).toBe(404);
  });

  it('exports all types at system level and only the Patient compartment at patient level', async () => {
    const system = await waitForManifest(await kickOff('/$export'));
    expect(new Set(system.output.map((o) => o.type))).toEqual(new Set(['Patient', 'Practitioner', 'Encounter', 'Appointment']));
    const patientLevel = await waitForManifest(await kickOff('/Patient/$export'));
    expect(new Set(patientLevel.output.map((o) => o.type))).toEqual(new Set(['Patient', 'Encounter', 'Appointment']));
    expect((await fetch(`${base}/Patient/$export?_type=Practitioner`, { headers: ASYNC })).status).toBe(400);
  });

  it('filters with _since on meta.lastUpdated', async () => {
    const since = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    const res = await fetch(`${base}/Patient/6310efc1-0a81-76ce-bcdc-8f2995ff9fee`);
    const patient = (await res.json()) as Patient;
    const put = await fetch(`${base}/Patient/${patient.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ ...patient, active: false }),
    });
    expect(put.status).toBe(200);
    const manifest = await waitForManifest(await kickOff(`/$export?_type=Patient&_since=${encodeURIComponent(since)}`));
    expect(manifest.output.map((o) => o.count)).toEqual([1]);
    const [only] = (await lines(manifest.output[0]?.url ?? '')) as Patient[];
    expect(only?.id).toBe(patient.id);
  });

  it('refuses a kick-off without Prefer: respond-async, unknown types and bad parameters', async () => {
    const noPrefer = await fetch(`${base}/$export`, { headers: { accept: 'application/fhir+json' } });
    expect(noPrefer.status).toBe(400);
    expect(((await noPrefer.json()) as OperationOutcome).resourceType).toBe('OperationOutcome');
    expect((await fetch(`${base}/$export?_type=Observation`, { headers: ASYNC })).status).toBe(400);
    expect((await fetch(`${base}/$export?_since=2024-01-01`, { headers: ASYNC })).status).toBe(400);
    expect((await fetch(`${base}/$export?_outputFormat=text/csv`, { headers: ASYNC })).status).toBe(400);
    expect((await fetch(`${base}/$export?_typeFilter=Patient%3Factive%3Dtrue`, { headers: ASYNC })).status).toBe(400);
    expect((await fetch(`${base}/$export?_typeFilter=x`, { headers: { ...ASYNC, prefer: 'respond-async, handling=lenient' } })).status).toBe(202);
  });

  it('cancels a running job on DELETE', async () => {
    const statusUrl = await kickOff('/$export?_type=Practitioner');
    expect((await fetch(statusUrl, { method: 'DELETE' })).status).toBe(202);
    expect((await fetch(statusUrl)).status).toBe(404);
    expect((await fetch(statusUrl, { method: 'DELETE' })).status).toBe(404);
  });

  it('says requiresAccessToken and protects status and files when a token is set', async () => {
    const secured = await startTestHost({ bearerToken: 't0ken', exportDelayMs: 0 });
    try {
      const auth = { authorization: 'Bearer t0ken' };
      const kick = await fetch(`${secured.baseUrl}/$export?_type=Patient`, { headers: { ...ASYNC, ...auth } });
      const statusUrl = kick.headers.get('content-location') ?? '';
      expect((await fetch(statusUrl)).status).toBe(401);
      const manifest = (await (await fetch(statusUrl, { headers: auth })).json()) as Manifest;
      expect(manifest.requiresAccessToken).toBe(true);
      const fileUrl = manifest.output[0]?.url ?? '';
      expect((await fetch(fileUrl)).status).toBe(401);
      expect((await fetch(fileUrl, { headers: auth })).status).toBe(200);
    } finally {
      await secured.close();
    }
  });
});
