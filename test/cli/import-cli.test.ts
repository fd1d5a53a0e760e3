import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, spawnCli, startSandboxProcess, type Spawned } from '../helpers/processes.js';

const FIXTURE = `${REPO_ROOT}test/fixtures/synthea-patients.csv`;
const SYNTHEA_ROWS = 543;

describe('ehr-bridge import (CLI) against the sandbox process', () => {
  let sandbox: { proc: Spawned; base: string };
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    sandbox = await startSandboxProcess();
    dir = mkdtempSync(join(tmpdir(), 'ehrb-cli-'));
    env = {
      ONCALL_BASE_URL: `${sandbox.base}/oncall`,
      ONCALL_API_KEY: 'oncall-sandbox-key',
      EHR_BRIDGE_DATABASE_URL: join(dir, 'db.sqlite'),
      ONCALL_REQUESTS_PER_SECOND: '0',
    };
  });
  afterAll(async () => {
    sandbox.proc.kill();
    await sandbox.proc.exited();
    rmSync(dir, { recursive: true, force: true });
  });

  async function runImport(args: string[], extraEnv: Record<string, string> = {}) {
    const p = spawnCli(['import', ...args], { ...env, ...extraEnv });
    const code = await p.exited();
    return { code, out: p.output() };
  }

  it('imports the Synthea export with the suggested mapping, then a second run creates nothing', async () => {
    const report = join(dir, 'report.csv');
    const first = await runImport([FIXTURE, '--type', 'contacts', '--division', '1', '--provider', '1', '--report', report]);
    expect(first.out).toMatch(/using the suggested mapping \(column → field\)/);
    expect(first.out).toMatch(/^ {2}Id\s+→ {2}EMR id$/m);
    expect(first.out).toMatch(/^ {2}FIRST\s+→ {2}First name {3}\(digits removed\)$/m);
    expect(first.out).toMatch(/^ {2}BIRTHDATE\s+→ {2}Date of birth/m);
    expect(first.out).not.toMatch(/emrId|firstName|birthDate|strip-digits|value-map/);
    expect(first.out).toContain(`${SYNTHEA_ROWS} created, 0 updated, 0 already up to date, 0 left out — report: ${report}`);
    expect(first.code).toBe(0);
    const lines = readFileSync(report, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(SYNTHEA_ROWS + 1);
    expect(lines[1]).toMatch(/^2,created,/);

    const stats = (await (await fetch(`${sandbox.base}/oncall/_admin/stats`)).json()) as { contacts: number };
    expect(stats.contacts).toBe(SYNTHEA_ROWS);

    const second = await runImport([FIXTURE, '--type', 'contacts', '--division', '1', '--provider', '1']);
    expect(second.out).toContain(`0 created, 0 updated, ${SYNTHEA_ROWS} already up to date, 0 left out\n`);
    expect(second.code).toBe(0);
    // A fresh database (no local history) still finds them on the platform.
    const third = await runImport([FIXTURE, '--type', 'contacts', '--division', '1', '--provider', '1'], { EHR_BRIDGE_DATABASE_URL: join(dir, 'other.sqlite') });
    expect(third.out).toContain(`0 created, 0 updated, ${SYNTHEA_ROWS} already up to date, 0 left out`);
    const after = (await (await fetch(`${sandbox.base}/oncall/_admin/stats`)).json()) as { contacts: number };
    expect(after.contacts).toBe(SYNTHEA_ROWS);
  });

  it('pulls patients straight from the FHIR EMR ($export, then paged search) into the same pipeline', async () => {
    await fetch(`${sandbox.base}/oncall/_admin/reset`, { method: 'POST' });
    const db = { EHR_BRIDGE_DATABASE_URL: join(dir, 'fhir.sqlite') };
    const first = await runImport(['--from', `${sandbox.base}/fhir-emr`, '--resource', 'Patient', '--type', 'contacts', '--division', '1', '--provider', '1'], db);
    expect(first.out).toMatch(/read 543 row\(s\)/);
    const created = Number(/(\d+) created/.exec(first.out)![1]);
    const leftOut = Number(/(\d+) left out/.exec(first.out)![1]);
    const notImported = Number(/(\d+) not imported/.exec(first.out)?.[1] ?? 0);
    expect(created + leftOut + notImported, first.out).toBe(SYNTHEA_ROWS);
    expect(created).toBeGreaterThan(500);
    const stats = (await (await fetch(`${sandbox.base}/oncall/_admin/stats`)).json()) as { contacts: number };
    expect(stats.contacts).toBe(created);
    const again = await runImport(['--from', `${sandbox.base}/fhir-emr`, '--resource', 'Patient', '--type', 'contacts', '--division', '1', '--provider', '1', '--no-bulk'], db);
    expect(again.out).toContain(`0 created, 0 updated, ${created} already up to date`);
  });

  it('exits 2 when some rows fail validation and reports them with line numbers', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'Patient ID,First Name,Last Name,DOB,Sex,Email\nx1,Ann,Lee,1980-02-30,F,ann@example.org\nx2,Bob,Ray,1975-01-01,M,bob@example\nx3,Cy,Doe,1990-05-05,M,cy@example.org\n');
    const r = await runImport([file, '--type', 'contacts', '--division', '1', '--provider', '1']);
    expect(r.code).toBe(2);
    expect(r.out).toContain('line 2: Date of birth (column DOB) is not a real calendar date');
    expect(r.out).toContain('line 3: E-mail (column Email) is not a valid e-mail address');
    expect(r.out).toContain('1 created, 0 updated, 0 already up to date, 2 left out\n');
    expect(r.out).not.toContain('bob@example');
  });

  it('exits 1 with one clear message when the API key is wrong', async () => {
    const r = await runImport([FIXTURE, '--type', 'contacts', '--division', '1', '--provider', '1'], { ONCALL_API_KEY: 'nope', EHR_BRIDGE_DATABASE_URL: join(dir, 'x.sqlite') });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/rejected the API key/);
    expect(r.out.match(/rejected the API key/g)).toHaveLength(1);
    expect(r.out.trim().split('\n')).toHaveLength(1);
    expect(r.out).not.toMatch(/^\s+at /m);
  });

  const stats = async () => (await (await fetch(`${sandbox.base}/oncall/_admin/stats`)).json()) as { contacts: number; requests: { byMethod: Record<string, number> } };
  const sixPeople = () => {
    const file = join(dir, 'six.csv');
    writeFileSync(file, 'Patient ID,First Name,Last Name,DOB,Sex,Email\n' + Array.from({ length: 6 }, (_, i) => `p${i},Ann${'abcdef'[i]},Lee,1980-02-0${i + 1},F,ann${i}@example.org`).join('\n') + '\n');
    return file;
  };

  it('stops before any row with exit 1 and one message naming the missing division (issue 6, item 19)', async () => {
    await fetch(`${sandbox.base}/oncall/_admin/reset`, { method: 'POST' });
    const file = sixPeople();
    const before = await stats();
    const db = { EHR_BRIDGE_DATABASE_URL: join(dir, 'nodiv.sqlite') };
    const r = await runImport([file, '--type', 'contacts', '--provider', '1'], db);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/ehr-bridge import: no division for the rows: .*--division/);
    expect(r.out.match(/ehr-bridge import:/g)).toHaveLength(1);
    expect(r.out).not.toMatch(/read \d+ row/);
    expect(r.out).not.toMatch(/created \d+/);
    const noProvider = await runImport([file, '--type', 'contacts', '--division', '1'], db);
    expect(noProvider.code).toBe(1);
    expect(noProvider.out).toMatch(/no provider for the rows: .*--provider/);
    const after = await stats();
    expect(after.contacts).toBe(0);
    expect(after.requests.byMethod.POST ?? 0).toBe(before.requests.byMethod.POST ?? 0);
    expect(after.requests.byMethod.PATCH ?? 0).toBe(before.requests.byMethod.PATCH ?? 0);
  });

  it('shows patients of another clinic before the run and moves them only with --move-between-clinics (issue 6, item 18)', async () => {
    await fetch(`${sandbox.base}/oncall/_admin/reset`, { method: 'POST' });
    const file = sixPeople();
    const db = { EHR_BRIDGE_DATABASE_URL: join(dir, 'clinics.sqlite') };
    const first = await runImport([file, '--type', 'contacts', '--division', '1', '--provider', '1'], db);
    expect(first.out).toContain('6 created, 0 updated, 0 already up to date, 0 left out');
    const before = await stats();
    const second = await runImport([file, '--type', 'contacts', '--division', '2', '--provider', '1', '--update'], db);
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/6 patient\(s\) already exist in another clinic \(e\.g\. line\(s\) 2, 3, 4, 5, 6, 7\): they will not be moved/);
    expect(second.out).toContain('0 created, 0 updated, 0 already up to date, 6 in another clinic, not moved, 0 left out');
    const mid = await stats();
    expect(mid.requests.byMethod.PATCH ?? 0).toBe(before.requests.byMethod.PATCH ?? 0);
    expect(mid.requests.byMethod.POST ?? 0).toBe(before.requests.byMethod.POST ?? 0);
    const moved = await runImport([file, '--type', 'contacts', '--division', '2', '--provider', '1', '--move-between-clinics'], db);
    expect(moved.code).toBe(0);
    expect(moved.out).toMatch(/they will be moved into this clinic/);
    expect(moved.out).toContain('0 created, 6 updated, 0 already up to date, 0 left out');
    const after = await stats();
    expect(after.contacts).toBe(6);
    expect((after.requests.byMethod.PATCH ?? 0) - (mid.requests.byMethod.PATCH ?? 0)).toBe(6);
  });

  it('exits 1 on a file that is not CSV', async () => {
    const file = join(dir, 'doc.pdf');
    writeFileSync(file, Buffer.from('%PDF-1.4\n%\u00e2\u00e3\n1 0 obj\n<<>>\nendobj\n\u0000\u0000', 'latin1'));
    const r = await runImport([file, '--type', 'contacts', '--division', '1', '--provider', '1']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/not a CSV/i);
  });
});
