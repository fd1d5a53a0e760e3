import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Appointment, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FhirReader } from '../../src/partners/fhir-emr/fhir-reader.js';
import { spawnCli, startSandboxProcess, type Spawned } from '../helpers/processes.js';
import { createPgDatabase, DIALECTS } from '../helpers/stores.js';

const API_KEY = 'oncall-sandbox-key';

interface OncallAppointment {
  cancelled: boolean;
  metadata: Record<string, unknown>;
  participants: { name: string; email: string | null; cancelled: boolean }[];
}

/** What the summary line says was created, in the line's old or new words. */
function createdIn(out: string): number {
  const m = /(?:^|\n)(?:created ([\d,]+),|([\d,]+) created,)/.exec(out);
  if (!m) throw new Error(`no summary line in:\n${out}`);
  return Number((m[1] ?? m[2])!.replace(/,/g, ''));
}

/**
 * Issue 13's "done when": `ehr-bridge import --from <sandbox FHIR EMR> --resource Appointment
 * --type appointments --division 1 --provider 1` creates every appointment but the ones entered
 * in error, with no further flag, through the real CLI against the real sandbox process, on
 * SQLite and PostgreSQL. The expected numbers are read from the sandbox EMR at test time.
 */
describe.each(DIALECTS)('ehr-bridge import --from <FHIR EMR> --resource Appointment (CLI, %s)', (dialect) => {
  let sandbox: { proc: Spawned; base: string };
  let dir: string;
  let dropPg: (() => Promise<void>) | undefined;
  let env: Record<string, string>;
  // Read from the EMR and OnCall sandboxes before the runs.
  let appointments: Appointment[];
  let emailOfPatient: Map<string, string | undefined>;
  let providerEmail: string;
  const patientId = (a: Appointment) => a.participant.find((p) => p.actor?.reference?.startsWith('Patient/'))!.actor!.reference!.slice('Patient/'.length);
  const enteredInError = () => appointments.filter((a) => a.status === 'entered-in-error');
  const sendable = () => appointments.filter((a) => a.status !== 'entered-in-error');

  const oncall = (path: string) => fetch(`${sandbox.base}/oncall${path}`, { headers: { authorization: `Token ${API_KEY}` } });
  const stats = async () => (await (await fetch(`${sandbox.base}/oncall/_admin/stats`)).json()) as { appointments: number; requests: { byMethod: Record<string, number> } };

  beforeAll(async () => {
    sandbox = await startSandboxProcess();
    dir = mkdtempSync(join(tmpdir(), 'ehrb-cli-appt-'));
    let databaseUrl = join(dir, 'db.sqlite');
    if (dialect === 'postgres') {
      const pg = await createPgDatabase();
      databaseUrl = pg.url;
      dropPg = pg.drop;
    }
    env = { ONCALL_BASE_URL: `${sandbox.base}/oncall`, ONCALL_API_KEY: API_KEY, EHR_BRIDGE_DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' };

    const reader = new FhirReader({ baseUrl: `${sandbox.base}/fhir-emr` });
    try {
      appointments = [];
      for await (const a of reader.readAll<Appointment>('Appointment', { preferBulk: false, pageSize: 500 })) appointments.push(a);
      emailOfPatient = new Map();
      for await (const p of reader.readAll<Patient>('Patient', { preferBulk: false, pageSize: 500 })) {
        emailOfPatient.set(p.id!, p.telecom?.find((t) => t.system === 'email' && t.value)?.value);
      }
    } finally {
      await reader.close();
    }
    providerEmail = ((await (await oncall('/providers/1/')).json()) as { email: string }).email;
  }, 60_000);

  afterAll(async () => {
    sandbox.proc.kill();
    await sandbox.proc.exited();
    await dropPg?.();
    rmSync(dir, { recursive: true, force: true });
  });

  async function runImport(args: string[], extraEnv: Record<string, string> = {}) {
    const p = spawnCli(['import', '--from', `${sandbox.base}/fhir-emr`, '--resource', 'Appointment', '--type', 'appointments', '--division', '1', '--provider', '1', '--no-progress', ...args], { ...env, ...extraEnv });
    const code = await p.exited();
    return { code, out: p.output() };
  }

  async function allOncallAppointments(): Promise<OncallAppointment[]> {
    const out: OncallAppointment[] = [];
    for (let next: string | null = `${sandbox.base}/oncall/appointments/?page_size=100`; next;) {
      const page = (await (await fetch(next, { headers: { authorization: `Token ${API_KEY}` } })).json()) as { next: string | null; results: OncallAppointment[] };
      out.push(...page.results);
      next = page.next;
    }
    return out;
  }

  it('a dry run says how many will be created and how many use the provider\'s address, and sends nothing', async () => {
    const total = appointments.length;
    expect(total).toBeGreaterThan(1000);
    const r = await runImport(['--dry-run']);
    // Counts for a person carry thousands separators, as the web UI writes them ("1,084").
    expect(r.out).toContain(`read ${total.toLocaleString('en-US')} row(s): ${sendable().length.toLocaleString('en-US')} valid, ${enteredInError().length} with problems`);
    const withoutEmail = sendable().filter((a) => !emailOfPatient.get(patientId(a))).length;
    expect(withoutEmail).toBeGreaterThan(300);
    expect(r.out).toMatch(new RegExp(`\\n${withoutEmail.toLocaleString('en-US')} appointment\\(s\\), e\\.g\\. line\\(s\\) [\\d, ]+: the patient has no e-mail in the EMR; the participant uses the provider's address \\(set participantEmailFallback in the mapping to change this\\)\\n`));
    // Neither the provider's address nor any patient's is printed.
    expect(r.out).not.toContain(providerEmail);
    expect(r.out).not.toContain('@example.com');
    expect(r.out).not.toMatch(/participants\.email is required/);
    const s = await stats();
    expect(s.appointments).toBe(0);
    expect(s.requests.byMethod.POST ?? 0).toBe(0);
  }, 300_000); // the CLI pulls 1,084 appointments: minutes on a loaded 2-core machine

  it('creates every appointment but those entered in error, each linked to its patient, cancelled as in the EMR; a re-run creates and changes nothing', async () => {
    const expected = sendable().length;
    const first = await runImport([]);
    expect(first.code, first.out).toBe(enteredInError().length ? 2 : 0);
    expect(createdIn(first.out)).toBe(expected);
    expect((await stats()).appointments).toBe(expected);

    const byId = new Map(appointments.map((a) => [a.id!, a]));
    const created = await allOncallAppointments();
    expect(created).toHaveLength(expected);
    expect(new Set(created.map((o) => o.metadata.emr_id)).size).toBe(expected);
    for (const o of created) {
      const a = byId.get(String(o.metadata.emr_id))!;
      expect(a, String(o.metadata.emr_id)).toBeDefined();
      expect(a.status).not.toBe('entered-in-error');
      // The EMR patient id links the appointment to its patient; the participant has the
      // patient's e-mail, else the provider's.
      expect(o.metadata.patient_emr_id).toBe(patientId(a));
      expect(o.participants).toHaveLength(1);
      expect(o.participants[0]!.email).toBe(emailOfPatient.get(patientId(a)) ?? providerEmail);
      expect(o.participants[0]!.cancelled).toBe(false);
      expect(o.cancelled).toBe(a.status === 'cancelled' || a.status === 'noshow');
      expect(o.metadata.noshow ?? false).toBe(a.status === 'noshow');
    }
    expect(created.filter((o) => o.cancelled).length).toBe(appointments.filter((a) => a.status === 'cancelled' || a.status === 'noshow').length);

    const before = await stats();
    const again = await runImport([]);
    expect(again.code, again.out).toBe(enteredInError().length ? 2 : 0);
    expect(createdIn(again.out)).toBe(0);
    const after = await stats();
    expect(after.appointments).toBe(expected);
    expect(after.requests.byMethod.POST ?? 0).toBe(before.requests.byMethod.POST ?? 0);
    expect(after.requests.byMethod.PATCH ?? 0).toBe(0);
  }, 300_000);

  it.runIf(dialect === 'sqlite')('--mapping takes a JSON file; a code outside its map fails naming the code and the field; a CSV mapping is refused before any read', async () => {
    const file = join(dir, 'appointments.json');
    writeFileSync(file, JSON.stringify({
      version: 1, recordType: 'appointments',
      fields: { title: { column: 'description' }, start: { column: 'start' }, duration: { column: 'minutesDuration' },
        type: { column: 'appointmentType', transforms: [{ type: 'value-map', map: { CHECKUP: 'inperson', FOLLOWUP: 'online' } }] } },
    }));
    const r = await runImport(['--mapping', file, '--dry-run'], { EHR_BRIDGE_DATABASE_URL: join(dir, 'mapped.sqlite') });
    expect(r.out).toMatch(/line \d+: .*the appointmentType code "ROUTINE" is not in the mapping's value map/);
    expect(r.code).toBe(2);

    const csv = join(dir, 'csv-mapping.json');
    writeFileSync(csv, JSON.stringify({ version: 1, recordType: 'appointments', fields: { title: { column: 'Visit' } } }));
    const before = await stats();
    const bad = await runImport(['--mapping', csv], { EHR_BRIDGE_DATABASE_URL: join(dir, 'csv.sqlite') });
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('the mapping reads "Visit", which a FHIR Appointment does not have');
    expect((await stats()).requests.byMethod.POST ?? 0).toBe(before.requests.byMethod.POST ?? 0);
  }, 300_000);
});
