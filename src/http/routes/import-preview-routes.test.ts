import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactTemplate, fakePeople, PEOPLE_HEADER } from '../../../test/helpers/import-harness.js';
import { json, startSignedInServer, type SignedInServer } from '../../../test/helpers/signed-in-server.js';

/** GET /api/imports/:id/preview: the wizard's preview before "Start" (admin only, reads only). */
describe('import preview API', () => {
  let api: SignedInServer;
  beforeAll(async () => {
    api = await startSignedInServer('ehrb-preview-');
  });
  afterAll(() => api.close());
  const csv = (rows: string[][]) => [PEOPLE_HEADER.join(','), ...rows.map((r) => r.join(','))].join('\n');
  const staged = async (rows: string[][], updateExisting = false) => {
    const run = (await api.call('/api/imports', json({ target: 'oncall', recordType: 'contacts', fileName: 'f.csv', mapping: contactTemplate(), defaults: { division: '1', provider: '1' }, updateExisting }))).body;
    const up = await api.call(`/api/imports/${run.id}/file`, { method: 'PUT', headers: { 'content-type': 'text/csv' }, body: csv(rows) });
    expect(up.status).toBe(200);
    return run.id as string;
  };

  it('previews a checked import, with the choices of the boxes, and refuses anonymous callers', async () => {
    const rows = fakePeople(6);
    rows[5]![3] = 'not-an-email';
    const first = await staged(rows.slice(0, 3));
    expect((await api.call(`/api/imports/${first}/start`, json({}))).status).toBe(200);
    for (let s = ''; s !== 'completed'; ) {
      await new Promise((r) => setTimeout(r, 100));
      s = (await api.call(`/api/imports/${first}`)).body.status;
    }
    rows[0]![3] = 'moved@example.org';
    const id = await staged(rows);
    expect((await api.call(`/api/imports/${id}/preview`, {}, false)).status).toBe(401);
    const p = await api.call(`/api/imports/${id}/preview`);
    expect(p.status).toBe(200);
    expect(p.body.counts).toEqual({ create: 2, update: 0, unchanged: 2, notUpdated: 1, move: 0, otherClinic: 0, leftOut: 1 });
    expect(p.body.fieldGroups.notUpdated).toEqual([{ labels: ['E-mail'], lines: 1 }]);
    const withUpdate = await api.call(`/api/imports/${id}/preview?updateExisting=true`);
    expect(withUpdate.body.counts).toMatchObject({ update: 1, notUpdated: 0 });
    expect(withUpdate.body.samples.update[0]).toMatchObject({ line: 2, emrId: 'emr-0', changes: [{ label: 'E-mail', to: 'moved@example.org' }] });
  });

  it('lists the lines the server left out with who they are about, the field, the column and the value', async () => {
    const rows = fakePeople(3, 70);
    rows[1]![3] = 'nobody(at)example.org';
    rows[2]![4] = '1980-02-30';
    const id = await staged(rows);
    expect((await api.call(`/api/imports/${id}/problem-lines`, {}, false)).status).toBe(401);
    const r = await api.call(`/api/imports/${id}/problem-lines?limit=1`);
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(2);
    expect(r.body.items).toEqual([
      { line: 3, name: `${rows[1]![1]} ${rows[1]![2]}`, emrId: 'emr-71', errors: [expect.objectContaining({ field: 'email', column: 'email', code: 'invalid-email', value: 'nobody(at)example.org' })] },
    ]);
    const next = await api.call(`/api/imports/${id}/problem-lines?offset=1&limit=1`);
    expect(next.body.items[0]).toMatchObject({ line: 4, emrId: 'emr-72', errors: [{ field: 'birthDate', column: 'dob' }] });
    expect((await api.call('/api/imports/00000000-0000-4000-8000-000000000000/problem-lines')).status).toBe(404);
  });

  it('answers 404 for an unknown import, 409 once it started, 400 for a bad choice', async () => {
    expect((await api.call('/api/imports/00000000-0000-4000-8000-000000000000/preview')).status).toBe(404);
    const id = await staged(fakePeople(1, 50));
    expect((await api.call(`/api/imports/${id}/preview?updateExisting=maybe`)).status).toBe(400);
    expect((await api.call(`/api/imports/${id}/start`, json({}))).status).toBe(200);
    const late = await api.call(`/api/imports/${id}/preview`);
    expect(late.status).toBe(409);
  });
});
