import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactTemplate } from '../../../test/helpers/import-harness.js';
import { until } from '../../../test/helpers/until.js';
import { spawnCli } from '../../../test/helpers/processes.js';
import { startServer, type RunningServer } from '../../server/start.js';

/** Issue 13 through the engine API: the wizard's "pull from the EMR" against the embedded sandbox EMR. */
describe('import API: appointments pulled from the EMR with a mapping', () => {
  let server: RunningServer;
  let cookie = '';
  const dir = mkdtempSync(join(tmpdir(), 'ehrb-emr-pull-'));

  beforeAll(async () => {
    server = await startServer({ port: 0, host: '127.0.0.1', databaseUrl: join(dir, 'db.sqlite'), logLevel: 'silent', admin: { password: 'correct horse battery' }, ehr: { sandboxMllpPort: 0 } });
    const res = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'admin', password: 'correct horse battery' }) });
    cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (path: string, init: RequestInit = {}, auth = true) => {
    const res = await fetch(`${server.url}${path}`, { ...init, headers: { ...(auth ? { cookie, origin: server.url } : {}), ...(init.headers ?? {}) } });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const pendingRows = async (id: string) => {
    const out: { message: string | null }[] = [];
    for (let offset = 0; ; offset += 1000) {
      const page = (await call(`/api/imports/${id}/rows?status=pending&limit=1000&offset=${offset}`)).body as { total: number; items: { message: string | null }[] };
      out.push(...page.items);
      if (!page.items.length || out.length >= page.total) return out;
    }
  };
  const oncallAppointments = async () => ((await (await fetch(`${server.url}/sandbox/oncall/_admin/stats`)).json()) as { appointments: number }).appointments;

  it('previews the EMR appointments as mapping columns with the suggested mapping; anonymous callers get nothing', async () => {
    expect((await call('/api/imports/emr/preview?resource=Appointment', {}, false)).status).toBe(401);
    const r = await call('/api/imports/emr/preview?resource=Appointment&limit=10');
    expect(r.status).toBe(200);
    expect(r.body.columns).toEqual(expect.arrayContaining(['appointmentType', 'serviceType', 'practitioner', 'location', 'minutesDuration']));
    expect(r.body.rows).toHaveLength(10);
    expect(r.body.rows[0]).toHaveLength(r.body.columns.length);
    expect(r.body.suggested.fields.type).toMatchObject({ column: 'appointmentType' });
  });

  it('creates a pull run with an edited mapping, checks every record before sending, then sends the valid ones', async () => {
    const suggested = (await call('/api/imports/emr/preview?resource=Appointment')).body.suggested;
    const mapping = { ...suggested, fields: { ...suggested.fields, type: { constant: 'online' } } };
    const created = await call('/api/imports', json({ target: 'oncall', recordType: 'appointments', source: 'fhir', mapping, defaults: { division: '1', provider: '1' } }));
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    // A pull run takes no file.
    const put = await fetch(`${server.url}/api/imports/${id}/file`, { method: 'PUT', headers: { cookie, origin: server.url, 'content-type': 'text/csv' }, body: 'a,b\n1,2\n' });
    expect(put.status).toBe(409);

    const pulled = await call(`/api/imports/${id}/pull`, { method: 'POST' });
    expect(pulled.status).toBe(200);
    expect(pulled.body.totalRows).toBeGreaterThan(1000);
    // Every appointment: patients without an e-mail get the provider's address (the default of
    // a pull, resolved from OnCall's provider 1), cancelled ones are created cancelled.
    expect(pulled.body.invalidRows).toBe(0);
    const valid = pulled.body.totalRows;
    const pending = await pendingRows(id);
    const warned = pending.filter((r) => r.message === 'the patient has no e-mail in the EMR; the participant uses the provider\'s address');
    expect(warned.length).toBeGreaterThan(300);
    expect(await oncallAppointments()).toBe(0);

    expect((await call(`/api/imports/${id}/start`, json({}))).status).toBe(200);
    const done = await until(async () => {
      const s = (await call(`/api/imports/${id}`)).body;
      return s.status === 'completed' ? s : undefined;
    }, 240_000, 'the pull run to complete');
    expect(done.counts.created).toBe(valid);
    expect(await oncallAppointments()).toBe(valid);
    // The report keeps the warning on each line that used the provider's address, never the address.
    const report = await fetch(`${server.url}/api/imports/${id}/report.csv`, { headers: { cookie } }).then((r) => r.text());
    expect(report.match(/[Tt]he patient has no e-mail in the EMR; the participant uses the provider's address/g)?.length).toBeGreaterThanOrEqual(warned.length);
    expect(report).not.toContain('@sandbox-clinic.example');
  }, 300_000);

  it('the EMR pull\'s participantEmailFallback: "none" leaves those appointments out, an address is used as given, anything else is refused', async () => {
    const suggested = (await call('/api/imports/emr/preview?resource=Appointment')).body.suggested;
    const withOption = (participantEmailFallback: string) => ({ ...suggested, options: { ...suggested.options, participantEmailFallback } });
    const none = await call('/api/imports', json({ target: 'oncall', recordType: 'appointments', source: 'fhir', mapping: withOption('none'), defaults: { division: '1', provider: '1' } }));
    const pulledNone = (await call(`/api/imports/${none.body.id}/pull`, { method: 'POST' })).body;
    const problems = (await call(`/api/imports/${none.body.id}/problems?limit=1`)).body;
    expect(problems.total).toBe(pulledNone.invalidRows);
    expect(problems.items[0].errors[0].message).toBe('participants.email is required by OnCall Health, and the patient has no e-mail address in the EMR');

    const desk = await call('/api/imports', json({ target: 'oncall', recordType: 'appointments', source: 'fhir', mapping: withOption('front.desk@clinic.example'), defaults: { division: '1' } }));
    const pulledDesk = (await call(`/api/imports/${desk.body.id}/pull`, { method: 'POST' })).body;
    expect(pulledDesk.invalidRows).toBe(0);
    const rows = await pendingRows(desk.body.id);
    expect(rows.filter((r) => r.message?.includes('uses the address given in the mapping')).length).toBe(pulledNone.invalidRows);

    const bad = await call('/api/imports', json({ target: 'oncall', recordType: 'appointments', source: 'fhir', mapping: withOption('the provider'), defaults: { division: '1' } }));
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('participantEmailFallback is \\"provider\\", \\"none\\" or an e-mail address');
  }, 300_000);

  it('refuses to pull into a CSV import, and a CSV mapping for a pull, reading nothing', async () => {
    const csvRun = await call('/api/imports', json({ target: 'oncall', recordType: 'contacts', fileName: 'f.csv', mapping: contactTemplate(), defaults: { division: '1', provider: '1' } }));
    expect((await call(`/api/imports/${csvRun.body.id}/pull`, { method: 'POST' })).status).toBe(409);
    expect((await call(`/api/imports/${csvRun.body.id}`)).body.totalRows).toBe(0);

    const wrong = await call('/api/imports', json({ target: 'oncall', recordType: 'appointments', source: 'fhir', mapping: { version: 1, recordType: 'appointments', fields: { title: { column: 'Visit title' } } }, defaults: { division: '1' } }));
    const r = await call(`/api/imports/${wrong.body.id}/pull`, { method: 'POST' });
    expect(r.status).toBe(400);
    expect(r.body.error).toContain('"Visit title"');
    expect((await call(`/api/imports/${wrong.body.id}`)).body.totalRows).toBe(0);
  });

  it('a matching saved as a named template is what the CLI pull uses with --mapping <name>', async () => {
    const suggested = (await call('/api/imports/emr/preview?resource=Appointment')).body.suggested;
    const mapping = { ...suggested, fields: { ...suggested.fields, type: { constant: 'phone' } } };
    expect((await call('/api/mapping-templates', json({ name: 'EMR phone visits', target: 'oncall', recordType: 'appointments', mapping }))).status).toBe(201);
    const cli = spawnCli(
      ['import', '--from', `${server.url}/sandbox/fhir-emr`, '--resource', 'Appointment', '--type', 'appointments', '--division', '1', '--provider', '1', '--mapping', 'EMR phone visits', '--update', '--dry-run', '--no-progress'],
      { EHR_BRIDGE_DATABASE_URL: join(dir, 'db.sqlite'), ONCALL_BASE_URL: `${server.url}/sandbox/oncall`, ONCALL_API_KEY: 'oncall-sandbox-key', LOG_LEVEL: 'warn' },
    );
    await cli.exited();
    const out = cli.output();
    expect(out).not.toContain('using the suggested mapping');
    // The earlier test created the appointments as online visits: with the saved matching
    // (phone) every one of them would be updated, and nothing is sent by the dry run.
    // The dry run prints the preview of changes (change-preview.ts describeChangePreview).
    expect(out).toMatch(/^\s+0 appointment\(s\) would be created$/m);
    expect(out).not.toContain('already up to date, left as they are');
    const updates = Number(/^\s+(\d+) appointment\(s\) would be updated$/m.exec(out)?.[1]);
    expect(updates).toBeGreaterThan(1000); // every appointment of the EMR (1,084 in the sandbox)
    expect(await oncallAppointments()).toBe(updates);
    const listed = await fetch(`${server.url}/sandbox/oncall/appointments/?page_size=100`, { headers: { authorization: 'Token oncall-sandbox-key' } });
    const types = new Set(((await listed.json()) as { results: { type: string }[] }).results.map((a) => a.type));
    expect([...types]).toEqual(['online']);
  }, 300_000);
});
