import type { Appointment, Patient } from '@medplum/fhirtypes';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../../../test/helpers/stores.js';
import { importHarness, runOptions, waitForRun, type ImportHarness } from '../../../../test/helpers/import-harness.js';
import { DEFAULT_ONCALL_SANDBOX_API_KEY } from '../../../sandboxes/oncall/plugin.js';
import { createFhirEmrStore } from '../../../sandboxes/fhir-emr/fhir-store.js';
import { startTestHost, type TestHost } from '../../../sandboxes/fhir-emr/test-host.js';
import type { MappingTemplate } from '../mapping/template.js';
import { fhirStagingEvents } from '../stage-fhir.js';
import { participantEmailFallbackRows } from './fallback-rows.js';
import { DEFAULT_ONCALL_APPOINTMENT_TYPE, suggestEmrAppointmentMapping } from './emr-appointment.js';

/**
 * The sandbox FHIR EMR (Synthea patients, HL7 0276 appointment types, no channel) pulled into
 * the OnCall sandbox over real HTTP, on both databases.
 */
describe.each(DIALECTS)('pulling the EMR\'s appointments into OnCall (%s)', (dialect) => {
  const emrStore = createFhirEmrStore();
  // The seed has booked, fulfilled and cancelled appointments; a few others show every status rule.
  {
    const seeded = emrStore.list('Appointment') as Appointment[];
    const pick = (status: string, k: number) => seeded.filter((a) => a.status === status)[k]!;
    const set = (a: Appointment, status: Appointment['status']) => emrStore.update({ ...a, id: a.id!, status });
    set(pick('fulfilled', 0), 'noshow');
    set(pick('fulfilled', 1), 'noshow');
    set(pick('booked', 0), 'entered-in-error');
    set(pick('booked', 1), 'proposed');
    set(pick('booked', 2), 'waitlist');
  }
  let emr: TestHost;
  let h: ImportHarness | undefined;
  const appointments = emrStore.list('Appointment') as Appointment[];
  const patientOf = (a: Appointment) => emrStore.get('Patient', a.participant.find((p) => p.actor?.reference?.startsWith('Patient/'))!.actor!.reference!.slice(8)) as Patient;
  const emailOf = (p: Patient) => (p.telecom ?? []).find((t) => t.system === 'email' && t.value)?.value;
  // Entered-in-error appointments never existed: the one status that is left out.
  const sendable = appointments.filter((a) => a.status !== 'entered-in-error');
  const byId = new Map(appointments.map((a) => [a.id!, a]));

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
    const staged = await harness.service.stage(run.id, fhirStagingEvents({ baseUrl: emr.baseUrl, resource, template, defaults, providers: () => harness.client.listProviders() }));
    await harness.service.start(run.id);
    return { staged, summary: await waitForRun(harness.service, run.id) };
  }

  async function oncallAppointments(harness: ImportHarness): Promise<number> {
    return ((await harness.admin('stats')) as { appointments: number }).appointments;
  }

  it('creates every appointment but entered-in-error ones, cancelled as in the EMR, each linked to its patient; a re-run creates nothing', async () => {
    h = await importHarness(dialect);
    const contacts = await pull(h, 'Patient');
    expect(contacts.summary.counts.created).toBe(emrStore.count('Patient'));
    const providerEmail = (await h.client.listProviders()).find((p) => p.url.endsWith('/providers/1/'))!.email!;

    const first = await pull(h, 'Appointment');
    expect(first.staged.totalRows).toBe(appointments.length);
    expect(first.summary.counts).toMatchObject({ created: sendable.length, failed: 0, invalid: appointments.length - sendable.length });
    expect(await oncallAppointments(h)).toBe(sendable.length);
    const problems = await h.service.runs.problems(first.summary.id, 0, 5);
    expect(problems.items.map((p) => (p.errors as { message: string }[])[0]!.message)).toEqual(['the appointment was entered in error in the EMR (it never existed); it is not imported']);

    // Patients without an e-mail: the participant uses the provider's address, each row warned.
    const withoutEmail = sendable.filter((a) => !emailOf(patientOf(a)));
    expect(withoutEmail.length).toBeGreaterThan(100);
    const fallback = await participantEmailFallbackRows(h.store.db, first.summary.id);
    expect(fallback).toMatchObject({ count: withoutEmail.length, message: 'the patient has no e-mail in the EMR; the participant uses the provider\'s address' });

    // Every OnCall appointment: its EMR appointment and patient in metadata, the patient's name
    // and e-mail (else the provider's), cancelled when the EMR says cancelled or no-show.
    let seen = 0;
    for await (const o of h.client.appointments()) {
      const a = byId.get(String(o.metadata?.emr_id))!;
      const patient = patientOf(a);
      expect(o.metadata?.patient_emr_id).toBe(patient.id);
      expect(o.participants).toHaveLength(1);
      expect(o.participants![0]!.email).toBe(emailOf(patient) ?? providerEmail);
      expect(o.participants![0]!.name).toBe(`${patient.name![0]!.given!.join(' ')} ${patient.name![0]!.family}`);
      expect(o.participants![0]!.cancelled).toBe(false);
      expect(o.cancelled, a.status).toBe(a.status === 'cancelled' || a.status === 'noshow');
      expect(o.metadata?.noshow ?? false).toBe(a.status === 'noshow');
      seen++;
    }
    expect(seen).toBe(sendable.length);
    expect(sendable.filter((a) => a.status === 'cancelled').length).toBeGreaterThan(50);

    // Linked: OnCall finds each patient's appointments from the patient's roster contact.
    const byEmail = new Map<string, number>();
    for (const a of sendable) {
      const email = emailOf(patientOf(a));
      if (email) byEmail.set(email, (byEmail.get(email) ?? 0) + 1);
    }
    for (const [email, n] of [...byEmail].slice(0, 15)) {
      const contact = (await h.client.contacts({ email }).next()).value!;
      const res = await fetch(`${contact.url}appointments/`, { headers: { authorization: `Token ${DEFAULT_ONCALL_SANDBOX_API_KEY}` } });
      expect(((await res.json()) as { count: number }).count).toBe(n);
    }

    const again = await pull(h, 'Appointment');
    expect(again.summary.counts).toMatchObject({ created: 0, updated: 0, skipped: sendable.length, failed: 0 });
    expect(await oncallAppointments(h)).toBe(sendable.length);
    // Nothing changed either: no PATCH was sent.
    expect(((await h.admin('stats')) as { requests: { byMethod: Record<string, number> } }).requests.byMethod.PATCH ?? 0).toBe(0);
  }, 300_000); // 543 patients and 1,084 appointments twice, over real HTTP: minutes on a loaded 2-core machine

  it('"none" leaves out the appointments of patients without an e-mail; no provider leaves them out saying why', async () => {
    h = await importHarness(dialect);
    const none = await pull(h, 'Appointment', { ...suggestEmrAppointmentMapping(), options: { participantEmailFallback: 'none' } });
    const withEmail = sendable.filter((a) => emailOf(patientOf(a)));
    expect(none.summary.counts).toMatchObject({ created: withEmail.length, invalid: appointments.length - withEmail.length });

    const run = await h.service.create({ target: 'oncall', recordType: 'appointments', source: 'fhir', fileName: emr.baseUrl, mapping: suggestEmrAppointmentMapping(), options: runOptions({ defaults: { division: '1' } }) });
    await h.service.stage(run.id, fhirStagingEvents({ baseUrl: emr.baseUrl, resource: 'Appointment', defaults: { division: '1' }, providers: () => h!.client.listProviders() }));
    const problems = (await h.service.runs.problems(run.id, 0, 2000)).items.flatMap((p) => p.errors as { message: string }[]);
    expect(problems.filter((e) => e.message.includes('the appointment has no provider'))).toHaveLength(appointments.filter((a) => !emailOf(patientOf(a))).length);
  }, 300_000);

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
  }, 300_000);
});
