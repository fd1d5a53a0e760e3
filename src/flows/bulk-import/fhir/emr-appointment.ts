/**
 * THE one place that says how an EMR's FHIR Appointment becomes an OnCall appointment record:
 * the bulk pull (stage-fhir.ts) calls it today, and the EMR-to-OnCall sync flows (FHIR change
 * feed, SIU messages turned into Appointments) are to call it too, with the same template.
 *
 * What the EMR carries in standard places (EMR id, the Patient participants with their names and
 * e-mails, the patient's EMR id) is read by `fromFhirAppointment`; the template then decides the
 * fields OnCall needs that no EMR holds as such (`type`, `division`, `provider`) and may
 * override the others (title, duration...). A mapped field wins, even when it maps to nothing.
 * Isomorphic.
 */
import type { Appointment, Patient, RelatedPerson } from '@medplum/fhirtypes';
import { compileMapping, type CompiledMapping } from '../mapping/apply-mapping.js';
import { APPOINTMENT_TYPES, type AppointmentType } from '../mapping/fields.js';
import type { ImportRecord } from '../mapping/import-record.js';
import type { MappingTemplate } from '../mapping/template.js';
import { fromFhirAppointment } from '../validation/from-fhir.js';
import { joinParticipants, PARTICIPANT_FIELDS, splitParticipants } from '../validation/participants.js';
import type { ValidationIssue } from '../validation/issues.js';
import { validateRecord } from '../validation/validate-record.js';
import { appointmentSourceRow, CODED_APPOINTMENT_COLUMNS, FHIR_APPOINTMENT_COLUMNS } from './appointment-columns.js';
import {
  DEFAULT_PARTICIPANT_EMAIL_FALLBACK, fallbackForRow, fallbackWarning, unresolvedParticipantEmailFallback, type ParticipantEmailFallbackRule,
} from './participant-email-fallback.js';

/**
 * ASSUMPTION (documented in docs/mapping-format.md): an EMR appointment type says why the patient
 * comes (HL7 table 0276: a check-up, a follow-up...), never how the visit happens, which is the
 * one thing OnCall requires. Unless the EMR says otherwise (a code or text such as "video" or
 * "telephone", read through the `appointment-type` preset), a clinic appointment is taken to be
 * a visit in person. Change it per code in the mapping.
 */
export const DEFAULT_ONCALL_APPOINTMENT_TYPE: AppointmentType = 'inperson';

/** Metadata key the suggested mapping writes the EMR patient id to (the `patient` column). */
export const PATIENT_EMR_ID_METADATA_KEY = 'patient_emr_id';

/**
 * Record keys the conversion sets from the EMR's status (not mapping fields): the OnCall
 * appointment is created cancelled, and a no-show also carries `metadata.noshow: true`.
 */
export const EMR_STATUS_RECORD_KEYS = { cancelled: 'cancelled', noshow: 'noshow' } as const;

/** HL7 v2 table 0276 (Appointment reason codes), the codes FHIR R4's `appointmentType` binds to. */
export const HL7_0276_CODES = ['CHECKUP', 'EMERGENCY', 'FOLLOWUP', 'ROUTINE', 'WALKIN'] as const;

type Person = Patient | RelatedPerson;

/** True when at least one sample has a value in `column` (and there are samples at all). */
function present(rows: readonly string[][], column: string): boolean {
  const i = FHIR_APPOINTMENT_COLUMNS.indexOf(column as (typeof FHIR_APPOINTMENT_COLUMNS)[number]);
  return rows.some((r) => (r[i] ?? '') !== '');
}

/**
 * The suggested mapping for pulled appointments: what the EMR has for title, start and
 * duration, and `type` from `appointmentType` through a value map that gives every HL7 0276
 * code DEFAULT_ONCALL_APPOINTMENT_TYPE (a code outside the map fails its row, naming the code).
 * Division and provider stay unmapped: the run's --division / --provider (or the wizard's
 * choice) fill them, because no EMR knows OnCall's ids. `samples` refine the choice; with none,
 * the FHIR elements every R4 Appointment should carry are used.
 */
export function suggestEmrAppointmentMapping(samples: readonly Appointment[] = []): MappingTemplate {
  const rows = samples.map(appointmentSourceRow);
  const has = (c: string) => rows.length === 0 || present(rows, c);
  const fields: MappingTemplate['fields'] = {};
  if (has('description')) fields.title = { column: 'description' };
  else if (present(rows, 'serviceType.display')) fields.title = { column: 'serviceType.display' };
  fields.start = { column: 'start' };
  fields.duration = { column: has('minutesDuration') ? 'minutesDuration' : 'minutesFromStartToEnd' };
  const codeMap = Object.fromEntries(HL7_0276_CODES.map((c) => [c, DEFAULT_ONCALL_APPOINTMENT_TYPE]));
  fields.type = has('appointmentType')
    ? { column: 'appointmentType', transforms: [{ type: 'value-map', preset: 'appointment-type', map: codeMap }] }
    : { constant: DEFAULT_ONCALL_APPOINTMENT_TYPE };
  // The EMR patient id in metadata links each OnCall appointment to its patient, even when the
  // participant's e-mail is the provider's (a patient without an e-mail in the EMR).
  fields[`metadata.${PATIENT_EMR_ID_METADATA_KEY}`] = { column: 'patient' };
  return {
    version: 1,
    recordType: 'appointments',
    name: 'FHIR EMR appointments (suggested)',
    description: `Appointments pulled from a FHIR R4 EMR. Every HL7 0276 appointment type becomes "${DEFAULT_ONCALL_APPOINTMENT_TYPE}"; change the map when some are video or phone visits.`,
    fields,
    options: { participantEmailFallback: DEFAULT_PARTICIPANT_EMAIL_FALLBACK },
  };
}

