import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactTemplate, fakePeople, PEOPLE_HEADER } from '../../../test/helpers/import-harness.js';
import { json, startSignedInServer, type SignedInServer } from '../../../test/helpers/signed-in-server.js';

/**
 * Issue 6, items 18 and 19 through the engine API: a start without a setting every row needs
 * answers 400 with a field error and sends nothing; the preflight shows records of another
 * clinic before the run, and moving them is an explicit choice of the start call.
 */
describe('import API: required settings and other clinics', () => {
  let api: SignedInServer;
  beforeAll(async () => {
    api = await startSignedInServer('ehrb-api-settings-');
  });
  afterAll(() => api.close());
  const call = (...args: Parameters<SignedInServer['call']>) => api.call(...args);
  const csv = [PEOPLE_HEADER.join(','), ...fakePeople(6).map((r) => r.join(','))].join('\n');
  const stagedRun = async (defaults: Record<string, string>) => {
    const run = (await call('/api/imports', json({ target: 'oncall', recordType: 'contacts', fileName: 'f.csv', mapping: contactTemplate(), defaults }))).body;
    const staged = await call(`/api/imports/${run.id}/file`, { method: 'PUT', headers: { 'content-type': 'text/csv' }, body: csv });
    expect(staged.body).toMatchObject({ status: 'ready', totalRows: 6, invalidRows: 0 });
    return run.id as string;
  };
  const sandboxRequests = async () => {
    const r = await call('/sandbox/oncall/_admin/stats');
    expect(r.status).toBe(200);
    return r.body.requests.total as number;
  };
  const finished = async (id: string) => {
    for (;;) {
      const s = (await call(`/api/imports/${id}`)).body;
      if (!['running', 'ready'].includes(s.status)) return s;
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('answers 400 with a field error when no division is given, before any row, and sends nothing', async () => {
    const id = await stagedRun({ provider: '1' });
    const before = await sandboxRequests();
    const r = await call(`/api/imports/${id}/start`, json({}));
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.fieldErrors)).toEqual(['defaults.division']);
    expect(r.body.error).toMatch(/division/);
    expect((await call(`/api/imports/${id}/preflight`)).status).toBe(400);
    await new Promise((res) => setTimeout(res, 300));
    const s = (await call(`/api/imports/${id}`)).body;
    expect(s).toMatchObject({ status: 'ready', counts: { pending: 6, failed: 0, created: 0 } });
    expect(await sandboxRequests()).toBe(before);
  });

  it('answers 400 naming the provider for contacts without one', async () => {
    const id = await stagedRun({ division: '1' });
    const r = await call(`/api/imports/${id}/start`, json({}));
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.fieldErrors)).toEqual(['defaults.provider']);
  });

  it('previews records of another clinic and moves them only when the start says so', async () => {
    const first = await stagedRun({ division: '1', provider: '1' });
    expect((await call(`/api/imports/${first}/start`, json({}))).status).toBe(200);
    expect(await finished(first)).toMatchObject({ status: 'completed', counts: { created: 6 } });

    const second = await stagedRun({ division: '2', provider: '1' });
    const pre = await call(`/api/imports/${second}/preflight`);
    expect(pre.status).toBe(200);
    expect(pre.body).toMatchObject({ existingHere: 0, inAnotherDivision: 6, moveBetweenDivisions: false });
    expect(pre.body.sample[0]).toEqual({ line: 2, division: '/divisions/1/' });
    expect((await call(`/api/imports/${second}/start`, json({ updateExisting: true }))).status).toBe(200);
    expect(await finished(second)).toMatchObject({ status: 'completed', counts: { skipped: 6, updated: 0, created: 0 } });

    const third = await stagedRun({ division: '2', provider: '1' });
    expect((await call(`/api/imports/${third}/start`, json({ moveBetweenDivisions: true }))).status).toBe(200);
    expect(await finished(third)).toMatchObject({ status: 'completed', counts: { updated: 6 } });
  });
});
