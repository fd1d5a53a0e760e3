/**
 * Validated ImportRecord → FHIR R4 canonical resource (https://hl7.org/fhir/R4/patient.html,
 * https://hl7.org/fhir/R4/appointment.html). Everything OnCall needs and FHIR has no element
 * for (custom roster fields, notes, metadata, fees, the OnCall appointment type) travels in
 * extensions/codings under the `IMPORT_FHIR_URLS` below, so FHIR → record is lossless.
 */
import type {
  Appointment, AppointmentParticipant, CodeableConcept, ContactPoint, Extension, HumanName, Patient, Reference, Resource,
} from '@medplum/fhirtypes';
import { IDENTIFIER_SYSTEMS, type RecordType } from '../../../domain/identifiers.js';
import type { ImportRecord } from '../mapping/import-record.js';
import type { MappingOptions } from '../mapping/template.js';
import { splitParticipants } from './participants.js';

/** URIs for what the canonical resources carry beyond core FHIR (this project's own). */
export const IMPORT_FHIR_URLS = {
  /** Identifier system of an OnCall division (URL or id). */
  division: 'urn:ehr-bridge:oncall-division',
  /** Identifier system of an OnCall provider (URL or id). */
  provider: 'urn:ehr-bridge:oncall-provider',
  /** Code system of the OnCall appointment type (online | inperson | phone | message). */
  appointmentType: 'urn:ehr-bridge:oncall-appointment-type',
  /** Extension: an OnCall roster custom field; sub-extensions `id` and `value`. */
  customField: 'urn:ehr-bridge:fhir:oncall-custom-field',
  /** Extension: appointment metadata entry; sub-extensions `key` and `value`. */
  metadata: 'urn:ehr-bridge:fhir:oncall-metadata',
  /** Extension (valueString): free-text notes on the roster contact. */
  notes: 'urn:ehr-bridge:fhir:notes',
  /** Extension (valueDecimal): fee charged to an appointment participant. */
  fee: 'urn:ehr-bridge:fhir:participant-fee',
} as const satisfies Record<string, string>;

const v = (record: ImportRecord, field: string): string => record[field] ?? '';

function keyValueExtension(url: string, keyName: string, key: string, value: string): Extension {
  return { url, extension: [{ url: keyName, valueString: key }, { url: 'value', valueString: value }] };
}

/** A logical reference (by identifier): OnCall divisions/providers are not FHIR resources here. */
function orgRef<T extends Resource>(system: string, value: string): Reference<T> {
  return { identifier: { system, value } };
}

export function recordToPatient(record: ImportRecord): Patient {
  const patient: Patient = { resourceType: 'Patient' };
  const emrId = v(record, 'emrId');
  if (emrId) patient.identifier = [{ system: IDENTIFIER_SYSTEMS.emr, value: emrId }];
  const first = v(record, 'firstName');
  const last = v(record, 'lastName');
  const full = v(record, 'fullName');
  if (first || last || full) {
    const name: HumanName = { use: 'official' };
    if (full) name.text = full;
    if (last) name.family = last;
    if (first) name.given = [first];
    patient.name = [name];
  }
  const telecom: ContactPoint[] = [];
  const email = v(record, 'email');
  if (email) telecom.push({ system: 'email', value: email });
  const phone = v(record, 'phone');
  if (phone) telecom.push({ system: 'phone', value: phone });
  if (telecom.length > 0) patient.telecom = telecom;
  const birthDate = v(record, 'birthDate');
  if (birthDate) patient.birthDate = birthDate;
  const sex = v(record, 'sex');
  if (sex === 'male' || sex === 'female' || sex === 'other' || sex === 'unknown') patient.gender = sex;
  const division = v(record, 'division');
  if (division) patient.managingOrganization = orgRef(IMPORT_FHIR_URLS.division, division);
  const provider = v(record, 'provider');
  if (provider) patient.generalPractitioner = [orgRef(IMPORT_FHIR_URLS.provider, provider)];
  const extension: Extension[] = [];
  const notes = v(record, 'notes');
  if (notes) extension.push({ url: IMPORT_FHIR_URLS.notes, valueString: notes });
  for (const key of Object.keys(record)) {
    if (!key.startsWith('customFields.')) continue;
    const value = v(record, key);
    if (value) extension.push(keyValueExtension(IMPORT_FHIR_URLS.customField, 'id', key.slice('customFields.'.length), value));
  }
  if (extension.length > 0) patient.extension = extension;
  return patient;
}

