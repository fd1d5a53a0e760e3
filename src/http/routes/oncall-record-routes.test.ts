import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactTemplate, fakePeople, PEOPLE_HEADER } from '../../../test/helpers/import-harness.js';
import { startServer, type RunningServer } from '../../server/start.js';

/**
 * Issue 7, item 5: a report line's "OnCall record" opens the record as OnCall holds it, read by
 * the engine with its own credentials, and ONLY for contacts and appointments under the
 * configured OnCall base URL: any other address is refused before anything is fetched.
 */
describe('GET /api/oncall/record', () => {
  let dir: string;
  let server: RunningServer;
  let cookie: string;
  let oncallBase: string;
  const password = 'correct horse battery';

  const call = async (path: string, init: RequestInit = {}, auth = true) => {
    const res = await fetch(`${server.url}${path}`, { ...init, headers: { ...(auth ? { cookie, origin: server.url } : {}), ...(init.headers ?? {}) } });
    const text = await res.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body, headers: res.headers };
  };
  const post = (path: string, body: unknown) => call(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const record = (url: string) => call(`/api/oncall/record?url=${encodeURIComponent(url)}`);
  const sandboxRequests = async () => ((await (await fetch(`${oncallBase}/_admin/stats/`)).json()) as { requests: { total: number } }).requests.total;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ehrb-record-'));
    server = await startServer({
      port: 0, host: '127.0.0.1', databaseUrl: join(dir, 'db.sqlite'), logLevel: 'silent',
      admin: { password }, ehr: { sandboxMllpPort: 0 }, oncall: { webUrl: 'https://app.oncall.test/{kind}/{id}' },
    });
    const res = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'admin', password }) });
    cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    oncallBase = `${server.url}/sandbox/oncall`;
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows a contact the import created, with plain labels and a link to OnCall\'s own page', async () => {
    const run = (await post('/api/imports', { target: 'oncall', recordType: 'contacts', fileName: 'people.csv', mapping: contactTemplate(), defaults: { division: '1', provider: '1' } })).body;
    const csv = [PEOPLE_HEADER.join(','), ...fakePeople(2).map((r) => r.join(','))].join('\n');
    expect((await call(`/api/imports/${run.id}/file`, { method: 'PUT', headers: { 'content-type': 'text/csv' }, body: csv })).status).toBe(200);
    expect((await post(`/api/imports/${run.id}/start`, {})).status).toBe(200);
    await expect.poll(async () => (await call(`/api/imports/${run.id}`)).body.status, { timeout: 20_000, interval: 100 }).toBe('completed');
    const rows = (await call(`/api/imports/${run.id}/rows`)).body.items as { partnerUrl: string }[];
    const url = rows[0]!.partnerUrl;
    expect(url.startsWith(`${oncallBase}/contacts/`)).toBe(true);

    const r = await record(url);
    expect(r.status).toBe(200);
    const id = /\/contacts\/(\d+)\/$/.exec(url)![1];
    expect(r.body).toMatchObject({ kind: 'contacts', id, url, webUrl: `https://app.oncall.test/contacts/${id}` });
    const fields = Object.fromEntries((r.body.fields as { label: string; value: string }[]).map((f) => [f.label, f.value]));
    expect(fields).toMatchObject({ 'First name': 'FirstA', 'Last name': 'LastA', 'E-mail': 'person0@example.org', 'Date of birth': '1950-01-10', Sex: 'Female' });
    // Division and provider by name, not as API addresses; the EMR id under its field's label.
    expect(fields.Clinic).not.toMatch(/^http/);
    expect(fields.Provider).not.toMatch(/^http/);
    expect(Object.values(fields)).toContain('emr-0');
    expect(Object.keys(fields).join(' ')).not.toMatch(/_/); // no API field names
  });

  it('shows an appointment with its participants and metadata in plain words', async () => {
    const created = await fetch(`${oncallBase}/appointments/`, {
      method: 'POST',
      headers: { authorization: 'Token oncall-sandbox-key', 'content-type': 'application/json' },
      body: JSON.stringify({
        title: 'Follow-up', datetime: '2027-01-05T15:30:00Z', duration: 30, type: 'online', division: `${oncallBase}/divisions/1/`,
        participants: [{ name: 'Ann Lee', email: 'ann@example.org', fee: 75 }], metadata: { emr_id: 'appt-9' },
      }),
    });
    expect(created.status).toBe(201);
    const url = ((await created.json()) as { url: string }).url;
    const r = await record(url);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ kind: 'appointments', title: 'Follow-up' });
    const fields = Object.fromEntries((r.body.fields as { label: string; value: string }[]).map((f) => [f.label, f.value]));
    expect(fields).toMatchObject({ Title: 'Follow-up', 'Date and time': '5 Jan 2027, 15:30 UTC', Duration: '30 minutes', Type: 'Video visit', 'Participant 1': 'Ann Lee <ann@example.org> (fee 75)', 'Metadata: emr_id': 'appt-9' });
    expect(fields.Clinic).not.toMatch(/^http/);
  });

  it('answers 404 in words for a record OnCall does not have', async () => {
    const r = await record(`${oncallBase}/contacts/987654/`);
    expect(r.status).toBe(404);
    expect(r.body.error).toMatch(/no such record/i);
  });

  it('refuses any address that is not a contact or appointment of the configured OnCall, and fetches nothing', async () => {
    const host = new URL(server.url).host;
    const refused = [
      'http://evil.test/sandbox/oncall/contacts/1/', // another host
      `https://${host}/sandbox/oncall/contacts/1/`, // another scheme
      `http://localhost:1/sandbox/oncall/contacts/1/`, // another port
      `http://user:pw@${host}/sandbox/oncall/contacts/1/`, // credentials
      `${server.url}/api/imports`, // the engine itself, outside the OnCall base
      `${server.url}/sandbox/fhir-emr/Patient/1`, // another sandbox on the same host
      `${oncallBase}/providers/1/`, // a kind an import never writes
      `${oncallBase}/contacts/`, // a listing
      `${oncallBase}/contacts/1/?page=2`, // a query
      `${oncallBase}/contacts/1/../../../../api/imports`, // dot segments leave the base
      `${oncallBase}/contacts/abc/`,
      'javascript:alert(1)',
      'not an address',
    ];
    const before = await sandboxRequests();
    for (const url of refused) {
      const r = await record(url);
      expect({ url, status: r.status }).toEqual({ url, status: 400 });
      expect(r.body.error).toMatch(/only OnCall contacts and appointments/i);
    }
    expect((await call('/api/oncall/record')).status).toBe(400);
    expect(await sandboxRequests()).toBe(before);
  });

  it('is for signed-in staff only', async () => {
    expect((await call(`/api/oncall/record?url=${encodeURIComponent(`${oncallBase}/contacts/1/`)}`, {}, false)).status).toBe(401);
  });
});
