/**
 * FHIR R4 → ImportRecord, for the pull path (seeds/oncall-bulk-import-guide.txt, option 2:
 * GET records from a FHIR EMR, then validate them exactly like CSV rows). Reads both what
 * `toFhir` writes (lossless round trip) and what ordinary EMRs return.
 */
import type { Appointment, Extension, HumanName, Patient, Reference, RelatedPerson } from '@medplum/fhirtypes';
import { IDENTIFIER_SYSTEMS } from '../../../domain/identifiers.js';
import type { ImportRecord } from '../mapping/import-record.js';
import { APPOINTMENT_TYPE_VALUE_MAP, valueMapKey } from '../mapping/transforms.js';
import { joinParticipants } from './participants.js';
import { IMPORT_FHIR_URLS } from './to-fhir.js';

export interface FromFhirOptions {
  /**
   * Identifier system holding the EMR id (e.g. the hospital MRN system). Default: the
   * `IDENTIFIER_SYSTEMS.emr` identifier, else the resource id.
   */
  readonly emrIdSystem?: string;
  /** Values for fields the EMR does not carry (division, provider, appointment type...). */
  readonly defaults?: Readonly<ImportRecord>;
}

function emrIdOf(resource: { id?: string; identifier?: { system?: string; value?: string }[] }, system?: string): string {
  const systems = system ? [system] : [IDENTIFIER_SYSTEMS.emr];
  for (const s of systems) {
    const hit = resource.identifier?.find((i) => i.system === s && i.value);
    if (hit?.value) return hit.value;
  }
  return resource.id ?? '';
}

function pickName(names: HumanName[] | undefined): HumanName | undefined {
  if (!names || names.length === 0) return undefined;
  return names.find((n) => n.use === 'official') ?? names.find((n) => n.use === 'usual') ?? names.find((n) => n.use !== 'old') ?? names[0];
}

function nameParts(n: HumanName | undefined): { first: string; last: string; full: string } {
  if (!n) return { first: '', last: '', full: '' };
  const first = (n.given ?? []).join(' ').trim();
  const last = (n.family ?? '').trim();
  const full = (n.text ?? '').trim() || [first, last].filter(Boolean).join(' ');
  return { first, last, full };
}

function telecom(resource: { telecom?: { system?: string; value?: string; use?: string; rank?: number; period?: { end?: string } }[] }, system: string): string {
  const list = (resource.telecom ?? []).filter((t) => t.system === system && t.value && t.use !== 'old' && !t.period?.end);
  list.sort((a, b) => (a.rank ?? Number.MAX_SAFE_INTEGER) - (b.rank ?? Number.MAX_SAFE_INTEGER)
    || (a.use === 'mobile' ? -1 : 0) - (b.use === 'mobile' ? -1 : 0));
  return list[0]?.value ?? '';
}

function subValue(ext: Extension, url: string): string {
  return ext.extension?.find((e) => e.url === url)?.valueString ?? '';
}

function identifierValue(ref: Reference | undefined, system: string): string {
  return ref?.identifier?.system === system ? (ref.identifier.value ?? '') : '';
}

function withDefaults(record: ImportRecord, defaults: Readonly<ImportRecord> | undefined): ImportRecord {
  if (defaults) for (const [k, val] of Object.entries(defaults)) if ((record[k] ?? '') === '') record[k] = val;
  return record;
}

export function fromFhirPatient(patient: Patient, options: FromFhirOptions = {}): ImportRecord {
  const { first, last, full } = nameParts(pickName(patient.name));
  const record: ImportRecord = {
    emrId: emrIdOf(patient, options.emrIdSystem),
    firstName: first,
    lastName: last,
    fullName: full,
    email: telecom(patient, 'email'),
    phone: telecom(patient, 'phone') || telecom(patient, 'sms'),
    // Partial dates (YYYY, YYYY-MM) are kept: validation reports them instead of guessing a day.
    birthDate: patient.birthDate ?? '',
    sex: patient.gender ?? '',
    notes: patient.extension?.find((e) => e.url === IMPORT_FHIR_URLS.notes)?.valueString ?? '',
    division: identifierValue(patient.managingOrganization, IMPORT_FHIR_URLS.division),
    provider: identifierValue(patient.generalPractitioner?.find((r) => r.identifier?.system === IMPORT_FHIR_URLS.provider), IMPORT_FHIR_URLS.provider),
  };
  for (const ext of patient.extension ?? []) {
    if (ext.url !== IMPORT_FHIR_URLS.customField) continue;
    const id = subValue(ext, 'id');
    if (id) record[`customFields.${id}`] = subValue(ext, 'value');
  }
  return withDefaults(record, options.defaults);
}

type Person = Patient | RelatedPerson;