/** `start` + minutes, written with the same offset as `start`. */
export function addMinutesIso(start: string, minutes: number): string | undefined {
  const ms = Date.parse(start);
  if (Number.isNaN(ms)) return undefined;
  const m = /(Z|[+-](\d{2}):(\d{2}))$/.exec(start);
  if (!m) return undefined;
  const offsetMin = m[1] === 'Z' ? 0 : (m[1]!.startsWith('-') ? -1 : 1) * (+m[2]! * 60 + +m[3]!);
  const local = new Date(ms + minutes * 60_000 + offsetMin * 60_000);
  const iso = local.toISOString().slice(0, 19);
  return `${iso}${m[1]}`;
}

export function recordToAppointment(record: ImportRecord, options: MappingOptions = {}): Appointment {
  const participants = splitParticipants(record, options.participantSeparator);
  // FHIR app-3: a booked appointment has start and end; an undated one (type message) is proposed.
  const dated = v(record, 'start') !== '' && /^\d+$/.test(v(record, 'duration'));
  const appointment: Appointment = { resourceType: 'Appointment', status: dated ? 'booked' : 'proposed', participant: [] };
  const emrId = v(record, 'emrId');
  if (emrId) appointment.identifier = [{ system: IDENTIFIER_SYSTEMS.emr, value: emrId }];
  const title = v(record, 'title');
  if (title) appointment.description = title;
  const type = v(record, 'type');
  if (type) {
    const concept: CodeableConcept = { coding: [{ system: IMPORT_FHIR_URLS.appointmentType, code: type }] };
    appointment.appointmentType = concept;
  }
  const start = v(record, 'start');
  const duration = v(record, 'duration');
  if (start) appointment.start = start;
  if (/^\d+$/.test(duration)) {
    appointment.minutesDuration = Number(duration);
    if (start) {
      const end = addMinutesIso(start, Number(duration));
      if (end) appointment.end = end;
    }
  }
  const contained: Patient[] = [];
  participants.forEach((p, i) => {
    const id = `p${i + 1}`;
    const person: Patient = { resourceType: 'Patient', id };
    if (p.name || p.firstName || p.lastName) {
      const name: HumanName = {};
      if (p.name) name.text = p.name;
      if (p.lastName) name.family = p.lastName;
      if (p.firstName) name.given = [p.firstName];
      person.name = [name];
    }
    if (p.email) person.telecom = [{ system: 'email', value: p.email }];
    contained.push(person);
    const participant: AppointmentParticipant = {
      actor: { reference: `#${id}`, type: 'Patient', ...(p.name ? { display: p.name } : {}) },
      status: 'accepted',
    };
    if (p.fee && !Number.isNaN(Number(p.fee))) participant.extension = [{ url: IMPORT_FHIR_URLS.fee, valueDecimal: Number(p.fee) }];
    appointment.participant.push(participant);
  });
  if (contained.length > 0) appointment.contained = contained;
  const patientEmrId = v(record, 'patientEmrId');
  if (patientEmrId) {
    appointment.participant.push({
      actor: { type: 'Patient', identifier: { system: IDENTIFIER_SYSTEMS.emr, value: patientEmrId } },
      status: 'accepted',
    });
  }
  const provider = v(record, 'provider');
  if (provider) {
    appointment.participant.push({
      actor: { type: 'Practitioner', identifier: { system: IMPORT_FHIR_URLS.provider, value: provider } },
      status: 'accepted',
    });
  }
  const extension: Extension[] = [];
  const division = v(record, 'division');
  if (division) {
    extension.push({ url: IMPORT_FHIR_URLS.division, valueIdentifier: { system: IMPORT_FHIR_URLS.division, value: division } });
  }
  for (const key of Object.keys(record)) {
    if (!key.startsWith('metadata.')) continue;
    const value = v(record, key);
    if (value) extension.push(keyValueExtension(IMPORT_FHIR_URLS.metadata, 'key', key.slice('metadata.'.length), value));
  }
  if (extension.length > 0) appointment.extension = extension;
  return appointment;
}

export function toFhir(record: ImportRecord, recordType: 'contacts', options?: MappingOptions): Patient;
export function toFhir(record: ImportRecord, recordType: 'appointments', options?: MappingOptions): Appointment;
export function toFhir(record: ImportRecord, recordType: RecordType, options?: MappingOptions): Patient | Appointment;
export function toFhir(record: ImportRecord, recordType: RecordType, options: MappingOptions = {}): Patient | Appointment {
  return recordType === 'contacts' ? recordToPatient(record) : recordToAppointment(record, options);
}
