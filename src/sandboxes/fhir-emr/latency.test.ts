import type { OperationOutcome } from '@medplum/fhirtypes';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from './test-host.js';

/** The latency switch (`POST /_admin/faults`) that benchmarks use to make the EMR answer like one across a network. */

describe('FHIR EMR sandbox: latency switch', () => {
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

  const setFaults = (body: unknown, contentType = 'application/json') =>
    fetch(`${base}/_admin/faults`, { method: 'POST', headers: { 'content-type': contentType }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const timed = async (url: string, init?: RequestInit): Promise<{ ms: number; status: number }> => {
    const t0 = performance.now();
    const res = await fetch(url, init);
    await res.arrayBuffer();
    return { ms: performance.now() - t0, status: res.status };
  };

  it('delays FHIR requests by latencyMs, never the admin routes, and reset turns it off', async () => {
    const set = await setFaults({ latencyMs: 150 });
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ latencyMs: 150 });
    expect(await (await fetch(`${base}/_admin/faults`)).json()).toEqual({ latencyMs: 150 });

    const read = await timed(`${base}/Patient?_summary=count`);
    expect(read.status).toBe(200);
    expect(read.ms).toBeGreaterThanOrEqual(145);
    const create = await timed(`${base}/Patient`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Hopper' }] }),
    });
    expect(create.status).toBe(201);
    expect(create.ms).toBeGreaterThanOrEqual(145);

    const admin = await timed(`${base}/_admin/stats`);
    expect(admin.status).toBe(200);
    expect(admin.ms).toBeLessThan(145);
    const stats = (await (await fetch(`${base}/_admin/stats`)).json()) as { faults: { latencyMs: number } };
    expect(stats.faults.latencyMs).toBe(150);

    expect((await fetch(`${base}/_admin/reset`, { method: 'POST' })).status).toBe(200);
    expect(await (await fetch(`${base}/_admin/faults`)).json()).toEqual({ latencyMs: 0 });
    expect((await timed(`${base}/Patient?_summary=count`)).ms).toBeLessThan(145);
  });

  it('refuses a bad switch with 400 and an OperationOutcome, leaving the setting as it was', async () => {
    expect((await setFaults({ latencyMs: 30 })).status).toBe(200);
    for (const bad of [{ latencyMs: -1 }, { latencyMs: 1.5 }, { latencyMs: '20' }, { latencyMs: 600_001 }, { errorRate: 0.5 }, [20], 'not json']) {
      const res = await setFaults(bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      const body = (await res.json()) as OperationOutcome;
      expect(body.resourceType).toBe('OperationOutcome');
      // The caller's input is not echoed back.
      expect(JSON.stringify(body)).not.toContain('errorRate');
    }
    expect(await (await fetch(`${base}/_admin/faults`)).json()).toEqual({ latencyMs: 30 });
    // An empty object changes nothing.
    expect(await (await setFaults({})).json()).toEqual({ latencyMs: 30 });
  });
});
