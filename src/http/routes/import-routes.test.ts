import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactTemplate, fakePeople, PEOPLE_HEADER } from '../../../test/helpers/import-harness.js';
import { json, startSignedInServer, type SignedInServer } from '../../../test/helpers/signed-in-server.js';

/** The engine API as the web UI and API clients use it: auth, field errors, the two-step upload. */
describe('import API', () => {
  let api: SignedInServer;
  beforeAll(async () => {
    api = await startSignedInServer('ehrb-api-');
  });
  afterAll(() => api.close());
  const call = (...args: Parameters<SignedInServer['call']>) => api.call(...args);
  const newRun = () => call('/api/imports', json({ target: 'oncall', recordType: 'contacts', fileName: 'f.csv', mapping: contactTemplate(), defaults: { division: '1', provider: '1' } }));
  const upload = (id: string, text: string | Buffer) => call(`/api/imports/${id}/file`, { method: 'PUT', headers: { 'content-type': 'text/csv' }, body: text as unknown as BodyInit });

  it('refuses anonymous callers and a wrong password, and accepts API keys', async () => {
    expect((await call('/api/imports', {}, false)).status).toBe(401);
    const bad = await call('/api/auth/login', json({ user: 'admin', password: 'wrong password' }), false);
    expect(bad.status).toBe(401);
    const key = await call('/api/api-keys', json({ name: 'tests' }));
    expect(key.status).toBe(201);
    const withKey = await call('/api/imports', { headers: { authorization: `Bearer ${key.body.key}` } }, false);
    expect(withKey.status).toBe(200);
    await call(`/api/api-keys/${key.body.id}`, { method: 'DELETE' });
    expect((await call('/api/imports', { headers: { authorization: `Bearer ${key.body.key}` } }, false)).status).toBe(401);
  });

  it('answers a malformed import request with 400 and the fields in error', async () => {
    const r = await call('/api/imports', json({ target: 'nowhere', recordType: 'contacts', mapping: { version: 2 } }));
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.fieldErrors)).toEqual(expect.arrayContaining(['target', 'mapping.version']));
    expect((await call('/api/imports')).body.items).toHaveLength(0);
  });

  it('stages a file, lists its problems with line numbers, runs it and serves a neutralised report', async () => {
    const run = (await newRun()).body;
    const rows = fakePeople(20);
    rows[4]![3] = 'not-an-email';
    rows[9]![0] = 'emr-3';
    rows[11]![1] = '=HYPERLINK("http://evil")';
    const csv = [PEOPLE_HEADER.join(','), ...rows.map((r) => r.map((c) => (c.includes(',') || c.includes('"') ? `"${c.replace(/"/g, '""')}"` : c)).join(','))].join('\r\n');
    const staged = await upload(run.id, `\uFEFF${csv}`);
    expect(staged.status).toBe(200);
    expect(staged.body).toMatchObject({ status: 'ready', totalRows: 20, invalidRows: 2 });
    const problems = await call(`/api/imports/${run.id}/problems`);
    expect(problems.body.items.map((p: { line: number }) => p.line)).toEqual([6, 11]);
    expect(JSON.stringify(problems.body)).toMatch(/line 5/);
    expect(JSON.stringify(problems.body)).not.toContain('not-an-email');

    const started = await call(`/api/imports/${run.id}/start`, json({}));
    expect(started.status).toBe(200);
    let s;
    do {
      await new Promise((r) => setTimeout(r, 100));
      s = (await call(`/api/imports/${run.id}`)).body;
    } while (s.status === 'running');
    expect(s).toMatchObject({ status: 'completed', counts: { created: 18, invalid: 2 } });
    const report = await call(`/api/imports/${run.id}/report.csv`);
    expect(report.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = String(report.body).replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    expect(lines).toHaveLength(21);
    expect(lines.find((l) => l.startsWith('6,'))).toMatch(/^6,left out,/);
    expect(lines.find((l) => l.startsWith('2,'))).toMatch(/^2,created,emr-0,http/);
    expect(String(report.body)).not.toMatch(/,=HYPERLINK/);
    expect((await call(`/api/imports/${run.id}/start`, json({}))).status).toBe(409);
  });

  it('rejects file-level problems with a 400 and keeps nothing of the file', async () => {
    const cases: [string | Buffer, RegExp][] = [
      ['', /empty/i],
      [PEOPLE_HEADER.join(','), /no rows|header/i],
      ['id:first:last:email:dob:sex\n1:A:B:a@b.co:1980-01-01:F\n', /delimiter|column/i],
      [Buffer.from([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x34, 0x00, 0x01, 0x02, 0xff]), /not a CSV/i],
      ['name,phone\nA,1\n', /no column named/i],
    ];
    for (const [body, message] of cases) {
      const run = (await newRun()).body;
      const r = await upload(run.id, body);
      expect(r.status, String(message)).toBe(400);
      expect(r.body.error).toMatch(message);
      const after = (await call(`/api/imports/${run.id}`)).body;
      expect(after).toMatchObject({ status: 'draft', totalRows: 0 });
      expect((await call(`/api/imports/${run.id}/rows`)).body.total).toBe(0);
    }
  });

  it('reads semicolon and tab separated files and Windows-1252 text', async () => {
    const semi = (await newRun()).body;
    expect((await upload(semi.id, 'id;first;last;email;dob;sex\r\n1;Zoé;Brûlé;z@example.org;1980-01-01;F\r\n')).body).toMatchObject({ status: 'ready', totalRows: 1, invalidRows: 0 });
    const tab = (await newRun()).body;
    const latin = Buffer.from('id\tfirst\tlast\temail\tdob\tsex\n1\tZoé\tBrûlé\tz@example.org\t1980-01-01\tF\n', 'latin1');
    expect((await upload(tab.id, latin)).body).toMatchObject({ status: 'ready', totalRows: 1, invalidRows: 0 });
    const rows = await call(`/api/imports/${tab.id}/rows`);
    expect(rows.body.total).toBe(1);
    const stored = await api.server.ctx.store.db.selectFrom('import_rows').select('record').where('run_id', '=', tab.id).executeTakeFirstOrThrow();
    expect(JSON.parse(stored.record)).toMatchObject({ firstName: 'Zoé', lastName: 'Brûlé' });
  });

  it('keeps mapping templates by name and refuses duplicates', async () => {
    const body = { name: 'Synthea', target: 'oncall', recordType: 'contacts', mapping: contactTemplate() };
    expect((await call('/api/mapping-templates', json(body))).status).toBe(201);
    const dup = await call('/api/mapping-templates', json(body));
    expect(dup.status).toBe(409);
    expect(dup.body.fieldErrors.name).toBeDefined();
    const list = await call('/api/mapping-templates?target=oncall&recordType=contacts');
    expect(list.body.items.map((t: { name: string }) => t.name)).toEqual(['Synthea']);
  });

  it('serves the OpenAPI document', async () => {
    const r = await call('/docs/json', {}, false);
    expect(r.status).toBe(200);
    expect(Object.keys(r.body.paths)).toEqual(expect.arrayContaining(['/api/imports', '/api/imports/{id}/file']));
  });
});
