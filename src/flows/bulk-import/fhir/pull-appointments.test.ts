import type { Appointment, Patient } from '@medplum/fhirtypes';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../../../test/helpers/stores.js';
import { importHarness, runOptions, waitForRun, type ImportHarness } from '../../../../test/helpers/import-harness.js';
import { DEFAULT_ONCALL_SANDBOX_API_KEY } from '../../../sandboxes/oncall/plugin.js';
import { createFhirEmrStore } from '../../../sandboxes/fhir-emr/fhir-store.js';
import { startTestHost, type TestHost } from '../../../sandboxes/fhir-emr/test-host.js';
import type { MappingTemplate } from '../mapping/template.js';
import { fhirStagingEvents } from '../stage-fhir.js';
import { DEFAULT_ONCALL_APPOINTMENT_TYPE, suggestEmrAppointmentMapping } from './emr-appointment.js';

/**
 * The sandbox FHIR EMR (Synthea patients, HL7 0276 appointment types, no channel) pulled into
 * the OnCall sandbox over real HTTP, on both databases.
 */
describe.each(DIALECTS)('pulling the EMR\'s appointments into OnCall (%s)', (dialect) => {
  const emrStore = createFhirEmrStore();
  let emr: TestHost;
  let h: ImportHarness | undefined;
  const appointments = emrStore.list('Appointment') as Appointment[];
  const patientOf = (a: Appointment) => emrStore.get('Patient', a.participant.find((p) => p.actor?.reference?.startsWith('Patient/'))!.actor!.reference!.slice(8)) as Patient;
  const hasEmail = (p: Patient) => (p.telecom ?? []).some((t) => t.system === 'email' && t.value);
  // Cancelled, no-show and entered-in-error appointments are never sent (they would become live visits).
  const happening = (a: Appointment) => !['cancelled', 'noshow', 'entered-in-error'].includes(a.status);
  const sendable = appointments.filter((a) => happening(a) && hasEmail(patientOf(a)));

  beforeAll(async () => {
    emr = await startTestHost({ store: emrStore, exportDelayMs: 10 });
  });
  afterAll(async () => {
    await emr.close();
  });
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function pull(harness: ImportHarness, resource: 'Patient' | 'Appointment', mapping?: MappingTemplate) {
    const recordType = resource === 'Patient' ? 'contacts' : 'appointments';
    const defaults = { division: `${harness.sandboxUrl}/divisions/1/`, provider: `${harness.sandboxUrl}/providers/1/` };
    const template = mapping ?? (resource === 'Appointment' ? suggestEmrAppointmentMapping() : { version: 1 as const, recordType, fields: {} });
    const run = await harness.service.create({ target: 'oncall', recordType, source: 'fhir', fileName: emr.baseUrl, mapping: template, options: runOptions({ defaults }) });
    const staged = await harness.service.stage(run.id, fhirStagingEvents({ baseUrl: emr.baseUrl, resource, template, defaults }));
    await harness.service.start(run.id);
    return { staged, summary: await waitForRun(harness.service, run.id) };
  }

  async function oncallAppointments(harness: ImportHarness): Promise<number> {
    return ((await harness.admin('stats')) as { appointments: number }).appointments;
  }

  it('creates every appointment OnCall can take, participants linked to their patients; a re-run creates nothing', async () => {
    h = await importHarness(dialect);
    const contacts = await pull(h, 'Patient');
    expect(contacts.summary.counts.created).toBe(emrStore.count('Patient'));

    const first = await pull(h, 'Appointment');
    expect(first.staged.totalRows).toBe(appointments.length);
    expect(first.summary.counts).toMatchObject({ created: sendable.length, failed: 0, invalid: appointments.length - sendable.length });
    // Rows that lack what OnCall requires were never sent.
    expect(await oncallAppointments(h)).toBe(sendable.length);
    const problems = await h.service.runs.problems(first.summary.id, 0, 5);
    expect(JSON.stringify(problems.items[0]!.errors)).toContain('participants.email is required by OnCall Health');

    // Linked: OnCall finds each patient's appointments from the patient's roster contact.
    const byEmail = new Map<string, number>();
    for (const a of sendable) {
      const email = patientOf(a).telecom!.find((t) => t.system === 'email')!.value!;
      byEmail.set(email, (byEmail.get(email) ?? 0) + 1);
    }
    for (const [email, n] of [...byEmail].slice(0, 15)) {
      const contact = (await h.client.contacts({ email }).next()).value!;
      const res = await fetch(`${contact.url}appointments/`, { headers: { authorization: `Token ${DEFAULT_ONCALL_SANDBOX_API_KEY}` } });
      expect(((await res.json()) as { count: number }).count).toBe(n);
    }

    const again = await pull(h, 'Appointment');
    expect(again.summary.counts).toMatchObject({ created: 0, skipped: sendable.length, failed: 0 });
    expect(await oncallAppointments(h)).toBe(sendable.length);
  });

  it('a constant type applies to every row; a per-code map applies per code, and an unmapped code fails naming it', async () => {
    h = await importHarness(dialect);
    const constant = await pull(h, 'Appointment', { ...suggestEmrAppointmentMapping(), fields: { ...suggestEmrAppointmentMapping().fields, type: { constant: 'phone' } } });
    expect(constant.summary.counts.created).toBe(sendable.length);
    const types = new Set<string>();
    for await (const a of h.client.appointments()) types.add(String(a.type));
    expect([...types]).toEqual(['phone']);

    // A fresh engine and platform, so the per-code run is not taken for the one before.
    await h.close();
    h = await importHarness(dialect);
    const perCode = { FOLLOWUP: 'online', CHECKUP: 'inperson' };
    const mapped = await pull(h, 'Appointment', {
      ...suggestEmrAppointmentMapping(),
      fields: { ...suggestEmrAppointmentMapping().fields, type: { column: 'appointmentType', transforms: [{ type: 'value-map', map: perCode }] } },
    });
    const code = (a: Appointment) => a.appointmentType!.coding![0]!.code!;
    const expected = sendable.filter((a) => code(a) in perCode);
    expect(mapped.summary.counts.created).toBe(expected.length);
    const wanted = new Map(expected.map((a) => [a.id!, perCode[code(a) as keyof typeof perCode]]));
    let checked = 0;
    for await (const a of h.client.appointments()) {
      expect(a.type).toBe(wanted.get(String(a.metadata?.emr_id)));
      checked++;
    }
    expect(checked).toBe(expected.length);
    const routine = (await h.service.runs.problems(mapped.summary.id, 0, 2000)).items
      .flatMap((p) => p.errors as { field: string; message: string }[])
      .filter((e) => e.field === 'type');
    expect(routine).toHaveLength(appointments.filter((a) => code(a) === 'ROUTINE').length);
    expect(routine[0]!.message).toContain('appointmentType code "ROUTINE"');
    expect(DEFAULT_ONCALL_APPOINTMENT_TYPE).toBe('inperson');
  });
});
