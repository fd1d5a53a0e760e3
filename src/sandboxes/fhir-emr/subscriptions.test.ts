import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { Appointment, Bundle, Patient, Subscription } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from './test-host.js';

/** Rest-hook Subscriptions delivered to a real local HTTP server. */

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

async function until<T>(what: string, f: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function send<T = unknown>(method: string, url: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { method, headers: body ? { 'content-type': 'application/fhir+json' } : {}, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

describe('FHIR EMR sandbox: rest-hook Subscriptions', () => {
  let host: TestHost;
  let base: string;
  let receiver: Server;
  let endpoint: string;
  const received: Received[] = [];
  /** Answers to give, in order, before 200s (to exercise retries). */
  const failNext: number[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers, body });
        res.writeHead(failNext.shift() ?? 200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    endpoint = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;
    host = await startTestHost({ seed: false, webhookAllowedHosts: [], subscriptionRetry: { maxAttempts: 3, initialDelayMs: 20, factor: 2, attemptTimeoutMs: 2000 } });
    base = host.baseUrl;
  });
  afterAll(async () => {
    await host.close();
    await new Promise<void>((r) => receiver.close(() => r()));
  });

  const subscribe = (criteria: string, path: string, extra: Partial<Subscription['channel']> = {}) =>
    send<Subscription>('POST', `${base}/Subscription`, {
      resourceType: 'Subscription',
      status: 'requested',
      reason: 'test',
      criteria,
      channel: { type: 'rest-hook', endpoint: `${endpoint}${path}`, ...extra },
    });

  it('refuses endpoints that are not loopback or allow-listed, and channels other than rest-hook', async () => {
    const remote = await send('POST', `${base}/Subscription`, { resourceType: 'Subscription', status: 'requested', reason: 'x', criteria: 'Patient', channel: { type: 'rest-hook', endpoint: 'http://10.1.2.3/hook' } });
    expect(remote.status).toBe(422);
    const ws = await send('POST', `${base}/Subscription`, { resourceType: 'Subscription', status: 'requested', reason: 'x', criteria: 'Patient', channel: { type: 'websocket' } });
    expect(ws.status).toBe(422);
    const other = await send('POST', `${base}/Subscription`, { resourceType: 'Subscription', status: 'requested', reason: 'x', criteria: 'Encounter', channel: { type: 'rest-hook', endpoint: `${endpoint}/x` } });
    expect(other.status).toBe(422);
  });

  it('notifies the full resource, an id-only Bundle, only matching criteria, with the channel headers, and retries a failed delivery', async () => {
    const full = await subscribe('Patient', '/full', { payload: 'application/fhir+json', header: ['Authorization: Bearer hook-secret'] });
    expect(full.status).toBe(201);
    expect(full.body.status).toBe('active');
    const idOnly = await subscribe('Appointment?status=cancelled', '/id-only');
    expect(idOnly.status).toBe(201);

    // The receiver fails the first attempt: the sandbox tries again.
    failNext.push(500);
    const p = await send<Patient>('POST', `${base}/Patient`, { resourceType: 'Patient', name: [{ family: 'Hooked' }] });
    const fullOnes = await until('two deliveries of the patient', () => {
      const r = received.filter((x) => x.path === '/full');
      return r.length >= 2 && r;
    });
    expect(fullOnes.map((r) => JSON.parse(r.body) as Patient).every((x) => x.id === p.body.id && x.meta?.versionId === '1')).toBe(true);
    expect(fullOnes[0]?.headers.authorization).toBe('Bearer hook-secret');
    expect(fullOnes[0]?.headers['content-type']).toMatch(/^application\/fhir\+json/);

    // A booked appointment does not match `status=cancelled`; its cancellation does.
    const a = await send<Appointment>('POST', `${base}/Appointment`, {
      resourceType: 'Appointment',
      status: 'booked',
      start: '2026-07-01T09:00:00Z',
      end: '2026-07-01T09:30:00Z',
      participant: [{ actor: { reference: `Patient/${p.body.id}` }, status: 'accepted' }],
    });
    await send('PUT', `${base}/Appointment/${a.body.id}`, { ...a.body, status: 'cancelled' });
    const note = await until('the cancellation', () => received.find((x) => x.path === '/id-only'));
    const bundle = JSON.parse(note.body) as Bundle;
    expect(bundle).toEqual({
      resourceType: 'Bundle',
      type: 'history',
      entry: [
        {
          fullUrl: `${base}/Appointment/${a.body.id}`,
          request: { method: 'PUT', url: `Appointment/${a.body.id}` },
          response: { status: '200 OK', etag: 'W/"2"', lastModified: expect.any(String) },
        },
      ],
    });
    expect(note.headers.authorization).toBeUndefined();

    // A delete of a Patient under a full-resource Subscription: the id-only shape (there is no content).
    await send('DELETE', `${base}/Patient/${p.body.id}`);
    const del = await until('the delete', () => received.find((x) => x.path === '/full' && (JSON.parse(x.body) as Bundle).resourceType === 'Bundle'));
    expect((JSON.parse(del.body) as Bundle).entry?.[0]).toMatchObject({ request: { method: 'DELETE', url: `Patient/${p.body.id}` }, response: { etag: 'W/"2"' } });
    expect(received.filter((x) => x.path === '/id-only')).toHaveLength(1);

    // Gives up after maxAttempts and says so on the Subscription, without blocking the write.
    failNext.push(503, 503, 503);
    const t0 = performance.now();
    const q = await send<Patient>('POST', `${base}/Patient`, { resourceType: 'Patient', name: [{ family: 'Unlucky' }] });
    expect(q.status).toBe(201);
    expect(performance.now() - t0).toBeLessThan(1000);
    const read = async () => (await send<Subscription>('GET', `${base}/Subscription/${full.body.id}`)).body;
    let current = await read();
    const end = Date.now() + 5000;
    while (!current.error && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50));
      current = await read();
    }
    expect(current.error).toMatch(/after 3 attempts: the endpoint answered HTTP 503/);
    const stats = (await send<{ subscriptions: { notifications: { failed: number; delivered: number } } }>('GET', `${base}/_admin/stats`)).body;
    expect(stats.subscriptions.notifications.failed).toBe(1);

    // Versions arrive in order, even when one needs a retry.
    const ordered = await subscribe('Patient?family=Ordered', '/ordered', { payload: 'application/fhir+json' });
    failNext.push(500);
    let o = (await send<Patient>('POST', `${base}/Patient`, { resourceType: 'Patient', name: [{ family: 'Ordered' }] })).body;
    for (let i = 0; i < 4; i++) o = (await send<Patient>('PUT', `${base}/Patient/${o.id}`, { ...o, gender: i % 2 ? 'male' : 'female' })).body;
    // (The failed answer may go to this Subscription or to the Patient one: a retry repeats a version.)
    const versions = await until('five ordered versions', () => {
      const v = received.filter((x) => x.path === '/ordered').map((x) => (JSON.parse(x.body) as Patient).meta?.versionId);
      return v.includes('5') && v;
    });
    expect(versions.filter((v, i) => v !== versions[i - 1])).toEqual(['1', '2', '3', '4', '5']);
    await send('DELETE', `${base}/Subscription/${ordered.body.id}`);

    // Deleted subscriptions notify no more.
    await send('DELETE', `${base}/Subscription/${full.body.id}`);
    await send('DELETE', `${base}/Subscription/${idOnly.body.id}`);
    const count = received.length;
    await send('POST', `${base}/Patient`, { resourceType: 'Patient', name: [{ family: 'Quiet' }] });
    await new Promise((r) => setTimeout(r, 200));
    expect(received.length).toBe(count);
  });
});
