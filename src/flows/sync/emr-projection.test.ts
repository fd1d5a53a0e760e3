import type { Appointment, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { differingFields, emrAppointmentHash, emrAppointmentProjection, emrPatientHash, emrPatientProjection, PATIENT_FIELDS } from './emr-projection.js';

describe('emrPatientProjection', () => {
  it('normalises names, e-mail and phone so the EMR and OnCall read the same person the same way', () => {
    const emr: Patient = {
      resourceType: 'Patient',
      name: [{ use: 'old', family: 'Before' }, { use: 'official', family: ' Moreau ', given: ['Élise', 'Anne'] }],
      telecom: [
        { system: 'email', value: 'Elise@Example.org' },
        { system: 'phone', value: '+1 (212) 555-1542' },
      ],
      birthDate: '1975-05-04',
      gender: 'female',
      address: [{ city: 'Lyon' }],
    };
    const oncall: Patient = {
      resourceType: 'Patient',
      name: [{ use: 'official', family: 'moreau', given: ['élise', 'anne'], text: 'Élise Anne Moreau' }],
      telecom: [
        { system: 'email', value: 'elise@example.org' },
        { system: 'phone', value: '12125551542' },
      ],
      birthDate: '1975-05-04',
      gender: 'female',
    };
    expect(emrPatientProjection(emr)).toEqual({ family: 'moreau', given: 'élise anne', birthDate: '1975-05-04', gender: 'female', email: 'elise@example.org', phone: '12125551542' });
    expect(emrPatientHash(emr)).toBe(emrPatientHash(oncall));
  });

  it('leaves out what is absent or says nothing (unknown gender)', () => {
    expect(emrPatientProjection({ resourceType: 'Patient', gender: 'unknown' })).toEqual({});
  });

  it('differingFields ignores fields the platform lacks, and optionally those the EMR lacks', () => {
    const a = { family: 'x', email: 'a@b' };
    const b = { family: 'y', phone: '1' };
    expect(differingFields<Record<string, string>>(a, b, PATIENT_FIELDS)).toEqual(['family', 'email']);
    expect(differingFields<Record<string, string>>(a, b, PATIENT_FIELDS, ['email'])).toEqual(['family']);
  });
});

describe('emrAppointmentProjection', () => {
  it('times in UTC to the minute, status folded, type only from a known code', () => {
    const emr: Appointment = {
      resourceType: 'Appointment',
      status: 'arrived',
      start: '2030-01-15T10:00:30-05:00',
      end: '2030-01-15T10:30:00-05:00',
      appointmentType: { coding: [{ code: 'VIDEOCONF' }] },
      participant: [],
    };
    expect(emrAppointmentProjection(emr)).toEqual({ start: '2030-01-15T15:00Z', end: '2030-01-15T15:30Z', status: 'booked', type: 'online' });
    const oncall: Appointment = {
      resourceType: 'Appointment',
      status: 'booked',
      start: '2030-01-15T15:00:00Z',
      minutesDuration: 30,
      appointmentType: { coding: [{ system: 'urn:ehr-bridge:oncall-appointment-type', code: 'online' }] },
      participant: [],
    };
    expect(emrAppointmentHash(oncall)).toBe(emrAppointmentHash(emr));
    expect(emrAppointmentProjection({ ...emr, status: 'entered-in-error', appointmentType: { coding: [{ code: 'ROUTINE' }] } })).toEqual({
      start: '2030-01-15T15:00Z',
      end: '2030-01-15T15:30Z',
      status: 'cancelled',
    });
  });
});
