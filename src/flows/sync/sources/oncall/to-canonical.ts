import type { Appointment, AppointmentParticipant, ContactPoint, HumanName, Identifier, Patient } from '@medplum/fhirtypes';
import { IDENTIFIER_SYSTEMS } from '../../../../domain/identifiers.js';
import { ONCALL_ASSUMPTIONS } from '../../../../partners/oncall/config.js';
import { ONCALL_APPOINTMENT_TYPE_SYSTEM } from '../../../../partners/oncall/mapping.js';
import { AppointmentSchema, ContactSchema, type Participant } from '../../../../partners/oncall/schemas.js';
import type { PlatformCanonical, PlatformParticipant } from '../../platform-events.js';
import { SyncRefused } from '../../sync-target.js';

/**
 * OnCall Health JSON -> canonical FHIR R4, the inverse of the forward mapping
 * (src/partners/oncall/mapping.ts: patientToContactCreate, appointmentToOncall), for records
 * that go back to the EMR (issue 9; oncall-patient-sync-guide.txt "Using OnCall Health as the
 * system of record"). Pure: no call, no clock. Field shapes: partner-apis.md "OnCall Health".
 * Every Patient and Appointment carries its OnCall URL as an identifier
 * (IDENTIFIER_SYSTEMS.oncallUrl), as the guide recommends storing it in the EMR record; the EMR
 * ids OnCall holds (roster custom field, appointment metadata) are returned beside, not as
 * identifiers, so a writer never sends the EMR its own id as a foreign one.
 */

export interface OncallReadOptions {
  /** Id of the roster custom field holding the EMR id (config.oncall.emrIdField). */
  emrIdField: string;
  /** Appointment metadata key holding the EMR id (config.oncall.emrIdMetadataKey). */
  emrIdMetadataKey: string;
}

/** Metadata key the forward target writes with the first patient's EMR id (targets/oncall). */
export const PATIENT_EMR_ID_METADATA_KEY = 'patient_emr_id';
/** Metadata flag the forward target sets for a no-show (targets/oncall, "no-show -> metadata.noshow"). */
export const NOSHOW_METADATA_KEY = 'noshow';

const FULL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Field paths of a schema failure, never values. */
function refusal(what: string, issues: { path: PropertyKey[] }[]): SyncRefused {
  const fields = [...new Set(issues.map((i) => i.path.map(String).join('.') || '(record)'))];
  return new SyncRefused(`The OnCall ${what} cannot be read: ${fields.join(', ')}`);
}

const clean = (v: string | null | undefined): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/** YYYY-MM-DD that names a real day; anything else is left out (FHIR date, https://hl7.org/fhir/R4/datatypes.html#date). */
function birthDate(v: string | null | undefined): string | undefined {
  const m = FULL_DATE.exec(v?.trim() ?? '');
  if (!m) return undefined;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]) ? m[0] : undefined;
}

/** `sex` (the guide shows "male" and "Unknown") -> FHIR gender, through the forward table read backwards. */
export function genderOf(sex: string | null | undefined): Patient['gender'] | undefined {
  const wanted = clean(sex)?.toLowerCase();
  if (!wanted) return undefined;
  const table = ONCALL_ASSUMPTIONS.sexByFhirGender as Record<NonNullable<Patient['gender']>, string>;
  if (wanted === 'unknown') return 'unknown';
  const hit = (Object.keys(table) as NonNullable<Patient['gender']>[]).find((g) => table[g].toLowerCase() === wanted);
  return hit ?? 'other';
}

/**
 * A FHIR HumanName from OnCall's `name`, `first_name`, `last_name`. The guide's contact list
 * shows only `name`: then the last word is read as the family name and the rest as given names
 * (a guess the EMR's match on family + birth date needs; `text` keeps the name as written).
 */
export function humanName(full: string | null | undefined, first: string | null | undefined, last: string | null | undefined): HumanName | undefined {
  const text = clean(full);
  let given = clean(first);
  let family = clean(last);
  if (!given && !family && text) {
    const words = text.split(/\s+/);
    family = words.length > 1 ? words.pop() : words[0];
    given = words.length && words.join(' ') !== family ? words.join(' ') : undefined;
  }
  if (!text && !given && !family) return undefined;
  const name: HumanName = { use: 'official' };
  if (family) name.family = family;
  if (given) name.given = given.split(/\s+/);
  name.text = text ?? [given, family].filter(Boolean).join(' ');
  return name;
}

function oncallUrlIdentifier(url: string): Identifier {
  return { system: IDENTIFIER_SYSTEMS.oncallUrl, value: url };
}

