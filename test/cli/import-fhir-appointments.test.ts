import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli, startSandboxProcess, type Spawned } from '../helpers/processes.js';

/**
 * Issue 13's "done when": appointments pulled from the sandbox FHIR EMR with no flag beyond
 * division and provider, through the real CLI against the real sandbox process.
 */
describe('ehr-bridge import --from <FHIR EMR> --resource Appointment (CLI)', () => {
  let sandbox: { proc: Spawned; base: string };
  let dir: string;
  let env: Record<string, string>;
  const stats = async () => (await (await fetch(`${sandbox.base}/oncall/_admin/stats`)).json()) as { appointments: number; requests: { byMethod: Record<string, number> } };

  beforeAll(async () => {
    sandbox = await startSandboxProcess();
    dir = mkdtempSync(join(tmpdir(), 'ehrb-cli-appt-'));
    env = {
      ONCALL_BASE_URL: `${sandbox.base}/oncall`,
      ONCALL_API_KEY: 'oncall-sandbox-key',
      EHR_BRIDGE_DATABASE_URL: join(dir, 'db.sqlite'),
      LOG_LEVEL: 'warn',
    };
  });
  afterAll(async () => {
    sandbox.proc.kill();
    await sandbox.proc.exited();
    rmSync(dir, { recursive: true, force: true });
  });

  async function runImport(args: string[], extraEnv: Record<string, string> = {}) {
    const p = spawnCli(['import', '--from', `${sandbox.base}/fhir-emr`, '--resource', 'Appointment', '--type', 'appointments', '--division', '1', '--provider', '1', '--no-progress', ...args], { ...env, ...extraEnv });
    const code = await p.exited();
    return { code, out: p.output() };
  }

  it('a dry run says how many will be created and which rows lack what OnCall requires, and sends nothing', async () => {
    const r = await runImport(['--dry-run'], { EHR_BRIDGE_DATABASE_URL: join(dir, 'dry.sqlite') });
    expect(r.out).toMatch(/type\s+← appointmentType\s+\(value-map appointment-type: CHECKUP→inperson/);
    const [, total, valid, invalid] = /read (\d+) row\(s\): (\d+) valid, (\d+) with problems/.exec(r.out)!.map(Number);
    expect(valid! + invalid!).toBe(total);
    expect(r.out).toContain(`(dry run) would create ${valid}, would update 0, unchanged 0, failed ${invalid}`);
    expect(r.out).toMatch(/line \d+: participants\.email is required by OnCall Health/);
    expect(r.out).not.toContain('type is required');
    const s = await stats();
    expect(s.appointments).toBe(0);
    expect(s.requests.byMethod.POST ?? 0).toBe(0);
  });

  it('creates every appointment OnCall can take with no further flag; a re-run creates nothing', async () => {
    const first = await runImport([]);
    const valid = Number(/(\d+) valid/.exec(first.out)![1]);
    expect(valid).toBeGreaterThan(400); // 461 of 1,084: the rest lack a patient e-mail or are cancelled in the EMR
    expect(first.out).toMatch(new RegExp(`created ${valid}, updated 0, skipped 0, failed \\d+`));
    expect((await stats()).appointments).toBe(valid);
    const again = await runImport([]);
    expect(again.out).toMatch(new RegExp(`created 0, updated 0, skipped ${valid}, failed \\d+`));
    expect((await stats()).appointments).toBe(valid);
  });

  it('--mapping takes a JSON file; a code outside its map fails naming the code and the field; a CSV mapping is refused before any read', async () => {
    const file = join(dir, 'appointments.json');
    writeFileSync(file, JSON.stringify({
      version: 1, recordType: 'appointments',
      fields: { title: { column: 'description' }, start: { column: 'start' }, duration: { column: 'minutesDuration' },
        type: { column: 'appointmentType', transforms: [{ type: 'value-map', map: { CHECKUP: 'inperson', FOLLOWUP: 'online' } }] } },
    }));
    const r = await runImport(['--mapping', file, '--dry-run'], { EHR_BRIDGE_DATABASE_URL: join(dir, 'mapped.sqlite') });
    expect(r.out).toMatch(/line \d+: type: the appointmentType code "ROUTINE" is not in the mapping's value map/);
    expect(r.code).toBe(2);

    const csv = join(dir, 'csv-mapping.json');
    writeFileSync(csv, JSON.stringify({ version: 1, recordType: 'appointments', fields: { title: { column: 'Visit' } } }));
    const before = await stats();
    const bad = await runImport(['--mapping', csv], { EHR_BRIDGE_DATABASE_URL: join(dir, 'csv.sqlite') });
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('the mapping reads "Visit", which a FHIR Appointment does not have');
    expect((await stats()).requests.byMethod.POST ?? 0).toBe(before.requests.byMethod.POST ?? 0);
  });
});