/** Key forms under which `patientsById` may hold a referenced resource. */
function resolve(ref: Reference, appt: Appointment, patientsById: ReadonlyMap<string, Person> | undefined): Person | undefined {
  const r = ref.reference;
  if (!r) return undefined;
  if (r.startsWith('#')) {
    const c = appt.contained?.find((x) => x.id === r.slice(1));
    return c && (c.resourceType === 'Patient' || c.resourceType === 'RelatedPerson') ? c : undefined;
  }
  if (!patientsById) return undefined;
  return patientsById.get(r) ?? patientsById.get(r.slice(r.lastIndexOf('/') + 1));
}

function minutesBetween(start: string | undefined, end: string | undefined): string {
  if (!start || !end) return '';
  const d = (Date.parse(end) - Date.parse(start)) / 60_000;
  return Number.isFinite(d) && d > 0 && Number.isInteger(d) ? String(d) : '';
}

function appointmentType(appt: Appointment): string {
  for (const c of appt.appointmentType?.coding ?? []) {
    if (c.system === IMPORT_FHIR_URLS.appointmentType && c.code) return c.code;
  }
  // An EMR's own words ("Video", "Telephone", "Office visit"...) through the same value map.
  const words = [appt.appointmentType?.text, ...(appt.appointmentType?.coding ?? []).flatMap((c) => [c.code, c.display])];
  for (const w of words) {
    if (!w) continue;
    const hit = APPOINTMENT_TYPE_VALUE_MAP[valueMapKey(w)];
    if (hit) return hit;
  }
  return '';
}

/**
 * Appointment → record. Patient/RelatedPerson participants (contained, or found in
 * `patientsById` by "Patient/123" or "123") become `participants.*`; the first patient gives
 * `patientEmrId`. Practitioners are not participants (OnCall's provider is a separate field).
 */
export function fromFhirAppointment(
  appt: Appointment, patientsById?: ReadonlyMap<string, Person> | Readonly<Record<string, Person>>, options: FromFhirOptions = {},
): ImportRecord {
  const lookup = patientsById instanceof Map ? patientsById
    : patientsById ? new Map(Object.entries(patientsById as Record<string, Person>)) : undefined;
  const participants: { name: string; firstName: string; lastName: string; email: string; fee: string }[] = [];
  let patientEmrId = '';
  let provider = '';
  for (const p of appt.participant ?? []) {
    const actor = p.actor;
    if (!actor || p.status === 'declined') continue;
    const providerId = identifierValue(actor, IMPORT_FHIR_URLS.provider);
    if (providerId) { provider ||= providerId; continue; }
    const kind = actor.type ?? actor.reference?.split('/')[0];
    if (kind === 'Practitioner' || kind === 'PractitionerRole' || kind === 'Location' || kind === 'Device' || kind === 'HealthcareService') continue;
    const person = resolve(actor, appt, lookup);
    if (!person) {
      // A patient known only by identifier or by a reference we cannot resolve: its id only.
      const id = identifierValue(actor, IDENTIFIER_SYSTEMS.emr)
        || (actor.reference && !actor.reference.startsWith('#') ? actor.reference.slice(actor.reference.lastIndexOf('/') + 1) : '');
      if (id && !patientEmrId) patientEmrId = id;
      else if (actor.display) participants.push({ name: actor.display, firstName: '', lastName: '', email: '', fee: '' });
      continue;
    }
    const { first, last, full } = nameParts(pickName(person.name));
    const fee = p.extension?.find((e) => e.url === IMPORT_FHIR_URLS.fee)?.valueDecimal;
    participants.push({
      name: full || actor.display || '', firstName: first, lastName: last, email: telecom(person, 'email'),
      fee: fee !== undefined ? String(fee) : '',
    });
    if (!patientEmrId && person.resourceType === 'Patient' && !actor.reference?.startsWith('#')) {
      patientEmrId = emrIdOf(person, options.emrIdSystem);
    }
  }
  const record: ImportRecord = {
    emrId: emrIdOf(appt, options.emrIdSystem),
    title: appt.description ?? appt.serviceType?.[0]?.text ?? appt.appointmentType?.text ?? '',
    start: appt.start ?? '',
    duration: appt.minutesDuration !== undefined ? String(appt.minutesDuration) : minutesBetween(appt.start, appt.end),
    type: appointmentType(appt),
    division: appt.extension?.find((e) => e.url === IMPORT_FHIR_URLS.division)?.valueIdentifier?.value ?? '',
    provider,
    patientEmrId,
    ...joinParticipants(participants),
  };
  for (const ext of appt.extension ?? []) {
    if (ext.url !== IMPORT_FHIR_URLS.metadata) continue;
    const key = subValue(ext, 'key');
    if (key) record[`metadata.${key}`] = subValue(ext, 'value');
  }
  return withDefaults(record, options.defaults);
}
