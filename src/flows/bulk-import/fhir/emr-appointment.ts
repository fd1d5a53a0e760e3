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
import { splitParticipants } from '../validation/participants.js';
import type { ValidationIssue } from '../validation/issues.js';
import { validateRecord } from '../validation/validate-record.js';
import { appointmentSourceRow, CODED_APPOINTMENT_COLUMNS, FHIR_APPOINTMENT_COLUMNS } from './appointment-columns.js';

/**
 * ASSUMPTION (documented in docs/mapping-format.md): an EMR appointment type says why the patient
 * comes (HL7 table 0276: a check-up, a follow-up...), never how the visit happens, which is the
 * one thing OnCall requires. Unless the EMR says otherwise (a code or text such as "video" or
 * "telephone", read through the `appointment-type` preset), a clinic appointment is taken to be
 * a visit in person. Change it per code in the mapping.
 */
export const DEFAULT_ONCALL_APPOINTMENT_TYPE: AppointmentType = 'inperson';

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
  return {
    version: 1,
    recordType: 'appointments',
    name: 'FHIR EMR appointments (suggested)',
    description: `Appointments pulled from a FHIR R4 EMR. Every HL7 0276 appointment type becomes "${DEFAULT_ONCALL_APPOINTMENT_TYPE}"; change the map when some are video or phone visits.`,
    fields,
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

/**
 * An EMR Appointment (its Patient participants resolved in `patientsById` by "Patient/123" or
 * "123") → the mapped and validated OnCall appointment record. `line` is the record's position
 * in the pull, for reports.
 */
/** Statuses of an appointment that will not take place: never created in OnCall by an import. */
const NOT_HAPPENING: ReadonlySet<string> = new Set(['cancelled', 'noshow', 'entered-in-error']);

export function emrAppointmentToRecord(
  appt: Appointment,
  patientsById: ReadonlyMap<string, Person> | undefined,
  template: MappingTemplate,
  line = 0,
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
  // An appointment the EMR says will not happen must not become a live OnCall visit (patients
  // would be invited to it). FHIR R4 Appointment.status: https://hl7.org/fhir/R4/valueset-appointmentstatus.html
  if (appt.status && NOT_HAPPENING.has(appt.status)) {
    issues.push({
      line, field: 'status', column: 'status', code: 'not-happening', severity: 'error',
      message: `the appointment is ${appt.status === 'noshow' ? 'a no-show' : appt.status} in the EMR; it is not imported`,
    });
  }
  // OnCall creates a participant only with an e-mail (seeds/oncall-bulk-import-guide.txt lists
  // name, email and fee as required; it also links the appointment to the roster contact by
  // that address). Many EMR patients have none: say so before sending, not after a refusal.
  const people = splitParticipants(record, template.options?.participantSeparator);
  people.forEach((p, i) => {
    if (p.email === '') {
      issues.push({
        line, field: people.length > 1 ? `participants.email[${i + 1}]` : 'participants.email', code: 'required', severity: 'error',
        message: 'participants.email is required by OnCall Health, and the patient has no e-mail address in the EMR',
      });
    }
  });
  issues.push(...validateRecord(record, 'appointments', {
    line,
    columnOf: mapping.columnOf,
    ...(template.options ? { options: template.options } : {}),
    ...(skipFields.length ? { skipFields } : {}),
  }));
  return { record, issues };
}