/** A roster contact (GET /contacts/{id}/ or one item of GET /contacts/) as a canonical Patient. */
export function contactToCanonical(record: unknown, opts: OncallReadOptions): Extract<PlatformCanonical, { kind: 'patient' }> {
  const parsed = ContactSchema.safeParse(record);
  if (!parsed.success) throw refusal('contact', parsed.error.issues);
  const c = parsed.data;
  const name = humanName(c.name, c.first_name, c.last_name);
  if (!name) throw new SyncRefused('The OnCall contact has no name (name, first_name, last_name are empty)');
  const patient: Patient = { resourceType: 'Patient', identifier: [oncallUrlIdentifier(c.url)], name: [name] };
  const telecom: ContactPoint[] = [];
  const email = clean(c.email);
  if (email) telecom.push({ system: 'email', value: email });
  const phone = clean(c.phone);
  if (phone) telecom.push({ system: 'phone', value: phone });
  if (telecom.length) patient.telecom = telecom;
  const gender = genderOf(c.sex);
  if (gender) patient.gender = gender;
  const born = birthDate(c.date_of_birth);
  if (born) patient.birthDate = born;
  const emrId = c.custom_field_values?.[opts.emrIdField];
  const out: Extract<PlatformCanonical, { kind: 'patient' }> = { kind: 'patient', id: c.url, patient };
  if (typeof emrId === 'string' && emrId.trim()) out.emrPatientId = emrId.trim();
  return out;
}

function utcIso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

function truthy(v: unknown): boolean {
  return v === true || v === 1 || (typeof v === 'string' && ['true', '1', 'yes'].includes(v.trim().toLowerCase()));
}

function metadataId(v: unknown): string | undefined {
  if (typeof v === 'string' && v.trim()) return v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/**
 * OnCall status -> FHIR Appointment.status (https://hl7.org/fhir/R4/valueset-appointmentstatus.html):
 * `cancelled` (flag or status) -> cancelled; a no-show (metadata flag or status) -> noshow; else
 * booked. OnCall's derived "Complete" (time passed) stays booked: it is the clock, not a change
 * anyone made, and writing it would make every past appointment differ from what was sent.
 */
export function appointmentStatusOf(cancelled: boolean | null | undefined, status: string | null | undefined, metadata: Record<string, unknown> | null | undefined): Appointment['status'] {
  const s = status?.trim().toLowerCase();
  if (cancelled || s === 'cancelled') return 'cancelled';
  if (truthy(metadata?.[NOSHOW_METADATA_KEY]) || s === 'no-show' || s === 'noshow') return 'noshow';
  return 'booked';
}

function participantToCanonical(p: Participant, i: number, emrPatientId: string | undefined): PlatformParticipant {
  const patient: Patient = { resourceType: 'Patient', identifier: [oncallUrlIdentifier(p.url)] };
  const name = humanName(p.name, p.first_name, p.last_name);
  if (name) patient.name = [name];
  const email = clean(p.email);
  if (email) patient.telecom = [{ system: 'email', value: email }];
  const out: PlatformParticipant = { id: p.url, patient };
  // OnCall documents no contact link on a participant; a `contact` URL is read when one is there.
  const contact = (p as Record<string, unknown>).contact;
  if (typeof contact === 'string' && contact.trim()) out.contactId = contact.trim();
  // The forward target writes the first patient's EMR id only (metadata patient_emr_id).
  if (i === 0 && emrPatientId) out.emrPatientId = emrPatientId;
  return out;
}

/** An appointment (GET /appointments/{id}/ or a listed one) as a canonical Appointment with its participants. */
export function appointmentToCanonical(record: unknown, opts: OncallReadOptions): Extract<PlatformCanonical, { kind: 'appointment' }> {
  const parsed = AppointmentSchema.safeParse(record);
  if (!parsed.success) throw refusal('appointment', parsed.error.issues);
  const a = parsed.data;
  const status = appointmentStatusOf(a.cancelled, a.status, a.metadata);
  const appointment: Appointment = { resourceType: 'Appointment', identifier: [oncallUrlIdentifier(a.url)], status, participant: [] };
  const title = clean(a.title);
  if (title) appointment.description = title;
  const type = clean(a.type);
  if (type) appointment.appointmentType = { coding: [{ system: ONCALL_APPOINTMENT_TYPE_SYSTEM, code: type }] };
  if (a.datetime) {
    const start = Date.parse(a.datetime);
    if (Number.isNaN(start)) throw new SyncRefused('The OnCall appointment cannot be read: datetime is not a date-time');
    appointment.start = utcIso(start);
    if (typeof a.duration === 'number' && a.duration > 0) appointment.end = utcIso(start + a.duration * 60_000);
  } else if (a.type !== 'message') {
    throw new SyncRefused('The OnCall appointment cannot be read: datetime is missing (required unless type is message)');
  }
  if (typeof a.duration === 'number' && a.duration > 0) appointment.minutesDuration = Math.round(a.duration);

  const patientEmrId = metadataId(a.metadata?.[PATIENT_EMR_ID_METADATA_KEY]);
  const participants = (a.participants ?? []).map((p, i) => participantToCanonical(p, i, patientEmrId));
  appointment.participant = participants.map(
    (p, i): AppointmentParticipant => ({
      actor: { identifier: oncallUrlIdentifier(p.id), ...(p.patient.name?.[0]?.text ? { display: p.patient.name[0].text } : {}) },
      status: a.participants?.[i]?.cancelled ? 'declined' : 'accepted',
    }),
  );
  if (!appointment.participant.length) throw new SyncRefused('The OnCall appointment has no participants');
  const out: Extract<PlatformCanonical, { kind: 'appointment' }> = { kind: 'appointment', id: a.url, appointment, participants };
  const emrId = metadataId(a.metadata?.[opts.emrIdMetadataKey]);
  if (emrId) out.emrAppointmentId = emrId;
  return out;
}
