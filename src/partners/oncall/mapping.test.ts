import type { Appointment, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { IDENTIFIER_SYSTEMS } from '../../domain/identifiers.js';
import {
  appointmentPatchFor,
  appointmentToOncall,
  contactPatchFor,
  contactToPatient,
  oncallToAppointment,
  OncallMappingError,
  patientToContactCreate,
} from './mapping.js';
import { AppointmentCreateSchema, ContactCreateSchema, type Appointment as OncallAppointment, type Contact } from './schemas.js';

const BASE = 'https://api.oncallhealth.ca';
const ctx = { division: `${BASE}/divisions/2/`, provider: `${BASE}/providers/7/`, emrIdFieldId: '2' };

const patient: Patient = {
  resourceType: 'Patient',
  identifier: [
    { system: 'urn:other', value: 'zzz' },
    { system: IDENTIFIER_SYSTEMS.emr, value: 'EMR-42' },
  ],
  name: [
    { use: 'old', given: ['Janet'], family: 'Smith' },
    { use: 'official', given: ['Jane', 'Q'], family: 'Doe' },
  ],
  telecom: [
    { system: 'email', value: 'old@example.org', use: 'old' },
    { system: 'email', value: 'jane@example.org' },
    { system: 'phone', value: '514-555-0100', use: 'home' },
    { system: 'phone', value: '514-555-0199', use: 'mobile' },
  ],
  gender: 'female',
  birthDate: '1980-01-02',
};

/** What OnCall would answer for a create: the body plus server-side fields. */
function asStored(body: ReturnType<typeof patientToContactCreate>, id = 313): Contact {
  return { ...body, id, url: `${BASE}/contacts/${id}/`, appointments: `${BASE}/contacts/${id}/appointments/`, custom_field_names: { '2': 'EMR id' } };
}

describe('Patient <-> roster contact', () => {
  it('maps a Patient to a valid create body', () => {
    const body = patientToContactCreate(patient, { ...ctx, customFields: { '6': true }, notes: 'from EMR' });
    expect(ContactCreateSchema.parse(body)).toEqual(body);
    expect(body).toEqual({
      division: ctx.division,
      provider: ctx.provider,
      name: 'Jane Q Doe',
      first_name: 'Jane Q',
      last_name: 'Doe',
      email: 'jane@example.org',
      phone: '514-555-0199',
      sex: 'female',
      date_of_birth: '1980-01-02',
      notes: 'from EMR',
      custom_field_values: { '6': true, '2': 'EMR-42' },
    });
  });

  it('round-trips Patient -> contact -> Patient -> contact', () => {
    const body = patientToContactCreate(patient, ctx);
    const back = contactToPatient(asStored(body), ctx.emrIdFieldId);
    expect(back.identifier).toEqual([
      { system: IDENTIFIER_SYSTEMS.emr, value: 'EMR-42' },
      { system: IDENTIFIER_SYSTEMS.oncallUrl, value: `${BASE}/contacts/313/` },
    ]);
    expect(back.gender).toBe('female');
    expect(back.birthDate).toBe('1980-01-02');
    expect(patientToContactCreate(back, ctx)).toEqual(body);
  });

  it('reads sex in any case and leaves out a partial birth date', () => {
    expect(contactToPatient({ url: `${BASE}/contacts/1/`, sex: 'Unknown' }, '2').gender).toBe('unknown');
    const body = patientToContactCreate({ ...patient, birthDate: '1980-01', gender: 'other' }, ctx);
    expect(body.date_of_birth).toBeUndefined();
    expect(body.sex).toBe('Unknown');
  });

  it('refuses a Patient without EMR id or name, naming the element only', () => {
    expect(() => patientToContactCreate({ ...patient, identifier: [] }, ctx)).toThrow(OncallMappingError);
    const err = (() => {
      try {
        patientToContactCreate({ ...patient, name: [] }, ctx);
      } catch (e) {
        return e as OncallMappingError;
      }
    })();
    expect(err?.field).toBe('name');
  });

  it('patches only the keys that differ', () => {
    const body = patientToContactCreate(patient, { ...ctx, customFields: { '6': false } });
    const stored = asStored(body);
    // Same data spelt differently by the partner: no patch.
    const respelt: Contact = {
      ...stored,
      email: 'JANE@example.org',
      phone: '(514) 555-0199',
      sex: 'Female',
      division: 'https://api.dev.oncallhealth.ca/divisions/2/',
    };
    expect(contactPatchFor(respelt, body)).toBeNull();

    const wanted = patientToContactCreate(
      { ...patient, telecom: [{ system: 'email', value: 'new@example.org' }, { system: 'phone', value: '514-555-0199' }] },
      { ...ctx, customFields: { '6': true } },
    );
    // Keys wanted leaves out are never cleared; unrelated custom fields are not re-sent.
    const withExtra: Contact = { ...stored, custom_field_values: { ...stored.custom_field_values, '9': 'staff note' } };
    expect(contactPatchFor(withExtra, wanted)).toEqual({ email: 'new@example.org', custom_field_values: { '6': true } });
  });
});

describe('Appointment <-> OnCall appointment', () => {
  const fhirAppt: Appointment = {
    resourceType: 'Appointment',
    identifier: [{ system: IDENTIFIER_SYSTEMS.emr, value: 'APT-9' }],
    status: 'booked',
    description: 'Follow-up',
    appointmentType: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationMode', code: 'PHONE' }] },
    start: '2026-01-15T10:00:00-05:00',
    end: '2026-01-15T10:30:00-05:00',
    contained: [
      { resourceType: 'Patient', id: 'pat', name: [{ given: ['Jane'], family: 'Doe' }], telecom: [{ system: 'email', value: 'jane@example.org' }] },
      { resourceType: 'Patient', id: 'unused', name: [{ text: 'Not In It' }] },
    ],
    participant: [{ actor: { reference: '#pat' }, status: 'accepted' }, { actor: { reference: 'Practitioner/1' }, status: 'accepted' }],
  };
  const actx = { division: `${BASE}/divisions/2/` };

  it('maps title, UTC datetime, duration from start/end, type code, participants and metadata', () => {
    const body = appointmentToOncall(fhirAppt, undefined, { ...actx, metadata: { source: 'emr' } });
    expect(AppointmentCreateSchema.parse(body)).toEqual(body);
    expect(body).toEqual({
      title: 'Follow-up',
      datetime: '2026-01-15T15:00:00Z',
      duration: 30,
      type: 'phone',
      division: actx.division,
      participants: [{ name: 'Jane Doe', email: 'jane@example.org', first_name: 'Jane', last_name: 'Doe', fee: 0 }],
      metadata: { source: 'emr', emr_id: 'APT-9' },
    });
  });

  it('defaults the type to online, honours explicit patients and the metadata key', () => {
    const body = appointmentToOncall(
      { ...fhirAppt, appointmentType: undefined, minutesDuration: 45, status: 'cancelled' },
      [{ resourceType: 'Patient', name: [{ text: 'Other Person' }] }],
      { ...actx, emrIdMetadataKey: 'patient_emr_id', fee: 10, provider: `${BASE}/providers/7/` },
    );
    expect(body).toMatchObject({ type: 'online', duration: 45, cancelled: true, provider: `${BASE}/providers/7/` });
    expect(body.participants).toEqual([{ name: 'Other Person', fee: 10 }]);
    expect(body.metadata).toEqual({ patient_emr_id: 'APT-9' });
  });

  it('refuses an appointment without duration', () => {
    expect(() => appointmentToOncall({ ...fhirAppt, end: undefined }, undefined, actx)).toThrow(/minutesDuration/);
  });

  const stored = (body: ReturnType<typeof appointmentToOncall>): OncallAppointment => ({
    ...body,
    url: `${BASE}/appointments/1234/`,
    status: 'Scheduled',
    cancelled: body.cancelled ?? false,
    participants: body.participants.map((p, i) => ({ ...p, url: `${BASE}/participants/${56 + i}/`, cancelled: false })),
  });

  it('round-trips through OnCall back to the same create body', () => {
    const body = appointmentToOncall(fhirAppt, undefined, actx);
    const fhir = oncallToAppointment(stored(body));
    expect(fhir.identifier).toContainEqual({ system: IDENTIFIER_SYSTEMS.emr, value: 'APT-9' });
    expect(fhir.identifier).toContainEqual({ system: IDENTIFIER_SYSTEMS.oncallUrl, value: `${BASE}/appointments/1234/` });
    expect(fhir).toMatchObject({ status: 'booked', start: '2026-01-15T15:00:00Z', end: '2026-01-15T15:30:00Z', minutesDuration: 30 });
    expect(appointmentToOncall(fhir, undefined, actx)).toEqual(body);
  });

  it('patches appointment fields and participants that changed, nothing else', () => {
    const body = appointmentToOncall(fhirAppt, undefined, actx);
    const existing = stored(body);
    expect(appointmentPatchFor({ ...existing, datetime: '2026-01-15T10:00:00-05:00' }, body)).toBeNull();

    existing.participants = [
      ...(existing.participants ?? []),
      { url: `${BASE}/participants/99/`, name: 'Someone Else', email: 'else@example.org', fee: 0, cancelled: false },
    ];
    existing.metadata = { emr_id: 'APT-9', keep: 'me' };
    const wanted = { ...body, title: 'Follow-up visit', metadata: { emr_id: 'APT-9', source: 'emr' } };
    wanted.participants = [{ ...body.participants[0]!, email: 'jane.new@example.org' }];
    const changes = appointmentPatchFor(existing, wanted);
    expect(changes).toEqual({
      appointment: { title: 'Follow-up visit', metadata: { emr_id: 'APT-9', keep: 'me', source: 'emr' } },
      participants: [
        { url: `${BASE}/participants/56/`, patch: { email: 'jane.new@example.org' } },
        { url: `${BASE}/participants/99/`, patch: { cancelled: true } },
      ],
      participantsToAdd: [],
    });
  });
});
