import type { Appointment, Patient } from '@medplum/fhirtypes';
import { IDENTIFIER_SYSTEMS } from '../../../domain/identifiers.js';
import { LinkStore } from '../../../links/link-store.js';
import { createFhirEmrStore, type FhirEmrStore } from '../../../sandboxes/fhir-emr/fhir-store.js';
import { startTestHost, type TestHost } from '../../../sandboxes/fhir-emr/test-host.js';
import { appointmentBody, contactBody, startSandbox, type RunningSandbox } from '../../../sandboxes/oncall/test-harness.js';
import type { Db } from '../../../store/db.js';

/**
 * Test helper (not a test): the sandbox FHIR EMR and the OnCall sandbox on real sockets, with
 * one planted case of every finding per record type:
 * contacts: 2 in sync (one through a link, one through the OnCall URL the EMR holds),
 * 1 different (e-mail; joined through the EMR id OnCall holds), 1 missing in OnCall,
 * 1 missing in the EMR, 1 duplicated (two contacts holding one EMR id; `duplicate: false` leaves it out);
 * appointments: 1 in sync (link), 1 different (start; metadata emr_id), 1 missing in OnCall,
 * 1 missing in the EMR.
 */
export interface Planted {
  emr: TestHost;
  store: FhirEmrStore;
  oncall: RunningSandbox;
  /** The OnCall base the client uses (`…/oncall`). */
  oncallBase: string;
  ids: Record<string, string>;
  close(): Promise<void>;
}

const EMR_FIELD = '1';

export function plantedPatient(family: string, given: string, extra: Partial<Patient> = {}): Patient {
  return {
    resourceType: 'Patient',
    name: [{ use: 'official', family, given: [given] }],
    gender: 'female',
    birthDate: '1980-02-03',
    telecom: [{ system: 'email', value: `${given.toLowerCase()}.${family.toLowerCase()}@example.com` }],
    ...extra,
  };
}

export async function startPlanted(db: Db, opts: { duplicate?: boolean } = {}): Promise<Planted> {
  const store = createFhirEmrStore({ seed: false });
  const emr = await startTestHost({ store, seed: false, bulkExport: false });
  const oncall = await startSandbox();
  const base = oncall.base;
  const links = new LinkStore(db);
  const ids: Record<string, string> = {};

  const contact = async (family: string, given: string, emrId: string | undefined, overrides: Record<string, unknown> = {}): Promise<string> => {
    const r = await oncall.call('POST', '/contacts/', contactBody(base, {
      name: `${given} ${family}`,
      first_name: given,
      last_name: family,
      email: `${given.toLowerCase()}.${family.toLowerCase()}@example.com`,
      sex: 'female',
      date_of_birth: '1980-02-03',
      ...(emrId ? { custom_field_values: { [EMR_FIELD]: emrId } } : {}),
      ...overrides,
    }));
    if (r.status !== 201) throw new Error(`contact not created: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.url as string;
  };

  // ---- contacts --------------------------------------------------------------------------
  const a = store.create(plantedPatient('Ashford', 'Ada'));
  ids.syncedEmr = a.id!;
  ids.syncedUrl = await contact('Ashford', 'Ada', undefined);
  await links.put({ kind: 'patient', sourceSystem: 'emr', sourceId: a.id!, targetSystem: 'oncall', targetId: ids.syncedUrl });

  ids.heldUrl = await contact('Holloway', 'Hana', undefined);
  const h = store.create(plantedPatient('Holloway', 'Hana', { identifier: [{ system: IDENTIFIER_SYSTEMS.oncallUrl, value: ids.heldUrl }] }));
  ids.heldEmr = h.id!;

  const b = store.create(plantedPatient('Brennan', 'Bea'));
  ids.differentEmr = b.id!;
  ids.differentUrl = await contact('Brennan', 'Bea', b.id!, { email: 'bea.new@example.com' });

  ids.missingInOncallEmr = store.create(plantedPatient('Carver', 'Cleo')).id!;
  ids.missingInEmrUrl = await contact('Dunmore', 'Dina', undefined);

  if (opts.duplicate ?? true) {
    const e = store.create(plantedPatient('Ellery', 'Eve'));
    ids.duplicatedEmr = e.id!;
    ids.duplicatedUrl1 = await contact('Ellery', 'Eve', e.id!);
    ids.duplicatedUrl2 = await contact('Ellery', 'Eve', e.id!, { email: 'eve.other@example.com' });
  }

  // ---- appointments -----------------------------------------------------------------------
  const appt = async (datetime: string, emrId: string | undefined): Promise<string> => {
    const r = await oncall.call('POST', '/appointments/', appointmentBody(base, { datetime, duration: 30, ...(emrId ? { metadata: { emr_id: emrId } } : {}) }));
    if (r.status !== 201) throw new Error(`appointment not created: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.url as string;
  };
  const emrAppt = (start: string, minutes = 30): Appointment =>
    store.create<Appointment>({
      resourceType: 'Appointment',
      status: 'booked',
      start,
      end: new Date(Date.parse(start) + minutes * 60_000).toISOString(),
      participant: [{ actor: { reference: `Patient/${a.id}` }, status: 'accepted' }],
    });
  const s = emrAppt('2030-01-15T15:00:00Z');
  ids.apptSyncedEmr = s.id!;
  ids.apptSyncedUrl = await appt('2030-01-15T15:00:00Z', undefined);
  await links.put({ kind: 'appointment', sourceSystem: 'emr', sourceId: s.id!, targetSystem: 'oncall', targetId: ids.apptSyncedUrl });
  const d = emrAppt('2030-01-16T09:00:00Z');
  ids.apptDifferentEmr = d.id!;
  ids.apptDifferentUrl = await appt('2030-01-16T10:00:00Z', d.id!);
  ids.apptMissingInOncallEmr = emrAppt('2030-01-17T09:00:00Z').id!;
  ids.apptMissingInEmrUrl = await appt('2030-01-18T09:00:00Z', undefined);

  return {
    emr,
    store,
    oncall,
    oncallBase: base,
    ids,
    close: async () => {
      await oncall.close();
      await emr.close();
    },
  };
}
