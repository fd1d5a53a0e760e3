/**
 * A FHIR R4 Appointment seen as one row of named "columns", so a pulled appointment is mapped
 * with the very same template format, transforms and web mapping screen as a CSV row
 * (docs/mapping-format.md, "Records from a FHIR EMR"). A template's `column` names one of
 * these element paths. Isomorphic: no node: imports.
 */
import type { Appointment, CodeableConcept, Reference } from '@medplum/fhirtypes';

/** The columns a pulled Appointment offers, in the order the mapping screen lists them. */
export const FHIR_APPOINTMENT_COLUMNS = [
  'id',
  'identifier',
  'status',
  'appointmentType',
  'appointmentType.display',
  'serviceType',
  'serviceType.display',
  'specialty',
  'description',
  'start',
  'end',
  'minutesDuration',
  'minutesFromStartToEnd',
  'practitioner',
  'practitioner.display',
  'location',
  'location.display',
  'patient',
  'comment',
] as const;
export type FhirAppointmentColumn = (typeof FHIR_APPOINTMENT_COLUMNS)[number];

/**
 * Columns that hold a code of a terminology (HL7 table 0276, the service-type code system...),
 * never free text about a patient: an unmapped value may be quoted in an error message.
 */
export const CODED_APPOINTMENT_COLUMNS: ReadonlySet<string> = new Set(['appointmentType', 'serviceType', 'specialty', 'status']);

/** The first coding's code, else the concept's text (an EMR that sends words, not codes). */
function code(c: CodeableConcept | undefined): string {
  return c?.coding?.find((x) => x.code)?.code ?? c?.text ?? '';
}

function display(c: CodeableConcept | undefined): string {
  return c?.text ?? c?.coding?.find((x) => x.display)?.display ?? '';
}

/** The id in `Practitioner/123` (or a full URL ending so); '' for contained or identifier-only references. */
function referenceId(ref: Reference | undefined): string {
  const r = ref?.reference;
  if (!r || r.startsWith('#')) return ref?.identifier?.value ?? '';
  return r.slice(r.lastIndexOf('/') + 1);
}

function actorOf(appt: Appointment, kinds: readonly string[]): Reference | undefined {
  for (const p of appt.participant ?? []) {
    const a = p.actor;
    if (!a || p.status === 'declined') continue;
    const kind = a.type ?? a.reference?.split('/').at(-2);
    if (kind && kinds.includes(kind)) return a;
  }
  return undefined;
}

function minutesBetween(start: string | undefined, end: string | undefined): string {
  if (!start || !end) return '';
  const d = (Date.parse(end) - Date.parse(start)) / 60_000;
  return Number.isFinite(d) && d > 0 && Number.isInteger(d) ? String(d) : '';
}

/** One row of cells, aligned with FHIR_APPOINTMENT_COLUMNS. */
export function appointmentSourceRow(appt: Appointment): string[] {
  const practitioner = actorOf(appt, ['Practitioner', 'PractitionerRole']);
  const location = actorOf(appt, ['Location']);
  const patient = actorOf(appt, ['Patient']);
  const values: Record<FhirAppointmentColumn, string> = {
    id: appt.id ?? '',
    identifier: appt.identifier?.find((i) => i.value)?.value ?? '',
    status: appt.status ?? '',
    appointmentType: code(appt.appointmentType),
    'appointmentType.display': display(appt.appointmentType),
    serviceType: code(appt.serviceType?.[0]),
    'serviceType.display': display(appt.serviceType?.[0]),
    specialty: code(appt.specialty?.[0]),
    description: appt.description ?? '',
    start: appt.start ?? '',
    end: appt.end ?? '',
    minutesDuration: appt.minutesDuration !== undefined ? String(appt.minutesDuration) : '',
    minutesFromStartToEnd: minutesBetween(appt.start, appt.end),
    practitioner: referenceId(practitioner),
    'practitioner.display': practitioner?.display ?? '',
    location: referenceId(location),
    'location.display': location?.display ?? '',
    patient: referenceId(patient),
    comment: appt.comment ?? '',
  };
  return FHIR_APPOINTMENT_COLUMNS.map((c) => values[c]);
}
