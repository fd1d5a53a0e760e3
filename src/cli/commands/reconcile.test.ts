import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ONCALL_SANDBOX_API_KEY } from '../../sandboxes/oncall/plugin.js';
import { startPlanted, type Planted } from '../../flows/reconcile/test-helpers/planted.js';
import { spawnCli } from '../../../test/helpers/processes.js';
import { startServer } from '../../server/start.js';
import { testStore, type TestStore } from '../../../test/helpers/stores.js';

/** A port nothing listens on: OnCall "down". */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('ehr-bridge reconcile', () => {
  let dir: string;
  let db: TestStore;
  let planted: Planted;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ehrb-reconcile-cli-'));
    db = await testStore('sqlite', { file: join(dir, 'db.sqlite') });
    planted = await startPlanted(db.db);
    env = {
      EHR_BRIDGE_DATABASE_URL: join(dir, 'db.sqlite'),
      ONCALL_BASE_URL: planted.oncallBase,
      ONCALL_API_KEY: DEFAULT_ONCALL_SANDBOX_API_KEY,
      EHR_BRIDGE_EMR_FHIR_URL: planted.emr.baseUrl,
      EHR_BRIDGE_SYNC_OWNERS: '',
    };
  }, 120_000);
  afterAll(async () => {
    await planted?.close();
    await db?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the one summary line, writes one CSV row per finding and exits 2', async () => {
    const report = join(dir, 'out.csv');
    const p = spawnCli(['reconcile', '--type', 'contacts', '--report', report], env);
    expect(await p.exited()).toBe(2);
    expect(p.stdout()).toBe('in sync 2, missing in OnCall 1, missing in EMR 1, different 1, duplicated 1\n');
    const rows = parse(readFileSync(report, 'utf8'), { columns: true }) as Array<Record<string, string>>;
    expect(Object.keys(rows[0]!)).toEqual(['finding', 'EMR id', 'OnCall URL', 'field', 'EMR value', 'OnCall value', 'owner']);
    expect(rows.map((r) => r.finding).sort()).toEqual(['different', 'duplicated', 'missing in EMR', 'missing in OnCall']);
    expect(rows.find((r) => r.finding === 'different')).toEqual({
      finding: 'different',
      'EMR id': planted.ids.differentEmr,
      'OnCall URL': planted.ids.differentUrl,
      field: 'e-mail',
      'EMR value': 'bea.brennan@example.com',
      'OnCall value': 'bea.new@example.com',
      owner: 'EMR',
    });
    expect(rows.find((r) => r.finding === 'duplicated')?.['OnCall URL']).toBe(`${planted.ids.duplicatedUrl1} ${planted.ids.duplicatedUrl2}`);
  }, 60_000);

  it('--json prints the summary and the findings', async () => {
    const p = spawnCli(['reconcile', '--type', 'appointments', '--json'], env);
    expect(await p.exited()).toBe(2);
    const out = JSON.parse(p.stdout()) as { line: string; findings: unknown[]; exitCode: number };
    expect(out.line).toBe('in sync 1, missing in OnCall 1, missing in EMR 1, different 1, duplicated 0');
    expect(out.findings).toHaveLength(3);
    expect(out.exitCode).toBe(2);
  }, 60_000);

  it('exits 0 when all is in sync', async () => {
    const other = await testStore('sqlite', { file: join(dir, 'sync.sqlite') });
    const small = await startPlanted(other.db);
    try {
      // One EMR patient, and in OnCall (emptied) one contact holding its EMR id, same details.
      for (const r of small.store.list('Patient')) if (r.id !== small.ids.syncedEmr) small.store.delete('Patient', r.id!);
      await small.oncall.admin('POST', 'reset/');
      const base = small.oncallBase;
      const made = await small.oncall.call('POST', '/contacts/', {
        name: 'Ada Ashford', first_name: 'Ada', last_name: 'Ashford', email: 'ada.ashford@example.com', sex: 'female', date_of_birth: '1980-02-03',
        division: `${base}/divisions/1/`, provider: `${base}/providers/1/`, custom_field_values: { '1': small.ids.syncedEmr },
      });
      expect(made.status).toBe(201);
      const q = spawnCli(['reconcile'], { ...env, EHR_BRIDGE_DATABASE_URL: join(dir, 'sync.sqlite'), ONCALL_BASE_URL: base, EHR_BRIDGE_EMR_FHIR_URL: small.emr.baseUrl });
      expect(await q.exited()).toBe(0);
      expect(q.stdout()).toBe('in sync 1, missing in OnCall 0, missing in EMR 0, different 0, duplicated 0\n');
    } finally {
      await small.close();
      await other.dispose();
    }
  }, 60_000);

  it('exits 1 with the reason in words when OnCall is unreachable, and writes no summary', async () => {
    const port = await closedPort();
    const p = spawnCli(['reconcile', '--report', join(dir, 'down.csv')], { ...env, ONCALL_BASE_URL: `http://127.0.0.1:${port}/oncall` });
    expect(await p.exited()).toBe(1);
    expect(p.stdout()).toBe('');
    expect(p.stderr()).toMatch(/^ehr-bridge reconcile: OnCall Health could not be reached/);
    expect(p.stderr()).not.toMatch(/at .*\.js:\d+/);
    expect(existsSync(join(dir, 'down.csv'))).toBe(false);
  }, 60_000);

  it('with no partner configured, reads the sandboxes of the engine running on this machine (npm start)', async () => {
    const engineDb = join(dir, 'engine.sqlite');
    const server = await startServer({ port: 0, host: '127.0.0.1', databaseUrl: engineDb, logLevel: 'silent', admin: { password: 'correct horse battery' }, ehr: { sandboxMllpPort: 0 } }, { ...process.env, EHR_BRIDGE_SYNC: 'off' });
    try {
      const port = new URL(server.url).port;
      const report = join(dir, 'engine.csv');
      const p = spawnCli(['reconcile', '--type', 'contacts', '--report', report], { EHR_BRIDGE_DATABASE_URL: engineDb, PORT: port, EHR_BRIDGE_SYNC_OWNERS: '' });
      expect(await p.exited()).toBe(2);
      const m = /^in sync 0, missing in OnCall (\d+), missing in EMR 0, different 0, duplicated 0\n$/.exec(p.stdout());
      expect(m, p.output()).not.toBeNull();
      const rows = parse(readFileSync(report, 'utf8'), { columns: true }) as unknown[];
      expect(rows).toHaveLength(Number(m![1]));
    } finally {
      await server.close();
    }
  }, 60_000);

  it('exits 1 naming the problem for a report it cannot write or a wrong owners setting', async () => {
    const p = spawnCli(['reconcile', '--report', join(dir, 'no-such-folder', 'x.csv')], env);
    expect(await p.exited()).toBe(1);
    expect(p.stderr()).toMatch(/^ehr-bridge reconcile: cannot write the report to .*x\.csv \(ENOENT\)/);
    const q = spawnCli(['reconcile'], { ...env, EHR_BRIDGE_SYNC_OWNERS: 'patient=somebody' });
    expect(await q.exited()).toBe(1);
    expect(q.stderr()).toMatch(/^ehr-bridge reconcile: EHR_BRIDGE_SYNC_OWNERS: unknown owner "somebody"/);
    expect(p.stdout() + q.stdout()).toBe('');
  }, 60_000);

  it('refuses a wrong --type with exit 1 and says what is allowed', async () => {
    const p = spawnCli(['reconcile', '--type', 'patients'], env);
    expect(await p.exited()).toBe(1);
    expect(p.stderr()).toMatch(/--type.*'patients' is invalid\. choose contacts or appointments\./);
    expect(p.stdout()).toBe('');
  }, 30_000);
});
