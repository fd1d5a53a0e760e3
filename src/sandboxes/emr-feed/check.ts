import type { OncallClient } from '../../partners/oncall/client.js';
import type { Appointment, Contact } from '../../partners/oncall/schemas.js';
import type { ExpectedAppointment, ExpectedContact, FeedExpectation } from './model.js';

/**
 * Compares what OnCall Health holds with a feed's expectation, through the engine's own OnCall
 * client (listing contacts and appointments, as a clinic's integrator would look). Differences
 * are sentences naming EMR ids and field names only, never a value that could be patient data
 * (a name, an e-mail, a birth date): they end up in test output and logs.
 */
export interface CheckOptions {
  /** Roster custom field (id) that holds the EMR patient id; default '1' (the engine's default). */
  emrIdField?: string;
  /** Appointment metadata key holding the EMR appointment id; default 'emr_id'. */
  appointmentKey?: string;
  /** Appointment metadata key holding the EMR patient id; default 'patient_emr_id'. */
  patientKey?: string;
}

/** The client calls the checker needs (an OncallClient has them). */
export type OncallLister = Pick<OncallClient, 'contacts' | 'appointments'>;

export async function checkOncall(expected: FeedExpectation, client: OncallLister, opts: CheckOptions = {}): Promise<string[]> {
  const field = opts.emrIdField ?? '1';
  const appointmentKey = opts.appointmentKey ?? 'emr_id';
  const patientKey = opts.patientKey ?? 'patient_emr_id';
  const differences: string[] = [];

  const contacts = new Map<string, Contact[]>();
  for await (const c of client.contacts()) {
    const id = c.custom_field_values?.[field];
    if (typeof id !== 'string' || !(id in expected.contacts)) continue;
    contacts.set(id, [...(contacts.get(id) ?? []), c]);
  }
  for (const [emrId, want] of Object.entries(expected.contacts)) {
    const found = contacts.get(emrId) ?? [];
    if (found.length === 0) differences.push(`contact EMR id ${emrId}: missing`);
    else if (found.length > 1) differences.push(`contact EMR id ${emrId}: ${found.length} contacts hold this EMR id (expected one)`);
    else differences.push(...contactDifferences(emrId, want, found[0]!));
  }

  const appointments = new Map<string, Appointment[]>();
  for await (const a of client.appointments()) {
    const id = a.metadata?.[appointmentKey];
    if (typeof id !== 'string' || !(id in expected.appointments)) continue;
    appointments.set(id, [...(appointments.get(id) ?? []), a]);
  }
  for (const [emrId, want] of Object.entries(expected.appointments)) {
    const found = appointments.get(emrId) ?? [];
    if (found.length === 0) differences.push(`appointment EMR id ${emrId}: missing`);
    else if (found.length > 1) differences.push(`appointment EMR id ${emrId}: ${found.length} appointments hold this EMR id (expected one)`);
    else differences.push(...appointmentDifferences(emrId, want, found[0]!, patientKey));
  }
  return differences;
}

function contactDifferences(emrId: string, want: ExpectedContact, got: Contact): string[] {
  const where = `contact EMR id ${emrId}`;
  // OnCall has no delete: a retired patient's contact stays, marked as merged in its notes.
  if (want.merged) return /merged/i.test(got.notes ?? '') ? [] : [`${where} (merged): notes do not mention the merge`];
  const out: string[] = [];
  const differs = (name: string, ok: boolean): void => {
    if (!ok) out.push(`${where}: ${name} differs`);
  };
  differs('first_name', (got.first_name ?? '') === want.first_name);
  differs('last_name', (got.last_name ?? '') === want.last_name);
  // E-mail addresses are compared without case (their domain is case-insensitive, and so are
  // the local parts of every mailbox provider the clinics use).
  differs('email', (got.email ?? '').toLowerCase() === want.email);
  differs('phone', samePhone(got.phone ?? '', want.phone));
  differs('date_of_birth', (got.date_of_birth ?? '') === want.date_of_birth);
  return out;
}

/** Digits only; a leading country code 1 (E.164 of a North American number) is accepted. */
function samePhone(got: string, want: string): boolean {
  const digits = got.replace(/\D/g, '');
  return digits === want || digits === `1${want}`;
}

function appointmentDifferences(emrId: string, want: ExpectedAppointment, got: Appointment, patientKey: string): string[] {
  const where = `appointment EMR id ${emrId}`;
  const out: string[] = [];
  const patient = got.metadata?.[patientKey];
  // Ids are not patient data in the sense of the rules (they are what the report is keyed by).
  if (patient !== want.patient_emr_id) out.push(`${where}: patient EMR id is ${typeof patient === 'string' ? patient : 'absent'}, expected ${want.patient_emr_id}`);
  const at = got.datetime ? Date.parse(got.datetime) : NaN;
  // The times themselves stay out of the text (a date of care is patient data); the gap is enough.
  if (Number.isNaN(at)) out.push(`${where}: datetime is absent`);
  else if (at !== Date.parse(want.datetime)) out.push(`${where}: datetime is off by ${signedMinutes(at - Date.parse(want.datetime))}`);
  if (got.duration !== want.duration) out.push(`${where}: duration is ${got.duration ?? 'absent'} minutes, expected ${want.duration}`);
  if ((got.cancelled ?? false) !== want.cancelled) out.push(`${where}: cancelled is ${String(got.cancelled ?? false)}, expected ${String(want.cancelled)}`);
  const noshow = got.metadata?.noshow === true;
  if (noshow !== want.noshow) out.push(`${where}: metadata.noshow is ${String(noshow)}, expected ${String(want.noshow)}`);
  return out;
}

function signedMinutes(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  return minutes === 0 ? `${ms} ms` : `${minutes > 0 ? '+' : ''}${minutes} minutes`;
}
