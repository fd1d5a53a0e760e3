import type { Appointment, Patient } from '@medplum/fhirtypes';
import { PartnerError } from '../partner-error.js';

/**
 * What a record must hold before a message is built (HL7 v2.5.1 optionality): refused here with
 * the field named, never its value, so nothing is sent that the EMR would have to reject.
 * Permanent: sending the same record again cannot succeed.
 */
export const HL7_EMR_PARTNER = 'hl7-emr';

export function refused(message: string): PartnerError {
  return new PartnerError(HL7_EMR_PARTNER, 'permanent', message);
}

/** PID-5 is required: a family or a given name. */
export function checkPatient(patient: Patient, what: string): void {
  const named = (patient.name ?? []).some((n) => n.family?.trim() || n.given?.some((g) => g.trim()));
  if (!named) throw refused(`${what} has no name: PID-5 (patient name) is required`);
  if (patient.birthDate !== undefined && !/^\d{4}(-\d{2}(-\d{2})?)?$/.test(patient.birthDate)) {
    throw refused(`${what} birthDate is not a FHIR date: PID-7 cannot be written`);
  }
}

export interface AppointmentTimes {
  start: Date;
  end: Date;
  minutes: number;
}

/** Start and end (or start + minutesDuration) as instants, end not before start (TQ1-7/8, SCH-11). */
export function appointmentTimes(appointment: Appointment): AppointmentTimes {
  const start = instant(appointment.start);
  if (!start) throw refused('appointment start is missing or not a date-time with a time of day: TQ1-7 is required');
  let end = instant(appointment.end);
  if (appointment.end !== undefined && !end) throw refused('appointment end is not a date-time with a time of day: TQ1-8 cannot be written');
  if (!end && appointment.minutesDuration !== undefined && appointment.minutesDuration >= 0) {
    end = new Date(start.getTime() + appointment.minutesDuration * 60_000);
  }
  end ??= start;
  if (end.getTime() < start.getTime()) throw refused('appointment end is before its start');
  return { start, end, minutes: Math.round((end.getTime() - start.getTime()) / 60_000) };
}

function instant(value: string | undefined): Date | undefined {
  if (!value || !/T\d{2}:\d{2}/.test(value)) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
