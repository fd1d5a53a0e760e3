import type { Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { IDENTIFIER_SYSTEMS } from '../../../../domain/identifiers.js';
import { appointmentToOncall, patientToContactCreate } from '../../../../partners/oncall/mapping.js';
import { SyncRefused } from '../../sync-target.js';
import { appointmentToCanonical, contactToCanonical, humanName } from './to-canonical.js';

const OPTS = { emrIdField: '2', emrIdMetadataKey: 'emr_id' };
const BASE = 'https://api.oncallhealth.ca';

/** The guide's contact list item ("Pushing new patient data ... outside the context of an appointment"). */
const GUIDE_CONTACT = {
  url: `${BASE}/contacts/1234/`,
  name: 'Jane Doe',
  email: 'jane@example.com',
  phone: '2125551542',
  sex: 'Unknown',
  date_of_birth: '1970-01-01',
  custom_field_names: { '2': 'EMR id', '6': 'Has submitted forms?' },
  custom_field_values: { '2': 'Ax1A2', '6': true },
  appointments: `${BASE}/contacts/1234/appointments/`,
};

/** The guide's appointment response ("Using OnCall Health as the system of record", step 1). */
const GUIDE_APPOINTMENT = {
  url: `${BASE}/appointments/1/`,
  title: 'My sample appointment',
  datetime: '2019-01-16T18:00:00Z',
  duration: 60,
  type: 'online',
  status: 'Complete',
  cancelled: false,
  division: `${BASE}/divisions/123/`,
  participants: [
    {
      url: `${BASE}/participants/12345/`,
      appointment: `${BASE}/appointments/12345/`,
      name: 'Test Patient',
      first_name: 'Test',
      last_name: 'Patient',
      email: 'test@example.com',
      fee: 10.0,
      cancelled: false,
      user_id: 2,
    },
  ],
  metadata: null,
};

describe('OnCall contact -> FHIR Patient', () => {
  it("reads the guide's contact: name split for the EMR's match, URL identifier, EMR id beside", () => {
    const c = contactToCanonical(GUIDE_CONTACT, OPTS);
    expect(c).toEqual({
      kind: 'patient',
      id: `${BASE}/contacts/1234/`,
      emrPatientId: 'Ax1A2',
      patient: {
        resourceType: 'Patient',
        identifier: [{ system: IDENTIFIER_SYSTEMS.oncallUrl, value: `${BASE}/contacts/1234/` }],
        name: [{ use: 'official', family: 'Doe', given: ['Jane'], text: 'Jane Doe' }],
        telecom: [
          { system: 'email', value: 'jane@example.com' },
          { system: 'phone', value: '2125551542' },
        ],
        gender: 'unknown',
        birthDate: '1970-01-01',
      },
    });
  });

  it('round trip: patientToContactCreate then back gives the same names, e-mail, phone, gender and birth date', () => {
    const patient: Patient = {
      resourceType: 'Patient',
      identifier: [{ system: IDENTIFIER_SYSTEMS.emr, value: 'MRN-9' }],
      name: [{ use: 'official', family: 'van der Berg', given: ['Anna', 'Maria'] }],
      telecom: [
        { system: 'email', value: 'anna@example.com' },
        { system: 'phone', value: '+1 416 555 0101', use: 'mobile' },
      ],
      gender: 'female',
      birthDate: '1984-02-29',
    };
    const create = patientToContactCreate(patient, { division: `${BASE}/divisions/1/`, provider: `${BASE}/providers/1/`, emrIdFieldId: '2' });
    const back = contactToCanonical({ ...create, url: `${BASE}/contacts/9/` }, OPTS);
    expect(back.emrPatientId).toBe('MRN-9');
    expect(back.patient.name?.[0]).toMatchObject({ family: 'van der Berg', given: ['Anna', 'Maria'], text: 'Anna Maria van der Berg' });
    expect(back.patient.telecom).toEqual([
      { system: 'email', value: 'anna@example.com' },
      { system: 'phone', value: '+1 416 555 0101' },
    ]);
    expect(back.patient.gender).toBe('female');
    expect(back.patient.birthDate).toBe('1984-02-29');
    // The EMR id is not sent back to the EMR as a foreign identifier.
    expect(back.patient.identifier).toEqual([{ system: IDENTIFIER_SYSTEMS.oncallUrl, value: `${BASE}/contacts/9/` }]);
  });

  it('names: first/last win over the split; a single word is a family name; nothing is refused', () => {
    expect(humanName('Dr. J. Smith', 'John', 'Smith')).toEqual({ use: 'official', family: 'Smith', given: ['John'], text: 'Dr. J. Smith' });
    expect(humanName('Cher', null, null)).toEqual({ use: 'official', family: 'Cher', text: 'Cher' });
    expect(humanName(null, 'Ann', null)).toEqual({ use: 'official', given: ['Ann'], text: 'Ann' });
    expect(humanName('  ', '', null)).toBeUndefined();
    expect(() => contactToCanonical({ url: `${BASE}/contacts/3/`, name: '' }, OPTS)).toThrow(SyncRefused);
  });

  it('leaves out a birth date that is not a real day, and reads sex case-insensitively', () => {
    const c = contactToCanonical({ url: `${BASE}/contacts/3/`, name: 'A B', date_of_birth: '1970-02-30', sex: 'MALE' }, OPTS);
    expect(c.patient.birthDate).toBeUndefined();
    expect(c.patient.gender).toBe('male');
    expect(contactToCanonical({ url: `${BASE}/contacts/3/`, name: 'A B', sex: 'nonbinary' }, OPTS).patient.gender).toBe('other');
    expect(contactToCanonical({ url: `${BASE}/contacts/3/`, name: 'A B', custom_field_values: { '2': false } }, OPTS).emrPatientId).toBeUndefined();
  });

  it('refuses what is not a contact, naming the field and never a value', () => {
    const err = (() => {
      try {
        contactToCanonical({ name: 'Secret Name', email: 42 }, OPTS);
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(SyncRefused);
    expect(err?.message).toMatch(/url/);
    expect(err?.message).toMatch(/email/);
    expect(err?.message).not.toMatch(/Secret/);
    expect(() => contactToCanonical('nope', OPTS)).toThrow(SyncRefused);
  });
});

describe('OnCall appointment -> FHIR Appointment', () => {
  it("reads the guide's appointment: UTC start and end, booked (Complete is the clock), type, participants with their URLs", () => {
    const a = appointmentToCanonical(GUIDE_APPOINTMENT, OPTS);
    expect(a.kind).toBe('appointment');
    expect(a.id).toBe(`${BASE}/appointments/1/`);
    expect(a.emrAppointmentId).toBeUndefined();
    expect(a.appointment).toMatchObject({
      resourceType: 'Appointment',
      identifier: [{ system: IDENTIFIER_SYSTEMS.oncallUrl, value: `${BASE}/appointments/1/` }],
      status: 'booked',
      description: 'My sample appointment',
      start: '2019-01-16T18:00:00Z',
      end: '2019-01-16T19:00:00Z',
      minutesDuration: 60,
      appointmentType: { coding: [{ code: 'online' }] },
      participant: [{ actor: { identifier: { system: IDENTIFIER_SYSTEMS.oncallUrl, value: `${BASE}/participants/12345/` }, display: 'Test Patient' }, status: 'accepted' }],
    });
    expect(a.participants).toEqual([
      {
        id: `${BASE}/participants/12345/`,
        patient: {
          resourceType: 'Patient',
          identifier: [{ system: IDENTIFIER_SYSTEMS.oncallUrl, value: `${BASE}/participants/12345/` }],
          name: [{ use: 'official', family: 'Patient', given: ['Test'], text: 'Test Patient' }],
          telecom: [{ system: 'email', value: 'test@example.com' }],
        },
      },
    ]);
  });

  it('status: cancelled flag -> cancelled; metadata.noshow -> noshow; EMR ids from metadata', () => {
    expect(appointmentToCanonical({ ...GUIDE_APPOINTMENT, cancelled: true, status: 'Cancelled' }, OPTS).appointment.status).toBe('cancelled');
    const ns = appointmentToCanonical({ ...GUIDE_APPOINTMENT, metadata: { noshow: true, emr_id: 'A-77', patient_emr_id: 'MRN-1' } }, OPTS);
    expect(ns.appointment.status).toBe('noshow');
    expect(ns.emrAppointmentId).toBe('A-77');
    expect(ns.participants[0]?.emrPatientId).toBe('MRN-1');
    expect(appointmentToCanonical({ ...GUIDE_APPOINTMENT, metadata: { emr_id: 5 } }, { ...OPTS }).emrAppointmentId).toBe('5');
    expect(appointmentToCanonical({ ...GUIDE_APPOINTMENT, datetime: '2019-01-16T13:00:00-05:00' }, OPTS).appointment.start).toBe('2019-01-16T18:00:00Z');
  });

  it('round trip: appointmentToOncall then back gives the same start, end, type, title and participant names', () => {
    const create = appointmentToOncall(
      {
        resourceType: 'Appointment',
        status: 'booked',
        identifier: [{ system: IDENTIFIER_SYSTEMS.emr, value: 'APT-1' }],
        description: 'Follow-up',
        start: '2030-01-15T15:00:00Z',
        end: '2030-01-15T15:30:00Z',
        participant: [{ actor: { reference: 'Patient/1' }, status: 'accepted' }],
      },
      [{ resourceType: 'Patient', name: [{ family: 'Doe', given: ['Jane'] }], telecom: [{ system: 'email', value: 'jane@example.com' }] }],
      { division: `${BASE}/divisions/1/` },
    );
    const listed = { ...create, url: `${BASE}/appointments/9/`, participants: create.participants.map((p, i) => ({ ...p, url: `${BASE}/participants/${i + 1}/` })) };
    const back = appointmentToCanonical(listed, OPTS);
    expect(back.emrAppointmentId).toBe('APT-1');
    expect(back.appointment).toMatchObject({ start: '2030-01-15T15:00:00Z', end: '2030-01-15T15:30:00Z', description: 'Follow-up', status: 'booked' });
    expect(back.participants[0]?.patient.name?.[0]).toMatchObject({ family: 'Doe', given: ['Jane'] });
  });

  it('refuses an appointment without a usable time or without participants', () => {
    expect(() => appointmentToCanonical({ ...GUIDE_APPOINTMENT, datetime: 'soon' }, OPTS)).toThrow(SyncRefused);
    expect(() => appointmentToCanonical({ ...GUIDE_APPOINTMENT, datetime: null }, OPTS)).toThrow(/datetime/);
    expect(appointmentToCanonical({ ...GUIDE_APPOINTMENT, datetime: null, type: 'message' }, OPTS).appointment.start).toBeUndefined();
    expect(() => appointmentToCanonical({ ...GUIDE_APPOINTMENT, participants: [] }, OPTS)).toThrow(/participants/);
    expect(() => appointmentToCanonical({ title: 'x' }, OPTS)).toThrow(/url/);
  });
});