/** The template's columns a FHIR Appointment does not have (a CSV template given by mistake). */
export function unknownAppointmentColumns(template: MappingTemplate): string[] {
  return [...compiled(template).missingColumns];
}

const cache = new WeakMap<MappingTemplate, CompiledMapping>();
function compiled(template: MappingTemplate): CompiledMapping {
  let c = cache.get(template);
  if (!c) {
    c = compileMapping(template, FHIR_APPOINTMENT_COLUMNS);
    cache.set(template, c);
  }
  return c;
}

export interface EmrAppointmentResult {
  readonly record: ImportRecord;
  /** Mapping and validation problems (errors reject the record; warnings do not). */
  readonly issues: ValidationIssue[];
}

export interface EmrAppointmentOptions {
  /**
   * The run's `participantEmailFallback`, resolved once (resolveParticipantEmailFallback: the
   * providers' e-mails read from OnCall). Without it, an address or "none" in the template
   * applies as given, and "provider" cannot (the row is left out, saying why).
   */
  readonly participantEmailFallback?: ParticipantEmailFallbackRule;
}

/**
 * An EMR Appointment (its Patient participants resolved in `patientsById` by "Patient/123" or
 * "123") → the mapped and validated OnCall appointment record. `line` is the record's position
 * in the pull, for reports.
 *
 * FHIR R4 Appointment.status (https://hl7.org/fhir/R4/valueset-appointmentstatus.html):
 * `cancelled` and `noshow` are imported as cancelled OnCall appointments (a no-show also with
 * `metadata.noshow: true`), so OnCall's history matches the EMR's; `entered-in-error` never
 * existed and is left out; every other status (`proposed`, `pending`, `waitlist`, `booked`...)
 * is imported as is.
 */
export function emrAppointmentToRecord(
  appt: Appointment,
  patientsById: ReadonlyMap<string, Person> | undefined,
  template: MappingTemplate,
  line = 0,
  options: EmrAppointmentOptions = {},
): EmrAppointmentResult {
  const mapping = compiled(template);
  const row = appointmentSourceRow(appt);
  const mapped = mapping.map(row);
  const record: ImportRecord = { ...fromFhirAppointment(appt, patientsById), ...mapped.record };
  const issues: ValidationIssue[] = mapped.errors.map((e) => ({ line, severity: 'error', ...e }));
  const skipFields = mapped.errors.map((e) => e.field);

  // A code the map does not know: say which code and which field, so staff can add it. Codes
  // of a terminology are not patient data; free text (an EMR without codings) is not quoted.
  const typeSource = template.fields.type?.column;
  const type = record.type ?? '';
  if (typeSource && CODED_APPOINTMENT_COLUMNS.has(typeSource) && !(APPOINTMENT_TYPES as readonly string[]).includes(type)) {
    const raw = row[FHIR_APPOINTMENT_COLUMNS.indexOf(typeSource as (typeof FHIR_APPOINTMENT_COLUMNS)[number])] ?? '';
    if (raw !== '') {
      const what = /^[A-Za-z0-9._-]{1,64}$/.test(raw) ? `code "${raw}"` : 'text';
      issues.push({
        line, field: 'type', column: typeSource, code: 'unknown-appointment-type', severity: 'error',
        message: `type: the ${typeSource} ${what} is not in the mapping's value map (map it to online, inperson, phone or message)`,
      });
      skipFields.push('type');
    }
  }
  if (appt.status === 'entered-in-error') {
    issues.push({
      line, field: 'status', column: 'status', code: 'not-happening', severity: 'error',
      message: 'the appointment was entered in error in the EMR (it never existed); it is not imported',
    });
  } else if (appt.status === 'cancelled' || appt.status === 'noshow') {
    record[EMR_STATUS_RECORD_KEYS.cancelled] = 'true';
    if (appt.status === 'noshow') record[EMR_STATUS_RECORD_KEYS.noshow] = 'true';
  }
  // OnCall creates a participant only with an e-mail (seeds/oncall-bulk-import-guide.txt lists
  // name, email and fee as required; it also links the appointment to the roster contact by
  // that address). Many EMR patients have none: the run's fallback stands in, or the row is
  // left out before sending, not after a refusal.
  const fallback = fallbackForRow(options.participantEmailFallback ?? unresolvedParticipantEmailFallback(template), record.provider);
  const people = splitParticipants(record, template.options?.participantSeparator);
  const field = (i: number) => (people.length > 1 ? `participants.email[${i + 1}]` : 'participants.email');
  if (fallback.kind === 'address' && people.some((p) => p.email === '')) {
    people.forEach((p, i) => {
      if (p.email === '') issues.push({ line, field: field(i), code: 'participant-email-fallback', severity: 'warning', message: fallbackWarning(fallback.from) });
    });
    for (const f of PARTICIPANT_FIELDS) delete record[f];
    Object.assign(record, joinParticipants(people.map((p) => ({ ...p, email: p.email || fallback.email }))));
  } else {
    people.forEach((p, i) => {
      if (p.email !== '') return;
      issues.push({
        line, field: field(i), code: 'required', severity: 'error',
        message: `participants.email is required by OnCall Health, and the patient has no e-mail address in the EMR${fallback.kind === 'unavailable' ? `; ${fallback.reason}` : ''}`,
      });
    });
  }
  issues.push(...validateRecord(record, 'appointments', {
    line,
    columnOf: mapping.columnOf,
    ...(template.options ? { options: template.options } : {}),
    ...(skipFields.length ? { skipFields } : {}),
  }));
  return { record, issues };
}
