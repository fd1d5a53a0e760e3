import type { Appointment, Patient } from '@medplum/fhirtypes';
import { emrAppointmentProjection, emrPatientProjection } from '../sync/emr-projection.js';
import type { ReconcileType } from './findings.js';

/**
 * The fields both systems hold, normalised the way the sync compares them
 * (src/flows/sync/emr-projection.ts: names lower-cased and trimmed, e-mail lower-case, phone
 * digits, times in UTC to the minute, status folded to booked | cancelled | noshow | fulfilled).
 * Both sides go through the same function: OnCall records are first read as canonical FHIR by
 * the OnCall mapping. The appointment's visit type is left out: EMRs code it their own way.
 */
export const CONTACT_FIELDS = ['family', 'given', 'birthDate', 'gender', 'email', 'phone'] as const;
export const APPOINTMENT_COMPARED = ['start', 'end', 'status'] as const;

export interface Projected {
  fields: readonly string[];
  /** One per field, '' when the record has no value. */
  values: string[];
}

export function projectionOf(type: ReconcileType, resource: Patient | Appointment): Projected {
  if (type === 'contacts') {
    const p = emrPatientProjection(resource as Patient) as Record<string, string | undefined>;
    return { fields: CONTACT_FIELDS, values: CONTACT_FIELDS.map((f) => p[f] ?? '') };
  }
  const a = emrAppointmentProjection(resource as Appointment) as Record<string, string | undefined>;
  return { fields: APPOINTMENT_COMPARED, values: APPOINTMENT_COMPARED.map((f) => a[f] ?? '') };
}

/** Field names in words for the page and the CSV. */
export const FIELD_WORDS: Record<string, string> = {
  family: 'last name',
  given: 'first name',
  birthDate: 'date of birth',
  gender: 'sex',
  email: 'e-mail',
  phone: 'phone',
  start: 'start',
  end: 'end',
  status: 'status',
};
