import type { Appointment, Patient } from '@medplum/fhirtypes';
import { IDENTIFIER_SYSTEMS } from '../../../domain/identifiers.js';

/** Canonical records as the OnCall source maps them (fictitious people). */
export const CONTACT_URL = 'https://api.oncallhealth.ca/contacts/123/';
export const APPOINTMENT_URL = 'https://api.oncallhealth.ca/appointments/987/';
export const PARTICIPANT_URL = 'https://api.oncallhealth.ca/participants/555/';

export function samplePatient(overrides: Partial<Patient> = {}): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: IDENTIFIER_SYSTEMS.oncallUrl, value: CONTACT_URL }],
    name: [{ family: 'Tremblay', given: ['Élodie', 'Anne'] }],
    birthDate: '1984-03-07',
    gender: 'female',
    telecom: [
      { system: 'email', value: 'elodie.tremblay@example.org' },
      { system: 'phone', value: '+1 416 555 0142', use: 'mobile' },
    ],
    ...overrides,
  };
}

/** The same patient once the EMR target has its EMR id (what it passes to the SIU writes). */
export function linkedPatient(emrId: string, overrides: Partial<Patient> = {}): Patient {
  const p = samplePatient(overrides);
  return { ...p, identifier: [{ system: IDENTIFIER_SYSTEMS.emr, value: emrId }, ...(p.identifier ?? [])] };
}

export function sampleAppointment(overrides: Partial<Appointment> = {}): Appointment {
  return {
    resourceType: 'Appointment',
    identifier: [{ system: IDENTIFIER_SYSTEMS.oncallUrl, value: APPOINTMENT_URL }],
    status: 'booked',
    start: '2026-12-10T15:00:00Z',
    end: '2026-12-10T15:30:00Z',
    minutesDuration: 30,
    appointmentType: { coding: [{ system: 'urn:ehr-bridge:oncall-appointment-type', code: 'online' }] },
    participant: [
      { actor: { reference: 'Patient/OC-123' }, status: 'accepted' },
      { actor: { type: 'Practitioner', display: 'Dr Rosalind Chen', identifier: { value: 'PRV-7' } }, status: 'accepted' },
    ],
    ...overrides,
  };
}
