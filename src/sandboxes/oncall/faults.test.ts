import { afterEach, describe, expect, it } from 'vitest';
import { AUTH, contactBody, rawRequest, startSandbox, type RunningSandbox } from './test-harness.js';

describe('oncall sandbox: fault switches and admin', () => {
  let sb: RunningSandbox | undefined;
  afterEach(async () => {
    await sb?.close();
    sb = undefined;
  });

  it('throttles per key with 429 + Retry-After and applies nothing', async () => {
    sb = await startSandbox();
    const faults = await sb.admin('POST', 'faults', { rateLimitPerSecond: 1 });
    expect(faults.body).toEqual({ errorRate: 0, timeoutRate: 0, latencyMs: 0, rateLimitPerSecond: 1 });
    // A burst of 6 against 1 request/second: all but one or two must be refused, even on a slow machine.
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => sb!.call('POST', '/contacts/', contactBody(sb!.base, { email: `t${i}@example.com` }))),
    );
    const throttled = results.filter((r) => r.status === 429);
    expect(throttled.length).toBeGreaterThanOrEqual(3);
    const t = throttled[0]!;
    const retryAfter = Number(t.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
    expect(t.body.detail).toMatch(/^Request was throttled\. Expected available in \d+ seconds?\.$/);
    const stats = (await sb.admin('GET', 'stats')).body;
    expect(stats.contacts).toBe(results.filter((r) => r.status === 201).length);
    expect(stats.throttled).toBe(throttled.length);
    // Admin routes are never throttled.
    for (let i = 0; i < 5; i++) expect((await sb.admin('GET', 'faults')).status).toBe(200);
  });

  it('errorRate=1 answers 503 and creates nothing', async () => {
    sb = await startSandbox();
    await sb.admin('POST', 'faults', { errorRate: 1 });
    const res = await sb.call('POST', '/contacts/', contactBody(sb.base));
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ detail: 'Service temporarily unavailable.' });
    await sb.admin('POST', 'faults', { errorRate: 0 });
    expect((await sb.call('GET', '/contacts/')).body.count).toBe(0);
    expect((await sb.admin('GET', 'stats')).body).toMatchObject({ contacts: 0, injectedErrors: 1 });
  });

  it('uses the injected random source for partial rates', async () => {
    const rolls = [0.9, 0.1];
    sb = await startSandbox({ random: () => rolls.shift() ?? 0.99 });
    await sb.admin('POST', 'faults', { errorRate: 0.5 });
    expect((await sb.call('GET', '/divisions/')).status).toBe(200); // 0.9 >= 0.5
    expect((await sb.call('GET', '/divisions/')).status).toBe(503); // 0.1 < 0.5
  });

  it('timeoutRate=1 applies the change, then closes the socket without a response', async () => {
    sb = await startSandbox({ timeoutHoldMs: 50 });
    await sb.admin('POST', 'faults', { timeoutRate: 1 });
    const started = Date.now();
    const res = await rawRequest(`${sb.base}/contacts/`, {
      method: 'POST',
      headers: { ...AUTH, 'content-type': 'application/json' },
      body: JSON.stringify(contactBody(sb.base, { email: 'ambiguous@example.com' })),
    });
    expect('error' in res).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    await sb.admin('POST', 'faults', { timeoutRate: 0 });
    const lookup = await sb.call('GET', '/contacts/?email=ambiguous%40example.com');
    expect(lookup.body.count).toBe(1);
    expect((await sb.admin('GET', 'stats')).body.injectedTimeouts).toBe(1);
  });

  it('closing the app releases held requests at once', async () => {
    sb = await startSandbox({ timeoutHoldMs: 60_000 });
    await sb.admin('POST', 'faults', { timeoutRate: 1 });
    const pending = rawRequest(`${sb.base}/divisions/`, { headers: AUTH });
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await sb.close();
    sb = undefined;
    expect('error' in (await pending)).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('adds latency before responses', async () => {
    sb = await startSandbox();
    await sb.admin('POST', 'faults', { latencyMs: 80 });
    const started = Date.now();
    expect((await sb.call('GET', '/divisions/')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(70);
    expect((await sb.admin('POST', 'faults', { latencyMs: -1, errorRate: 2 })).status).toBe(400);
  });

  it('reset clears records, counters and faults and re-seeds', async () => {
    sb = await startSandbox();
    await sb.call('POST', '/contacts/', contactBody(sb.base));
    await sb.admin('POST', 'faults', { errorRate: 1 });
    expect((await sb.admin('POST', 'reset')).status).toBe(200);
    expect((await sb.admin('GET', 'faults')).body).toEqual({ errorRate: 0, timeoutRate: 0, latencyMs: 0, rateLimitPerSecond: null });
    expect((await sb.admin('GET', 'stats')).body).toMatchObject({ contacts: 0, appointments: 0, requests: { total: 0 } });
    expect((await sb.call('GET', '/divisions/')).body.count).toBe(3);
    const again = await sb.call('POST', '/contacts/', contactBody(sb.base));
    expect(again.body.id).toBe(1);
    const stats = (await sb.admin('GET', 'stats')).body;
    expect(stats.requests).toEqual({ total: 2, byMethod: { GET: 1, POST: 1 } });
  });

  it('seeds synthetic contacts and manages custom field definitions', async () => {
    sb = await startSandbox({ seed: false });
    expect((await sb.call('GET', '/divisions/')).body.count).toBe(0);
    const seeded = await sb.admin('POST', 'seed', { contacts: 30 });
    expect(seeded.body).toMatchObject({ divisions: 3, contacts: 30 });
    const fields = (await sb.admin('GET', 'custom-fields')).body;
    expect(fields.find((f: { id: number }) => f.id === 1)).toMatchObject({ label: 'EMR id', kind: 'text', active: true });
    expect(fields.filter((f: { active: boolean }) => !f.active).length).toBeGreaterThanOrEqual(3);

    await sb.admin('PATCH', 'custom-fields/1', { active: false });
    const rejected = await sb.call('POST', '/contacts/', contactBody(sb.base, { custom_field_values: { '1': 'x' } }));
    expect(rejected.status).toBe(400);
    const added = await sb.admin('POST', 'custom-fields', { division: `${sb.base}/divisions/1/`, label: 'MRN', kind: 'text' });
    expect(added.status).toBe(201);
    const ok = await sb.call('POST', '/contacts/', contactBody(sb.base, { custom_field_values: { [String(added.body.id)]: 'M-1' } }));
    expect(ok.body.custom_field_names).toEqual({ [String(added.body.id)]: 'MRN' });
  });
});
