import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase, DIALECTS } from '../../../test/helpers/stores.js';
import { startPlanted, plantedPatient, type Planted } from '../../flows/reconcile/test-helpers/planted.js';
import { DEFAULT_ONCALL_SANDBOX_API_KEY } from '../../sandboxes/oncall/plugin.js';
import { startServer, type RunningServer } from '../../server/start.js';
import { openStore } from '../../store/db.js';
import { migrateToLatest } from '../../store/migrate.js';

/**
 * The reconciliation API (issue 9) against the sandbox FHIR EMR and the OnCall sandbox on real
 * sockets, on SQLite and PostgreSQL: a run reports the planted findings; pushing each fix from
 * the API leaves the next run all in sync; each action happens once (a second click writes
 * nothing); refusals say why and write nothing.
 */
describe.each(DIALECTS)('reconciliation API (%s)', (dialect) => {
  const password = 'correct horse battery';
  let dir: string;
  let drop: (() => Promise<void>) | undefined;
  let planted: Planted;
  let server: RunningServer;
  let cookie: string;

  const call = async (path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { cookie, origin: server.url, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const finished = async (type = 'contacts') => {
    const started = await call('/api/reconcile/runs', { type });
    expect(started.status).toBe(202);
    for (let i = 0; i < 200; i++) {
      const r = await call(`/api/reconcile/runs/${started.body.run.id}?limit=500`);
      if (r.body.run.status !== 'running') return r.body;
      await new Promise((res) => setTimeout(res, 25));
    }
    throw new Error('run did not finish');
  };
  const act = (runId: string, n: number, body: Record<string, unknown>) => call(`/api/reconcile/runs/${runId}/findings/${n}/actions`, body);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ehrb-reconcile-api-'));
    let databaseUrl = join(dir, 'db.sqlite');
    if (dialect === 'postgres') ({ url: databaseUrl, drop } = await createPgDatabase());
    // The links are planted in the database the engine then opens.
    const store = openStore(databaseUrl);
    await migrateToLatest(store);
    planted = await startPlanted(store.db, { duplicate: false });
    await store.close();
    server = await startServer(
      {
        port: 0, host: '127.0.0.1', databaseUrl, logLevel: 'silent', admin: { password }, ehr: { sandboxMllpPort: 0 }, sandboxes: false,
        oncall: { baseUrl: planted.oncallBase, apiKey: DEFAULT_ONCALL_SANDBOX_API_KEY, maxRetries: 0 },
        emr: { fhirUrl: planted.emr.baseUrl },
      },
      { ...process.env, EHR_BRIDGE_SYNC: 'off', EHR_BRIDGE_SYNC_OWNERS: '', EHR_BRIDGE_EMR_WRITE: 'fhir', EHR_BRIDGE_ONCALL_SCAN_EVERY: 'off' },
    );
    const res = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'admin', password }) });
    cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await planted?.close();
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports the planted findings, and pushing each fix leaves the next run all in sync, each action once', async () => {
    const first = await finished();
    expect(first.run).toMatchObject({ status: 'done', summaryLine: 'in sync 2, missing in OnCall 1, missing in EMR 1, different 1, duplicated 0', allInSync: false });
    expect(first.run.progress).toMatchObject({ phase: 'done', emr: 4, oncall: 4 });
    const byKind = Object.fromEntries(first.findings.map((f: any) => [f.kind, f]));
    const filtered = await call(`/api/reconcile/runs/${first.run.id}?finding=different`);
    expect(filtered.body.findings).toHaveLength(1);
    expect(filtered.body.findings[0].fields).toEqual([{ field: 'email', emr: 'bea.brennan@example.com', oncall: 'bea.new@example.com', owner: 'emr' }]);

    // The same report as the CLI's, for a download.
    const csv = await fetch(`${server.url}/api/reconcile/runs/${first.run.id}/report.csv`, { headers: { cookie } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="reconciliation-contacts-\d{4}-\d{2}-\d{2}\.csv"/);
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toBe('finding,EMR id,OnCall URL,field,EMR value,OnCall value,owner');
    expect(lines).toHaveLength(4);
    expect(lines).toContain(`different,${planted.ids.differentEmr},${planted.ids.differentUrl},e-mail,bea.brennan@example.com,bea.new@example.com,EMR`);

    // different: the EMR owns e-mail, so OnCall gets the EMR's value.
    const pushed = await act(first.run.id, byKind.different.n, { action: 'push' });
    expect(pushed).toMatchObject({ status: 200, body: { action: 'push', repeated: false } });
    const again = await act(first.run.id, byKind.different.n, { action: 'push' });
    expect(again).toMatchObject({ status: 200, body: { repeated: true } });
    expect((await planted.oncall.call('GET', planted.ids.differentUrl!)).body.email).toBe('bea.brennan@example.com');

    // missing in OnCall: created once, two clicks at the same time included.
    const before = (await planted.oncall.call('GET', '/contacts/')).body.count as number;
    const [c1, c2] = await Promise.all([act(first.run.id, byKind['missing-in-oncall'].n, { action: 'push' }), act(first.run.id, byKind['missing-in-oncall'].n, { action: 'push' })]);
    expect([c1.status, c2.status]).toEqual([200, 200]);
    expect([c1.body.repeated, c2.body.repeated].sort()).toEqual([false, true]);
    expect((await planted.oncall.call('GET', '/contacts/')).body.count).toBe(before + 1);

    // missing in the EMR: the EMR patient is created through the FHIR EMR writer.
    const patientsBefore = planted.store.count('Patient');
    const created = await act(first.run.id, byKind['missing-in-emr'].n, { action: 'push' });
    expect(created).toMatchObject({ status: 200, body: { done: 'created the patient in the EMR' } });
    expect(planted.store.count('Patient')).toBe(patientsBefore + 1);

    // Audited: one effects row per action, named by the run and the finding.
    const effects = await server.ctx.store.db.selectFrom('effects').select(['key', 'status', 'action']).where('key', 'like', `reconcile:${first.run.id}:%`).execute();
    expect(effects).toHaveLength(3);
    expect(effects.every((e) => e.status === 'done')).toBe(true);

    const second = await finished();
    expect(second.run).toMatchObject({ summaryLine: 'in sync 5, missing in OnCall 0, missing in EMR 0, different 0, duplicated 0', allInSync: true });
    expect(second.findings).toEqual([]);
  }, 60_000);

  it('duplicates: push is refused, link needs the chosen contact, ignore is remembered; refusals write nothing', async () => {
    const e = planted.store.create(plantedPatient('Ellery', 'Eve'));
    const base = planted.oncallBase;
    const mk = async (email: string) =>
      (await planted.oncall.call('POST', '/contacts/', { name: 'Eve Ellery', first_name: 'Eve', last_name: 'Ellery', email, sex: 'female', date_of_birth: '1980-02-03', division: `${base}/divisions/1/`, provider: `${base}/providers/1/`, custom_field_values: { '1': e.id } })).body.url as string;
    const url1 = await mk('eve.ellery@example.com');
    const url2 = await mk('eve.other@example.com');
    const run = await finished();
    expect(run.run.summaryLine).toBe('in sync 5, missing in OnCall 0, missing in EMR 0, different 0, duplicated 1');
    const dup = run.findings[0];
    expect(dup).toMatchObject({ kind: 'duplicated', emrId: e.id, oncallUrls: [url1, url2] });

    expect(await act(run.run.id, dup.n, { action: 'push' })).toMatchObject({ status: 409, body: { error: expect.stringMatching(/link the right one/) } });
    expect(await act(run.run.id, dup.n, { action: 'link' })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/Choose which of the 2 OnCall contacts/) } });
    expect(await act(run.run.id, dup.n, { action: 'link', oncallUrl: 'http://elsewhere.example/contacts/1/' })).toMatchObject({ status: 400 });
    expect(await server.ctx.store.db.selectFrom('effects').select('key').where('key', '=', `reconcile:${run.run.id}:${dup.n}`).execute()).toEqual([]);

    const linked = await act(run.run.id, dup.n, { action: 'link', oncallUrl: url1 });
    expect(linked).toMatchObject({ status: 200, body: { action: 'link', repeated: false } });
    const link = await server.ctx.store.db.selectFrom('links').select(['target_id']).where('kind', '=', 'patient').where('source_id', '=', e.id!).execute();
    expect(link).toEqual([{ target_id: url1 }]);
    // A second, different action on the same finding answers what was done first.
    expect(await act(run.run.id, dup.n, { action: 'ignore' })).toMatchObject({ status: 200, body: { action: 'link', repeated: true } });
    const page = await call(`/api/reconcile/runs/${run.run.id}`);
    expect(page.body.findings[0].action).toMatchObject({ action: 'link' });
  }, 60_000);

  it('the same person unpaired on both sides: push refuses to double them, link pairs them', async () => {
    const g = planted.store.create(plantedPatient('Grey', 'Gwen'));
    const base = planted.oncallBase;
    const made = await planted.oncall.call('POST', '/contacts/', { name: 'Gwen Grey', first_name: 'Gwen', last_name: 'Grey', email: 'gwen.grey@example.com', sex: 'female', date_of_birth: '1980-02-03', division: `${base}/divisions/1/`, provider: `${base}/providers/1/` });
    const run = await finished();
    const inEmr = run.findings.find((f: any) => f.kind === 'missing-in-oncall' && f.emrId === g.id);
    const inOncall = run.findings.find((f: any) => f.kind === 'missing-in-emr' && f.oncallUrl === made.body.url);
    expect(inOncall.possibleMatch).toBe(g.id);
    const contacts = (await planted.oncall.call('GET', '/contacts/')).body.count as number;
    const patients = planted.store.count('Patient');
    expect(await act(run.run.id, inEmr.n, { action: 'push' })).toMatchObject({ status: 409, body: { error: expect.stringMatching(/^OnCall has a contact with the same name and no EMR id \(contact \d+\): link the right one/) } });
    expect(await act(run.run.id, inOncall.n, { action: 'push' })).toMatchObject({ status: 409, body: { error: `The EMR has a patient with the same name and date of birth (${g.id}): link the right one instead of creating another` } });
    expect((await planted.oncall.call('GET', '/contacts/')).body.count).toBe(contacts);
    expect(planted.store.count('Patient')).toBe(patients);
    expect(await act(run.run.id, inOncall.n, { action: 'link', emrId: 'no-such-patient' })).toMatchObject({ status: 409 });
    expect(await act(run.run.id, inOncall.n, { action: 'link', emrId: g.id })).toMatchObject({ status: 200, body: { action: 'link' } });
    const next = await finished();
    expect(next.findings.filter((f: any) => f.emrId === g.id || f.oncallUrl === made.body.url)).toEqual([]);
  }, 60_000);

  it('answers 404 for an unknown run or finding and 400 for a bad body', async () => {
    expect((await call('/api/reconcile/runs/nope')).status).toBe(404);
    expect((await call('/api/reconcile/runs', { type: 'patients' })).status).toBe(400);
    const run = await finished('appointments');
    expect((await act(run.run.id, 999, { action: 'ignore' })).status).toBe(404);
    expect((await act(run.run.id, 1, { action: 'delete' })).status).toBe(400);
    // An appointment OnCall owns differs: writing it to the EMR goes through the FHIR writer.
    const different = run.findings.find((f: any) => f.kind === 'different');
    expect(different.fields.map((f: any) => f.owner)).toEqual(['oncall', 'oncall']);
    const pushed = await act(run.run.id, different.n, { action: 'push' });
    expect(pushed).toMatchObject({ status: 200, body: { done: '2 field(s) written to the EMR' } });
    // Missing in OnCall: booked there with its patient, once.
    const missing = run.findings.find((f: any) => f.kind === 'missing-in-oncall');
    const before = (await planted.oncall.call('GET', '/appointments/')).body.count as number;
    expect(await act(run.run.id, missing.n, { action: 'push' })).toMatchObject({ status: 200, body: { done: 'booked the appointment in OnCall', repeated: false } });
    expect(await act(run.run.id, missing.n, { action: 'push' })).toMatchObject({ status: 200, body: { repeated: true } });
    expect((await planted.oncall.call('GET', '/appointments/')).body.count).toBe(before + 1);
    const participants = await server.ctx.store.db.selectFrom('links').select(['source_id', 'parent_id']).where('kind', '=', 'participant').execute();
    expect(participants).toEqual([{ source_id: `${missing.emrId}/${planted.ids.syncedEmr}`, parent_id: planted.ids.syncedEmr }]);
    const again = await finished('appointments');
    expect(again.findings.find((f: any) => f.emrId === different.emrId)).toBeUndefined();
    expect(again.findings.find((f: any) => f.emrId === missing.emrId)).toBeUndefined();
  }, 60_000);

  it('a run that cannot read OnCall ends failed, with the reason in words and no findings', async () => {
    await planted.oncall.admin('POST', 'faults/', { errorRate: 1 });
    try {
      const run = await finished();
      expect(run.run).toMatchObject({ status: 'failed', allInSync: null });
      expect(run.run.error).toMatch(/^OnCall Health/);
      expect(run.findings).toEqual([]);
      expect((await act(run.run.id, 1, { action: 'ignore' })).status).toBe(409);
    } finally {
      await planted.oncall.admin('POST', 'faults/', { errorRate: 0 });
    }
  }, 60_000);

  it('one comparison of a type at a time: a second start answers 409 naming the running one', async () => {
    await planted.oncall.admin('POST', 'faults/', { latencyMs: 300 });
    try {
      const first = await call('/api/reconcile/runs', { type: 'contacts' });
      expect(first.status).toBe(202);
      const second = await call('/api/reconcile/runs', { type: 'contacts' });
      expect(second).toMatchObject({ status: 409, body: { error: expect.stringContaining(first.body.run.id) } });
      const progress = await call(`/api/reconcile/runs/${first.body.run.id}`);
      expect(progress.body.run).toMatchObject({ status: 'running', allInSync: null });
      for (let i = 0; i < 100 && (await call(`/api/reconcile/runs/${first.body.run.id}`)).body.run.status === 'running'; i++) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await planted.oncall.admin('POST', 'faults/', { latencyMs: 0 });
    }
  }, 60_000);

  it('needs the admin', async () => {
    const res = await fetch(`${server.url}/api/reconcile/runs`);
    expect(res.status).toBe(401);
  });
});
