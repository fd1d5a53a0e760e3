import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePdf, parameters, startEngine, type EngineHarness } from '../../flows/send-to-ehr/test-helpers/engine-harness.js';

/** The admin API behind the documents and API clients pages (session cookie, real HTTP). */
describe('documents and OAuth clients admin API', () => {
  let h: EngineHarness;
  let cookie = '';
  beforeAll(async () => {
    h = await startEngine('sqlite', { ehr: { routes: { default: { transport: { kind: 'mllp', ackTimeoutMs: 300 }, maxAttempts: 1 } } } });
    const res = await fetch(`${h.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'admin', password: 'correct horse battery' }) });
    cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  });
  afterAll(async () => h.close());

  const call = async (path: string, init: RequestInit = {}, auth = true) => {
    const res = await fetch(`${h.url}${path}`, { ...init, headers: { ...(auth ? { cookie, origin: h.url } : {}), ...((init.headers as Record<string, string>) ?? {}) } });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const post = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('needs the admin session', async () => {
    expect((await call('/api/documents', {}, false)).status).toBe(401);
    expect((await call('/api/oauth-clients', {}, false)).status).toBe(401);
  });

  it('creates, lists and revokes OAuth clients; the secret is shown once and works at the token endpoint', async () => {
    const bad = await call('/api/oauth-clients', post({ name: 'x', scopes: 'SEND_TO_EHR ROOT' }));
    expect(bad.status).toBe(400);
    const created = await call('/api/oauth-clients', post({ name: 'Clinic app', scopes: ['SEND_TO_EHR'] }));
    expect(created.status).toBe(201);
    const { id, secret } = created.body as { id: string; secret: string };
    const list = await call('/api/oauth-clients');
    expect(list.body.items.find((c: { id: string }) => c.id === id)).toMatchObject({ name: 'Clinic app', scopes: ['SEND_TO_EHR'], revokedAt: null });
    expect(JSON.stringify(list.body)).not.toContain(secret);
    const token = await fetch(`${h.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'client_credentials', client_id: id, client_secret: secret }) });
    expect(token.status).toBe(200);
    expect((await call(`/api/oauth-clients/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(`/api/oauth-clients/${id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('lists documents with filters, shows one with attempts and the elided message, and re-sends a failed one', async () => {
    const { patient, encounter } = await h.patientWithEncounter();
    await h.setAckMode('AE');
    const r = await h.sendToEhr(parameters({ patientId: patient.id!, encounterId: encounter.id!, payload: await makePdf('admin api'), title: 'admin api' }));
    const id = r.body.parameter[1].valueString as string;
    await h.waitForStatus(r.body.parameter[0].valueString, ['entered-in-error']);

    const failed = await call('/api/documents?status=entered-in-error');
    expect(failed.body.items.map((i: { transactionId: string }) => i.transactionId)).toContain(id);
    expect(failed.body.routes).toEqual(['default']);
    expect((await call('/api/documents?status=completed')).body.items.map((i: { transactionId: string }) => i.transactionId)).not.toContain(id);
    expect((await call(`/api/documents?q=${patient.id}`)).body.total).toBeGreaterThanOrEqual(1);

    const detail = await call(`/api/documents/${id}`);
    expect(detail.body).toMatchObject({ transactionId: id, canResend: true, route: 'default', deliveries: [{ status: 'entered-in-error', attemptLog: [{ outcome: 'rejected', ackCode: 'AE' }] }] });
    expect(detail.body.deliveries[0].messagePreview).toMatch(/^MSH\|/);
    expect(detail.body.deliveries[0].messagePreview).toMatch(/<base64 elided: \d+ characters>/);

    await h.setAckMode('AA');
    const resend = await call(`/api/documents/${id}/resend`, post({}));
    expect(resend.status).toBe(202);
    await h.waitForStatus(r.body.parameter[0].valueString, ['completed']);
    expect((await call(`/api/documents/${id}/resend`, post({}))).status).toBe(409);
    expect((await call('/api/documents/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });
});
